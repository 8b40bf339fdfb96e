import { BASELINES, type BaselineName } from '../../model/scorers'

/** Each baseline's colour and label come from the scorer registry (`model/scorers.ts`), not from here. */
const BASELINE_COLOURS = Object.fromEntries(BASELINES.map((b) => [b.name, b.colour])) as Record<
  BaselineName,
  string
>
const BASELINE_LABELS = Object.fromEntries(BASELINES.map((b) => [b.name, b.label])) as Record<
  BaselineName,
  string
>

/**
 * Colours that charts, SVG and canvas drawings need as values (a serialised SVG or a canvas cannot read
 * CSS variables), picked for contrast on white. Stylesheets use the variables of `ui/app.css`; the
 * shared ones (ink, surface, grid, frame) hold the same values there.
 */
export const COLORS = {
  model: '#1f5fbf',
  ...BASELINE_COLOURS,
  loss: '#1f5fbf',
  grid: '#d9dee5',
  axis: '#39414c',
  /** Text drawn in SVG and canvas (`--ink`). */
  ink: '#1b2330',
  /** Backgrounds of exported drawings and cell separators (`--surface`). */
  surface: '#ffffff',
  /** Frames around drawings (`--border-strong`). */
  frame: '#8a94a3',
  /** The highlighted cell or point: the hovered heatmap cell, the chosen user on the map. */
  highlight: '#e07b00',
} as const

/** Bars and lines of the data-exploration charts: their own keys, so a baseline's colour can change alone. */
export const EDA_COLOURS = {
  counts: '#1f5fbf',
  missing: '#b3470f',
  histogram: '#1d7a4a',
  ratings: '#7a3fb0',
  time: '#1f5fbf',
} as const

export const SERIES_LABELS: Record<'model' | BaselineName, string> = {
  model: 'Attention two-tower',
  ...BASELINE_LABELS,
}

/** Sequential scale of the attention heatmaps, 0 (lightest) to the matrix maximum (darkest): ColorBrewer Blues. */
export const HEATMAP_STOPS = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'] as const

/** Categories on the embedding map (Tableau 10 with two replacements), then `OTHER_COLOUR` for the rest. */
export const CATEGORY_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#17becf',
  '#1b9e77',
  '#7570b3',
] as const
export const OTHER_COLOUR = '#c3c8cf'
/** The chosen user's marker on the embedding map. */
export const USER_MARKER_COLOUR = '#111827'
/** Bars of attention-pooling weights. */
export const WEIGHT_BAR_COLOUR = '#1f5fbf'
