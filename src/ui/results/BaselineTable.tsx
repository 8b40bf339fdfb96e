import { memo } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'
import type { MetricName } from '../../model/metrics'
import type { RunResult } from '../../model/results'
import { ExportButtons } from '../shared/ExportButtons'
import { formatHalfWidth, formatMetric, formatSigned, formatTimes } from '../shared/format'
import {
  baselineRisingNotes,
  buildTestTable,
  comparisonSentences,
  isCompared,
  metricLabel,
  TEST_TABLE_METRICS,
  testedWeightsText,
  testTableCsv,
  tooFewText,
  type ComparisonCell,
} from './testTable'
import { SERIES_LABELS } from '../shared/theme'
import './results.css'

function ComparisonValue({ cell }: { cell: ComparisonCell | undefined }) {
  if (!isCompared(cell))
    return <span className="verdict-none">{cell?.kind === 'unknown' ? 'no interval' : '—'}</span>
  if (cell.kind === 'no-difference')
    return (
      <>
        <span className="verdict-none">no difference</span>
        <span className="interval">
          {formatSigned(cell.difference)} {formatHalfWidth(cell.halfWidth)}
        </span>
      </>
    )
  return (
    <>
      <span className={`verdict-${cell.kind}`}>
        {formatSigned(cell.difference)} {cell.kind}
      </span>
      <span className="interval">
        {formatHalfWidth(cell.halfWidth)}
        {cell.ratio !== null && ` · ${formatTimes(cell.ratio)}`}
      </span>
    </>
  )
}

function comparisonTitle(metric: MetricName, cell: ComparisonCell | undefined): string | undefined {
  if (metric.startsWith('coverage'))
    return 'Coverage is not a quality: more of it is not better, so it is not compared.'
  if (cell?.kind === 'not-compared') return 'Only trained models have pair metrics.'
  return undefined
}

/**
 * Final test-split metrics: every scorer with its 95% interval, then the model's paired comparison with
 * each baseline — a difference, its interval, and a verdict that says "no difference" unless the interval
 * excludes 0. With too few test queries, nothing is compared.
 */
function BaselineTableView({ result }: { result: RunResult | null }) {
  if (!result)
    return (
      <p className="empty" data-testid="baseline-table" data-ready="false">
        Test results on the held-out split appear here when training ends.
      </p>
    )
  const table = buildTestTable(result)
  const sentences = comparisonSentences(table)
  const risingNotes = baselineRisingNotes(result)
  const tooFew = tooFewText(table)
  const columns = TEST_TABLE_METRICS.length + 1
  return (
    <div className="test-table" data-status={table.status}>
      <ScrollFrame label="Test split table">
        <table className="metrics" data-testid="baseline-table" data-ready="true" data-status={table.status}>
          <caption>
            Test split ({table.queries.toLocaleString('en-US')} held-out interactions,{' '}
            {testedWeightsText(result)}){result.end === 'stopped' && ' — training was stopped early'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Scorer</th>
              {TEST_TABLE_METRICS.map((m) => (
                <th scope="col" key={m}>
                  {metricLabel(m)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {table.scorers.map((s) => (
              <tr key={s.key} data-scorer={s.key}>
                <th scope="row">{s.label}</th>
                {TEST_TABLE_METRICS.map((m) => (
                  <td key={m} data-metric={m}>
                    {formatMetric(s.cells[m]?.value)}
                    {s.cells[m]?.value !== undefined && (
                      <span className="interval">{formatHalfWidth(s.cells[m]?.halfWidth)}</span>
                    )}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
          <tbody className="comparisons">
            <tr className="section">
              <th scope="rowgroup" colSpan={columns}>
                Attention model − baseline, on the same test queries (difference ± 95% interval)
              </th>
            </tr>
            {table.status === 'too-few' && (
              <tr>
                <td colSpan={columns} className="note" data-testid="test-too-small">
                  {tooFew}
                </td>
              </tr>
            )}
            {table.status === 'no-intervals' && (
              <tr>
                <td colSpan={columns} className="note" data-testid="test-no-intervals">
                  This run file was saved without intervals (by an older version of the page), so no
                  difference can be judged: the intervals show “—” and no ratio is claimed.
                </td>
              </tr>
            )}
            {table.status === 'compared' &&
              table.comparisons.map((c) => (
                <tr key={c.baseline} data-comparison={c.baseline}>
                  <th scope="row">
                    {c.label}
                    <span className="question">{c.question}</span>
                  </th>
                  {TEST_TABLE_METRICS.map((m) => (
                    <td
                      key={m}
                      data-metric={m}
                      data-verdict={c.cells[m]?.kind ?? 'not-compared'}
                      title={comparisonTitle(m, c.cells[m])}
                    >
                      <ComparisonValue cell={c.cells[m]} />
                    </td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </ScrollFrame>
      {sentences.length > 0 && (
        <ul className="verdicts" data-testid="test-verdicts">
          {sentences.map((s) => (
            <li key={s.baseline} data-baseline={s.baseline}>
              {s.text}
            </li>
          ))}
        </ul>
      )}
      {result.leftOut && result.leftOut.length > 0 && (
        <p className="note" data-testid="baselines-left-out" data-baselines={result.leftOut.join(' ')}>
          Not tested: {result.leftOut.map(leftOutLabel).join(', ')}. The run was stopped before{' '}
          {result.leftOut.length === 1 ? 'it was' : 'they were'} ready (trained for an epoch, or built: item
          co-occurrence is built at the first validation), and a Stop asks for the results now.
        </p>
      )}
      {risingNotes.map((n) => (
        <p key={n.baseline} className="trend-note" data-testid="baseline-rising" data-baseline={n.baseline}>
          {n.text}
        </p>
      ))}
      <p className="muted table-note">
        ± is half the 95% interval: 1.96 standard errors over the test queries (coverage: the spread of a
        bootstrap over queries). A comparison is paired query by query; it says better or worse, and gives a
        ratio, only when its interval excludes 0. Coverage is not compared: more of it is not better.
      </p>
      <ExportButtons what="test table" fileBase="test-metrics" csv={() => testTableCsv(result)} />
    </div>
  )
}

/** A baseline's name as the table's rows say it; a name from a newer run file as it is. */
function leftOutLabel(name: string): string {
  return (SERIES_LABELS as Record<string, string | undefined>)[name] ?? name
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const BaselineTable = memo(BaselineTableView)
