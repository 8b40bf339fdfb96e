/**
 * Item-to-item co-occurrence baseline ("items seen with your items"), the item-based top-N
 * recommender of Deshpande & Karypis (ACM TOIS 2004) with cosine similarity:
 *
 *   sim(j, i) = cooc(j, i) / √(n_j · n_i),      score_u(i) = Σ_{j ∈ H(u)} sim_K(j, i)
 *
 * where cooc(j, i) counts the users whose recent training items hold both j and i, n_i counts the users
 * whose recent items hold i, H(u) is the user's recent training items, and sim_K(j, ·) keeps only j's
 * `COOCCURRENCE_NEIGHBOURS` most similar items (their neighbourhood truncation; ties by item index).
 * Items the user already has are excluded by the evaluation, as for every scorer (so the user's own
 * co-occurrences, which only ever join two of their own items, change no ranking).
 *
 * No items × items matrix is built (100k items would need 40 GB): each item's K neighbours are found
 * once, from its users' items. Two caps bound that: each user's history is their
 * `COOCCURRENCE_HISTORY` most recent distinct training items (by timestamp, or file order without one),
 * and each item's users are a seeded sample of at most `COOCCURRENCE_ITEM_USERS`, scaled up by
 * n_j / sample size so the count estimates the uncapped one. Building costs at most 200 × 50 additions
 * per item; a query then costs 50 × K additions, whatever the dataset's size (10,000 validation queries
 * of a 10,000,000-row log: under a second, where walking each query's neighbours took 35 s).
 *
 * Items that co-occur with nothing the user has (and every item, for a user without training items)
 * tie at 0; a tie-break a thousand times smaller than any co-occurrence orders them by training popularity.
 * Evaluation ranks it directly (`SparseRanking`): one popularity order for every query, and per query
 * only the items its history's neighbours reach, so a 100,000-item catalogue is not scored per query.
 */
import { deriveSeed, mulberry32, randInt } from '../data/random'
import { rowsByUser } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { itemCounts } from './baselines'
import { rowRanking, SparseRanking, type BatchScorer } from './metrics'

/** Most recent distinct training items of a user that take part (as query history and as neighbour). */
export const COOCCURRENCE_HISTORY = 50
/** Most users walked per history item; more popular items get a seeded sample of this many. */
export const COOCCURRENCE_ITEM_USERS = 200
/** Neighbours kept per item: its K most similar items. */
export const COOCCURRENCE_NEIGHBOURS = 100
/**
 * Most neighbours kept over the whole catalogue (8 bytes each): past 200,000 items each keeps fewer
 * than `COOCCURRENCE_NEIGHBOURS`, and never fewer than 10, so a catalogue of millions of items holds
 * at most about 160 MB of neighbours (80 MB at 10 each beyond 2,000,000 items).
 */
const MAX_NEIGHBOUR_ENTRIES = 20_000_000

/** Neighbours kept per item for a catalogue of `itemCount` items (see `MAX_NEIGHBOUR_ENTRIES`). */
export function neighboursPerItem(itemCount: number, wanted = COOCCURRENCE_NEIGHBOURS): number {
  return Math.max(
    Math.min(wanted, 10),
    Math.min(wanted, Math.floor(MAX_NEIGHBOUR_ENTRIES / Math.max(1, itemCount))),
  )
}

/** A query that reaches more than 1/DENSE_REACH of the catalogue is ranked from its dense row. */
const DENSE_REACH = 4

export interface CooccurrenceOptions {
  historyLength?: number
  itemUsers?: number
  neighbours?: number
  /** The training rows' item counts when the caller has them (see `trainItemCounts`). */
  trainCounts?: Float64Array
}

/** Items whose neighbours are found between two pauses of `cooccurrenceSteps`. */
const ITEMS_PER_PAUSE = 1024

/** Builds the co-occurrence scorer from the training rows only (validation and test rows never count). */
export function cooccurrenceScorer(
  data: EncodedDataset,
  trainRows: Int32Array,
  seed: number,
  options: CooccurrenceOptions = {},
): BatchScorer {
  const steps = cooccurrenceSteps(data, trainRows, seed, options)
  for (;;) {
    const next = steps.next()
    if (next.done) return next.value
  }
}

/**
 * The same build, pausing (`yield`) after each phase and every `ITEMS_PER_PAUSE` items of the
 * neighbour search, so a caller can let a Stop in: on a 10,000,000-row log the build takes about 11 s.
 */
export function* cooccurrenceSteps(
  data: EncodedDataset,
  trainRows: Int32Array,
  seed: number,
  options: CooccurrenceOptions = {},
): Generator<void, BatchScorer, void> {
  const historyLength = options.historyLength ?? COOCCURRENCE_HISTORY
  const maxItemUsers = options.itemUsers ?? COOCCURRENCE_ITEM_USERS
  const neighbours = neighboursPerItem(data.itemIds.length, options.neighbours)
  const nUsers = data.userIds.length
  const nItems = data.itemIds.length
  const history = recentHistories(data, trainRows, historyLength)
  yield

  // Users of each item (among the capped histories), as one CSR: users of i = itemUsers[itemStart[i]..itemStart[i + 1]).
  const itemStart = new Int32Array(nItems + 1)
  for (let k = 0; k < history.items.length; k++) itemStart[history.items[k] + 1]++
  for (let i = 0; i < nItems; i++) itemStart[i + 1] += itemStart[i]
  const itemUsers = new Int32Array(history.items.length)
  const fill = itemStart.slice(0, nItems)
  for (let u = 0; u < nUsers; u++)
    for (let k = history.start[u]; k < history.start[u + 1]; k++) itemUsers[fill[history.items[k]]++] = u
  // A seeded sample of each too-popular item's users: the first `maxItemUsers` of its list after a
  // partial Fisher–Yates shuffle.
  const rng = mulberry32(deriveSeed(seed, 'cooccurrence'))
  for (let i = 0; i < nItems; i++) {
    const from = itemStart[i]
    const n = itemStart[i + 1] - from
    for (let k = 0; k < Math.min(n - 1, maxItemUsers); k++) {
      const pick = k + randInt(rng, n - k)
      const t = itemUsers[from + k]
      itemUsers[from + k] = itemUsers[from + pick]
      itemUsers[from + pick] = t
    }
  }
  // Per item: 1/√n_i (0 when no history holds it), and each walked user's weight for a history item j,
  // 1/√n_j scaled by n_j / walked users: √n_j / min(n_j, cap).
  const inverseRoot = new Float64Array(nItems)
  const walkWeight = new Float64Array(nItems)
  for (let i = 0; i < nItems; i++) {
    const n = itemStart[i + 1] - itemStart[i]
    if (n === 0) continue
    inverseRoot[i] = 1 / Math.sqrt(n)
    walkWeight[i] = Math.sqrt(n) / Math.min(n, maxItemUsers)
  }
  // Any co-occurrence scores at least (1/√cap)·(1/√n_i) ≥ 1/√(cap · most users); the tie-break stays
  // below a thousandth of that, so it only orders items of equal co-occurrence (mostly 0).
  const counts = options.trainCounts ?? itemCounts(data, trainRows)
  let mostCount = 1
  let mostUsers = 1
  for (let i = 0; i < nItems; i++) {
    mostCount = Math.max(mostCount, counts[i])
    mostUsers = Math.max(mostUsers, itemStart[i + 1] - itemStart[i])
  }
  const tieBreakScale = 1e-3 / Math.sqrt(Math.min(maxItemUsers, mostUsers) * mostUsers) / mostCount
  const tieBreak = Float64Array.from(counts, (c) => c * tieBreakScale)

  yield
  const similar = yield* nearestItems(
    history,
    itemStart,
    itemUsers,
    maxItemUsers,
    walkWeight,
    inverseRoot,
    neighbours,
  )

  const acc = new Float64Array(nItems)
  // The items the last walk touched, so finding the reached ones costs the walk, not the catalogue
  // (two passes over 50,000 items per query were most of ranking 10,000 test queries).
  let touched = new Int32Array(1024)
  /**
   * Sums user u's similarities into `acc` (which the caller zeroes before the next user); returns how
   * many items it touched, listed first in `touched` (an item whose sum was still 0 may be listed twice).
   */
  const accumulate = (u: number): number => {
    let count = 0
    for (let k = history.start[u]; k < history.start[u + 1]; k++) {
      const j = history.items[k]
      for (let p = similar.start[j]; p < similar.start[j + 1]; p++) {
        const i = similar.items[p]
        if (acc[i] === 0) {
          if (count === touched.length) touched = growInt(touched, 2 * count)
          touched[count++] = i
        }
        acc[i] += similar.values[p]
      }
    }
    return count
  }
  const score = (rows: Int32Array) => {
    const out = new Float32Array(rows.length * nItems)
    for (let q = 0; q < rows.length; q++) {
      accumulate(data.interactionUser[rows[q]])
      const base = q * nItems
      for (let i = 0; i < nItems; i++) out[base + i] = acc[i] + tieBreak[i]
      acc.fill(0)
    }
    return out
  }
  // Ranked directly: the items a user reaches get their own score, every other item ties at 0
  // co-occurrence and keeps its popularity tie-break (one shared order), exactly as in `score`.
  return Object.assign(score, {
    ranking: () => {
      const shared = Float32Array.from(tieBreak)
      const ranking = new SparseRanking(shared)
      const dense = new Float32Array(nItems)
      let reachedScores = new Float32Array(touched.length)
      return (row: number) => {
        const count = accumulate(data.interactionUser[row])
        if (reachedScores.length < count) reachedScores = new Float32Array(touched.length)
        // The reached items (a positive sum) moved to the front of `touched`, `acc` zeroed on the way:
        // an item listed twice is taken the first time and finds 0 the second.
        let reached = 0
        for (let k = 0; k < count; k++) {
          const i = touched[k]
          if (acc[i] > 0) {
            touched[reached] = i
            reachedScores[reached++] = acc[i] + tieBreak[i]
          }
          acc[i] = 0
        }
        // A query that reaches most of the catalogue ranks its dense row: as exact, and cheaper then.
        if (reached * DENSE_REACH > nItems) {
          dense.set(shared)
          for (let k = 0; k < reached; k++) dense[touched[k]] = reachedScores[k]
          return rowRanking(dense)
        }
        const items = touched.slice(0, reached)
        const scores = reachedScores.slice(0, reached)
        return ranking.forQuery(items, scores)
      }
    },
  })
}

/**
 * Each item's `k` most similar items and their cosine similarities (ties by item index), as one CSR:
 * item j's are `items[start[j]..start[j + 1])`. Similarity is counted from j's sampled users (at most
 * `cap`): sim(j, i) = (users counted with i) · walkWeight[j] · inverseRoot[i].
 */
function* nearestItems(
  history: { start: Int32Array; items: Int32Array },
  itemStart: Int32Array,
  itemUsers: Int32Array,
  cap: number,
  walkWeight: Float64Array,
  inverseRoot: Float64Array,
  k: number,
): Generator<void, { start: Int32Array; items: Int32Array; values: Float32Array }, void> {
  const nItems = inverseRoot.length
  const counted = new Int32Array(nItems)
  const reached = new Int32Array(nItems)
  const values = new Float64Array(nItems)
  const scratch = new Float64Array(nItems)
  const start = new Int32Array(nItems + 1)
  let items = new Int32Array(Math.min(nItems * k, 1 << 20))
  let sims = new Float32Array(items.length)
  let end = 0
  const userStart = history.start
  const userItems = history.items
  for (let j = 0; j < nItems; j++) {
    if (j % ITEMS_PER_PAUSE === ITEMS_PER_PAUSE - 1) yield
    let n = 0
    const last = itemStart[j] + Math.min(itemStart[j + 1] - itemStart[j], cap)
    for (let p = itemStart[j]; p < last; p++) {
      const v = itemUsers[p]
      const to = userStart[v + 1]
      for (let h = userStart[v]; h < to; h++) {
        const i = userItems[h]
        if (counted[i]++ === 0) reached[n++] = i
      }
    }
    // j is in each of its users' histories: not its own neighbour.
    if (counted[j] > 0) {
      counted[j] = 0
      for (let r = 0; r < n; r++)
        if (reached[r] === j) {
          reached[r] = reached[--n]
          break
        }
    }
    const weight = walkWeight[j]
    for (let r = 0; r < n; r++) values[r] = counted[reached[r]] * weight * inverseRoot[reached[r]]
    // The k-th largest similarity; everything above it is kept, and ties at it by item index.
    let threshold = -Infinity
    if (n > k) {
      scratch.set(values.subarray(0, n))
      threshold = kthLargest(scratch.subarray(0, n), k)
    }
    const ties: number[] = []
    if (end + Math.min(n, k) > items.length) {
      const bigger = Math.min(Math.max(items.length * 2, end + k), nItems * k)
      items = growInt(items, bigger)
      sims = growFloat(sims, bigger)
    }
    let kept = 0
    for (let r = 0; r < n; r++) {
      if (values[r] > threshold) {
        items[end + kept] = reached[r]
        sims[end + kept++] = values[r]
      } else if (values[r] === threshold) ties.push(reached[r])
      counted[reached[r]] = 0
    }
    ties.sort((a, b) => a - b)
    for (let t = 0; kept < k && t < ties.length; t++) {
      items[end + kept] = ties[t]
      sims[end + kept++] = threshold
    }
    end += kept
    start[j + 1] = end
  }
  return { start, items: items.subarray(0, end), values: sims.subarray(0, end) }
}

/** The k-th largest value (1-based) of `values`, which it reorders (quickselect). */
function kthLargest(values: Float64Array, k: number): number {
  let lo = 0
  let hi = values.length - 1
  const want = k - 1
  while (lo < hi) {
    const pivot = values[(lo + hi) >> 1]
    let i = lo
    let j = hi
    while (i <= j) {
      while (values[i] > pivot) i++
      while (values[j] < pivot) j--
      if (i <= j) {
        const t = values[i]
        values[i++] = values[j]
        values[j--] = t
      }
    }
    if (want <= j) hi = j
    else if (want >= i) lo = i
    else return values[want]
  }
  return values[want]
}

function growInt(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(size)
  out.set(a)
  return out
}

function growFloat(a: Float32Array, size: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(size)
  out.set(a)
  return out
}

/**
 * Each user's most recent distinct training items, newest first, at most `historyLength`, as one CSR:
 * user u's items are `items[start[u]..start[u + 1])`. Recency is the timestamp (ties by row), or the
 * row order when the data has no timestamp.
 */
export function recentHistories(
  data: EncodedDataset,
  trainRows: Int32Array,
  historyLength: number,
): { start: Int32Array; items: Int32Array } {
  const nUsers = data.userIds.length
  const time = data.interactionTime
  const byUser = rowsByUser(data, trainRows)
  const start = new Int32Array(nUsers + 1)
  const items = new Int32Array(Math.min(trainRows.length, nUsers * historyLength))
  // seen[i] === u + 1 when item i is already in user u's history (no clearing between users).
  const seen = new Int32Array(data.itemIds.length)
  let k = 0
  for (let u = 0; u < nUsers; u++) {
    const own = byUser.order.subarray(byUser.start[u], byUser.start[u + 1])
    if (time && !inTimeOrder(own, time)) own.sort((a, b) => time[a] - time[b] || a - b)
    else if (!time) own.sort()
    for (let r = own.length - 1; r >= 0 && k - start[u] < historyLength; r--) {
      const item = data.interactionItem[own[r]]
      if (seen[item] === u + 1) continue
      seen[item] = u + 1
      items[k++] = item
    }
    start[u + 1] = k
  }
  return { start, items: items.subarray(0, k) }
}

function inTimeOrder(rows: Int32Array, time: Float64Array): boolean {
  for (let r = 1; r < rows.length; r++)
    if (time[rows[r]] < time[rows[r - 1]] || (time[rows[r]] === time[rows[r - 1]] && rows[r] < rows[r - 1]))
      return false
  return true
}
