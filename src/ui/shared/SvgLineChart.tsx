import { useLayoutEffect, useMemo, useRef, useState, type PointerEvent, type RefObject } from 'react'
import { lineGeometry, nearestIndex, type LineSeries, type ValueAxis } from './lineScale'
import { COLORS } from './theme'

const MARGIN = { top: 10, right: 16, bottom: 38, left: 56 }
/** Marker labels (such as "epoch 3") are drawn only when markers are at least this far apart. */
const MARKER_LABEL_MIN_PX = 56
/** Width of a character of the hover readout's 12 px text, for sizing its box. */
const CHAR_PX = 6.8

/** What a chart shows; `SvgLineChart` adds its frame and legend, `ChartSvg` draws it at a width. */
interface ChartProps {
  xs: readonly number[]
  series: readonly LineSeries[]
  xTitle: string
  height: number
  valueAxis?: ValueAxis
  /** x values where a dashed vertical line is drawn (such as where each epoch began). */
  markers?: readonly number[]
  markerLabel?: (x: number) => string
}

/**
 * A line chart drawn as plain SVG, for the charts that change while training runs (the loss after
 * every few steps, the validation metrics after every epoch). Recharts redrew the loss chart's one
 * line in 50–190 ms of the main thread on a 2-core machine, a long task at each redraw, and the ranking
 * chart in 120–200 ms at each epoch's end; drawn here, no redraw of either reached 50 ms in the
 * bench's runs. It has what those charts had: grid, round ticks, an x-axis title, solid or dashed
 * lines with optional dots, a legend and a hover readout of the nearest x. The `svg` carries
 * `chart-svg`, which "Save PNG" draws from.
 */
export function SvgLineChart({ legend = false, ...chart }: ChartProps & { legend?: boolean }) {
  const { series, height } = chart
  const frame = useRef<HTMLDivElement>(null)
  const width = useWidth(frame)
  return (
    <>
      <div ref={frame} className="svg-chart-frame" style={{ height }}>
        {width > 0 && <ChartSvg {...chart} width={width} />}
      </div>
      {legend && (
        <ul className="chart-legend">
          {series.map((s) => (
            <li key={s.key}>
              <svg width={26} height={10} aria-hidden="true">
                <line
                  x1={1}
                  y1={5}
                  x2={25}
                  y2={5}
                  stroke={s.colour}
                  strokeWidth={2}
                  strokeDasharray={s.dash}
                />
                {s.dots && (
                  <circle cx={13} cy={5} r={3} fill={COLORS.surface} stroke={s.colour} strokeWidth={1.5} />
                )}
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </>
  )
}

function ChartSvg({
  xs,
  series,
  xTitle,
  width,
  height,
  valueAxis = 'fit',
  markers = [],
  markerLabel,
}: ChartProps & { width: number }) {
  const [hover, setHover] = useState<number | null>(null)
  const plotW = Math.max(40, width - MARGIN.left - MARGIN.right)
  const plotH = Math.max(40, height - MARGIN.top - MARGIN.bottom)
  const { x, y, xTicks, yTicks, yDecimals, lines } = useMemo(
    () => lineGeometry(xs, series, plotW, plotH, valueAxis),
    [xs, series, plotW, plotH, valueAxis],
  )
  const shownMarkers = markers.filter((m) => m > x.invert(0) && m < x.invert(plotW))
  const labelMarkers =
    markerLabel !== undefined &&
    shownMarkers.every((m, i) => i === 0 || x(m) - x(shownMarkers[i - 1]) >= MARKER_LABEL_MIN_PX)
  const onMove = (e: PointerEvent<SVGRectElement>) => {
    const box = e.currentTarget.getBoundingClientRect()
    setHover(nearestIndex(xs, x.invert(e.clientX - box.left)))
  }
  const at = hover !== null && hover >= 0 && hover < xs.length ? hover : null
  return (
    <svg className="chart-svg" width={width} height={height} aria-hidden="true">
      <g transform={`translate(${MARGIN.left},${MARGIN.top})`}>
        {yTicks.map((t) => (
          <g key={`y${t}`} transform={`translate(0,${y(t).toFixed(1)})`}>
            <line x2={plotW} stroke={COLORS.grid} />
            <text x={-6} dy="0.32em" textAnchor="end" fontSize={12} fill={COLORS.axis}>
              {t.toFixed(yDecimals)}
            </text>
          </g>
        ))}
        {xTicks.map((t) => (
          <g key={`x${t}`} transform={`translate(${x(t).toFixed(1)},0)`}>
            <line y2={plotH} stroke={COLORS.grid} />
            <text y={plotH + 16} textAnchor="middle" fontSize={12} fill={COLORS.axis}>
              {t}
            </text>
          </g>
        ))}
        {shownMarkers.map((m) => (
          <g key={`m${m}`} transform={`translate(${x(m).toFixed(1)},0)`}>
            <line y2={plotH} stroke={COLORS.axis} strokeDasharray="4 4" strokeOpacity={0.5} />
            {labelMarkers && (
              <text x={4} y={11} fontSize={11} fill={COLORS.axis}>
                {markerLabel(m)}
              </text>
            )}
          </g>
        ))}
        <line y1={plotH} x2={plotW} y2={plotH} stroke={COLORS.axis} />
        <line y2={plotH} stroke={COLORS.axis} />
        <text x={plotW / 2} y={plotH + 32} textAnchor="middle" fontSize={12} fill={COLORS.axis}>
          {xTitle}
        </text>
        {series.map((s, i) => (
          <g key={s.key} data-series={s.key}>
            <path
              d={lines[i].path}
              fill="none"
              stroke={s.colour}
              strokeWidth={2}
              strokeDasharray={s.dash}
              strokeLinejoin="round"
            />
            {lines[i].dots.map(([cx, cy], j) => (
              <circle
                key={j}
                cx={cx}
                cy={cy}
                r={3}
                fill={COLORS.surface}
                stroke={s.colour}
                strokeWidth={1.5}
              />
            ))}
          </g>
        ))}
        {at !== null && (
          <Readout
            xs={xs}
            series={series}
            at={at}
            x={x(xs[at])}
            y={y}
            plotW={plotW}
            plotH={plotH}
            xTitle={xTitle}
          />
        )}
        <rect
          width={plotW}
          height={plotH}
          fill="transparent"
          onPointerMove={onMove}
          onPointerLeave={() => setHover(null)}
        />
      </g>
    </svg>
  )
}

/** The values of every series at the hovered x, in a box beside a vertical rule. */
function Readout({
  xs,
  series,
  at,
  x,
  y,
  plotW,
  plotH,
  xTitle,
}: {
  xs: readonly number[]
  series: readonly LineSeries[]
  at: number
  x: number
  y: (v: number) => number
  plotW: number
  plotH: number
  xTitle: string
}) {
  const lines = [`${xTitle} ${xs[at]}`]
  const colours: string[] = [COLORS.ink]
  for (const s of series) {
    const v = s.ys[at]
    if (v === null || v === undefined) continue
    lines.push(series.length === 1 ? `${s.label} ${v.toFixed(4)}` : `${s.label}: ${v.toFixed(4)}`)
    colours.push(s.colour)
  }
  const boxW = Math.ceil(CHAR_PX * Math.max(...lines.map((l) => l.length))) + 14
  const boxH = 18 * lines.length + 6
  const left = x + boxW + 12 > plotW ? Math.max(0, x - boxW - 8) : x + 8
  return (
    <g pointerEvents="none" data-testid="chart-readout">
      <line x1={x} x2={x} y2={plotH} stroke={COLORS.frame} />
      {series.map((s) => {
        const v = s.ys[at]
        return v !== null && v !== undefined && Number.isFinite(v) ? (
          <circle
            key={s.key}
            cx={x}
            cy={y(v)}
            r={4}
            fill={s.colour}
            stroke={COLORS.surface}
            strokeWidth={1.5}
          />
        ) : null
      })}
      <rect x={left} y={4} width={boxW} height={boxH} rx={3} fill={COLORS.surface} stroke={COLORS.frame} />
      {lines.map((l, i) => (
        <text key={i} x={left + 7} y={21 + 18 * i} fontSize={12} fill={colours[i]}>
          {l}
        </text>
      ))}
    </g>
  )
}

/** The element's content width in pixels, kept up to date as it resizes (0 before the first layout). */
function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0)
  useLayoutEffect(() => {
    const el = ref.current
    if (!el) return
    setWidth(Math.floor(el.clientWidth))
    const observer = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)))
    observer.observe(el)
    return () => observer.disconnect()
  }, [ref])
  return width
}
