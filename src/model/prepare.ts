import { SharedWork, SLICE_ROWS, type Sliced } from '../data/slices'
import { splitInSlices, type Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { historiesInSlices, type Histories } from './history'

/** What a run makes of its data before the first step: the split, then every row's history tokens. */
export interface Prepared {
  split: Split
  histories: Histories
}

/**
 * The split of `seed` and the histories of `historyLength` (`historyLengthFor` applied), in slices (see
 * `slices.ts`). The per-user time order the split was cut from serves the histories, then goes (120 MB
 * at 10,000,000 rows).
 */
export function* prepareInSlices(
  data: EncodedDataset,
  seed: number,
  historyLength: number,
  sliceRows = SLICE_ROWS,
): Sliced<Prepared> {
  const ordered = yield* splitInSlices(data, seed, sliceRows)
  const histories = yield* historiesInSlices(data, ordered.split, historyLength, ordered.inTime, sliceRows)
  ordered.inTime = null
  return { split: ordered.split, histories }
}

/**
 * One run's preparation (see `SharedWork`): carried forward by the training worker while the page waits
 * for a click on Train, then by the run itself. The arrays are the same whoever made which part, since
 * the slicing only decides where a caller may look up. Nothing in a run writes into the split or the
 * histories, so a finished preparation serves every later run of the same data, seed and history length.
 */
export class Preparation extends SharedWork<Prepared> {
  constructor(
    readonly data: EncodedDataset,
    readonly seed: number,
    readonly historyLength: number,
    sliceRows = SLICE_ROWS,
  ) {
    super(prepareInSlices(data, seed, historyLength, sliceRows))
  }

  /** Whether this is the preparation of a run on `data` (the same object) with `seed` and `historyLength`. */
  fits(data: EncodedDataset, seed: number, historyLength: number): boolean {
    return this.data === data && this.seed === seed && this.historyLength === historyLength
  }
}
