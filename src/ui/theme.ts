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
