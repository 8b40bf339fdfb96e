import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import { COLORS } from './theme'

/** A row of a horizontal bar chart: a short label on the axis, the full one in the tooltip. */
export interface BarRow {
  label: string
  full: string
}

interface Props<Row extends BarRow> {
  rows: Row[]
  /** The numeric field of each row that sets its bar's length. */
  valueKey: string
  colour: string
  /** Title of the value axis. */
  valueLabel: string
  ariaLabel: string
  formatTick: (value: number) => string
  formatValue: (value: number) => string
  domain?: [number, number]
}

/** Labelled horizontal bars (top values, missing shares): 20 px per row, labels never skipped. */
export function HorizontalBars<Row extends BarRow>({
  rows,
  valueKey,
  colour,
  valueLabel,
  ariaLabel,
  formatTick,
  formatValue,
  domain,
}: Props<Row>) {
  return (
    <div style={{ height: 40 + rows.length * 20 }} role="img" aria-label={ariaLabel}>
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={rows} layout="vertical" margin={{ top: 2, right: 14, bottom: 18, left: 4 }}>
          <CartesianGrid stroke={COLORS.grid} horizontal={false} />
          <XAxis
            type="number"
            domain={domain}
            stroke={COLORS.axis}
            tick={{ fontSize: 11 }}
            tickFormatter={formatTick}
            minTickGap={12}
            label={{
              value: valueLabel,
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
            formatter={(v) => [formatValue(Number(v)), valueLabel]}
            labelFormatter={(_, payload) => String(payload?.[0]?.payload?.full ?? '')}
          />
          <Bar dataKey={valueKey} fill={colour} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}
