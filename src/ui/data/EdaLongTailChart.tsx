import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { LogBin } from '../../data/eda'
import { compactNumber, logBinRows } from './edaRows'
import { categoryAxis, VALUE_AXIS_WIDTH } from './edaAxes'
import { COLORS, EDA_COLOURS } from '../shared/theme'

/** How many users (or items) have 1, 2–3, 4–7, ... interactions: the long tail, both axes logarithmic. */
export function EdaLongTailChart({ bins, entity }: { bins: readonly LogBin[]; entity: 'users' | 'items' }) {
  const rows = logBinRows(bins)
  return (
    <figure className="chart eda-chart" data-testid={`eda-per-${entity}`} data-points={rows.length}>
      <figcaption>Interactions per {entity === 'users' ? 'user' : 'item'} (log scale)</figcaption>
      <div className="chart-body" role="img" aria-label={`Histogram of interactions per ${entity}`}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={rows} margin={{ top: 6, right: 10, bottom: 22, left: 4 }}>
            <CartesianGrid stroke={COLORS.grid} vertical={false} />
            <XAxis {...categoryAxis('interactions')} />
            <YAxis
              scale="log"
              domain={[0.8, 'auto']}
              allowDataOverflow
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => compactNumber(v)}
              width={VALUE_AXIS_WIDTH}
              label={{
                value: entity,
                angle: -90,
                position: 'insideLeft',
                offset: 4,
                fill: COLORS.axis,
                fontSize: 12,
              }}
            />
            <Tooltip formatter={(v) => [String(v), entity]} labelFormatter={(l) => `${l} interactions`} />
            <Bar dataKey="count" fill={EDA_COLOURS.counts} isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
