import { memo } from 'react'
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { CountScorerMetrics, EpochRecord } from '../../model/results'
import { BASELINES } from '../../model/scorers'
import { toRankingRows } from './chartRows'
import { valueAxisTicks } from '../shared/format'
import { COLORS, SERIES_LABELS } from '../shared/theme'

/** Validation Recall@10 per epoch, with the baselines as flat dashed lines to beat. */
function RankingChartView({
  epochs,
  baselines,
}: {
  epochs: readonly EpochRecord[]
  baselines: CountScorerMetrics | null
}) {
  const rows = toRankingRows(epochs, baselines, 'recall@10')
  const axis = valueAxisTicks(rows.flatMap((r) => [r.model, ...BASELINES.map((b) => r[b.name])]))
  return (
    <figure className="chart" data-testid="ranking-chart" data-points={rows.length}>
      <figcaption>Validation Recall@10 per epoch (full catalogue, known items excluded)</figcaption>
      {/* The chart is mounted from the start (empty), so its first, costly render happens at page load
          rather than on the main thread in the middle of training. */}
      {rows.length === 0 && <p className="empty chart-placeholder">A point appears after each epoch.</p>}
      {
        <div
          className="chart-body chart-body-tall"
          role="img"
          aria-label={`Validation Recall@10 over ${rows.length} epochs`}
        >
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }}>
              <CartesianGrid stroke={COLORS.grid} />
              <XAxis
                dataKey="epoch"
                type="number"
                domain={[1, 'dataMax']}
                allowDecimals={false}
                stroke={COLORS.axis}
                interval={0}
                label={{ value: 'epoch', position: 'insideBottomRight', offset: -4, fill: COLORS.axis }}
              />
              <YAxis
                stroke={COLORS.axis}
                interval={0}
                domain={[0, axis.ticks[axis.ticks.length - 1]]}
                ticks={axis.ticks}
                tickFormatter={axis.format}
                width={60}
              />
              <Tooltip
                formatter={(v) => (typeof v === 'number' ? v.toFixed(4) : String(v))}
                labelFormatter={(e) => `epoch ${e}`}
              />
              <Legend verticalAlign="bottom" wrapperStyle={{ paddingTop: 12, lineHeight: '20px' }} />
              <Line
                dataKey="model"
                name={SERIES_LABELS.model}
                stroke={COLORS.model}
                strokeWidth={2}
                isAnimationActive={false}
              />
              {/* Trained baselines: solid lines with a point per epoch; count scorers: flat dashed lines. */}
              {BASELINES.map((b) =>
                b.kind === 'trained' ? (
                  <Line
                    key={b.name}
                    dataKey={b.name}
                    name={SERIES_LABELS[b.name]}
                    stroke={COLORS[b.name]}
                    strokeWidth={2}
                    isAnimationActive={false}
                  />
                ) : (
                  <Line
                    key={b.name}
                    dataKey={b.name}
                    name={SERIES_LABELS[b.name]}
                    stroke={COLORS[b.name]}
                    strokeDasharray={b.dash}
                    dot={false}
                    isAnimationActive={false}
                  />
                ),
              )}
            </LineChart>
          </ResponsiveContainer>
        </div>
      }
    </figure>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const RankingChart = memo(RankingChartView)
