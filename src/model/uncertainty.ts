/**
 * How sure a test number is. Every ranking metric except coverage is a mean over held-out queries, so
 * its standard error is the sample standard deviation over √n. The model and every baseline rank the
 * same queries, so a comparison is paired: the standard error of the per-query difference, much smaller
 * than the two standard errors combined because a query that is easy for one scorer is easy for the other.
 * Coverage (distinct items recommended over all queries) is not a mean: its spread comes from a bootstrap
 * over queries. Pure and free of tfjs, so the UI uses the same rules as the worker.
 */
import { deriveSeed, mulberry32, randInt } from '../data/random'

/** Two-sided 95% quantile of the standard normal: a 95% interval is value ± Z95 × standard error. */
export const Z95 = 1.959963984540054

/**
 * Below this many held-out queries the test split is too small to compare scorers. The standard error
 * of a hit rate is at most 0.5 / √n, so with 100 queries a 95% interval can still be ±0.098 wide, and with
 * fewer hits than that the normal approximation behind ± and behind the paired test is unreliable.
 */
export const MIN_TEST_QUERIES = 100

/** Bootstrap resamples of the queries for coverage's standard error. */
export const COVERAGE_RESAMPLES = 200

/** Sample standard deviation (n − 1 in the denominator); NaN with fewer than 2 values. */
export function standardDeviation(values: ArrayLike<number>): number {
  const n = values.length
  if (n < 2) return NaN
  // Shifted by the first value, so a constant series gives exactly 0 and large offsets lose no precision.
  const shift = values[0]
  let mean = 0
  for (let i = 0; i < n; i++) mean += values[i] - shift
  mean /= n
  let squares = 0
  for (let i = 0; i < n; i++) squares += (values[i] - shift - mean) ** 2
  return Math.sqrt(squares / (n - 1))
}

/** Standard error of the mean of `values`: sample standard deviation / √n; NaN with fewer than 2 values. */
export function standardError(values: ArrayLike<number>): number {
  return standardDeviation(values) / Math.sqrt(values.length)
}

/** Mean of `model − baseline` over the same queries, and the standard error of that paired difference. */
export interface PairedDifference {
  difference: number
  standardError: number
}

/** The paired difference of two per-query series of equal length (same queries in the same order). */
export function pairedDifference(model: ArrayLike<number>, baseline: ArrayLike<number>): PairedDifference {
  if (model.length !== baseline.length)
    throw new Error(`Paired series differ in length: ${model.length} and ${baseline.length}.`)
  const diff = Float64Array.from(model, (v, i) => v - baseline[i])
  let sum = 0
  for (const d of diff) sum += d
  return { difference: diff.length > 0 ? sum / diff.length : NaN, standardError: standardError(diff) }
}

/**
 * An item recommended to more than this many queries is in every bootstrap resample's coverage but for
 * a chance of about e^−31 ≈ 3·10^−14 (each query is left out of a resample with probability ≈ 1/e).
 */
const ALWAYS_COVERED_ABOVE = 30

/**
 * Bootstrap standard error of coverage@k for each k in `ks`: `resamples` times, draw the queries with
 * replacement and count the distinct items in their top-k lists. Only the spread of those counts is used:
 * a resample holds about 63% of the distinct queries, so its coverage sits below the full set's and the
 * replicates' level says nothing about the value itself.
 *
 * `recommended` is row-major, `listLength` items per query (best first, −1 pads short lists). Items
 * recommended to more than 30 queries are counted as covered in every resample, so a resample costs about
 * the number of queries plus the list entries of rarely recommended items.
 */
export function coverageStandardErrors(
  recommended: Int32Array,
  listLength: number,
  itemCount: number,
  ks: readonly number[],
  seed: number,
  resamples = COVERAGE_RESAMPLES,
): number[] {
  const queries = listLength > 0 ? recommended.length / listLength : 0
  if (queries < 2 || itemCount <= 0) return ks.map(() => NaN)
  const rng = mulberry32(deriveSeed(seed, 'coverage-bootstrap'))
  const rare = ks.map((k) => rarelyRecommended(recommended, listLength, queries, itemCount, k))
  // drawn[q] = r when query q is in resample r.
  const drawn = new Int32Array(queries)
  const values = ks.map(() => new Float64Array(resamples))
  for (let r = 1; r <= resamples; r++) {
    for (let i = 0; i < queries; i++) drawn[randInt(rng, queries)] = r
    rare.forEach(({ always, offsets, queryIndex }, j) => {
      let covered = always
      for (let item = 0; item + 1 < offsets.length; item++)
        for (let e = offsets[item]; e < offsets[item + 1]; e++)
          if (drawn[queryIndex[e]] === r) {
            covered++
            break
          }
      values[j][r - 1] = covered / itemCount
    })
  }
  // The standard deviation of the replicates is the standard error of the statistic.
  return values.map(standardDeviation)
}

/**
 * For top-k lists: how many items more than `ALWAYS_COVERED_ABOVE` queries recommend (`always`), and for
 * the others that some query recommends, the queries that do (compressed rows: item t's queries are
 * `queryIndex[offsets[t] .. offsets[t + 1])`).
 */
function rarelyRecommended(
  recommended: Int32Array,
  listLength: number,
  queries: number,
  itemCount: number,
  k: number,
): { always: number; offsets: Int32Array; queryIndex: Int32Array } {
  const depth = Math.min(k, listLength)
  const counts = new Int32Array(itemCount)
  for (let q = 0; q < queries; q++)
    for (let p = 0; p < depth; p++) {
      const item = recommended[q * listLength + p]
      if (item < 0) break
      counts[item]++
    }
  let always = 0
  const rows: number[] = []
  for (let item = 0; item < itemCount; item++) {
    if (counts[item] > ALWAYS_COVERED_ABOVE) always++
    else if (counts[item] > 0) rows.push(item)
  }
  const row = new Int32Array(itemCount).fill(-1)
  rows.forEach((item, t) => (row[item] = t))
  const offsets = new Int32Array(rows.length + 1)
  rows.forEach((item, t) => (offsets[t + 1] = offsets[t] + counts[item]))
  const queryIndex = new Int32Array(offsets[rows.length])
  const filled = offsets.slice(0, rows.length)
  for (let q = 0; q < queries; q++)
    for (let p = 0; p < depth; p++) {
      const item = recommended[q * listLength + p]
      if (item < 0) break
      const t = row[item]
      if (t >= 0) queryIndex[filled[t]++] = q
    }
  return { always, offsets, queryIndex }
}

/**
 * What a paired difference says at 95%: `better` or `worse` when its interval excludes 0, else
 * `no-difference`. `lowerIsBetter` flips the direction (losses).
 */
export type Verdict = 'better' | 'worse' | 'no-difference'

export function verdictOf(d: PairedDifference, lowerIsBetter = false): Verdict {
  if (!Number.isFinite(d.difference) || !Number.isFinite(d.standardError)) return 'no-difference'
  const halfWidth = Z95 * d.standardError
  // A difference that is exactly zero on every query has a zero-width interval: still no difference.
  if (Math.abs(d.difference) <= halfWidth || d.difference === 0) return 'no-difference'
  return d.difference > 0 !== lowerIsBetter ? 'better' : 'worse'
}

/** The 95% interval of a value with standard error `se`. */
export function interval95(value: number, se: number): { low: number; high: number } {
  return { low: value - Z95 * se, high: value + Z95 * se }
}

/** True when `queries` held-out interactions are too few to compare scorers (see MIN_TEST_QUERIES). */
export function tooFewQueries(queries: number): boolean {
  return queries < MIN_TEST_QUERIES
}
