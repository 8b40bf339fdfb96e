import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { MissingStats } from '../data/eda'
import { missingRows } from './edaRows'
import { COLORS } from './theme'

/** Share of missing cells per column, worst first; only columns that have any. */
export function EdaMissingChart({ missing }: { missing: readonly MissingStats[] }) {
  const rows = missingRows(missing)
  return (
    <figure className="chart eda-chart" data-testid="eda-missing" data-points={rows.length}>
      <figcaption>Missing values per column</figcaption>
      {rows.length === 0 ? (
        <p className="empty">No missing values in any column.</p>
      ) : (
        <div style={{ height: 40 + rows.length * 20 }} role="img" aria-label="Missing values per column">
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={rows} layout="vertical" margin={{ top: 2, right: 14, bottom: 18, left: 4 }}>
              <CartesianGrid stroke={COLORS.grid} horizontal={false} />
              <XAxis
                type="number"
                domain={[0, 100]}
                stroke={COLORS.axis}
                tick={{ fontSize: 11 }}
                tickFormatter={(v: number) => `${v}%`}
                label={{
                  value: 'missing',
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
                formatter={(v) => [`${Number(v).toFixed(1)}%`, 'missing']}
                labelFormatter={(_, payload) => String(payload?.[0]?.payload?.full ?? '')}
              />
              <Bar dataKey="percent" fill={COLORS.popularity} isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  )
}
