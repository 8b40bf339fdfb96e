/**
 * Pure helpers of the attention heatmap: which matrix is shown (tower, source, layer, head, epoch),
 * colour scale, label truncation, layout sizes, the replay steps of the epoch slider and CSV rows.
 * No React and no DOM, so they are tested in Node; the AttentionHeatmap*.tsx components only draw.
 */
import type { ItemView, UserView } from '../../model/explore.types'
import type { AttentionSnapshot, FieldImportance, TowerAttention, TowerSide } from '../../model/results'
import { nameOf, nameWithId, type Named } from './explorerRows'
import { HEATMAP_STOPS } from '../shared/theme'

/** Longest label shown on a heatmap axis before it is shortened (the full name is in a tooltip). */
export const MAX_LABEL_CHARS = 18
/** Longest item name on the axis label of a history token (`history_1 · Shawshank Re… (1994)`). */
export const MAX_ITEM_NAME_CHARS = 20
/** Query tokens named `history_1`..`history_N` hold the user's most recent items, most recent first. */
const HISTORY_TOKEN = /^history_(\d+)$/
/** Axis label font size in px; cells are never smaller than this plus a little air. */
export const LABEL_FONT_PX = 11
/** Matrix side length the cell size aims for, in px. */
export const TARGET_MATRIX_PX = 480
export const MIN_CELL_PX = 14
export const MAX_CELL_PX = 36
/** Cells at least this large print their value. */
export const VALUE_IN_CELL_PX = 34
/** Width of the colour legend's bar, in px. */
export const LEGEND_BAR_PX = 14
/** Tallest the colour legend grows (it is as tall as the matrix up to this), in px. */
export const LEGEND_MAX_PX = 220
/** Width the caption lines under the matrix need, in px. */
export const CAPTION_PX = 250

/** What the heatmap averages over: the mean over many queries, or the one user or item chosen. */
export type HeatmapSource = 'mean' | 'chosen'
/** Where the colour scale starts: at 0 (weights comparable across views) or at the matrix minimum (contrast). */
export type ScaleFrom = 'zero' | 'min'
/** The attention of one tower as shown: token names, pooling weights, `[layer][head]` flat matrices. */
export type TowerView = TowerAttention

function hexToRgb(hex: string): [number, number, number] {
  const n = Number.parseInt(hex.slice(1), 16)
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255]
}

function rgbToHex([r, g, b]: [number, number, number]): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`
}

/** Colour at position `t` in [0, 1] of a piecewise-linear scale (clamped; NaN counts as 0). */
export function colourAt(t: number, stops: readonly string[] = HEATMAP_STOPS): string {
  const x = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0
  const scaled = x * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(scaled))
  const f = scaled - i
  const a = hexToRgb(stops[i])
  const b = hexToRgb(stops[i + 1])
  return rgbToHex([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f])
}

/** Colour of a cell holding `value` on a scale from `min` (default 0) to `max`. */
export function cellColour(value: number, max: number, min = 0): string {
  return colourAt(max > min ? (value - min) / (max - min) : 0)
}

/** WCAG relative luminance of a `#rrggbb` colour. */
export function luminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex).map((c) => {
    const s = c / 255
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  })
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

/** Black or white, whichever contrasts more with the background. */
export function textColourOn(background: string): '#000000' | '#ffffff' {
  const l = luminance(background)
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff'
}

/**
 * A label of at most `maxChars` characters: long names keep their start and their end around an
 * ellipsis, because field names often differ only in a suffix (`spend_2023`, `spend_2024`).
 */
export function truncateLabel(name: string, maxChars = MAX_LABEL_CHARS): string {
  const chars = Array.from(name)
  if (chars.length <= maxChars) return name
  if (maxChars <= 1) return '…'
  const keep = maxChars - 1
  const head = Math.ceil(keep * 0.6)
  const tail = keep - head
  return `${chars.slice(0, head).join('')}…${tail > 0 ? chars.slice(chars.length - tail).join('') : ''}`
}

/** Shortened labels that stay distinct: duplicates get their position appended. */
export function axisLabels(names: readonly string[], maxChars = MAX_LABEL_CHARS): string[] {
  const short = names.map((n) => truncateLabel(n, maxChars))
  const seen = new Map<string, number>()
  short.forEach((s) => seen.set(s, (seen.get(s) ?? 0) + 1))
  return short.map((s, i) => (seen.get(s)! > 1 ? `${truncateLabel(names[i], maxChars - 3)} #${i + 1}` : s))
}

/**
 * The item behind each token of one query: `history_k` holds `history[k - 1]` (the query's history
 * items, most recent first); other tokens, and history slots the user has no item for, get null.
 */
export function historyItemsOf<T extends Named>(
  tokens: readonly string[],
  history: readonly T[],
): (T | null)[] {
  return tokens.map((token) => {
    const match = HISTORY_TOKEN.exec(token)
    return match ? (history[Number(match[1]) - 1] ?? null) : null
  })
}

/** What the axes show for each token: a history token with its item's name (`history_1 · Toy Story (1995)`). */
export function tokenNames(tokens: readonly string[], items: readonly (Named | null)[]): string[] {
  return tokens.map((token, t) => {
    const item = items[t]
    return item ? `${token} · ${nameOf(item)}` : token
  })
}

/**
 * Axis labels of one query's tokens: field names as `axisLabels` shortens them, and a history token with
 * its item's name shortened on its own, so the token and the start and end of the name both stay.
 */
export function tokenAxisLabels(tokens: readonly string[], items: readonly (Named | null)[]): string[] {
  return axisLabels(tokens).map((label, t) => {
    const item = items[t]
    return item ? `${label} · ${truncateLabel(nameOf(item), MAX_ITEM_NAME_CHARS)}` : label
  })
}

/** Side of one cell in px for an n×n matrix. */
export function cellSize(n: number): number {
  if (n <= 0) return MAX_CELL_PX
  return Math.max(MIN_CELL_PX, Math.min(MAX_CELL_PX, Math.floor(TARGET_MATRIX_PX / n)))
}

/** Approximate width in px of a label in the axis font (no DOM measuring, so export matches screen). */
export function labelWidth(labels: readonly string[], fontPx = LABEL_FONT_PX): number {
  const longest = labels.reduce((m, l) => Math.max(m, Array.from(l).length), 0)
  return Math.ceil(longest * fontPx * 0.62) + 8
}

/** Largest finite value (0 for an empty or all-NaN list). */
export function matrixMax(values: readonly number[]): number {
  let max = 0
  for (const v of values) if (Number.isFinite(v) && v > max) max = v
  return max
}

/** Smallest finite value (0 for an empty or all-NaN list). */
export function matrixMin(values: readonly number[]): number {
  let min = Infinity
  for (const v of values) if (Number.isFinite(v) && v < min) min = v
  return Number.isFinite(min) ? min : 0
}

/** Element-wise mean of equally long matrices (the mean over heads). */
export function meanOfHeads(heads: readonly (readonly number[])[]): number[] {
  if (heads.length === 0) return []
  const out = new Array<number>(heads[0].length).fill(0)
  for (const h of heads) for (let i = 0; i < out.length; i++) out[i] += h[i] / heads.length
  return out
}

/** Ticks of the colour legend: the bottom of the scale (0 by default), the middle and the maximum. */
export function legendTicks(max: number, min = 0): number[] {
  return max > min ? [min, (min + max) / 2, max] : [min]
}

/** A weight with three significant decimals (attention weights are in [0, 1]). */
export function formatWeight(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : '—'
}

/** A signed NDCG change such as `+0.0123` or `−0.0040`. */
export function formatDrop(value: number): string {
  if (!Number.isFinite(value)) return '—'
  const text = Math.abs(value).toFixed(4)
  return value > 0 ? `+${text}` : value < 0 ? `−${text}` : text
}

/** One position of the epoch slider. */
export interface ReplayStep {
  /** What the slider position shows, e.g. `epoch 2 of 3` or `final model (epoch 3)`. */
  label: string
  user: TowerAttention
  item: TowerAttention
}

/**
 * The positions of the epoch slider: one per snapshot (in epoch order), then the final summary of the
 * tested model when the run is done.
 */
export function replaySteps(
  snapshots: readonly AttentionSnapshot[],
  final: { user: TowerAttention; item: TowerAttention } | null,
  testedEpoch: number | null,
): ReplayStep[] {
  const steps: ReplayStep[] = snapshots.map((s) => ({
    label: `epoch ${s.epoch} of ${snapshots.length}`,
    user: s.user,
    item: s.item,
  }))
  if (final)
    steps.push({
      label: testedEpoch ? `final model (weights of epoch ${testedEpoch})` : 'final model',
      user: final.user,
      item: final.item,
    })
  return steps
}

/** The matrix of one layer and head (`'mean'` = mean over heads); null when the layer does not exist. */
export function pickMatrix(tower: TowerView, layer: number, head: number | 'mean'): number[] | null {
  const heads = tower.layers[layer]
  if (!heads || heads.length === 0) return null
  if (head === 'mean') return meanOfHeads(heads)
  return heads[head] ?? null
}

/** Drop-field importance of one tower's fields, by field name. */
export function importanceOf(
  importance: readonly FieldImportance[],
  tower: TowerSide,
): Map<string, FieldImportance> {
  return new Map(importance.filter((i) => i.tower === tower).map((i) => [i.field, i]))
}

/**
 * The heatmap's numbers as one table, a row per query token: its attention to every key token (when a
 * matrix is shown), its pooling weight and the NDCG@10 lost when the field is pinned. With `items`
 * (one query's history tokens, see `historyItemsOf`), each history token's row also names its item.
 */
export function heatmapCsvRows(
  tokens: readonly string[],
  matrix: readonly number[] | null,
  pooling: readonly number[],
  importance: Map<string, FieldImportance>,
  items: readonly (Named | null)[] = [],
): (string | number)[][] {
  const named = items.some((item) => item !== null)
  const header = ['field', ...(matrix ? tokens.map((t) => `attention_to:${t}`) : []), 'pooling_weight']
  header.push('drop_ndcg@10')
  if (named) header.push('history_item_id', 'history_item_label')
  const n = tokens.length
  return [
    header,
    ...tokens.map((t, i) => [
      t,
      ...(matrix ? Array.from({ length: n }, (_, j) => matrix[i * n + j]) : []),
      pooling[i] ?? '',
      importance.get(t)?.drop ?? '',
      ...(named ? [items[i]?.id ?? '', items[i]?.label ?? ''] : []),
    ]),
  ]
}

/** A slider position: `choice` (null = the newest step, following live training) clamped to the steps. */
export function stepIndexOf(choice: number | null, stepCount: number): number {
  return choice === null ? stepCount - 1 : Math.min(choice, stepCount - 1)
}

/** The choice a slider moved to `position` keeps: the last position follows the newest step (null). */
export function stepChoiceAt(position: number, stepCount: number): number | null {
  return position >= stepCount - 1 ? null : position
}

/** The one query the "chosen" source shows, named, with the item behind each history token. */
export interface ChosenView extends TowerView {
  /** `user Alice (u1)` or `item Toy Story (i1)`. */
  name: string
  /** Per token, the history item it holds (a chosen user's history tokens), else null. */
  items: (Named | null)[]
}

/** The chosen user's or item's attention, for `tower`; null when none is chosen. */
export function chosenView(
  tower: TowerSide,
  userView: UserView | null,
  itemView: ItemView | null,
): ChosenView | null {
  if (tower === 'user')
    return (
      userView && {
        name: `user ${nameWithId({ id: userView.userId, label: userView.userLabel })}`,
        tokens: userView.tokens,
        pooling: userView.pooling,
        layers: userView.attention,
        // One user's history tokens hold known items: the axes name them.
        items: historyItemsOf(userView.tokens, userView.historyTokens),
      }
    )
  return (
    itemView && {
      name: `item ${nameWithId(itemView.item)}`,
      tokens: itemView.tokens,
      pooling: itemView.pooling,
      layers: itemView.attention,
      items: [],
    }
  )
}

/** What "mean" averages over in each tower, as the source menu reads. */
export function meanSourceText(tower: TowerSide): string {
  return tower === 'user' ? 'Mean over validation users' : 'Mean over catalogue items'
}

/** Everything the heatmap shows, chosen from the menus' values. */
export interface HeatmapSelection {
  /** The tower's attention shown (null before the first epoch, or when nothing is chosen). */
  view: TowerView | null
  /** Per token, the history item it holds (only for a chosen user). */
  items: (Named | null)[]
  /** Token names as a person reads them (`history_1 · Toy Story (1995)`). */
  names: string[]
  layerCount: number
  /** The layer and head shown: the menus' choices clamped to what this view has. */
  layer: number
  headCount: number
  head: number | 'mean'
  /** tokens×tokens row-major, or null when the model has no self-attention layers. */
  matrix: number[] | null
  /** The epoch step's label, or the chosen query's name. */
  sourceLabel: string
  /** `user tower, mean over validation users` or `item tower, item Toy Story (i1)`. */
  what: string
  /** Parts of the export file name (see `fileSlug`). */
  fileParts: string[]
}

/**
 * The matrix of `tower` the menus ask for: from the replay `step` (source `mean`) or from `chosen`,
 * at layer `layerChoice` and head `headChoice`. A layer or head the view lacks falls back to the last
 * layer and the first head, so switching to a smaller model never shows nothing.
 */
export function heatmapSelection({
  tower,
  source,
  step,
  chosen,
  layerChoice,
  headChoice,
}: {
  tower: TowerSide
  source: HeatmapSource
  step: ReplayStep | null
  chosen: ChosenView | null
  layerChoice: number
  headChoice: number | 'mean'
}): HeatmapSelection {
  const view: TowerView | null = source === 'chosen' ? chosen : step ? step[tower] : null
  // The mean over many queries has no particular history items.
  const items = source === 'chosen' && chosen ? chosen.items : []
  const names = view ? tokenNames(view.tokens, items) : []
  const layerCount = view?.layers.length ?? 0
  const layer = Math.min(layerChoice, Math.max(0, layerCount - 1))
  const headCount = view?.layers[layer]?.length ?? 0
  const head = headChoice === 'mean' || headChoice < headCount ? headChoice : 0
  const matrix = view && layerCount > 0 ? pickMatrix(view, layer, head) : null
  const sourceLabel = source === 'chosen' ? (chosen?.name ?? 'chosen') : (step?.label ?? '')
  const what = `${tower} tower, ${source === 'mean' ? meanSourceText(tower).toLowerCase() : (chosen?.name ?? '')}`
  const fileParts = [
    'attention',
    tower,
    source === 'chosen' ? (chosen?.name ?? 'chosen') : (step?.label.split(' (')[0] ?? ''),
    ...(matrix ? [`layer${layer + 1}`, head === 'mean' ? 'mean-heads' : `head${head + 1}`] : []),
  ]
  return { view, items, names, layerCount, layer, headCount, head, matrix, sourceLabel, what, fileParts }
}

/** The colour scale's ends: the largest value, and 0 or the smallest value (`scaleFrom`). */
export function scaleBounds(matrix: readonly number[], scaleFrom: ScaleFrom): { min: number; max: number } {
  return { min: scaleFrom === 'min' ? matrixMin(matrix) : 0, max: matrixMax(matrix) }
}

/** Where the parts of the heatmap SVG go, in px of its viewBox. */
export interface HeatmapLayout {
  /** Side of one cell. */
  cell: number
  /** Top-left corner of the matrix (room for the row and column labels). */
  left: number
  top: number
  /** Side of the whole matrix. */
  side: number
  legendX: number
  legendHeight: number
  width: number
  height: number
}

/** Layout of an n×n heatmap whose axes show `labels`. */
export function heatmapLayout(labels: readonly string[]): HeatmapLayout {
  const n = labels.length
  const cell = cellSize(n)
  const lw = labelWidth(labels)
  const left = lw + 6
  const top = lw + 6
  const side = n * cell
  const legendX = left + side + 22
  return {
    cell,
    left,
    top,
    side,
    legendX,
    legendHeight: Math.min(side, LEGEND_MAX_PX),
    // Wide enough for the two caption lines under the matrix, even for a handful of fields.
    width: Math.max(legendX + LEGEND_BAR_PX + 58, CAPTION_PX),
    height: top + side + 44,
  }
}

/** Distance in px from the legend's top to the tick of `tick` (the legend runs from `min` at the bottom). */
export function legendTickY(tick: number, min: number, max: number, legendHeight: number): number {
  return legendHeight - (max > min ? ((tick - min) / (max - min)) * legendHeight : 0)
}

/** A cell of the matrix: row `i` (the query token) and column `j` (the key token). */
export interface Cell {
  i: number
  j: number
}

/** The cell under point (x, y) in viewBox px, or null outside the matrix. */
export function cellAt(layout: HeatmapLayout, n: number, x: number, y: number): Cell | null {
  const i = Math.floor((y - layout.top) / layout.cell)
  const j = Math.floor((x - layout.left) / layout.cell)
  return i >= 0 && i < n && j >= 0 && j < n ? { i, j } : null
}

const ARROW_MOVES: Record<string, [number, number]> = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
}

/**
 * The cell an arrow key moves to from `from` (the top-left cell when none is active), kept inside the
 * n×n matrix; null for any other key.
 */
export function cellAfterKey(from: Cell | null, key: string, n: number): Cell | null {
  const move = ARROW_MOVES[key]
  if (!move) return null
  const at = from ?? { i: 0, j: 0 }
  return {
    i: Math.min(n - 1, Math.max(0, at.i + move[0])),
    j: Math.min(n - 1, Math.max(0, at.j + move[1])),
  }
}

/** The source menu's entry for one query: who is chosen, or how to choose one. */
export function chosenSourceText(
  tower: TowerSide,
  userView: UserView | null,
  itemView: ItemView | null,
): string {
  if (tower === 'user')
    return userView
      ? `The chosen user (${nameWithId({ id: userView.userId, label: userView.userLabel })})`
      : 'The chosen user (pick one under Recommendations)'
  return itemView ? `The chosen item (${nameWithId(itemView.item)})` : 'The chosen item'
}
