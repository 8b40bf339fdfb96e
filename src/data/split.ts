import { deriveSeed, mulberry32, shuffleInSlices } from './random'
import { SLICE_ROWS, slicesOf, touchInSlices, userSlices, whole, type Sliced } from './slices'
import type { EncodedDataset } from './types'

/**
 * - `leave-last-out`: per user, ordered by time: the last interaction is test, the second-to-last
 *   validation, the rest train. Users with fewer than 3 interactions stay wholly in train.
 * - `random`: interactions shuffled with the seed and cut 80/10/10 (used when there is no timestamp).
 */
export type SplitKind = 'leave-last-out' | 'random'

/** Interaction row indices per part. */
export interface Split {
  kind: SplitKind
  train: Int32Array
  validation: Int32Array
  test: Int32Array
}

/** Minimum interactions a user needs before one is held out for validation and one for test. */
export const MIN_INTERACTIONS_FOR_HOLDOUT = 3

export function splitDataset(data: EncodedDataset, seed: number): Split {
  return splitWithOrder(data, seed).split
}

/**
 * Each user's rows in time order (ties by row): `order[start[u]..start[u + 1])` for user u, and their
 * times in that order (`timeAt[i]` is the time of row `order[i]`).
 */
export interface RowsInTime {
  start: Int32Array
  order: Int32Array
  timeAt: Float64Array
}

/**
 * The split and, for a leave-last-out split, the per-user time order it was cut from (null for a random
 * split): a caller that needs that order next (the histories) takes it instead of sorting again.
 */
export function splitWithOrder(data: EncodedDataset, seed: number): SplitWithOrder {
  return whole(splitInSlices(data, seed))
}

export interface SplitWithOrder {
  split: Split
  inTime: RowsInTime | null
}

/**
 * `splitWithOrder` in slices of about `sliceRows` rows or users (see `slices.ts`): a run awaits a Stop
 * between them, since on a 10,000,000-row log the whole split takes 1.5 s.
 */
export function* splitInSlices(
  data: EncodedDataset,
  seed: number,
  sliceRows = SLICE_ROWS,
): Sliced<SplitWithOrder> {
  if (data.interactionTime) return yield* leaveLastOut(data, data.interactionTime, sliceRows)
  return { split: yield* randomSplit(data, seed, sliceRows), inTime: null }
}

/**
 * Rows grouped by user (a counting sort, stable): user u's rows are `order[start[u]..start[u + 1])`, in
 * the order they appear in `rows`. Two Int32Arrays instead of one JS array per user, so ten million
 * interactions cost 40 MB here rather than hundreds. `carry` also writes `values[row]` into `into` at
 * the row's place in `order`.
 */
export function rowsByUser(
  data: EncodedDataset,
  rows?: ArrayLike<number>,
  carry?: { values: Float64Array; into: Float64Array },
): RowsByUser {
  return whole(rowsByUserInSlices(data, rows, carry))
}

export interface RowsByUser {
  start: Int32Array
  order: Int32Array
}

/**
 * `rowsByUser`, yielding after every `sliceRows` rows of each of its passes. The loops are plain
 * functions the generator calls (see `swapDown` in random.ts for why).
 */
export function* rowsByUserInSlices(
  data: EncodedDataset,
  rows?: ArrayLike<number>,
  carry?: { values: Float64Array; into: Float64Array },
  sliceRows = SLICE_ROWS,
): Sliced<RowsByUser> {
  const n = rows ? rows.length : data.interactionUser.length
  const nUsers = data.userIds.length
  const start = new Int32Array(nUsers + 1)
  for (const [from, to] of slicesOf(n, sliceRows)) {
    countPerUser(data.interactionUser, rows, from, to, start)
    yield
  }
  for (let u = 0; u < nUsers; u++) start[u + 1] += start[u]
  const fill = start.slice(0, nUsers)
  const order = new Int32Array(n)
  // The pass below writes both at random places.
  yield* touchInSlices(carry ? [order, carry.into] : [order], sliceRows)
  for (const [from, to] of slicesOf(n, sliceRows)) {
    placeByUser(data.interactionUser, rows, from, to, fill, order, carry)
    yield
  }
  return { start, order }
}

/** Adds 1 at `start[user + 1]` for each of the rows `from` … `to` − 1 (of `rows`, or of the log). */
function countPerUser(
  users: Int32Array,
  rows: ArrayLike<number> | undefined,
  from: number,
  to: number,
  start: Int32Array,
): void {
  if (rows) for (let i = from; i < to; i++) start[users[rows[i]] + 1]++
  else for (let i = from; i < to; i++) start[users[i] + 1]++
}

/** Writes the rows `from` … `to` − 1 at their user's next place (`fill`) in `order`. */
function placeByUser(
  users: Int32Array,
  rows: ArrayLike<number> | undefined,
  from: number,
  to: number,
  fill: Int32Array,
  order: Int32Array,
  carry?: { values: Float64Array; into: Float64Array },
): void {
  for (let i = from; i < to; i++) {
    const r = rows ? rows[i] : i
    const at = fill[users[r]]++
    order[at] = r
    // Read in row order, written where the row goes: cheaper than gathering them afterwards.
    if (carry) carry.into[at] = carry.values[r]
  }
}

/** Positions a packed sort key holds (2^17), and the times below which time × that stays exact (2^35 s). */
const PACK_POSITIONS = 131_072
const MAX_PACKED_TIME = 2 ** 35

/**
 * Sorts each user's rows (`order`, grouped by user) by time, ties by row; `timeAt` holds their times in
 * the same order and is sorted with them. The sort reads only those two (a comparator reading
 * `time[row]` at random rows of a 10,000,000-row log spent most of its 1.5 s on cache misses); a user
 * whose rows are already in order (files sorted by time) is not sorted at all.
 */
function* sortByTime(
  start: Int32Array,
  order: Int32Array,
  timeAt: Float64Array,
  sliceRows: number,
): Sliced<void> {
  let longest = 0
  for (let u = 0; u + 1 < start.length; u++) longest = Math.max(longest, start[u + 1] - start[u])
  const scratch: SortScratch = {
    index: new Int32Array(longest),
    rows: new Int32Array(longest),
    times: new Float64Array(longest),
    keys: new Float64Array(longest),
  }
  for (const [from, to] of userSlices(start, sliceRows)) {
    for (let u = from; u < to; u++) sortUserByTime(order, timeAt, start[u], start[u + 1] - start[u], scratch)
    yield
  }
}

interface SortScratch {
  index: Int32Array
  rows: Int32Array
  times: Float64Array
  keys: Float64Array
}

/** `sortByTime` of the `n` rows from `from`, one user's. */
function sortUserByTime(
  order: Int32Array,
  timeAt: Float64Array,
  from: number,
  n: number,
  { index, rows, times, keys }: SortScratch,
): void {
  let sorted = true
  for (let i = from + 1; i < from + n && sorted; i++)
    sorted = timeAt[i - 1] < timeAt[i] || (timeAt[i - 1] === timeAt[i] && order[i - 1] < order[i])
  if (sorted) return
  let packable = n <= PACK_POSITIONS
  for (let i = 0; i < n; i++) {
    rows[i] = order[from + i]
    const t = (times[i] = timeAt[from + i])
    packable &&= Number.isInteger(t) && t >= 0 && t < MAX_PACKED_TIME
  }
  if (packable) {
    // Whole seconds: time × 2^17 + position is an exact float64 and sorts as (time, row), since the
    // user's rows come in row order; a sort without a comparator is several times faster.
    for (let i = 0; i < n; i++) keys[i] = times[i] * PACK_POSITIONS + i
    keys.subarray(0, n).sort()
    for (let i = 0; i < n; i++) index[i] = keys[i] % PACK_POSITIONS
  } else {
    for (let i = 0; i < n; i++) index[i] = i
    index.subarray(0, n).sort((a, b) => times[a] - times[b] || rows[a] - rows[b])
  }
  for (let i = 0; i < n; i++) {
    order[from + i] = rows[index[i]]
    timeAt[from + i] = times[index[i]]
  }
}

function* leaveLastOut(
  data: EncodedDataset,
  time: Float64Array,
  sliceRows: number,
): Sliced<{ split: Split; inTime: RowsInTime }> {
  const timeAt = new Float64Array(time.length)
  const into = { values: time, into: timeAt }
  const { start, order } = yield* rowsByUserInSlices(data, undefined, into, sliceRows)
  yield* sortByTime(start, order, timeAt, sliceRows)
  yield
  return { split: cutLastOut(start, order), inTime: { start, order, timeAt } }
}

/** Per user, in time order: the last row is test, the one before validation, the rest train. */
function cutLastOut(start: Int32Array, order: Int32Array): Split {
  const nUsers = start.length - 1
  let heldOut = 0
  for (let u = 0; u < nUsers; u++) if (start[u + 1] - start[u] >= MIN_INTERACTIONS_FOR_HOLDOUT) heldOut++
  const train = new Int32Array(order.length - 2 * heldOut)
  const validation = new Int32Array(heldOut)
  const test = new Int32Array(heldOut)
  let t = 0
  let h = 0
  for (let u = 0; u < nUsers; u++) {
    // In time order, ties by row (so the split is deterministic).
    const rows = order.subarray(start[u], start[u + 1])
    if (rows.length < MIN_INTERACTIONS_FOR_HOLDOUT) {
      train.set(rows, t)
      t += rows.length
      continue
    }
    test[h] = rows[rows.length - 1]
    validation[h++] = rows[rows.length - 2]
    train.set(rows.subarray(0, rows.length - 2), t)
    t += rows.length - 2
  }
  return { kind: 'leave-last-out', train, validation, test }
}

function* randomSplit(data: EncodedDataset, seed: number, sliceRows: number): Sliced<Split> {
  const n = data.interactionUser.length
  const order = yield* shuffleInSlices(mulberry32(deriveSeed(seed, 'split')), indices(n), sliceRows)
  const nTrain = Math.round(n * 0.8)
  const nValidation = Math.round(n * 0.1)
  return {
    kind: 'random',
    train: order.slice(0, nTrain),
    validation: order.slice(nTrain, nTrain + nValidation),
    test: order.slice(nTrain + nValidation),
  }
}

/**
 * Items each user interacted with in the given rows, as sorted unique item indices per user (views
 * into one shared buffer). Used to exclude already-known items when ranking the full catalogue.
 * With `users` (1 for each user wanted), only those users' rows are read and every other user gets
 * an empty list: 10,000 sampled queries of a 10,000,000-row log then sort 5% of it, not all of it.
 */
export function itemsPerUser(
  data: EncodedDataset,
  rows: ArrayLike<number>[],
  users?: Uint8Array,
): Int32Array[] {
  return itemsPerUserInParts(data, rows, rows.length, users).all
}

/**
 * `itemsPerUser` of the first `knownParts` parts (`known`) and of all of them (`all`) in one pass over
 * the rows: an evaluation needs both (the items to exclude, and every item of the user for its
 * negatives), and on a 10,000,000-row log each pass over the rows costs about half a second.
 */
export function itemsPerUserInParts(
  data: EncodedDataset,
  parts: ArrayLike<number>[],
  knownParts: number,
  users?: Uint8Array,
): { known: Int32Array[]; all: Int32Array[] } {
  const user = data.interactionUser
  const nUsers = data.userIds.length
  const start = new Int32Array(nUsers + 1)
  for (const part of parts)
    for (let i = 0; i < part.length; i++) {
      const u = user[part[i]]
      if (!users || users[u] === 1) start[u + 1]++
    }
  for (let u = 0; u < nUsers; u++) start[u + 1] += start[u]
  const items = new Int32Array(start[nUsers])
  const isKnown = new Uint8Array(items.length)
  const fill = start.slice(0, nUsers)
  let knownCount = 0
  parts.forEach((part, p) => {
    for (let i = 0; i < part.length; i++) {
      const r = part[i]
      const u = user[r]
      if (users && users[u] !== 1) continue
      const at = fill[u]++
      items[at] = data.interactionItem[r]
      if (p < knownParts) {
        isKnown[at] = 1
        knownCount++
      }
    }
  })
  const separate = knownParts < parts.length
  const knownItems = separate ? new Int32Array(knownCount) : items
  const empty = new Int32Array(0)
  const known: Int32Array[] = []
  const all: Int32Array[] = []
  for (let u = 0, k = 0; u < nUsers; u++) {
    if (start[u] === start[u + 1]) {
      known.push(empty)
      all.push(empty)
      continue
    }
    let ownKnown: Int32Array = empty
    if (separate) {
      const from = k
      for (let at = start[u]; at < start[u + 1]; at++) if (isKnown[at]) knownItems[k++] = items[at]
      ownKnown = sortedUnique(knownItems.subarray(from, k))
    }
    const own = sortedUnique(items.subarray(start[u], start[u + 1]))
    known.push(separate ? ownKnown : own)
    all.push(own)
  }
  return { known, all }
}

/** Sorts the view in place and gives the view of its distinct values. */
function sortedUnique(view: Int32Array): Int32Array {
  view.sort()
  let unique = 0
  for (let i = 0; i < view.length; i++) if (i === 0 || view[i] !== view[i - 1]) view[unique++] = view[i]
  return view.subarray(0, unique)
}

/**
 * 0, 1, …, n − 1. A plain loop: `Int32Array.from({ length: n }, fn)` takes the iterator path, about
 * 70 ns an element (0.7 s for a 10,000,000-row log without timestamps).
 */
export function indices(n: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(n)
  for (let i = 0; i < n; i++) out[i] = i
  return out
}
