import { useId, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react'
import type { ItemRef, ItemView, UserView } from '../model/explore.types'
import type { AttentionSnapshot, RunResult } from '../model/results'
import { fileSlug, svgToPng } from './chartExport'
import { itemOptionText, nameWithId, type Named } from './explorerRows'
import { ExportButtons } from './ExportButtons'
import {
  cellColour,
  cellSize,
  formatWeight,
  heatmapCsvRows,
  historyItemsOf,
  importanceOf,
  LABEL_FONT_PX,
  labelWidth,
  legendTicks,
  matrixMax,
  matrixMin,
  pickMatrix,
  replaySteps,
  textColourOn,
  tokenAxisLabels,
  tokenNames,
  VALUE_IN_CELL_PX,
  type Tower,
  type TowerView,
} from './heatmap'
import { HEATMAP_STOPS } from './theme'
import { WeightBars } from './WeightBars'

export type HeatmapSource = 'mean' | 'chosen'
type Source = HeatmapSource
/** Where the colour scale starts: at 0 (weights comparable across views) or at the matrix minimum (contrast). */
type ScaleFrom = 'zero' | 'min'
const TEXT = '#1b2330'
const LEGEND_BAR_PX = 14
const LEGEND_MAX_PX = 220
/** Width the caption lines under the matrix need, in px. */
const CAPTION_PX = 250

/**
 * Field×field self-attention of either tower (per layer and head, or the mean of the heads), with the
 * pooling weights and drop-field importance beside it. The epoch slider replays the per-epoch
 * snapshots of the mean attention; "the chosen user/item" shows one query's attention from the explorer.
 */
export function AttentionHeatmap({
  snapshots,
  result,
  userView,
  itemView,
  itemChoices,
  onPickItem,
  chosenNote,
  tower,
  source,
  onTower,
  onSource,
}: {
  snapshots: readonly AttentionSnapshot[]
  result: RunResult | null
  userView: UserView | null
  itemView: ItemView | null
  /** Items the person can pick for the item tower's "chosen item". */
  itemChoices: readonly ItemRef[]
  onPickItem: (item: number) => void
  /** Why no user or item can be chosen (e.g. an imported run has no model in memory), or null. */
  chosenNote: string | null
  tower: Tower
  source: HeatmapSource
  onTower: (tower: Tower) => void
  onSource: (source: HeatmapSource) => void
}) {
  const id = useId()
  const [layerChoice, setLayer] = useState(0)
  const [headChoice, setHead] = useState<number | 'mean'>(0)
  const [scaleFrom, setScaleFrom] = useState<ScaleFrom>('zero')
  /** Slider position; null follows the newest step (live during training). */
  const [stepChoice, setStep] = useState<number | null>(null)

  const steps = replaySteps(snapshots, result?.attention ?? null, result?.testedEpoch ?? null)
  const stepIndex = stepChoice === null ? steps.length - 1 : Math.min(stepChoice, steps.length - 1)
  const step = steps[stepIndex] ?? null

  const chosenUser: Named | null = userView && { id: userView.userId, label: userView.userLabel }
  const chosen: (TowerView & { name: string; items: (Named | null)[] }) | null =
    tower === 'user'
      ? userView &&
        chosenUser && {
          name: `user ${nameWithId(chosenUser)}`,
          tokens: userView.tokens,
          pooling: userView.pooling,
          layers: userView.attention,
          // One user's history tokens hold known items: the axes name them.
          items: historyItemsOf(userView.tokens, userView.historyTokens),
        }
      : itemView && {
          name: `item ${nameWithId(itemView.item)}`,
          tokens: itemView.tokens,
          pooling: itemView.pooling,
          layers: itemView.attention,
          items: [],
        }
  const view: TowerView | null = source === 'chosen' ? chosen : step ? step[tower] : null
  // The mean over many queries has no particular history items.
  const items = source === 'chosen' && chosen ? chosen.items : []
  const names = view ? tokenNames(view.tokens, items) : []
  const layerCount = view?.layers.length ?? 0
  const layer = Math.min(layerChoice, Math.max(0, layerCount - 1))
  const headCount = view?.layers[layer]?.length ?? 0
  const head = headChoice === 'mean' || headChoice < headCount ? headChoice : 0
  const matrix = view && layerCount > 0 ? pickMatrix(view, layer, head) : null
  const importance = importanceOf(result?.importance ?? [], tower)
  const svgRef = useRef<SVGSVGElement>(null)

  const sourceLabel = source === 'chosen' ? (chosen?.name ?? 'chosen') : (step?.label ?? '')
  const what = `${tower} tower, ${source === 'mean' ? (tower === 'user' ? 'mean over validation users' : 'mean over catalogue items') : (chosen?.name ?? '')}`
  const fileBase = fileSlug(
    'attention',
    tower,
    source === 'chosen' ? (chosen?.name ?? 'chosen') : (step?.label.split(' (')[0] ?? ''),
    ...(matrix ? [`layer${layer + 1}`, head === 'mean' ? 'mean-heads' : `head${head + 1}`] : []),
  )

  return (
    <figure
      className="inspect-figure heatmap-figure"
      data-testid="attention-heatmap"
      data-tower={tower}
      data-source={source}
      data-step={sourceLabel}
      data-layers={layerCount}
    >
      <figcaption>Attention of the {tower} tower</figcaption>
      <div className="inspect-controls">
        <div className="field">
          <label htmlFor={`${id}-tower`}>Tower</label>
          <select id={`${id}-tower`} value={tower} onChange={(e) => onTower(e.target.value as Tower)}>
            <option value="user">User (query) tower</option>
            <option value="item">Item tower</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-source`}>Averaged over</label>
          <select id={`${id}-source`} value={source} onChange={(e) => onSource(e.target.value as Source)}>
            <option value="mean">
              {tower === 'user' ? 'Mean over validation users' : 'Mean over catalogue items'}
            </option>
            <option value="chosen" disabled={!chosen && tower === 'user'}>
              {tower === 'user'
                ? chosenUser
                  ? `The chosen user (${nameWithId(chosenUser)})`
                  : 'The chosen user (pick one under Recommendations)'
                : itemView
                  ? `The chosen item (${nameWithId(itemView.item)})`
                  : 'The chosen item'}
            </option>
          </select>
        </div>
        {source === 'chosen' && tower === 'item' && (
          <div className="field">
            <label htmlFor={`${id}-item`}>Item</label>
            <select
              id={`${id}-item`}
              value={itemView?.item.item ?? ''}
              onChange={(e) => e.target.value !== '' && onPickItem(Number(e.target.value))}
            >
              <option value="">{itemChoices.length > 0 ? 'Pick an item' : 'No items to pick yet'}</option>
              {itemChoices.map((item) => (
                <option key={item.item} value={item.item}>
                  {itemOptionText(item)}
                </option>
              ))}
            </select>
          </div>
        )}
        {layerCount > 0 && (
          <>
            <div className="field">
              <label htmlFor={`${id}-layer`}>Layer</label>
              <select id={`${id}-layer`} value={layer} onChange={(e) => setLayer(Number(e.target.value))}>
                {Array.from({ length: layerCount }, (_, l) => (
                  <option key={l} value={l}>
                    Layer {l + 1}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-head`}>Head</label>
              <select
                id={`${id}-head`}
                value={head}
                onChange={(e) => setHead(e.target.value === 'mean' ? 'mean' : Number(e.target.value))}
              >
                {Array.from({ length: headCount }, (_, h) => (
                  <option key={h} value={h}>
                    Head {h + 1}
                  </option>
                ))}
                {headCount > 1 && <option value="mean">Mean of heads</option>}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-scale`}>Colour scale</label>
              <select
                id={`${id}-scale`}
                value={scaleFrom}
                onChange={(e) => setScaleFrom(e.target.value as ScaleFrom)}
              >
                <option value="zero">From 0 to the largest value</option>
                <option value="min">From the smallest to the largest value</option>
              </select>
            </div>
          </>
        )}
      </div>
      <div className="field epoch-slider">
        <label htmlFor={`${id}-epoch`}>Epoch replay</label>
        <input
          id={`${id}-epoch`}
          type="range"
          min={0}
          max={Math.max(0, steps.length - 1)}
          step={1}
          value={Math.max(0, stepIndex)}
          disabled={source === 'chosen' || steps.length < 2}
          aria-valuetext={step?.label ?? 'no epochs yet'}
          onChange={(e) => {
            const v = Number(e.target.value)
            setStep(v >= steps.length - 1 ? null : v)
          }}
        />
        <output htmlFor={`${id}-epoch`} className="epoch-label">
          {source === 'chosen' ? 'final model (one query)' : (step?.label ?? 'no epochs yet')}
        </output>
      </div>
      {source === 'chosen' && !chosen && (
        <p className="empty">
          {chosenNote ??
            (tower === 'user'
              ? 'Pick a user under Recommendations to see their attention.'
              : 'Pick an item above, from a user’s recommendations or by clicking a point on the embedding map.')}
        </p>
      )}
      {!view ? (
        source === 'mean' && <p className="empty">The heatmaps appear after the first epoch.</p>
      ) : (
        <>
          <div className="heatmap-layout">
            {matrix ? (
              <HeatmapSvg
                svgRef={svgRef}
                names={names}
                labels={tokenAxisLabels(view.tokens, items)}
                matrix={matrix}
                scaleFromMin={scaleFrom === 'min'}
                title={`Self-attention, ${what}, ${sourceLabel}, layer ${layer + 1}, ${head === 'mean' ? 'mean of heads' : `head ${head + 1}`}`}
              />
            ) : (
              <p className="note">
                This model has no self-attention layers (attention layers = 0): each field is embedded on its
                own and only the attention-pooling weights below decide how fields are mixed.
              </p>
            )}
            <WeightBars
              caption={`Pooling weights, ${source === 'chosen' ? (chosen?.name ?? '') : sourceLabel}`}
              tokens={view.tokens}
              names={names}
              weights={view.pooling}
              importance={importance}
              testId="pooling-weights"
            />
          </div>
          <ExportButtons
            what="attention heatmap"
            fileBase={fileBase}
            png={matrix ? () => svgToPng(svgRef.current!) : null}
            csv={() => heatmapCsvRows(view.tokens, matrix, view.pooling, importance, items)}
          />
          {matrix && <ValuesTable names={names} matrix={matrix} />}
        </>
      )}
    </figure>
  )
}

/**
 * The matrix as an SVG with both axes labelled, a colour legend, a hover tooltip and arrow-key focus.
 * `names` are the tokens as a person reads them (in full in tooltips), `labels` as the axes show them.
 */
function HeatmapSvg({
  svgRef,
  names: tokens,
  labels,
  matrix,
  scaleFromMin,
  title,
}: {
  svgRef: React.RefObject<SVGSVGElement | null>
  names: readonly string[]
  labels: readonly string[]
  matrix: readonly number[]
  scaleFromMin: boolean
  title: string
}) {
  const readoutId = useId()
  const [active, setActive] = useState<{ i: number; j: number } | null>(null)
  const n = tokens.length
  const c = cellSize(n)
  const lw = labelWidth(labels)
  const left = lw + 6
  const top = lw + 6
  const side = n * c
  const max = matrixMax(matrix)
  const min = scaleFromMin ? matrixMin(matrix) : 0
  const legendHeight = Math.min(side, LEGEND_MAX_PX)
  const legendX = left + side + 22
  // Wide enough for the two caption lines under the matrix, even for a handful of fields.
  const width = Math.max(legendX + LEGEND_BAR_PX + 58, CAPTION_PX)
  const height = top + side + 44
  const gradientId = `${readoutId.replace(/[^a-zA-Z0-9_-]/g, '')}-scale`

  const cellAt = (event: MouseEvent<SVGSVGElement>) => {
    const rect = event.currentTarget.getBoundingClientRect()
    const x = ((event.clientX - rect.left) / rect.width) * width - left
    const y = ((event.clientY - rect.top) / rect.height) * height - top
    const i = Math.floor(y / c)
    const j = Math.floor(x / c)
    return i >= 0 && i < n && j >= 0 && j < n ? { i, j } : null
  }
  const onKeyDown = (event: KeyboardEvent<SVGSVGElement>) => {
    const moves: Record<string, [number, number]> = {
      ArrowUp: [-1, 0],
      ArrowDown: [1, 0],
      ArrowLeft: [0, -1],
      ArrowRight: [0, 1],
    }
    const move = moves[event.key]
    if (!move) return
    event.preventDefault()
    const from = active ?? { i: 0, j: 0 }
    setActive({
      i: Math.min(n - 1, Math.max(0, from.i + move[0])),
      j: Math.min(n - 1, Math.max(0, from.j + move[1])),
    })
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
          onMouseMove={(e) => setActive(cellAt(e))}
          onMouseLeave={() => setActive(null)}
          onFocus={() => setActive((a) => a ?? { i: 0, j: 0 })}
          onBlur={() => setActive(null)}
          onKeyDown={onKeyDown}
        >
          <rect x={0} y={0} width={width} height={height} fill="#ffffff" />
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
              fill={TEXT}
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
              fill={TEXT}
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
              return (
                <g key={k}>
                  <rect
                    x={left + j * c}
                    y={top + i * c}
                    width={c}
                    height={c}
                    fill={fill}
                    stroke="#ffffff"
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
                </g>
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
              stroke="#e07b00"
              strokeWidth={2.5}
              pointerEvents="none"
            />
          )}
          <text x={4} y={top + side + 18} fill={TEXT}>
            rows: the field that attends (query)
          </text>
          <text x={4} y={top + side + 34} fill={TEXT}>
            columns: the field attended to (key)
          </text>
          <text x={legendX} y={top - 12} fill={TEXT} fontWeight={600}>
            weight
          </text>
          <rect
            x={legendX}
            y={top}
            width={LEGEND_BAR_PX}
            height={legendHeight}
            fill={`url(#${gradientId})`}
            stroke="#8a94a3"
          />
          {legendTicks(max, min).map((tick) => {
            const y = top + legendHeight - (max > min ? ((tick - min) / (max - min)) * legendHeight : 0)
            return (
              <g key={tick}>
                <line
                  x1={legendX + LEGEND_BAR_PX}
                  x2={legendX + LEGEND_BAR_PX + 4}
                  y1={y}
                  y2={y}
                  stroke={TEXT}
                />
                <text x={legendX + LEGEND_BAR_PX + 7} y={y} dominantBaseline="central" fill={TEXT}>
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

/** Every value of the matrix as a table, for screen readers and for copying (a toggle, closed at first). */
function ValuesTable({ names: tokens, matrix }: { names: readonly string[]; matrix: readonly number[] }) {
  const id = useId()
  const [open, setOpen] = useState(false)
  const n = tokens.length
  return (
    <div className="values-table">
      <button type="button" aria-expanded={open} aria-controls={id} onClick={() => setOpen(!open)}>
        Attention values as a table
      </button>
      <div className="table-scroll" id={id} hidden={!open}>
        <table className="metrics">
          <caption>Rows attend to columns (each row sums to 1)</caption>
          <thead>
            <tr>
              <th scope="col">Query \ key</th>
              {tokens.map((t) => (
                <th scope="col" key={t}>
                  {t}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {tokens.map((t, i) => (
              <tr key={t}>
                <th scope="row">{t}</th>
                {tokens.map((u, j) => (
                  <td key={u}>{matrix[i * n + j].toFixed(3)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
