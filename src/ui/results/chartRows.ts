/** Ready-made rows for the charts: pure functions of the training state. */
import type { MetricName, RankMetricName } from '../../model/metrics'
import type { CountScorerMetrics, EpochRecord, LossPoint, TrainedScorerName } from '../../model/results'
import { BASELINE_NAMES, baselineSpec, type BaselineName, type CountScorerName } from '../../model/scorers'

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

/** One row of the validation chart: the model's metric and each baseline's (null when it has none). */
export type RankingRow = { epoch: number; model: number } & Record<BaselineName, number | null>

/** The chart's columns, in the order of its CSV export. */
export const RANKING_ROW_KEYS: (keyof RankingRow & string)[] = ['epoch', 'model', ...BASELINE_NAMES]

/**
 * A baseline's validation metric after an epoch: a trained baseline's own value at that epoch, a count
 * scorer's one value (computed before training). Null when the run has none (not trained, or a run
 * file older than the scorer).
 */
export function baselineValidation(
  epoch: EpochRecord,
  countMetrics: CountScorerMetrics | null,
  name: BaselineName,
  metric: MetricName,
): number | null {
  const spec = baselineSpec(name)
  const metrics =
    spec?.kind === 'trained'
      ? epoch.baselines?.[name as TrainedScorerName]
      : countMetrics?.[name as CountScorerName]
  return metrics?.[metric] ?? null
}

/** One row per finished epoch: the model's validation metric and the baselines' (count ones constant). */
export function toRankingRows(
  epochs: readonly EpochRecord[],
  baselines: CountScorerMetrics | null,
  metric: RankMetricName,
): RankingRow[] {
  return epochs.map((e) => {
    const row = { epoch: e.epoch, model: e.validation[metric] } as RankingRow
    for (const name of BASELINE_NAMES) row[name] = baselineValidation(e, baselines, name, metric)
    return row
  })
}
