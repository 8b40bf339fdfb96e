import { describe, expect, it } from 'vitest'
import { mulberry32, normal } from '../data/random'
import { pca, project } from './pca'

describe('pca', () => {
  it('finds the directions of largest variance, in order, with their share of the variance', () => {
    // Points spread 10× along (1,1,0)/√2 and 3× along (0,0,1), with a little noise elsewhere.
    const rng = mulberry32(3)
    const rows = 2000
    const data = new Float64Array(rows * 3)
    for (let r = 0; r < rows; r++) {
      const a = 10 * normal(rng)
      const b = 3 * normal(rng)
      const n = 0.1 * normal(rng)
      data.set([a / Math.SQRT2 + n / Math.SQRT2 + 5, a / Math.SQRT2 - n / Math.SQRT2 - 2, b + 1], r * 3)
    }
    const p = pca(data, rows, 3, 2)
    expect(Math.abs(p.components[0][0])).toBeCloseTo(Math.SQRT1_2, 2)
    expect(Math.abs(p.components[0][1])).toBeCloseTo(Math.SQRT1_2, 2)
    expect(Math.abs(p.components[1][2])).toBeCloseTo(1, 2)
    expect(p.variance[0]).toBeGreaterThan(90)
    expect(p.variance[1]).toBeGreaterThan(7)
    expect(p.explained[0] + p.explained[1]).toBeGreaterThan(0.99)
    // The mean projects to the origin.
    const origin = project(p, p.mean)
    expect(origin[0]).toBeCloseTo(0, 10)
    expect(origin[1]).toBeCloseTo(0, 10)
  })

  it('is deterministic, sign included', () => {
    const data = Float64Array.from({ length: 300 }, (_, i) => Math.sin(i * 1.7) * (i % 3))
    expect(pca(data, 100, 3)).toEqual(pca(data, 100, 3))
  })
})
