import { memo, useMemo } from 'react'
import type { CountScorerMetrics, EpochRecord } from '../../model/results'
import { BASELINES } from '../../model/scorers'
import { toRankingRows } from './chartRows'
import type { LineSeries } from '../shared/lineScale'
import { SvgLineChart } from '../shared/SvgLineChart'
import { COLORS, SERIES_LABELS } from '../shared/theme'

/**
 * Validation Recall@10 per epoch: the model and the trained baselines as solid lines with a dot per
 * epoch, the count scorers as flat dashed lines to beat. Drawn by `SvgLineChart`: it is redrawn at every
 * epoch's end while the next epoch trains.
 */
function RankingChartView({
  epochs,
  baselines,
}: {
  epochs: readonly EpochRecord[]
  baselines: CountScorerMetrics | null
}) {
  const { xs, series } = useMemo(() => {
    const rows = toRankingRows(epochs, baselines, 'recall@10')
    const lines: LineSeries[] = [
      {
        key: 'model',
        label: SERIES_LABELS.model,
        colour: COLORS.model,
        dots: true,
        ys: rows.map((r) => r.model),
      },
    ]
    for (const b of BASELINES) {
      const ys = rows.map((r) => r[b.name])
      // A scorer this run has no value for (not trained, or a run file older than it) gets no legend entry.
      if (ys.every((v) => v === null)) continue
      lines.push(
        b.kind === 'trained'
          ? { key: b.name, label: SERIES_LABELS[b.name], colour: COLORS[b.name], dots: true, ys }
          : { key: b.name, label: SERIES_LABELS[b.name], colour: COLORS[b.name], dash: b.dash, ys },
      )
    }
    return { xs: rows.map((r) => r.epoch), series: lines }
  }, [epochs, baselines])
  return (
    <figure className="chart" data-testid="ranking-chart" data-points={xs.length}>
      <figcaption>Validation Recall@10 per epoch (full catalogue, known items excluded)</figcaption>
      {xs.length === 0 && <p className="empty chart-placeholder">A point appears after each epoch.</p>}
      <div
        className="chart-body chart-body-tall"
        role="img"
        aria-label={`Validation Recall@10 over ${xs.length} epochs`}
      >
        <SvgLineChart xs={xs} series={series} xTitle="epoch" height={270} valueAxis="fromZero" legend />
      </div>
    </figure>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const RankingChart = memo(RankingChartView)
