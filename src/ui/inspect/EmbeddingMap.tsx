import { useEffect, useId, useRef, useState, type MouseEvent } from 'react'
import type { EmbeddingMap as MapData } from '../../model/explore.types'
import { canvasToPng, fileSlug } from '../shared/chartExport'
import { hasLabel, nameOf, nameWithId, type Named } from './explorerRows'
import { ExportButtons } from '../shared/ExportButtons'
import { truncateLabel } from './heatmap'
import {
  axisTitle,
  colourGroups,
  mapCsvRows,
  nearestPoint,
  paddedExtent,
  type ColourGroups,
} from './mapPoints'
import { COLORS, USER_MARKER_COLOUR } from '../shared/theme'

/** Logical canvas size in CSS px (drawn at the device pixel ratio, scaled down by CSS on small screens). */
const WIDTH = 860
const HEIGHT = 520
const PLOT = { left: 64, top: 16, right: WIDTH - 220, bottom: HEIGHT - 56 }
const LEGEND_X = WIDTH - 200
const FONT = "12px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
const HOVER_RADIUS_PX = 9

interface Layout {
  px: Float32Array
  py: Float32Array
  xRange: [number, number]
  yRange: [number, number]
}

function layoutOf(map: MapData, user: [number, number] | null): Layout {
  const xRange = paddedExtent(map.x, user ? [user[0]] : [])
  const yRange = paddedExtent(map.y, user ? [user[1]] : [])
  const sx = (v: number) => PLOT.left + ((v - xRange[0]) / (xRange[1] - xRange[0])) * (PLOT.right - PLOT.left)
  const sy = (v: number) =>
    PLOT.bottom - ((v - yRange[0]) / (yRange[1] - yRange[0])) * (PLOT.bottom - PLOT.top)
  return { px: map.x.map(sx), py: map.y.map(sy), xRange, yRange }
}

function toPx(layout: Layout, [x, y]: [number, number]): [number, number] {
  const { xRange, yRange } = layout
  return [
    PLOT.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * (PLOT.right - PLOT.left),
    PLOT.bottom - ((y - yRange[0]) / (yRange[1] - yRange[0])) * (PLOT.bottom - PLOT.top),
  ]
}

/** Draws axes, points, the user marker and the legend (everything the PNG needs) on the canvas. */
function draw(
  ctx: CanvasRenderingContext2D,
  map: MapData,
  layout: Layout,
  groups: ColourGroups | null,
  field: string | null,
  user: { point: [number, number]; who: Named } | null,
  hover: number,
) {
  ctx.fillStyle = COLORS.surface
  ctx.fillRect(0, 0, WIDTH, HEIGHT)
  ctx.font = FONT
  // Frame and ticks.
  ctx.strokeStyle = COLORS.grid
  ctx.lineWidth = 1
  ctx.fillStyle = COLORS.ink
  for (let k = 0; k <= 4; k++) {
    const fx = PLOT.left + (k / 4) * (PLOT.right - PLOT.left)
    const fy = PLOT.bottom - (k / 4) * (PLOT.bottom - PLOT.top)
    ctx.beginPath()
    ctx.moveTo(fx, PLOT.top)
    ctx.lineTo(fx, PLOT.bottom)
    ctx.moveTo(PLOT.left, fy)
    ctx.lineTo(PLOT.right, fy)
    ctx.stroke()
    const vx = layout.xRange[0] + (k / 4) * (layout.xRange[1] - layout.xRange[0])
    const vy = layout.yRange[0] + (k / 4) * (layout.yRange[1] - layout.yRange[0])
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    ctx.fillText(vx.toFixed(2), fx, PLOT.bottom + 6)
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.fillText(vy.toFixed(2), PLOT.left - 6, fy)
  }
  ctx.strokeStyle = COLORS.axis
  ctx.strokeRect(PLOT.left, PLOT.top, PLOT.right - PLOT.left, PLOT.bottom - PLOT.top)
  ctx.font = `600 ${FONT}`
  ctx.textAlign = 'center'
  ctx.textBaseline = 'bottom'
  ctx.fillText(axisTitle(1, map.explained[0]), (PLOT.left + PLOT.right) / 2, HEIGHT - 8)
  ctx.save()
  ctx.translate(16, (PLOT.top + PLOT.bottom) / 2)
  ctx.rotate(-Math.PI / 2)
  ctx.textBaseline = 'middle'
  ctx.fillText(axisTitle(2, map.explained[1]), 0, 0)
  ctx.restore()

  // Points: the "other" group first so the named groups stay visible on top.
  const radius = map.x.length > 2000 ? 2.5 : 4
  const n = map.x.length
  const order = groups
    ? Array.from({ length: n }, (_, i) => i).sort((a, b) => groups.groupOf[b] - groups.groupOf[a])
    : null
  ctx.globalAlpha = 0.85
  for (let k = 0; k < n; k++) {
    const i = order ? order[k] : k
    ctx.fillStyle = groups ? groups.groups[groups.groupOf[i]].colour : COLORS.model
    ctx.beginPath()
    ctx.arc(layout.px[i], layout.py[i], radius, 0, Math.PI * 2)
    ctx.fill()
  }
  ctx.globalAlpha = 1
  if (hover >= 0) {
    ctx.strokeStyle = COLORS.highlight
    ctx.lineWidth = 2.5
    ctx.beginPath()
    ctx.arc(layout.px[hover], layout.py[hover], radius + 4, 0, Math.PI * 2)
    ctx.stroke()
  }
  if (user) {
    const [ux, uy] = toPx(layout, user.point)
    drawUserMarker(ctx, ux, uy)
  }

  // Legend.
  ctx.textAlign = 'left'
  ctx.textBaseline = 'middle'
  ctx.font = `600 ${FONT}`
  ctx.fillStyle = COLORS.ink
  let y = PLOT.top + 8
  ctx.fillText(field ? truncateLabel(field, 26) : 'items', LEGEND_X, y)
  ctx.font = FONT
  y += 22
  for (const g of groups?.groups ?? []) {
    ctx.fillStyle = g.colour
    ctx.beginPath()
    ctx.arc(LEGEND_X + 6, y, 6, 0, Math.PI * 2)
    ctx.fill()
    ctx.fillStyle = COLORS.ink
    ctx.fillText(`${truncateLabel(g.label, 20)} (${g.count})`, LEGEND_X + 18, y)
    y += 21
  }
  if (user) {
    y += 6
    drawUserMarker(ctx, LEGEND_X + 6, y)
    ctx.fillStyle = COLORS.ink
    ctx.fillText(truncateLabel(`user ${nameOf(user.who)}`, 24), LEGEND_X + 18, y)
  }
}

function drawUserMarker(ctx: CanvasRenderingContext2D, x: number, y: number) {
  const r = 8
  ctx.beginPath()
  for (let k = 0; k < 10; k++) {
    const a = -Math.PI / 2 + (k * Math.PI) / 5
    const rr = k % 2 === 0 ? r : r * 0.45
    ctx.lineTo(x + rr * Math.cos(a), y + rr * Math.sin(a))
  }
  ctx.closePath()
  ctx.fillStyle = USER_MARKER_COLOUR
  ctx.strokeStyle = COLORS.surface
  ctx.lineWidth = 1.5
  ctx.fill()
  ctx.stroke()
}

/**
 * PCA of the item embeddings as a scatter, coloured by an item field the person picks; the chosen
 * user's query embedding is a star on the same axes. Click a point to inspect that item's attention.
 */
export function EmbeddingMap({
  map,
  loading,
  problem,
  note,
  user,
  onPickItem,
}: {
  map: MapData | null
  loading: boolean
  problem: string | null
  /** Why the map cannot be shown (no model in memory), or null. */
  note: string | null
  /** The chosen user's position on the map, and who it is. */
  user: { point: [number, number]; who: Named } | null
  onPickItem: (item: number) => void
}) {
  const id = useId()
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const [fieldChoice, setField] = useState<string | null>(null)
  const [hover, setHover] = useState(-1)
  const field = map && map.colourBy.length > 0 ? (fieldChoice ?? map.colourBy[0].field) : null
  const colour = map?.colourBy.find((c) => c.field === field) ?? null
  const groups = colour ? colourGroups(colour.values, colour.labels) : null
  const layout = map ? layoutOf(map, user?.point ?? null) : null

  useEffect(() => {
    const canvas = canvasRef.current
    if (!canvas || !map || !layout) return
    const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1))
    canvas.width = WIDTH * ratio
    canvas.height = HEIGHT * ratio
    const ctx = canvas.getContext('2d')
    if (!ctx) return
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0)
    draw(ctx, map, layout, groups, field, user, hover)
  })

  const pointAt = (event: MouseEvent<HTMLCanvasElement>) => {
    if (!layout) return -1
    const rect = event.currentTarget.getBoundingClientRect()
    const x = ((event.clientX - rect.left) / rect.width) * WIDTH
    const y = ((event.clientY - rect.top) / rect.height) * HEIGHT
    return nearestPoint(layout.px, layout.py, x, y, HOVER_RADIUS_PX)
  }

  return (
    <figure className="inspect-figure" data-testid="embedding-map" data-points={map?.x.length ?? 0}>
      <figcaption>Item embeddings, first two principal components</figcaption>
      {note && <p className="note">{note}</p>}
      {!note && !map && !problem && (
        <p className="empty">{loading ? 'Projecting the item embeddings…' : ''}</p>
      )}
      {problem && (
        <p className="error" role="status">
          {problem}
        </p>
      )}
      {map && layout && (
        <>
          {map.colourBy.length > 0 && (
            <div className="inspect-controls">
              <div className="field">
                <label htmlFor={`${id}-colour`}>Colour by item field</label>
                <select id={`${id}-colour`} value={field ?? ''} onChange={(e) => setField(e.target.value)}>
                  {map.colourBy.map((c) => (
                    <option key={c.field} value={c.field}>
                      {c.field}
                    </option>
                  ))}
                </select>
              </div>
            </div>
          )}
          <div className="map-wrap">
            <canvas
              ref={canvasRef}
              className="map-canvas"
              style={{ aspectRatio: `${WIDTH} / ${HEIGHT}` }}
              role="img"
              aria-label={`Scatter of ${map.x.length} items on the first two principal components (${axisTitle(1, map.explained[0])}; ${axisTitle(2, map.explained[1])})${groups ? `, coloured by ${field}: ${groups.groups.map((g) => `${g.label} ${g.count}`).join(', ')}` : ''}${user ? `; user ${nameWithId(user.who)} is marked with a star` : ''}. Save the CSV for every point's coordinates.`}
              tabIndex={0}
              aria-describedby={`${id}-readout`}
              onKeyDown={(e) => {
                const n = map.x.length
                if (e.key === 'ArrowRight' || e.key === 'ArrowDown') setHover((h) => (h + 1) % n)
                else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp')
                  setHover((h) => (h <= 0 ? n - 1 : h - 1))
                else if (e.key === 'Enter' && hover >= 0) onPickItem(map.items[hover].item)
                else return
                e.preventDefault()
              }}
              onBlur={() => setHover(-1)}
              onMouseMove={(e) => setHover(pointAt(e))}
              onMouseLeave={() => setHover(-1)}
              onClick={(e) => {
                const i = pointAt(e)
                if (i >= 0) onPickItem(map.items[i].item)
              }}
            />
            {hover >= 0 && (
              <div
                className="map-tooltip"
                style={{
                  left: `${(layout.px[hover] / WIDTH) * 100}%`,
                  top: `${(layout.py[hover] / HEIGHT) * 100}%`,
                }}
              >
                <strong>{nameOf(map.items[hover])}</strong>
                {hasLabel(map.items[hover]) && <span className="muted"> · id {map.items[hover].id}</span>}
                {map.items[hover].detail && <> · {map.items[hover].detail}</>}
                {colour && (
                  <>
                    <br />
                    {colour.field}: {colour.labels[colour.values[hover]] ?? '?'}
                  </>
                )}
                <br />
                <span className="muted">click: show its attention</span>
              </div>
            )}
          </div>
          <p id={`${id}-readout`} className="heatmap-readout" aria-live="polite">
            {hover >= 0
              ? `${nameWithId(map.items[hover])}${map.items[hover].detail ? ` · ${map.items[hover].detail}` : ''}${colour ? ` · ${colour.field}: ${colour.labels[colour.values[hover]] ?? '?'}` : ''} (PC1 ${map.x[hover].toFixed(3)}, PC2 ${map.y[hover].toFixed(3)})`
              : 'Hover over a point, or focus the map and use the arrow keys to step through the items; click or press Enter to see an item’s attention.'}
          </p>
          <ExportButtons
            what="embedding map"
            fileBase={fileSlug('embedding-map', field ?? '')}
            png={() => canvasToPng(canvasRef.current!)}
            csv={() => mapCsvRows(map, field)}
          />
        </>
      )}
    </figure>
  )
}
