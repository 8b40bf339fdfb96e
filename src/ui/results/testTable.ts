/**
 * What the test table says, as plain data: each scorer's metrics with their 95% intervals, and the
 * model's paired comparison with each baseline, judged honestly (a ratio or "better" only when the 95%
 * interval of the difference excludes 0). Pure, so the table, its CSV and the tests share one source.
 */
import { RANK_METRIC_NAMES, type MeanMetricName, type MetricName } from '../../model/metrics'
import type { BaselineName, RunResult, ValidationTrend } from '../../model/results'
import { BASELINE_NAMES, baselineSpec, COMPARISON_ORDER, TRAINED_SCORER_NAMES } from '../../model/scorers'
import { MIN_TEST_QUERIES, tooFewQueries, verdictOf, Z95, type Verdict } from '../../model/uncertainty'
import { formatCount, formatSigned, formatTimes } from '../shared/format'
import { SERIES_LABELS } from '../shared/theme'

/** Columns of the test table; the run file and the CSV carry every metric, the table the ones people compare. */
export const TEST_TABLE_METRICS: MetricName[] = [
  'recall@10',
  'ndcg@10',
  'recall@50',
  'ndcg@50',
  'recall@100',
  'mrr',
  'coverage@10',
  'pairAccuracy',
]

/** Every metric, in the order of the CSV. */
export const ALL_METRICS: MetricName[] = [...RANK_METRIC_NAMES, 'pairLoss', 'pairAccuracy', 'pairPrecision']

export function metricLabel(metric: MetricName): string {
  return metric
    .replace('recall', 'Recall')
    .replace('ndcg', 'NDCG')
    .replace('hitrate', 'HitRate')
    .replace('precision', 'Precision')
    .replace('mrr', 'MRR')
    .replace('coverage', 'Coverage')
    .replace('pairAccuracy', 'Pair accuracy')
    .replace('pairLoss', 'Pair loss')
    .replace('pairPrecision', 'Pair precision')
}

/** Losses: a negative difference is the better one. */
const LOWER_IS_BETTER = new Set<MetricName>(['pairLoss'])

/** Rows of the test table: the model, then every baseline of the registry. */
export type ScorerKey = 'model' | BaselineName
export const SCORERS: ScorerKey[] = ['model', ...BASELINE_NAMES]

/** The model's comparisons, in the order a data scientist asks them (from the registry). */
export const COMPARISONS: { baseline: BaselineName; label: string; question: string }[] =
  COMPARISON_ORDER.map((baseline) => {
    const { label, question } = baselineSpec(baseline)!.comparison
    return { baseline, label, question }
  })

export interface MetricCell {
  value: number | undefined
  /** Half-width of the 95% interval; null when unknown (an old run file, or too few queries). */
  halfWidth: number | null
}

/**
 * One comparison cell: `better`/`worse`/`no-difference` by the 95% rule; `not-compared` for coverage
 * (more coverage is not better) and for pair metrics of count baselines; `unknown` without intervals.
 */
export type ComparisonCell = ComparedCell | { kind: 'not-compared' | 'unknown' }
export interface ComparedCell {
  kind: Verdict
  difference: number
  /** Half-width of the 95% interval of the paired difference. */
  halfWidth: number
  /** model ÷ baseline, only where the difference is significant and the ratio means something. */
  ratio: number | null
}

export function isCompared(cell: ComparisonCell | undefined): cell is ComparedCell {
  return cell !== undefined && cell.kind !== 'not-compared' && cell.kind !== 'unknown'
}

/**
 * `compared`: intervals and comparisons are there; `too-few`: fewer test queries than MIN_TEST_QUERIES,
 * nothing is compared; `no-intervals`: a run file saved before intervals existed.
 */
export type TestTableStatus = 'compared' | 'too-few' | 'no-intervals'

export interface TestTable {
  status: TestTableStatus
  queries: number
  scorers: { key: ScorerKey; label: string; cells: Partial<Record<MetricName, MetricCell>> }[]
  comparisons: {
    baseline: BaselineName
    label: string
    question: string
    cells: Partial<Record<MetricName, ComparisonCell>>
  }[]
}

const halfWidthOf = (se: number | null | undefined): number | null =>
  typeof se === 'number' && Number.isFinite(se) ? Z95 * se : null

function comparisonCell(result: RunResult, baseline: BaselineName, metric: MetricName): ComparisonCell {
  if (metric.startsWith('coverage')) return { kind: 'not-compared' }
  const d = result.test.uncertainty?.differences[baseline]?.[metric as MeanMetricName]
  if (!result.test.uncertainty) return { kind: 'unknown' }
  if (!d || !Number.isFinite(d.difference)) return { kind: 'not-compared' }
  const kind = verdictOf(d, LOWER_IS_BETTER.has(metric))
  const model = result.test.model[metric]
  const base = result.test.baselines[baseline]?.[metric]
  const ratioMeans = !metric.startsWith('pair')
  return {
    kind,
    difference: d.difference,
    halfWidth: Z95 * d.standardError,
    ratio:
      kind !== 'no-difference' && ratioMeans && model !== undefined && base !== undefined && base > 0
        ? model / base
        : null,
  }
}

/** The test table of a finished (or imported) run. */
export function buildTestTable(
  result: RunResult,
  metrics: readonly MetricName[] = TEST_TABLE_METRICS,
): TestTable {
  const { test } = result
  const queries = test.model.queries
  const status: TestTableStatus = !test.uncertainty
    ? 'no-intervals'
    : tooFewQueries(queries)
      ? 'too-few'
      : 'compared'
  const scorers = SCORERS.flatMap((key) => {
    const values = key === 'model' ? test.model : test.baselines[key]
    if (!values) return []
    const errors = key === 'model' ? test.uncertainty?.model : test.uncertainty?.baselines[key]
    const cells: Partial<Record<MetricName, MetricCell>> = {}
    for (const m of metrics) cells[m] = { value: values[m], halfWidth: halfWidthOf(errors?.[m]) }
    return [{ key, label: SERIES_LABELS[key], cells }]
  })
  const comparisons =
    status === 'too-few'
      ? []
      : COMPARISONS.filter((c) => test.baselines[c.baseline]).map((c) => {
          const cells: Partial<Record<MetricName, ComparisonCell>> = {}
          for (const m of metrics) cells[m] = comparisonCell(result, c.baseline, m)
          return { ...c, cells }
        })
  return { status, queries, scorers, comparisons }
}

function describeDifference(metric: MetricName, cell: ComparisonCell): string {
  const name = metricLabel(metric)
  if (!isCompared(cell)) return `${name} not compared`
  const range = `95% interval ${formatSigned(cell.difference - cell.halfWidth)} to ${formatSigned(cell.difference + cell.halfWidth)}`
  if (cell.kind === 'no-difference')
    return `no difference in ${name} (${formatSigned(cell.difference)}, ${range})`
  const ratio = cell.ratio !== null ? `; ${formatTimes(cell.ratio)}` : ''
  return `${cell.kind} on ${name} (${formatSigned(cell.difference)}, ${range}${ratio})`
}

/**
 * One sentence per comparison on the headline metrics, e.g. "Does attention help? Against mean pooling:
 * no difference in Recall@10 (+0.0001, 95% interval −0.0080 to +0.0082); …". Empty unless `compared`.
 */
export function comparisonSentences(
  table: TestTable,
  metrics: readonly MetricName[] = ['recall@10', 'ndcg@10'],
): { baseline: BaselineName; text: string }[] {
  if (table.status !== 'compared') return []
  return table.comparisons.map((c) => {
    const parts = metrics.flatMap((m) => (c.cells[m] ? [describeDifference(m, c.cells[m]!)] : []))
    const against = c.label.replace(/^vs /, '')
    return { baseline: c.baseline, text: `${c.question} Against ${against}: ${parts.join('; ')}.` }
  })
}

/** Why nothing is compared, in words; null when comparisons are shown. */
export function tooFewText(table: TestTable): string | null {
  if (table.status !== 'too-few') return null
  const recall = table.scorers[0]?.cells['recall@10']
  const width =
    recall?.value !== undefined && recall.halfWidth !== null
      ? ` (here the model's Recall@10 is ${recall.value.toFixed(4)} ±${recall.halfWidth.toFixed(4)})`
      : ''
  return (
    `Too few test queries to compare scorers: ${formatCount(table.queries)} held-out interactions, fewer ` +
    `than the ${MIN_TEST_QUERIES} needed before a 95% interval of a hit rate is narrower than ±0.1${width}. ` +
    'No ratios or "better than" are shown: on a test set this small they would be noise.'
  )
}

/**
 * The whole test result as CSV rows (every metric, not only the table's columns): one row per scorer and
 * metric, then one per comparison and metric, with standard errors, 95% intervals and verdicts.
 */
export function testTableCsv(result: RunResult): (string | number | null)[][] {
  const table = buildTestTable(result, ALL_METRICS)
  const rows: (string | number | null)[][] = [
    [
      'row',
      'scorer',
      'metric',
      'value',
      'standard_error',
      'ci95_low',
      'ci95_high',
      'verdict',
      'ratio',
      'queries',
    ],
  ]
  const { uncertainty } = result.test
  for (const s of table.scorers) {
    const errors = s.key === 'model' ? uncertainty?.model : uncertainty?.baselines[s.key]
    for (const m of ALL_METRICS) {
      const cell = s.cells[m]
      if (cell?.value === undefined) continue
      const se = errors?.[m]
      const known = typeof se === 'number' && Number.isFinite(se)
      rows.push([
        'metric',
        s.key,
        m,
        cell.value,
        known ? se : null,
        known ? cell.value - Z95 * se : null,
        known ? cell.value + Z95 * se : null,
        null,
        null,
        table.queries,
      ])
    }
  }
  for (const c of table.comparisons)
    for (const m of ALL_METRICS) {
      const cell = c.cells[m]
      if (!isCompared(cell)) continue
      rows.push([
        'model minus baseline',
        c.baseline,
        m,
        cell.difference,
        cell.halfWidth / Z95,
        cell.difference - cell.halfWidth,
        cell.difference + cell.halfWidth,
        cell.kind,
        cell.ratio,
        table.queries,
      ])
    }
  return rows
}

/**
 * A note when the run ended while validation NDCG@10 was still rising (the epoch cap was reached, or the
 * person stopped it): more epochs would likely help. Null otherwise.
 */
export function trendNote(result: RunResult, epochCap: number): string | null {
  const trend = result.trend
  if (!trend?.stillRising || !trend.previousBest) return null
  if (result.end !== 'completed' && result.end !== 'stopped') return null
  const why = result.end === 'stopped' ? 'the run was stopped' : `the cap of ${epochCap} epochs was reached`
  const { first, previousBest, last } = trend
  const start = first.epoch < previousBest.epoch ? ` (${first.ndcg.toFixed(4)} at epoch ${first.epoch})` : ''
  return (
    `Validation NDCG@10 was still rising when ${why}: ${previousBest.ndcg.toFixed(4)} at epoch ` +
    `${previousBest.epoch} → ${last.ndcg.toFixed(4)} at epoch ${last.epoch}, a rise beyond its noise${start}. ` +
    'More epochs would likely help.'
  )
}

/**
 * Notes for trained baselines whose validation NDCG@10 was still rising when the run ended (the run
 * stops on the model's curve, not theirs): the comparison with them may understate them.
 */
export function baselineRisingNotes(result: RunResult): { baseline: BaselineName; text: string }[] {
  if (result.end === 'diverged') return []
  return (Object.entries(result.baselineTrends ?? {}) as [BaselineName, ValidationTrend | null][]).flatMap(
    ([baseline, trend]) => {
      if (!trend?.stillRising || !trend.previousBest || !(baseline in SERIES_LABELS)) return []
      const label = SERIES_LABELS[baseline as keyof typeof SERIES_LABELS]
      return [
        {
          baseline,
          text:
            `${label} was still improving on validation when the run ended (NDCG@10 ` +
            `${trend.previousBest.ndcg.toFixed(4)} at epoch ${trend.previousBest.epoch} → ` +
            `${trend.last.ndcg.toFixed(4)} at epoch ${trend.last.epoch}): the comparison with it may ` +
            'understate it. A run with a larger epoch cap and patience 0 would train it further.',
        },
      ]
    },
  )
}

/**
 * The test table's caption after its size: which weights were tested. A run stopped before its first
 * epoch ended is tested with the model's initial weights, and says so in words (not "epoch 0").
 */
export function testedWeightsText(result: RunResult): string {
  const { testedEpoch, end, history } = result
  const parts: string[] = []
  if (testedEpoch === 0)
    parts.push(
      end === 'diverged'
        ? 'the model’s initial weights: it diverged in epoch 1'
        : 'the model’s initial weights: no epoch ended before the stop',
    )
  else {
    const best = end !== 'diverged' && (end === 'early-stopping' || testedEpoch < history.length)
    parts.push(`weights of epoch ${testedEpoch}${best ? ', the best on validation' : ''}`)
  }
  const epochs = result.baselineEpochs ?? {}
  const own = TRAINED_SCORER_NAMES.flatMap((name) =>
    epochs[name] !== undefined && epochs[name] !== testedEpoch
      ? [`${SERIES_LABELS[name].replace(/ \(.*\)$/, '').toLowerCase()} ${epochs[name]}`]
      : [],
  )
  if (own.length > 0) parts.push(`trained baselines at their own best epochs: ${own.join(', ')}`)
  return parts.join('; ')
}
