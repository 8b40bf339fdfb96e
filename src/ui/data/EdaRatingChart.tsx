import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { EdaReport } from '../../data/eda'
import { compactNumber, ratingRows } from './edaRows'
import { categoryAxis, leftLabel, VALUE_AXIS_WIDTH } from './edaAxes'
import { COLORS, EDA_COLOURS } from '../shared/theme'

/** How often each rating (or label) value occurs. */
export function EdaRatingChart({
  ratings,
  column,
}: {
  ratings: NonNullable<EdaReport['ratings']>
  column: string
}) {
  const rows = ratingRows(ratings)
  return (
    <figure className="chart eda-chart" data-testid="eda-ratings" data-points={rows.length}>
      <figcaption>Distribution of {column}</figcaption>
      <div className="chart-body" role="img" aria-label={`Distribution of ${column}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 6, right: 10, bottom: 22, left: 4 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis {...categoryAxis(column)} />
            <YAxis
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => compactNumber(v)}
              width={VALUE_AXIS_WIDTH}
              label={leftLabel('interactions')}
            />
            <Tooltip formatter={(v) => [String(v), 'interactions']} />
            <Bar dataKey="count" fill={EDA_COLOURS.ratings} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
