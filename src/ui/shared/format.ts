/** Number formatting shared by tables and charts. */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(4)
}

/** A size in bytes as B, KB, MB or GB (powers of 1,024), one decimal. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US')
}

export function formatRatio(model: number, baseline: number): string {
  if (!(baseline > 0)) return '—'
  return `${(model / baseline).toFixed(1)}×`
}

/** A ratio `a ÷ b` as `2.8×`, with two decimals near 1 so a real but small gain does not read `1.0×`. */
export function formatTimes(ratio: number): string {
  return `${ratio.toFixed(Math.abs(ratio - 1) < 0.1 ? 2 : 1)}×`
}

/** A signed number with a true minus sign: `+0.0123`, `−0.0040`, `0.0000`. */
export function formatSigned(value: number | null | undefined, decimals = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const text = Math.abs(value).toFixed(decimals)
  if (Number(text) === 0) return (0).toFixed(decimals)
  return `${value > 0 ? '+' : '−'}${text}`
}

/** The half-width of a 95% interval as `±0.0123`, or `± —` when it is unknown (e.g. an old run file). */
export function formatHalfWidth(halfWidth: number | null | undefined): string {
  return halfWidth === null || halfWidth === undefined || !Number.isFinite(halfWidth)
    ? '± —'
    : `±${halfWidth.toFixed(4)}`
}

/** Decimals that tell ticks `step` apart (0.05 → 2, 1 → 0). */
export function tickDecimals(step: number): number {
  return Math.max(0, Math.min(12, -Math.floor(Math.log10(step) + 1e-9)))
}

/** Ticks of a value axis that starts at 0, and how to write them. */
export interface AxisTicks {
  ticks: number[]
  /** Decimals that tell every tick apart (0.0005 steps need 4, 0.1 steps need 1). */
  decimals: number
  format: (value: number) => string
}

/**
 * About `count` evenly spaced ticks from 0 to just above the largest value, on a 1–2–2.5–5 step, with as
 * many decimals as the step needs: values around 0.002 get 0, 0.0005, 0.0010, … rather than "0.00" at
 * every tick. Without a positive finite value the axis runs 0 to 1.
 */
export function valueAxisTicks(values: readonly (number | null | undefined)[], count = 5): AxisTicks {
  let max = 0
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v) && v > max) max = v
  if (max === 0) max = 1
  const raw = max / Math.max(1, count - 1)
  const magnitude = 10 ** Math.floor(Math.log10(raw))
  const residual = raw / magnitude
  const nice = residual <= 1 ? 1 : residual <= 2 ? 2 : residual <= 2.5 ? 2.5 : residual <= 5 ? 5 : 10
  const step = nice * magnitude
  // A 2.5 step needs one decimal more than its power of ten (0.25, 2.5), none at 25 and up.
  const decimals = tickDecimals(nice === 2.5 ? step / 10 : step)
  const ticks: number[] = []
  // Rounded to the decimals shown, so 3 × 0.1 is the tick 0.3, not 0.30000000000000004.
  for (let i = 0; i * step < max + step * 1e-9 || ticks.length < 2; i++)
    ticks.push(Number((i * step).toFixed(decimals)))
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks.length * step).toFixed(decimals)))
  return { ticks, decimals, format: (v) => v.toFixed(decimals) }
}
