import { Fragment, useId, useState, type KeyboardEvent, type MouseEvent } from 'react'
import {
  cellAfterKey,
  cellAt,
  cellColour,
  formatWeight,
  heatmapLayout,
  LABEL_FONT_PX,
  LEGEND_BAR_PX,
  legendTicks,
  legendTickY,
  scaleBounds,
  textColourOn,
  VALUE_IN_CELL_PX,
  type Cell,
  type ScaleFrom,
} from './heatmap'
import { COLORS, HEATMAP_STOPS } from '../shared/theme'

/**
 * The matrix as an SVG with both axes labelled, a colour legend, a hover tooltip and arrow-key focus.
 * `names` are the tokens as a person reads them (in full in tooltips), `labels` as the axes show them.
 */
export function AttentionHeatmapSvg({
  svgRef,
  names: tokens,
  labels,
  matrix,
  scaleFrom,
  title,
}: {
  svgRef: React.RefObject<SVGSVGElement | null>
  names: readonly string[]
  labels: readonly string[]
  matrix: readonly number[]
  scaleFrom: ScaleFrom
  title: string
}) {
  const readoutId = useId()
  const [active, setActive] = useState<Cell | null>(null)
  const n = tokens.length
  const layout = heatmapLayout(labels)
  const { cell: c, left, top, side, legendX, legendHeight, width, height } = layout
  const { min, max } = scaleBounds(matrix, scaleFrom)
  const gradientId = `${readoutId.replace(/[^a-zA-Z0-9_-]/g, '')}-scale`

  const cellUnder = (event: MouseEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect()
    const x = ((event.clientX - rect.left) / rect.width) * width
    const y = ((event.clientY - rect.top) / rect.height) * height
    return cellAt(layout, n, x, y)
  }
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    const next = cellAfterKey(active, event.key, n)
    if (!next) return
    event.preventDefault()
    setActive(next)
  }
  const value = active ? matrix[active.i * n + active.j] : null

  return (
    <div className="heatmap-wrap">
      <div className="heatmap-canvas">
        <svg
          ref={svgRef}
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          className="heatmap-svg"
          role="img"
          aria-label={`${title}. ${n} by ${n} fields, colour scale from ${formatWeight(min)} to ${formatWeight(max)}. Focus and use the arrow keys to read single values.`}
          aria-describedby={readoutId}
          tabIndex={0}
          fontFamily="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
          fontSize={LABEL_FONT_PX}
          onMouseMove={(e) => setActive(cellUnder(e))}
          onMouseLeave={() => setActive(null)}
          onFocus={() => setActive((a) => a ?? { i: 0, j: 0 })}
          onBlur={() => setActive(null)}
          onKeyDown={onKeyDown}
        >
          <rect x={0} y={0} width={width} height={height} fill={COLORS.surface} />
          <defs>
            <linearGradient id={gradientId} x1="0" y1="1" x2="0" y2="0">
              {HEATMAP_STOPS.map((colour, k) => (
                <stop key={colour} offset={k / (HEATMAP_STOPS.length - 1)} stopColor={colour} />
              ))}
            </linearGradient>
          </defs>
          {labels.map((label, k) => (
            <text
              key={`row-${k}`}
              data-axis="row"
              x={left - 6}
              y={top + k * c + c / 2}
              textAnchor="end"
              dominantBaseline="central"
              fill={COLORS.ink}
            >
              <title>{tokens[k]}</title>
              {label}
            </text>
          ))}
          {labels.map((label, k) => (
            <text
              key={`col-${k}`}
              data-axis="col"
              transform={`translate(${left + k * c + c / 2} ${top - 6}) rotate(-90)`}
              textAnchor="start"
              dominantBaseline="central"
              fill={COLORS.ink}
            >
              <title>{tokens[k]}</title>
              {label}
            </text>
          ))}
          <g data-role="cells">
            {Array.from({ length: n * n }, (_, k) => {
              const i = Math.floor(k / n)
              const j = k % n
              const fill = cellColour(matrix[k], max, min)
              // One element per cell unless the value is written in it (a 27-token matrix is 729 cells,
              // re-drawn after every epoch).
              return (
                <Fragment key={k}>
                  <rect
                    x={left + j * c}
                    y={top + i * c}
                    width={c}
                    height={c}
                    fill={fill}
                    stroke={COLORS.surface}
                    strokeWidth={c >= 18 ? 1 : 0.5}
                  />
                  {c >= VALUE_IN_CELL_PX && (
                    <text
                      x={left + j * c + c / 2}
                      y={top + i * c + c / 2}
                      textAnchor="middle"
                      dominantBaseline="central"
                      fontSize={10}
                      fill={textColourOn(fill)}
                      pointerEvents="none"
                    >
                      {matrix[k].toFixed(2)}
                    </text>
                  )}
                </Fragment>
              )
            })}
          </g>
          {active && (
            <rect
              x={left + active.j * c + 1}
              y={top + active.i * c + 1}
              width={c - 2}
              height={c - 2}
              fill="none"
              stroke={COLORS.highlight}
              strokeWidth={2.5}
              pointerEvents="none"
            />
          )}
          <text x={4} y={top + side + 18} fill={COLORS.ink}>
            rows: the field that attends (query)
          </text>
          <text x={4} y={top + side + 34} fill={COLORS.ink}>
            columns: the field attended to (key)
          </text>
          <text x={legendX} y={top - 12} fill={COLORS.ink} fontWeight={600}>
            weight
          </text>
          <rect
            x={legendX}
            y={top}
            width={LEGEND_BAR_PX}
            height={legendHeight}
            fill={`url(#${gradientId})`}
            stroke={COLORS.frame}
          />
          {legendTicks(max, min).map((tick) => {
            const y = top + legendTickY(tick, min, max, legendHeight)
            return (
              <g key={tick}>
                <line
                  x1={legendX + LEGEND_BAR_PX}
                  x2={legendX + LEGEND_BAR_PX + 4}
                  y1={y}
                  y2={y}
                  stroke={COLORS.ink}
                />
                <text x={legendX + LEGEND_BAR_PX + 7} y={y} dominantBaseline="central" fill={COLORS.ink}>
                  {formatWeight(tick)}
                </text>
              </g>
            )
          })}
        </svg>
        {active && value !== null && (
          <div
            className="heatmap-tooltip"
            aria-hidden="true"
            style={{
              left: `${((left + active.j * c + c) / width) * 100}%`,
              top: `${((top + active.i * c) / height) * 100}%`,
            }}
          >
            <strong>{tokens[active.i]}</strong>
            <br />→ <strong>{tokens[active.j]}</strong>
            <br />
            {value.toFixed(4)}
          </div>
        )}
      </div>
      <p id={readoutId} className="heatmap-readout" aria-live="polite">
        {active && value !== null
          ? `${tokens[active.i]} attends to ${tokens[active.j]}: ${value.toFixed(4)}`
          : 'Hover over a cell, or focus the heatmap and use the arrow keys, for its exact value.'}
      </p>
    </div>
  )
}
