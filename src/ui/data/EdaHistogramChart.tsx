import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { NumericStats } from '../../data/eda'
import { compactNumber, histogramRows } from './edaRows'
import { categoryAxis, VALUE_AXIS_WIDTH } from './edaAxes'
import { COLORS, EDA_COLOURS } from '../shared/theme'

/** Equal-width histogram of one numeric column. */
export function EdaHistogramChart({ stats }: { stats: NumericStats }) {
  const rows = histogramRows(stats.histogram)
  return (
    <figure className="chart eda-chart" data-testid="eda-histogram" data-column={stats.column}>
      <figcaption>
        {stats.column}{' '}
        <span className="muted">
          ({stats.file}, mean {compactNumber(stats.mean)}
          {stats.nonFinite > 0 && `, ${stats.nonFinite} not finite`})
        </span>
      </figcaption>
      {rows.length === 0 ? (
        <p className="empty">No numeric values.</p>
      ) : (
        <div className="chart-body" role="img" aria-label={`Histogram of ${stats.column}`}>
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} margin={{ top: 6, right: 10, bottom: 22, left: 4 }} barCategoryGap={1}>
              <CartesianGrid stroke={COLORS.grid} vertical={false} />
              <XAxis {...categoryAxis(stats.column, 16)} />
              <YAxis
                stroke={COLORS.axis}
                tick={{ fontSize: 11 }}
                tickFormatter={(v: number) => compactNumber(v)}
                width={VALUE_AXIS_WIDTH}
                label={{
                  value: 'rows',
                  angle: -90,
                  position: 'insideLeft',
                  offset: 4,
                  fill: COLORS.axis,
                  fontSize: 12,
                }}
              />
              <Tooltip
                formatter={(v) => [String(v), 'rows']}
                labelFormatter={(_, payload) => String(payload?.[0]?.payload?.range ?? '')}
              />
              <Bar dataKey="count" fill={EDA_COLOURS.histogram} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  )
}
