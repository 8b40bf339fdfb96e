import { memo } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'
import type { CountScorerMetrics, EpochRecord } from '../../model/results'
import { BASELINES } from '../../model/scorers'
import { baselineValidation } from './chartRows'
import { formatMetric } from '../shared/format'
import { metricLabel } from './testTable'

/** The baselines' columns: each registry entry's `validationColumns`, in registry order. */
const BASELINE_COLUMNS = BASELINES.flatMap((b) =>
  b.validationColumns.map((metric) => ({
    name: b.name,
    metric,
    header: `${b.shortLabel} ${metricLabel(metric)}`,
  })),
)

/** Per-epoch validation metrics of the model next to the baselines' (trained ones per epoch, count ones fixed). */
function MetricsTableView({
  epochs,
  baselines,
}: {
  epochs: readonly EpochRecord[]
  baselines: CountScorerMetrics | null
}) {
  return (
    <ScrollFrame label="Validation per epoch">
      <table className="metrics" data-testid="metrics-table" data-rows={epochs.length}>
        <caption>Validation, per epoch</caption>
        <thead>
          <tr>
            <th scope="col">Epoch</th>
            <th scope="col">Train loss</th>
            <th scope="col">Recall@10</th>
            <th scope="col">NDCG@10</th>
            {BASELINE_COLUMNS.map((c) => (
              <th scope="col" key={`${c.name}-${c.metric}`}>
                {c.header}
              </th>
            ))}
            <th scope="col">Examples/s</th>
          </tr>
        </thead>
        <tbody>
          {epochs.length === 0 ? (
            <tr>
              <td colSpan={5 + BASELINE_COLUMNS.length} className="empty">
                Rows appear as epochs finish.
              </td>
            </tr>
          ) : (
            epochs.map((e) => (
              <tr key={e.epoch} data-epoch={e.epoch}>
                <th scope="row">{e.epoch}</th>
                <td>{e.trainLoss.toFixed(3)}</td>
                <td data-metric="recall@10">{formatMetric(e.validation['recall@10'])}</td>
                <td data-metric="ndcg@10">{formatMetric(e.validation['ndcg@10'])}</td>
                {BASELINE_COLUMNS.map((c) => (
                  <td key={`${c.name}-${c.metric}`} data-metric={`${c.name}-${c.metric}`}>
                    {formatMetric(baselineValidation(e, baselines, c.name, c.metric))}
                  </td>
                ))}
                <td>{Math.round(e.examplesPerSecond).toLocaleString('en-US')}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
    </ScrollFrame>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const MetricsTable = memo(MetricsTableView)
