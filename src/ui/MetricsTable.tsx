import { memo } from 'react'
import type { RankingMetrics } from '../model/metrics'
import type { EpochRecord } from '../model/results'
import { formatMetric } from './format'

/** Per-epoch validation metrics of the model next to the most-popular baseline. */
function MetricsTableView({
  epochs,
  baselines,
}: {
  epochs: readonly EpochRecord[]
  baselines: { random: RankingMetrics; popularity: RankingMetrics } | null
}) {
  return (
    <table className="metrics" data-testid="metrics-table" data-rows={epochs.length}>
      <caption>Validation, per epoch</caption>
      <thead>
        <tr>
          <th scope="col">Epoch</th>
          <th scope="col">Train loss</th>
          <th scope="col">Recall@10</th>
          <th scope="col">NDCG@10</th>
          <th scope="col">Id-only Recall@10</th>
          <th scope="col">Mean-pool Recall@10</th>
          <th scope="col">Popularity Recall@10</th>
          <th scope="col">Popularity NDCG@10</th>
          <th scope="col">Examples/s</th>
        </tr>
      </thead>
      <tbody>
        {epochs.length === 0 ? (
          <tr>
            <td colSpan={9} className="empty">
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
              <td data-metric="id-only-recall@10">{formatMetric(e.baselines?.['id-only']?.['recall@10'])}</td>
              <td data-metric="mean-pooling-recall@10">
                {formatMetric(e.baselines?.['mean-pooling']?.['recall@10'])}
              </td>
              <td data-metric="popularity-recall@10">{formatMetric(baselines?.popularity['recall@10'])}</td>
              <td data-metric="popularity-ndcg@10">{formatMetric(baselines?.popularity['ndcg@10'])}</td>
              <td>{Math.round(e.examplesPerSecond).toLocaleString('en-US')}</td>
            </tr>
          ))
        )}
      </tbody>
    </table>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const MetricsTable = memo(MetricsTableView)
