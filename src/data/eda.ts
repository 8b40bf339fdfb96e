/**
 * Exploratory statistics of the mapped tables, as plain numbers ready for charts, plus the warnings a
 * data scientist would want before training. Work is per distinct value wherever possible (counts per
 * dictionary code), so a million rows cost a few passes over Int32 arrays; number columns (nearly one
 * value per row anyway) are read row by row from their Float64 arrays.
 */
import { missingCount } from './clean'
import { isMissing, parseTimestamp } from './encode.values'
import { MIN_INTERACTIONS_FOR_HOLDOUT, type Split } from './split'
import { asDict, codeCounts, isNumberColumn, numbersOf, type NumberReading } from './table'
import type { ColumnMapping } from './mapping'
import type { Column, DictTable, DictTables, EncodedDataset, TableRole } from './types'

/** Top values listed per categorical column; the rest are summed as `otherCount`. */
export const TOP_VALUES = 10
/** Equal-width bins of a numeric histogram. */
export const NUMERIC_BINS = 20
/** Popularity skew warning: the top `SKEW_TOP_SHARE` of items hold more than `SKEW_INTERACTION_SHARE`. */
export const SKEW_TOP_SHARE = 0.01
export const SKEW_INTERACTION_SHARE = 0.5
/** Cold-start warning: users with fewer than `COLD_START_MIN` interactions are more than `COLD_START_SHARE`. */
export const COLD_START_MIN = MIN_INTERACTIONS_FOR_HOLDOUT
export const COLD_START_SHARE = 0.2
/** A feature column with at least this share of distinct values (and `ID_LIKE_MIN_ROWS` rows) is id-like. */
export const ID_LIKE_DISTINCT_SHARE = 0.9
const ID_LIKE_MIN_ROWS = 50
/** Leakage warning: more than this share of training interactions happen after a user's test interaction. */
export const LEAKAGE_SHARE = 0.1
/** Most points of the interactions-over-time chart. */
const MAX_TIME_POINTS = 400

const DAY_SECONDS = 86_400

/** Entities whose interaction count lies in [lower, upper): bins double in width (1, 2–3, 4–7, ...). */
export interface LogBin {
  lower: number
  upper: number
  count: number
}

export interface Bin {
  lower: number
  upper: number
  count: number
}

export interface ColumnRef {
  table: TableRole
  file: string
  column: string
}

export interface CategoricalStats extends ColumnRef {
  distinct: number
  top: { value: string; count: number }[]
  /** Rows whose value is not among `top` (missing excluded). */
  otherCount: number
}

export interface NumericStats extends ColumnRef {
  min: number
  max: number
  mean: number
  histogram: Bin[]
  /** Cells that are NaN, Infinity or not a number at all (treated as missing by the encoder). */
  nonFinite: number
}

export interface MissingStats extends ColumnRef {
  missing: number
  rows: number
}

export type EdaWarningCode =
  | 'popularity-skew'
  | 'cold-start'
  | 'id-like-column'
  | 'all-missing'
  | 'constant-column'
  | 'non-finite'
  | 'timestamp-leakage'

export interface EdaWarning {
  code: EdaWarningCode
  message: string
  file?: string
  column?: string
}

export interface EdaReport {
  counts: { rows: number; users: number; items: number; sparsity: number }
  interactionsPerUser: LogBin[]
  interactionsPerItem: LogBin[]
  /** Share of interactions held by the top 1% of items, in [0, 1]. */
  topItemShare: number
  categorical: CategoricalStats[]
  numeric: NumericStats[]
  missing: MissingStats[]
  /** Interactions per time bin (bin start in epoch seconds); null without a timestamp. */
  overTime: {
    unit: 'day' | 'week' | 'month'
    binSeconds: number
    points: { start: number; count: number }[]
  } | null
  /** Interactions per rating value, sorted by value; null without a rating column. */
  ratings: { value: string; count: number }[] | null
  warnings: EdaWarning[]
}

/** Counts per distinct id among rows, ignoring missing ids. */
function countsPerEntity(input: Column): Int32Array {
  const column = asDict(input)
  const perCode = codeCounts(column)
  const out: number[] = []
  for (let c = 0; c < perCode.length; c++)
    if (perCode[c] > 0 && !isMissing(column.dictionary[c])) out.push(perCode[c])
  return Int32Array.from(out)
}

/** Histogram of positive counts on doubling bins [1,2), [2,4), [4,8), ... */
export function logBins(counts: ArrayLike<number>): LogBin[] {
  const bins: LogBin[] = []
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]
    if (n < 1) continue
    const b = Math.floor(Math.log2(n))
    while (bins.length <= b) bins.push({ lower: 2 ** bins.length, upper: 2 ** (bins.length + 1), count: 0 })
    bins[b].count++
  }
  return bins
}

/** Share of the total held by the largest `share` of the counts (at least one). */
function topShare(counts: Int32Array, share: number): number {
  if (counts.length === 0) return 0
  const sorted = Int32Array.from(counts).sort().reverse()
  const k = Math.max(1, Math.floor(counts.length * share))
  let top = 0
  let total = 0
  for (let i = 0; i < sorted.length; i++) {
    total += sorted[i]
    if (i < k) top += sorted[i]
  }
  return total === 0 ? 0 : top / total
}

export function categoricalStats(ref: ColumnRef, input: Column, separator?: string): CategoricalStats {
  const column = asDict(input)
  const perCode = codeCounts(column)
  const counts = new Map<string, number>()
  for (let c = 0; c < perCode.length; c++) {
    if (perCode[c] === 0) continue
    const values = separator ? column.dictionary[c].split(separator) : [column.dictionary[c]]
    for (const raw of values) {
      const v = raw.trim()
      if (!isMissing(v)) counts.set(v, (counts.get(v) ?? 0) + perCode[c])
    }
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
  const top = sorted.slice(0, TOP_VALUES).map(([value, count]) => ({ value, count }))
  const otherCount = sorted.slice(TOP_VALUES).reduce((sum, [, n]) => sum + n, 0)
  return { ...ref, distinct: counts.size, top, otherCount }
}

/**
 * The numbers of a column with how many rows hold each: per distinct text of a dictionary column
 * (`parse` once per text; `counts[c]` rows), or per row of a number column (its numbers read as
 * `reading`; `counts` null: one row each). `nonFinite` counts present cells that are not finite numbers.
 */
function weightedNumbers(
  column: Column,
  parse: (text: string) => number,
  reading: NumberReading,
): { values: Float64Array; counts: Int32Array | null; nonFinite: number } {
  if (isNumberColumn(column)) {
    const values = numbersOf(column, parse, reading)
    // Dates read as plain numbers are not numbers; every present one is counted.
    let nonFinite = 0
    if (column.format && reading === 'number')
      for (const x of column.values) if (!Number.isNaN(x)) nonFinite++
    return { values, counts: null, nonFinite }
  }
  const counts = codeCounts(column)
  const values = Float64Array.from(column.dictionary, parse)
  let nonFinite = 0
  column.dictionary.forEach((v, c) => {
    if (counts[c] > 0 && !Number.isFinite(values[c]) && !isMissing(v)) nonFinite += counts[c]
  })
  return { values, counts, nonFinite }
}

const numberOrNaN = (v: string) => (isMissing(v) ? NaN : Number(v))

export function numericStats(ref: ColumnRef, column: Column, bins = NUMERIC_BINS): NumericStats {
  const { values, counts, nonFinite } = weightedNumbers(column, numberOrNaN, 'number')
  let min = Infinity
  let max = -Infinity
  let sum = 0
  let n = 0
  for (let c = 0; c < values.length; c++) {
    const k = counts ? counts[c] : 1
    const x = values[c]
    if (k === 0 || !Number.isFinite(x)) continue
    min = Math.min(min, x)
    max = Math.max(max, x)
    sum += x * k
    n += k
  }
  if (n === 0) return { ...ref, min: NaN, max: NaN, mean: NaN, histogram: [], nonFinite }
  const width = max > min ? (max - min) / bins : 1
  const histogram: Bin[] = Array.from({ length: max > min ? bins : 1 }, (_, b) => ({
    lower: min + b * width,
    upper: max > min ? min + (b + 1) * width : max,
    count: 0,
  }))
  for (let c = 0; c < values.length; c++) {
    const k = counts ? counts[c] : 1
    if (k === 0 || !Number.isFinite(values[c])) continue
    const b = Math.min(histogram.length - 1, Math.floor((values[c] - min) / width))
    histogram[b].count += k
  }
  return { ...ref, min, max, mean: sum / n, histogram, nonFinite }
}

/** Interactions per day, week or month (chosen so the chart has at most a few hundred points). */
export function interactionsOverTime(column: Column): EdaReport['overTime'] {
  const { values: seconds, counts } = weightedNumbers(column, parseTimestamp, 'timestamp')
  let lo = Infinity
  let hi = -Infinity
  for (let c = 0; c < seconds.length; c++)
    if ((counts ? counts[c] : 1) > 0 && Number.isFinite(seconds[c])) {
      lo = Math.min(lo, seconds[c])
      hi = Math.max(hi, seconds[c])
    }
  if (!Number.isFinite(lo)) return null
  const spanDays = (hi - lo) / DAY_SECONDS
  const unit = spanDays <= MAX_TIME_POINTS ? 'day' : spanDays <= MAX_TIME_POINTS * 7 ? 'week' : 'month'
  const binSeconds = unit === 'day' ? DAY_SECONDS : unit === 'week' ? 7 * DAY_SECONDS : 30 * DAY_SECONDS
  const start = Math.floor(lo / DAY_SECONDS) * DAY_SECONDS
  const bins = new Float64Array(Math.floor((hi - start) / binSeconds) + 1)
  for (let c = 0; c < seconds.length; c++)
    if (Number.isFinite(seconds[c]))
      bins[Math.floor((seconds[c] - start) / binSeconds)] += counts ? counts[c] : 1
  return {
    unit,
    binSeconds,
    points: Array.from(bins, (count, b) => ({ start: start + b * binSeconds, count })),
  }
}

function ratingDistribution(input: Column): { value: string; count: number }[] {
  const column = asDict(input)
  const perCode = codeCounts(column)
  const counts = new Map<string, number>()
  for (let c = 0; c < perCode.length; c++) {
    const v = column.dictionary[c]
    if (perCode[c] === 0 || isMissing(v)) continue
    // `4` and `4.0` are the same rating.
    const key = Number.isFinite(Number(v)) ? String(Number(v)) : v
    counts.set(key, (counts.get(key) ?? 0) + perCode[c])
  }
  return [...counts.entries()]
    .map(([value, count]) => ({ value, count }))
    .sort((a, b) => Number(a.value) - Number(b.value) || (a.value < b.value ? -1 : 1))
}

const percent = (x: number) => `${Math.round(x * 100)}%`

/** EDA of tables under a mapping: counts, distributions, missing values and warnings. */
export function computeEda(tables: DictTables, mapping: ColumnMapping): EdaReport {
  const { interactions } = tables
  const userCounts = countsPerEntity(interactions.coded[mapping.userId])
  const itemCounts = countsPerEntity(interactions.coded[mapping.itemId])
  const rows = interactions.rowCount
  const cells = userCounts.length * itemCounts.length
  const warnings: EdaWarning[] = []

  const roles: [TableRole, DictTable | undefined][] = [
    ['interactions', interactions],
    ['users', tables.users],
    ['items', tables.items],
  ]
  const missing: MissingStats[] = []
  for (const [role, table] of roles)
    for (const column of table?.columns ?? []) {
      const m = missingCount(table!.coded[column])
      missing.push({ table: role, file: table!.name, column, missing: m, rows: table!.rowCount })
      if (m === table!.rowCount && table!.rowCount > 0)
        warnings.push({
          code: 'all-missing',
          message: `Column "${column}" of ${table!.name} is empty in every row; it carries no information.`,
          file: table!.name,
          column,
        })
    }

  const categorical: CategoricalStats[] = []
  const numeric: NumericStats[] = []
  const tableOf = { interactions, users: tables.users, items: tables.items }
  for (const f of mapping.features) {
    const table = tableOf[f.table]
    if (!table?.coded[f.column]) continue
    const ref = { table: f.table, file: table.name, column: f.column }
    const column = table.coded[f.column]
    if (f.kind === 'numeric') {
      const stats = numericStats(ref, column)
      numeric.push(stats)
      if (stats.nonFinite > 0)
        warnings.push({
          code: 'non-finite',
          message: `Column "${f.column}" of ${table.name} has ${stats.nonFinite} NaN, Infinity or non-numeric value(s); they are treated as missing.`,
          file: table.name,
          column: f.column,
        })
      continue
    }
    const stats = categoricalStats(ref, column, f.kind === 'multi' ? (f.separator ?? '|') : undefined)
    categorical.push(stats)
    const present = table.rowCount - missingCount(column)
    if (
      present >= ID_LIKE_MIN_ROWS &&
      f.kind === 'categorical' &&
      stats.distinct >= ID_LIKE_DISTINCT_SHARE * present
    )
      warnings.push({
        code: 'id-like-column',
        message: `Column "${f.column}" of ${table.name} has a different value in almost every row (${stats.distinct} distinct in ${present}); it behaves like an id and will not generalise.`,
        file: table.name,
        column: f.column,
      })
    if (stats.distinct === 1)
      warnings.push({
        code: 'constant-column',
        message: `Column "${f.column}" of ${table.name} has the same value in every row; it carries no information.`,
        file: table.name,
        column: f.column,
      })
  }

  const topItemShare = topShare(itemCounts, SKEW_TOP_SHARE)
  if (itemCounts.length >= 2 && topItemShare > SKEW_INTERACTION_SHARE)
    warnings.push({
      code: 'popularity-skew',
      message: `The top 1% of items hold ${percent(topItemShare)} of interactions: the most-popular baseline will be hard to beat, and metrics mostly reflect those items.`,
    })
  // The warning says what happens to those users under the split the mapping leads to: leave-last-out
  // with a timestamp, random 80/10/10 without (see split.ts).
  const few = mapping.timestamp ? COLD_START_MIN : 2
  let cold = 0
  for (let u = 0; u < userCounts.length; u++) if (userCounts[u] < few) cold++
  if (userCounts.length > 0 && cold / userCounts.length > COLD_START_SHARE)
    warnings.push({
      code: 'cold-start',
      message: mapping.timestamp
        ? `${percent(cold / userCounts.length)} of users have fewer than ${COLD_START_MIN} interactions; the temporal split keeps them in training only, so they are never evaluated. Consider a minimum count per user.`
        : `${percent(cold / userCounts.length)} of users have a single interaction; without a timestamp the split is random, so when theirs is held out the model knows nothing of them but their features. Consider a minimum count per user.`,
    })

  return {
    counts: {
      rows,
      users: userCounts.length,
      items: itemCounts.length,
      sparsity: cells === 0 ? 1 : 1 - Math.min(1, rows / cells),
    },
    interactionsPerUser: logBins(userCounts),
    interactionsPerItem: logBins(itemCounts),
    topItemShare,
    categorical,
    numeric,
    missing,
    overTime: mapping.timestamp ? interactionsOverTime(interactions.coded[mapping.timestamp]) : null,
    ratings: mapping.rating ? ratingDistribution(interactions.coded[mapping.rating]) : null,
    warnings,
  }
}

/**
 * How much of the training split lies in the future of the held-out interactions: per test interaction,
 * the share of training interactions (of all users) that happen after it, averaged. Leave-last-out per
 * user holds out each user's last interaction, but other users' later interactions stay in training, so
 * the model can learn trends it could not know at test time. Null without timestamps.
 */
export function splitLeakage(
  data: EncodedDataset,
  split: Split,
): { futureTrainShare: number; warning: EdaWarning | null } | null {
  const time = data.interactionTime
  if (!time || split.test.length === 0 || split.train.length === 0) return null
  const trainTimes = Float64Array.from(split.train, (r) => time[r]).sort()
  let sum = 0
  for (let i = 0; i < split.test.length; i++) {
    const t = time[split.test[i]]
    // Number of training times <= t, by binary search.
    let lo = 0
    let hi = trainTimes.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (trainTimes[mid] <= t) lo = mid + 1
      else hi = mid
    }
    sum += (trainTimes.length - lo) / trainTimes.length
  }
  const futureTrainShare = sum / split.test.length
  const warning: EdaWarning | null =
    futureTrainShare > LEAKAGE_SHARE
      ? {
          code: 'timestamp-leakage',
          message: `On average ${percent(futureTrainShare)} of the training interactions happen after the test interaction they are evaluated against: the split leaks the future (a global time cut-off would not).`,
        }
      : null
  return { futureTrainShare, warning }
}
