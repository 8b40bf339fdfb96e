import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { CategoricalStats } from '../data/eda'
import { categoryRows, compactNumber } from './edaRows'
import { COLORS } from './theme'

/** The most frequent values of one categorical column, as horizontal bars. */
export function EdaCategoryChart({ stats }: { stats: CategoricalStats }) {
  const rows = categoryRows(stats)
  const height = 40 + rows.length * 20
  return (
    <figure className="chart eda-chart" data-testid="eda-category" data-column={stats.column}>
      <figcaption>
        {stats.column}{' '}
        <span className="muted">
          ({stats.file}, {compactNumber(stats.distinct)} distinct)
        </span>
      </figcaption>
      <div style={{ height }} role="img" aria-label={`Top values of ${stats.column}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} layout="vertical" margin={{ top: 2, right: 14, bottom: 18, left: 4 }}>
            <CartesianGrid stroke={COLORS.grid} horizontal={false} />
            <XAxis
              type="number"
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => compactNumber(v)}
              minTickGap={12}
              label={{
                value: 'rows',
                position: 'insideBottom',
                offset: -10,
                fill: COLORS.axis,
                fontSize: 12,
              }}
            />
            <YAxis
              type="category"
              dataKey="label"
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              width={112}
              interval={0}
            />
            <Tooltip
              formatter={(v) => [String(v), 'rows']}
              labelFormatter={(_, payload) => String(payload?.[0]?.payload?.full ?? '')}
            />
            <Bar dataKey="count" fill={COLORS.model} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
