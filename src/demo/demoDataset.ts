import { encodeDataset } from '../data/encode'
import { tablesAsFiles, type MappingFile } from '../data/mappingFile'
import type { EncodedDataset } from '../data/types'
import { whole, type Sliced } from '../data/slices'
import { toDictTableInSlices } from '../data/table'
import {
  cardOffersInSlices,
  DEMO_MAPPING,
  generateCardOffers,
  type DemoProgress,
  type DemoSize,
  type DemoWorld,
} from './cardOffers'

/** The demo dataset's name on the page. */
export const DEMO_NAME = 'Card offers demo'

export interface DemoDataset {
  world: DemoWorld
  data: EncodedDataset
}

/** The demo world and its encoding, through the same encoder that uploaded files go through. */
export function loadDemoDataset(seed: number, size: DemoSize): DemoDataset {
  return whole(demoDatasetInSlices(seed, size))
}

/**
 * `loadDemoDataset` in slices: the draws yield between users (`cardOffersInSlices`, `progress` counts
 * the interactions drawn), and so does the hashing of their strings; the rest of the encoding is one
 * piece (about 0.5 s at 1,000,000 interactions in Node).
 */
export function* demoDatasetInSlices(
  seed: number,
  size: DemoSize,
  progress?: DemoProgress,
  sliceWork?: number,
): Sliced<DemoDataset> {
  const world = yield* cardOffersInSlices(seed, size, undefined, progress, sliceWork)
  const { interactions, users, items } = world.tables
  // The strings hashed into dictionary codes in slices too (most of the encoding's time); the rest of
  // the encoding is one piece.
  const coded = {
    interactions: yield* toDictTableInSlices(interactions),
    users: users && (yield* toDictTableInSlices(users)),
    items: items && (yield* toDictTableInSlices(items)),
  }
  yield
  const encoded = encodeDataset(DEMO_NAME, coded, DEMO_MAPPING)
  // The generator's own tables always match its mapping; a failure here is a bug, not bad input.
  if (!encoded.ok) throw new Error(`Demo data failed to encode: ${encoded.reason}`)
  return { world, data: encoded.data }
}

/**
 * The demo's tables as CSV files (users.csv, offers.csv, interactions.csv) and their `mapping.json`,
 * from which an exported project's data.py rebuilds exactly `loadDemoDataset(seed, size).data`.
 */
export function demoDataFiles(
  seed: number,
  size: DemoSize,
): { files: { name: string; text: string }[]; mappingFile: MappingFile } {
  return tablesAsFiles(DEMO_NAME, generateCardOffers(seed, size).tables, DEMO_MAPPING)
}
