import { memo } from 'react'
import type { RankingMetrics, RankMetricName, PairMetricName } from '../model/metrics'
import type { RunResult } from '../model/run'
import { formatMetric, formatRatio } from './format'
import { SERIES_LABELS } from './theme'

/** Columns of the test table; the run file carries every metric, the table the ones people compare. */
export const TEST_TABLE_METRICS: (RankMetricName | PairMetricName)[] = [
  'recall@10',
  'ndcg@10',
  'recall@50',
  'ndcg@50',
  'recall@100',
  'mrr',
  'coverage@10',
  'pairAccuracy',
]

const ROWS = ['model', 'id-only', 'mean-pooling', 'popularity', 'random'] as const

function header(metric: string): string {
  return metric
    .replace('recall', 'Recall')
    .replace('ndcg', 'NDCG')
    .replace('mrr', 'MRR')
    .replace('coverage', 'Coverage')
    .replace('pairAccuracy', 'Pair accuracy')
}

/** Final test-split metrics: the model and each baseline side by side, with the model's lift. */
function BaselineTableView({ result }: { result: RunResult | null }) {
  if (!result)
    return (
      <p className="empty" data-testid="baseline-table" data-ready="false">
        Test results on the held-out split appear here when training ends.
      </p>
    )
  const { test } = result
  const rows = ROWS.flatMap((key) => {
    const metrics: RankingMetrics | undefined = key === 'model' ? test.model : test.baselines[key]
    return metrics ? [{ key, label: SERIES_LABELS[key], metrics }] : []
  })
  const popularity = test.baselines.popularity
  return (
    <div className="table-scroll">
      <table className="metrics" data-testid="baseline-table" data-ready="true">
        <caption>
          Test split ({test.model.queries.toLocaleString('en-US')} held-out interactions, weights of epoch{' '}
          {result.testedEpoch}){result.end === 'stopped' && ' — training was stopped early'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Scorer</th>
            {TEST_TABLE_METRICS.map((m) => (
              <th scope="col" key={m}>
                {header(m)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-scorer={r.key}>
              <th scope="row">{r.label}</th>
              {TEST_TABLE_METRICS.map((m) => (
                <td key={m} data-metric={m}>
                  {formatMetric(r.metrics[m])}
                </td>
              ))}
            </tr>
          ))}
          {popularity && (
            <tr className="lift">
              <th scope="row">Model ÷ most popular</th>
              {TEST_TABLE_METRICS.map((m) => (
                <td key={m}>
                  {m.startsWith('pair') ? '—' : formatRatio(test.model[m] ?? 0, popularity[m] ?? 0)}
                </td>
              ))}
            </tr>
          )}
        </tbody>
      </table>
    </div>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const BaselineTable = memo(BaselineTableView)
