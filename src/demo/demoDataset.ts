import { encodeDataset } from '../data/encode'
import type { EncodedDataset } from '../data/types'
import { DEMO_MAPPING, generateCardOffers, type DemoSize, type DemoWorld } from './cardOffers'

export interface DemoDataset {
  world: DemoWorld
  data: EncodedDataset
}

/** The demo world and its encoding, through the same encoder that uploaded files go through. */
export function loadDemoDataset(seed: number, size: DemoSize): DemoDataset {
  const world = generateCardOffers(seed, size)
  const encoded = encodeDataset('Card offers demo', world.tables, DEMO_MAPPING)
  // The generator's own tables always match its mapping; a failure here is a bug, not bad input.
  if (!encoded.ok) throw new Error(`Demo data failed to encode: ${encoded.reason}`)
  return { world, data: encoded.data }
}
