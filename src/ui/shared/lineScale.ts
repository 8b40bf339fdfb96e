import { tickDecimals, valueAxisTicks } from './format'

/**
 * Scales, ticks and paths for the line charts drawn by hand (`SvgLineChart`: the loss and validation
 * charts, redrawn while training): pure functions, so the geometry is tested without a DOM.
 */

/** A linear map from `domain` to `range`; a domain of zero width maps everything to the range's middle. */
export function linearScale(
  [d0, d1]: readonly [number, number],
  [r0, r1]: readonly [number, number],
): (v: number) => number {
  const width = d1 - d0
  if (!(width > 0)) return () => (r0 + r1) / 2
  const k = (r1 - r0) / width
  return (v) => r0 + (v - d0) * k
}

/** The step between ticks: 1, 2 or 5 times a power of ten, giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count)
  const power = 10 ** Math.floor(Math.log10(raw))
  const fraction = raw / power
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power
}

/**
 * Round tick values covering [min, max] (about `count` of them, a 1-2-5 step), and the domain widened
 * to the outer ticks. A single value gets a window around it.
 */
export function niceTicks(
  min: number,
  max: number,
  count = 5,
): { ticks: number[]; domain: [number, number]; step: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [0, 1], domain: [0, 1], step: 1 }
  if (max < min) [min, max] = [max, min]
  if (max === min) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1
    min -= pad
    max += pad
  }
  const step = niceStep(max - min, count)
  const lo = Math.floor(min / step) * step
  const hi = Math.ceil(max / step) * step
  const ticks: number[] = []
  // Counted, not accumulated: adding `step` again and again drifts (0.1 + 0.2 …).
  const n = Math.round((hi - lo) / step)
  for (let i = 0; i <= n; i++) ticks.push(roundTo(lo + i * step, step))
  return { ticks, domain: [ticks[0], ticks[ticks.length - 1]], step }
}

/** `v` without the float noise a multiple of `step` picks up (0.30000000000000004 → 0.3). */
function roundTo(v: number, step: number): number {
  // One decimal more than the ticks show: rounding must not move a tick, only remove the noise.
  return Number(v.toFixed(Math.min(tickDecimals(step) + 1, 12)))
}

/** Index of the row whose `x` is nearest `x` (rows sorted by x); -1 for no rows. */
export function nearestIndex(xs: readonly number[], x: number): number {
  if (xs.length === 0) return -1
  let lo = 0
  let hi = xs.length - 1
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid] < x) lo = mid + 1
    else hi = mid
  }
  return lo > 0 && x - xs[lo - 1] <= xs[lo] - x ? lo - 1 : lo
}

/** One line of a chart: a value (or null: no point) for each of the chart's x values. */
export interface LineSeries {
  key: string
  label: string
  colour: string
  /** SVG dash pattern; solid when absent. */
  dash?: string
  /** A dot at each point (for short series, such as one point per epoch). */
  dots?: boolean
  ys: readonly (number | null)[]
}

/**
 * How the value axis is chosen: `fit` spans the values with round ticks (a loss, far from 0);
 * `fromZero` starts at 0 (a metric, read against 0).
 */
export type ValueAxis = 'fit' | 'fromZero'

/**
 * Scales, ticks, and each series' path and dots for a chart of `plotW` × `plotH` pixels, the x values
 * `xs` (ascending, shared by every series). A value that is null or not a finite number (a diverged
 * step) breaks its line instead of bending it to the frame, and does not stretch the axis.
 */
export function lineGeometry(
  xs: readonly number[],
  series: readonly LineSeries[],
  plotW: number,
  plotH: number,
  valueAxis: ValueAxis = 'fit',
) {
  const finite: number[] = []
  for (const s of series) for (const v of s.ys) if (v !== null && Number.isFinite(v)) finite.push(v)
  let yTicks: number[]
  let yDomain: [number, number]
  let yDecimals: number
  if (valueAxis === 'fromZero') {
    const axis = valueAxisTicks(finite)
    yTicks = axis.ticks
    yDomain = [0, axis.ticks[axis.ticks.length - 1]]
    yDecimals = axis.decimals
  } else {
    let lo = Infinity
    let hi = -Infinity
    for (const v of finite) {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    const nice = niceTicks(lo, hi, Math.max(2, Math.floor(plotH / 45)))
    yTicks = nice.ticks
    yDomain = nice.domain
    yDecimals = tickDecimals(nice.step)
  }
  const xFrom = xs.length > 0 ? xs[0] : 0
  const xLast = xs.length > 0 ? xs[xs.length - 1] : 0
  // One x value (a one-epoch run) sits in the middle of a window half a unit either side, with its
  // own tick only: an axis running on to the next whole number would show an epoch that never ran.
  const [xLo, xHi] = xLast > xFrom ? [xFrom, xLast] : [xFrom - 0.5, xFrom + 0.5]
  // x values here are whole numbers (steps, epochs): no tick between two of them.
  const xTicks = niceTicks(xLo, xHi, Math.max(2, Math.floor(plotW / 90))).ticks.filter(
    (t) => Number.isInteger(t) && t >= xFrom && t <= xLast,
  )
  const x = Object.assign(linearScale([xLo, xHi], [0, plotW]), {
    invert: linearScale([0, plotW], [xLo, xHi]),
  })
  const y = linearScale(yDomain, [plotH, 0])
  const lines = series.map((s) => {
    let path = ''
    let pen = false
    const dots: [number, number][] = []
    for (let i = 0; i < xs.length; i++) {
      const v = s.ys[i]
      if (v === null || v === undefined || !Number.isFinite(v)) {
        pen = false
        continue
      }
      const px = x(xs[i]).toFixed(1)
      const py = y(v).toFixed(1)
      path += `${pen ? 'L' : 'M'}${px},${py}`
      pen = true
      if (s.dots) dots.push([Number(px), Number(py)])
    }
    // One x value: a line without dots (a baseline's level) would be a lone moveto, drawn as nothing;
    // it is drawn as its level across the window instead.
    const only = s.ys[0]
    if (xs.length === 1 && !s.dots && only !== null && Number.isFinite(only)) {
      const py = y(only).toFixed(1)
      path = `M0.0,${py}L${plotW.toFixed(1)},${py}`
    }
    return { path, dots }
  })
  return { x, y, xTicks, yTicks, yDecimals, lines }
}
