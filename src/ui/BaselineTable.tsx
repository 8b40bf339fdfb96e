import type { RankMetricName } from '../model/metrics'
import { BASELINE_NAMES, type TestResult } from '../model/results'
import { formatMetric, formatRatio } from './format'
import { SERIES_LABELS } from './theme'

const SHOWN: RankMetricName[] = ['recall@10', 'ndcg@10', 'recall@50', 'ndcg@50', 'recall@100', 'mrr']

/** Final test-split metrics: the model and each baseline side by side, with the model's lift. */
export function BaselineTable({ test, completed }: { test: TestResult | null; completed: boolean }) {
  if (!test)
    return (
      <p className="empty" data-testid="baseline-table" data-ready="false">
        Test results on the held-out split appear here when training ends.
      </p>
    )
  const rows = [
    { key: 'model', label: SERIES_LABELS.model, metrics: test.model },
    ...BASELINE_NAMES.map((b) => ({ key: b, label: SERIES_LABELS[b], metrics: test.baselines[b] })),
  ]
  return (
    <table className="metrics" data-testid="baseline-table" data-ready="true">
      <caption>
        Test split ({test.model.queries.toLocaleString('en-US')} held-out interactions)
        {!completed && ' — training was stopped early'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Scorer</th>
          {SHOWN.map((m) => (
            <th scope="col" key={m}>
              {m.replace('recall', 'Recall').replace('ndcg', 'NDCG').replace('mrr', 'MRR')}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-scorer={r.key}>
            <th scope="row">{r.label}</th>
            {SHOWN.map((m) => (
              <td key={m} data-metric={m}>
                {formatMetric(r.metrics[m])}
              </td>
            ))}
          </tr>
        ))}
        <tr className="lift">
          <th scope="row">Model ÷ most popular</th>
          {SHOWN.map((m) => (
            <td key={m}>{formatRatio(test.model[m], test.baselines.popularity[m])}</td>
          ))}
        </tr>
      </tbody>
    </table>
  )
}
