import { deriveSeed, mulberry32, shuffleInPlace } from './random'
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
export function splitWithOrder(
  data: EncodedDataset,
  seed: number,
): { split: Split; inTime: RowsInTime | null } {
  return data.interactionTime
    ? leaveLastOut(data, data.interactionTime)
    : { split: randomSplit(data, seed), inTime: null }
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
): { start: Int32Array; order: Int32Array } {
  const users = data.interactionUser
  const n = rows ? rows.length : users.length
  const rowAt = (i: number) => (rows ? rows[i] : i)
  const nUsers = data.userIds.length
  const start = new Int32Array(nUsers + 1)
  for (let i = 0; i < n; i++) start[users[rowAt(i)] + 1]++
  for (let u = 0; u < nUsers; u++) start[u + 1] += start[u]
  const fill = start.slice(0, nUsers)
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const r = rowAt(i)
    const at = fill[users[r]]++
    order[at] = r
    // Read in row order, written where the row goes: cheaper than gathering them afterwards.
    if (carry) carry.into[at] = carry.values[r]
  }
  return { start, order }
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
function sortByTime(start: Int32Array, order: Int32Array, timeAt: Float64Array): void {
  let longest = 0
  for (let u = 0; u + 1 < start.length; u++) longest = Math.max(longest, start[u + 1] - start[u])
  const index = new Int32Array(longest)
  const rows = new Int32Array(longest)
  const times = new Float64Array(longest)
  const keys = new Float64Array(longest)
  for (let u = 0; u + 1 < start.length; u++) {
    const from = start[u]
    const n = start[u + 1] - from
    let sorted = true
    for (let i = from + 1; i < from + n && sorted; i++)
      sorted = timeAt[i - 1] < timeAt[i] || (timeAt[i - 1] === timeAt[i] && order[i - 1] < order[i])
    if (sorted) continue
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
}

function leaveLastOut(data: EncodedDataset, time: Float64Array): { split: Split; inTime: RowsInTime } {
  const timeAt = new Float64Array(time.length)
  const { start, order } = rowsByUser(data, undefined, { values: time, into: timeAt })
  sortByTime(start, order, timeAt)
  const nUsers = data.userIds.length
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
  return { split: { kind: 'leave-last-out', train, validation, test }, inTime: { start, order, timeAt } }
}

function randomSplit(data: EncodedDataset, seed: number): Split {
  const n = data.interactionUser.length
  const order = shuffleInPlace(mulberry32(deriveSeed(seed, 'split')), indices(n))
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
