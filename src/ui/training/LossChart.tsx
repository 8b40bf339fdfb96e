import { memo, useMemo } from 'react'
import type { LossPoint } from '../../model/results'
import { toLossRows } from '../results/chartRows'
import type { LineSeries } from '../shared/lineScale'
import { SvgLineChart } from '../shared/SvgLineChart'
import { COLORS } from '../shared/theme'

/**
 * Training loss per step, streamed as the worker reports it, with a dashed line where each epoch began.
 * Drawn by `SvgLineChart` rather than recharts: it is redrawn whenever points arrive while training.
 */
function LossChartView({ points, stepsPerEpoch }: { points: readonly LossPoint[]; stepsPerEpoch: number }) {
  const { xs, series, markers } = useMemo(() => {
    const rows = toLossRows(points)
    const last = rows.length > 0 ? rows[rows.length - 1].step : 0
    const epochStarts: number[] = []
    // Capped: a run of thousands of tiny epochs draws its first 500 boundaries, not a wall of lines.
    if (stepsPerEpoch > 0)
      for (let s = stepsPerEpoch; s < last && epochStarts.length < 500; s += stepsPerEpoch)
        epochStarts.push(s)
    const line: LineSeries = { key: 'loss', label: 'loss', colour: COLORS.loss, ys: rows.map((r) => r.loss) }
    return { xs: rows.map((r) => r.step), series: [line], markers: epochStarts }
  }, [points, stepsPerEpoch])
  const n = xs.length
  return (
    <figure className="chart" data-testid="loss-chart" data-points={n}>
      <figcaption>
        Training loss (in-batch softmax cross-entropy)
        {stepsPerEpoch > 0 && ` · ${stepsPerEpoch} steps per epoch`}
      </figcaption>
      {n === 0 && (
        <p className="empty chart-placeholder">The loss curve appears here once training starts.</p>
      )}
      <div
        className="chart-body"
        role="img"
        aria-label={
          n > 0
            ? `Loss curve, ${n} points, latest ${series[0].ys[n - 1]!.toFixed(3)} at step ${xs[n - 1]}`
            : 'Loss curve, no points yet'
        }
      >
        <SvgLineChart
          xs={xs}
          series={series}
          xTitle="step"
          height={260}
          markers={markers}
          markerLabel={(s) => `epoch ${Math.round(s / stepsPerEpoch) + 1}`}
        />
      </div>
    </figure>
  )
}

/** Re-renders only when points arrive, not on every phase message of a run. */
export const LossChart = memo(LossChartView)
