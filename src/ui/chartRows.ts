/** Ready-made rows for the charts: pure functions of the training state. */
import type { RankingMetrics, RankMetricName } from '../model/metrics'
import type { EpochRecord, LossPoint } from '../model/results'

/** Most points a line chart draws; longer series are averaged into this many buckets. */
export const MAX_CHART_POINTS = 400

export interface LossRow {
  step: number
  loss: number
}

/** Loss points, averaged down to at most `maxPoints` rows (each row at its bucket's last step). */
export function toLossRows(points: readonly LossPoint[], maxPoints = MAX_CHART_POINTS): LossRow[] {
  if (points.length <= maxPoints) return points.map((p) => ({ step: p.step, loss: p.loss }))
  const rows: LossRow[] = []
  const per = points.length / maxPoints
  for (let b = 0; b < maxPoints; b++) {
    const from = Math.floor(b * per)
    const to = Math.floor((b + 1) * per)
    let sum = 0
    for (let i = from; i < to; i++) sum += points[i].loss
    rows.push({ step: points[to - 1].step, loss: sum / (to - from) })
  }
  return rows
}

export interface RankingRow {
  epoch: number
  model: number
  'id-only': number | null
  'mean-pooling': number | null
  popularity: number | null
  random: number | null
}

/** One row per finished epoch: the model's validation metric and the baselines' (constant) values. */
export function toRankingRows(
  epochs: readonly EpochRecord[],
  baselines: { random: RankingMetrics; popularity: RankingMetrics } | null,
  metric: RankMetricName,
): RankingRow[] {
  return epochs.map((e) => ({
    epoch: e.epoch,
    model: e.validation[metric],
    'id-only': e.baselines?.['id-only']?.[metric] ?? null,
    'mean-pooling': e.baselines?.['mean-pooling']?.[metric] ?? null,
    popularity: baselines ? baselines.popularity[metric] : null,
    random: baselines ? baselines.random[metric] : null,
  }))
}
