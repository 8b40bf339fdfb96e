import { describe, expect, it } from 'vitest'
import { lineGeometry, linearScale, nearestIndex, niceTicks, type LineSeries } from './lineScale'
import { tickDecimals } from './format'

describe('niceTicks', () => {
  it('covers the values with round 1-2-5 steps and widens the domain to the outer ticks', () => {
    expect(niceTicks(0.93, 6.21, 5)).toEqual({ ticks: [0, 2, 4, 6, 8], domain: [0, 8], step: 2 })
    const { ticks, domain, step } = niceTicks(2.113, 2.487, 4)
    expect(step).toBe(0.1)
    expect(ticks).toEqual([2.1, 2.2, 2.3, 2.4, 2.5])
    expect(domain).toEqual([2.1, 2.5])
  })

  it('gives ticks free of float noise', () => {
    const { ticks } = niceTicks(0.1, 0.7, 6)
    for (const t of ticks) expect(String(t).length).toBeLessThanOrEqual(4)
    expect(ticks).toContain(0.3)
  })

  it('puts a window around a single value and survives empty or reversed input', () => {
    const one = niceTicks(3, 3)
    expect(one.domain[0]).toBeLessThan(3)
    expect(one.domain[1]).toBeGreaterThan(3)
    expect(niceTicks(0, 0).domain[0]).toBeLessThan(0)
    expect(niceTicks(Infinity, -Infinity).ticks).toEqual([0, 1])
    expect(niceTicks(5, 1).domain).toEqual(niceTicks(1, 5).domain)
  })

  it('keeps the tick count near the target for spans across many magnitudes', () => {
    for (const [lo, hi] of [
      [0, 1e-4],
      [3, 17],
      [120, 98_765],
      [-40, 0.5],
    ]) {
      const { ticks } = niceTicks(lo, hi, 5)
      expect(ticks.length).toBeGreaterThanOrEqual(3)
      expect(ticks.length).toBeLessThanOrEqual(12)
      expect(ticks[0]).toBeLessThanOrEqual(lo)
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(hi)
    }
  })
})

describe('tickDecimals', () => {
  it('shows as many decimals as the step needs', () => {
    expect(tickDecimals(1)).toBe(0)
    expect(tickDecimals(20)).toBe(0)
    expect(tickDecimals(0.5)).toBe(1)
    expect(tickDecimals(0.1)).toBe(1)
    expect(tickDecimals(0.05)).toBe(2)
    expect(tickDecimals(0.001)).toBe(3)
  })
})

describe('linearScale and nearestIndex', () => {
  it('maps the domain onto the range, flipped when the range is', () => {
    const y = linearScale([0, 4], [200, 0])
    expect(y(0)).toBe(200)
    expect(y(4)).toBe(0)
    expect(y(1)).toBe(150)
    expect(linearScale([2, 2], [0, 10])(7)).toBe(5)
  })

  it('finds the nearest x, ties to the left', () => {
    const xs = [5, 10, 20, 40]
    expect(nearestIndex(xs, -3)).toBe(0)
    expect(nearestIndex(xs, 7)).toBe(0)
    expect(nearestIndex(xs, 8)).toBe(1)
    expect(nearestIndex(xs, 15)).toBe(1)
    expect(nearestIndex(xs, 31)).toBe(3)
    expect(nearestIndex(xs, 99)).toBe(3)
    expect(nearestIndex([], 1)).toBe(-1)
  })
})

describe('lineGeometry', () => {
  const line = (ys: (number | null)[], dots = false): LineSeries => ({
    key: 'k',
    label: 'k',
    colour: '#000',
    dots,
    ys,
  })
  const xs = [1, 5, 10]
  const yOf = (path: string) => [...path.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]))

  it('draws the first x at the left edge, the last at the right, the lowest value lowest', () => {
    const g = lineGeometry(xs, [line([6, 4, 2])], 300, 200)
    expect(g.x(1)).toBe(0)
    expect(g.x(10)).toBe(300)
    expect(g.x.invert(300)).toBe(10)
    expect(g.lines[0].path.startsWith('M0.0,')).toBe(true)
    const ys = yOf(g.lines[0].path)
    expect(ys).toHaveLength(3)
    expect(ys[0]).toBeLessThan(ys[1])
    expect(ys[1]).toBeLessThan(ys[2])
    expect(g.yTicks[0]).toBeLessThanOrEqual(2)
    expect(g.yTicks[g.yTicks.length - 1]).toBeGreaterThanOrEqual(6)
    for (const t of g.xTicks) expect(Number.isInteger(t) && t >= 1 && t <= 10).toBe(true)
  })

  it('breaks a line at a value that is null or not a number, and scales to the finite ones', () => {
    const g = lineGeometry([1, 5, 7, 10], [line([6, 4, NaN, 2]), line([null, 3, null, 3])], 300, 200)
    expect(g.lines[0].path.match(/M/g)).toHaveLength(2)
    expect(g.lines[0].path).not.toContain('NaN')
    expect(g.lines[1].path.match(/M/g)).toHaveLength(2)
    expect(g.yTicks.every(Number.isFinite)).toBe(true)
    expect(g.yTicks[g.yTicks.length - 1]).toBeLessThan(10)
  })

  it('shares one value axis between series, from 0 when asked, and puts dots only where asked', () => {
    const g = lineGeometry(xs, [line([0.2, 0.3, 0.4], true), line([0.1, 0.1, 0.1])], 300, 200, 'fromZero')
    expect(g.yTicks[0]).toBe(0)
    expect(g.y(0)).toBe(200)
    expect(g.lines[0].dots).toHaveLength(3)
    expect(g.lines[1].dots).toHaveLength(0)
    // The flat line at 0.1 is below (greater y than) the other line's lowest point, 0.2.
    expect(yOf(g.lines[1].path)[0]).toBeGreaterThan(yOf(g.lines[0].path)[0])
    expect(g.yDecimals).toBeGreaterThanOrEqual(1)
  })

  it('draws a single point in the middle with its own tick only, and nothing for no points', () => {
    const one = lineGeometry([1], [line([3], true)], 300, 200)
    expect(one.lines[0].path).toMatch(/^M150\.0,[\d.]+$/)
    expect(one.lines[0].dots).toHaveLength(1)
    expect(one.lines[0].dots[0][0]).toBe(150)
    expect(one.xTicks).toEqual([1])
    expect(one.x.invert(150)).toBe(1)
    // A line without dots (a baseline) is drawn as its level across the window, not as a lone moveto.
    const level = lineGeometry([1], [line([3], true), line([2])], 300, 200)
    const y2 = level.y(2).toFixed(1)
    expect(level.lines[1].path).toBe(`M0.0,${y2}L300.0,${y2}`)
    expect(level.lines[1].dots).toHaveLength(0)
    expect(lineGeometry([], [line([])], 300, 200).lines[0].path).toBe('')
  })
})
