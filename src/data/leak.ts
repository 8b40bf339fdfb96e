/**
 * The leak guard, run when a mapping is applied, before any training: does an interaction-level input
 * (a context field, fed to the query) give away the held-out answer?
 *
 * A context value is read from the very interaction being predicted. Known-at-request context (device,
 * hour) shifts preferences a little; a rating, an outcome or an attribute of the chosen item narrows the
 * answer down, and then every metric measures the leak, not the model. Two plain count models tell them
 * apart on the validation split, with no training:
 * - **item**: "the 10 items most common among training rows with this value" against "the 10 most
 *   common items" — Hit@10 on the held-out interactions, paired per query;
 * - **rating** (when a rating is mapped): the training mean rating per value as a prediction of the
 *   held-out rating, as the share of rating variance it explains (R² on validation).
 * A field is flagged when either is far better than chance: Hit@10 at least doubled and up by
 * `ITEM_MIN_GAIN` and four standard errors, or R² of at least `RATING_MIN_R2`.
 */
import { deriveSeed, mulberry32, shuffleInPlace } from './random'
import type { Split } from './split'
import type { EncodedDataset } from './types'

/** Held-out interactions scored per field (a seeded sample beyond it). */
export const LEAK_QUERIES = 10_000
/** Items per count-model list: the same K as the page's headline metric. */
const K = 10
/** Flag thresholds (see the module comment). */
export const ITEM_MIN_GAIN = 0.05
export const ITEM_MIN_RATIO = 2
export const RATING_MIN_R2 = 0.3

export interface LeakFinding {
  field: string
  /** Far better than chance (the thresholds above): a likely leak. */
  flagged: boolean
  target: 'item' | 'rating'
  /** Item: Hit@10 of the per-value lists; rating: R² of the per-value means. */
  withField: number
  /** Item: Hit@10 of the overall list; rating: 0 (the overall mean explains nothing). */
  without: number
  /** Standard error of `withField - without` (paired over queries; 0 for R²). */
  standardError: number
  queries: number
  message: string
}

/** The `K` indices with the largest counts, largest first, ties by lower index. */
function topIndices(counts: ArrayLike<number>, k: number): number[] {
  const best: number[] = []
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] === 0) continue
    if (best.length === k && counts[i] <= counts[best[k - 1]]) continue
    let pos = best.length
    while (pos > 0 && counts[best[pos - 1]] < counts[i]) pos--
    best.splice(pos, 0, i)
    if (best.length > k) best.pop()
  }
  return best
}

/** Validation rows scored: all of them, or a seeded sample of `LEAK_QUERIES`. */
function queryRows(split: Split): Int32Array {
  const rows = split.validation
  if (rows.length <= LEAK_QUERIES) return rows
  return shuffleInPlace(mulberry32(deriveSeed(0, 'leak-queries')), Int32Array.from(rows)).subarray(
    0,
    LEAK_QUERIES,
  )
}

const percent = (x: number) => `${(x * 100).toFixed(1)}%`

/**
 * Context fields whose values predict the held-out item or its rating far better than chance.
 * `ratings` holds each interaction's rating (NaN where missing), or null when no rating is mapped.
 */
export function findLeaks(data: EncodedDataset, split: Split, ratings: Float64Array | null): LeakFinding[] {
  return measureLeaks(data, split, ratings).filter((m) => m.flagged)
}

/** Both measures for every context field (the rating one only with ratings), flagged or not. */
export function measureLeaks(
  data: EncodedDataset,
  split: Split,
  ratings: Float64Array | null,
): LeakFinding[] {
  const nContext = data.contextFields.length
  if (nContext === 0 || split.train.length === 0 || split.validation.length === 0) return []
  const nItems = data.itemIds.length
  const queries = queryRows(split)
  const overall = new Float64Array(nItems)
  for (const r of split.train) overall[data.interactionItem[r]]++
  const overallTop = new Set(topIndices(overall, K))
  const findings: LeakFinding[] = []

  for (let f = 0; f < nContext; f++) {
    const field = data.contextFields[f]
    const valueOf = (r: number) => data.contextCodes[r * nContext + f]
    // Item counts per value, only for values that some query has (the rest cannot matter).
    const needed = new Map<number, Map<number, number>>()
    for (const r of queries) needed.set(valueOf(r), new Map())
    for (const r of split.train) {
      const perItem = needed.get(valueOf(r))
      if (perItem) perItem.set(data.interactionItem[r], (perItem.get(data.interactionItem[r]) ?? 0) + 1)
    }
    const listOf = new Map<number, Set<number>>()
    for (const [value, perItem] of needed) {
      const counts = new Float64Array(nItems)
      for (const [item, n] of perItem) counts[item] = n
      const list = topIndices(counts, K)
      // Values seen too rarely in training fall back to the overall list for their empty places.
      for (const item of topIndices(overall, 2 * K))
        if (list.length < K && !list.includes(item)) list.push(item)
      listOf.set(value, new Set(list))
    }
    let hitWith = 0
    let hitWithout = 0
    let sumSq = 0
    for (const r of queries) {
      const item = data.interactionItem[r]
      const d = (listOf.get(valueOf(r))!.has(item) ? 1 : 0) - (overallTop.has(item) ? 1 : 0)
      hitWith += listOf.get(valueOf(r))!.has(item) ? 1 : 0
      hitWithout += overallTop.has(item) ? 1 : 0
      sumSq += d * d
    }
    const n = queries.length
    const withField = hitWith / n
    const without = hitWithout / n
    const meanDiff = withField - without
    const standardError = n > 1 ? Math.sqrt(Math.max(0, sumSq / n - meanDiff * meanDiff) / (n - 1)) : 0
    findings.push({
      field: field.name,
      flagged:
        meanDiff >= ITEM_MIN_GAIN && withField >= ITEM_MIN_RATIO * without && meanDiff > 4 * standardError,
      target: 'item',
      withField,
      without,
      standardError,
      queries: n,
      message: `"${field.name}" gives away the held-out item: the 10 items most common for its value contain it in ${percent(withField)} of validation interactions, against ${percent(without)} for the 10 most popular items (±${percent(1.96 * standardError)}). A value known only after the choice (an attribute of the chosen item, an outcome) would do this; if it is not known when recommending, leave it out of the inputs.`,
    })

    if (!ratings) continue
    const sum = new Map<number, number>()
    const count = new Map<number, number>()
    let totalSum = 0
    let total = 0
    for (const r of split.train) {
      const y = ratings[r]
      if (!Number.isFinite(y)) continue
      sum.set(valueOf(r), (sum.get(valueOf(r)) ?? 0) + y)
      count.set(valueOf(r), (count.get(valueOf(r)) ?? 0) + 1)
      totalSum += y
      total++
    }
    if (total === 0) continue
    const mean = totalSum / total
    let sse = 0
    let sst = 0
    let scored = 0
    for (const r of queries) {
      const y = ratings[r]
      if (!Number.isFinite(y)) continue
      const c = count.get(valueOf(r))
      const predicted = c ? sum.get(valueOf(r))! / c : mean
      sse += (y - predicted) ** 2
      sst += (y - mean) ** 2
      scored++
    }
    const r2 = sst > 0 ? 1 - sse / sst : 0
    findings.push({
      field: field.name,
      flagged: r2 >= RATING_MIN_R2,
      target: 'rating',
      withField: r2,
      without: 0,
      standardError: 0,
      queries: scored,
      message: `"${field.name}" gives away the rating: its value explains ${percent(r2)} of the variance of held-out ratings. A rating is only known after the choice; as an input it leaks the answer. Leave it out unless it is known when recommending.`,
    })
  }
  return findings
}
