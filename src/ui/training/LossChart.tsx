import { memo } from 'react'
import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { LossPoint } from '../../model/results'
import { toLossRows } from '../results/chartRows'
import { COLORS } from '../shared/theme'

/** Training loss per step, streamed as the worker reports it (animation off so it keeps up). */
function LossChartView({ points, stepsPerEpoch }: { points: readonly LossPoint[]; stepsPerEpoch: number }) {
  const rows = toLossRows(points)
  return (
    <figure className="chart" data-testid="loss-chart" data-points={rows.length}>
      <figcaption>
        Training loss (in-batch softmax cross-entropy)
        {stepsPerEpoch > 0 && ` · ${stepsPerEpoch} steps per epoch`}
      </figcaption>
      {/* The chart is mounted from the start (empty), so its first, costly render happens at page load
          rather than on the main thread in the middle of training. */}
      {rows.length === 0 && (
        <p className="empty chart-placeholder">The loss curve appears here once training starts.</p>
      )}
      {
        <div
          className="chart-body"
          role="img"
          aria-label={
            rows.length > 0
              ? `Loss curve, ${rows.length} points, latest ${rows[rows.length - 1].loss.toFixed(3)}`
              : 'Loss curve, no points yet'
          }
        >
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 20, left: 8 }}>
              <CartesianGrid stroke={COLORS.grid} />
              <XAxis
                dataKey="step"
                type="number"
                domain={['dataMin', 'dataMax']}
                stroke={COLORS.axis}
                interval={0}
                label={{ value: 'step', position: 'insideBottom', offset: -12, fill: COLORS.axis }}
              />
              <YAxis
                stroke={COLORS.axis}
                interval={0}
                domain={['auto', 'auto']}
                tickFormatter={(v: number) => v.toFixed(2)}
                width={52}
              />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))}
                labelFormatter={(s) => `step ${s}`}
              />
              <Line
                type="monotone"
                dataKey="loss"
                name="loss"
                stroke={COLORS.loss}
                dot={false}
                strokeWidth={2}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      }
    </figure>
  )
}

/** Re-renders only when points arrive, not on every phase message of a run (each re-draw is a long task). */
export const LossChart = memo(LossChartView)
