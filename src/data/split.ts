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

/** Each user's rows in time order (ties by row): `order[start[u]..start[u + 1])` for user u. */
export interface RowsInTime {
  start: Int32Array
  order: Int32Array
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
 * interactions cost 40 MB here rather than hundreds.
 */
export function rowsByUser(
  data: EncodedDataset,
  rows?: ArrayLike<number>,
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
    order[fill[users[r]]++] = r
  }
  return { start, order }
}

function leaveLastOut(data: EncodedDataset, time: Float64Array): { split: Split; inTime: RowsInTime } {
  const { start, order } = rowsByUser(data)
  const nUsers = data.userIds.length
  let heldOut = 0
  for (let u = 0; u < nUsers; u++) if (start[u + 1] - start[u] >= MIN_INTERACTIONS_FOR_HOLDOUT) heldOut++
  const train = new Int32Array(order.length - 2 * heldOut)
  const validation = new Int32Array(heldOut)
  const test = new Int32Array(heldOut)
  let t = 0
  let h = 0
  for (let u = 0; u < nUsers; u++) {
    const rows = order.subarray(start[u], start[u + 1])
    // Ties in time are broken by row order, so the split is deterministic.
    rows.sort((a, b) => time[a] - time[b] || a - b)
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
  return { split: { kind: 'leave-last-out', train, validation, test }, inTime: { start, order } }
}

function randomSplit(data: EncodedDataset, seed: number): Split {
  const n = data.interactionUser.length
  const order = shuffleInPlace(
    mulberry32(deriveSeed(seed, 'split')),
    Int32Array.from({ length: n }, (_, i) => i),
  )
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
  const user = data.interactionUser
  const wanted = (r: number) => !users || users[user[r]] === 1
  let n = 0
  for (const part of rows) for (let i = 0; i < part.length; i++) if (wanted(part[i])) n++
  const all = new Int32Array(n)
  let k = 0
  for (const part of rows) for (let i = 0; i < part.length; i++) if (wanted(part[i])) all[k++] = part[i]
  const { start, order } = rowsByUser(data, all)
  const items = order.map((r) => data.interactionItem[r])
  const out: Int32Array[] = []
  for (let u = 0; u < data.userIds.length; u++) {
    const own = items.subarray(start[u], start[u + 1]).sort()
    let unique = 0
    for (let i = 0; i < own.length; i++) if (i === 0 || own[i] !== own[i - 1]) own[unique++] = own[i]
    out.push(own.subarray(0, unique))
  }
  return out
}
