/** Colours and series keys shared by every chart and table, picked for contrast on white. */
export const COLORS = {
  model: '#1f5fbf',
  'id-only': '#7a3fb0',
  'mean-pooling': '#1d7a4a',
  popularity: '#b3470f',
  random: '#5b6470',
  loss: '#1f5fbf',
  grid: '#d9dee5',
  axis: '#39414c',
} as const

export const SERIES_LABELS = {
  model: 'Attention two-tower',
  'id-only': 'Id-only two-tower (MF)',
  'mean-pooling': 'Mean pooling (no attention)',
  popularity: 'Most popular',
  random: 'Random',
} as const

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
