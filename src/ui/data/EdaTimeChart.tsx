import { Area, AreaChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { EdaReport } from '../../data/eda'
import { compactNumber, isoDay, timeRows } from './edaRows'
import { bottomLabel, leftLabel, VALUE_AXIS_WIDTH } from './edaAxes'
import { COLORS, EDA_COLOURS } from '../shared/theme'

/** Interactions per day, week or month. */
export function EdaTimeChart({ overTime }: { overTime: NonNullable<EdaReport['overTime']> }) {
  const rows = timeRows(overTime)
  return (
    <figure className="chart eda-chart" data-testid="eda-time" data-points={rows.length}>
      <figcaption>Interactions per {overTime.unit}</figcaption>
      <div className="chart-body" role="img" aria-label={`Interactions per ${overTime.unit} over time`}>
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart data={rows} margin={{ top: 6, right: 14, bottom: 22, left: 4 }}>
            <CartesianGrid stroke={COLORS.grid} />
            <XAxis
              dataKey="start"
              type="number"
              domain={['dataMin', 'dataMax']}
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              tickFormatter={(s: number) => isoDay(s)}
              minTickGap={40}
              label={bottomLabel('date (UTC)')}
            />
            <YAxis
              stroke={COLORS.axis}
              tick={{ fontSize: 11 }}
              tickFormatter={(v: number) => compactNumber(v)}
              width={VALUE_AXIS_WIDTH}
              label={leftLabel('interactions')}
            />
            <Tooltip
              formatter={(v) => [String(v), 'interactions']}
              labelFormatter={(s) => `${overTime.unit} of ${isoDay(Number(s))}`}
            />
            <Area
              type="linear"
              dataKey="count"
              stroke={EDA_COLOURS.time}
              fill={EDA_COLOURS.time}
              fillOpacity={0.2}
              dot={false}
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </figure>
  )
}
