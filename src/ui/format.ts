/** Number formatting shared by tables and charts. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4)
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

export function formatRatio(model: number, baseline: number): string {
  if (!(baseline > 0)) return '—'
  return `${(model / baseline).toFixed(1)}×`
}
