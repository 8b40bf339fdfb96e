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

  /** `dim` orthonormal directions in `dim` dimensions: Gram-Schmidt of seeded random vectors. */
  function orthonormalBasis(dim: number, seed: number): number[][] {
    const rng = mulberry32(seed)
    const basis: number[][] = []
    while (basis.length < dim) {
      const v = Array.from({ length: dim }, () => normal(rng))
      for (const u of basis) {
        const dot = u.reduce((s, x, j) => s + x * v[j], 0)
        u.forEach((x, j) => (v[j] -= dot * x))
      }
      const norm = Math.hypot(...v)
      basis.push(v.map((x) => x / norm))
    }
    return basis
  }
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    let s = 0
    for (let j = 0; j < a.length; j++) s += a[j] * b[j]
    return s
  }

  /**
   * Exactly known answer: the mean plus and minus `spread[k]` along direction k, two rows per direction.
   * The sample covariance (divided by rows - 1) is then sum_k 2 spread_k^2 u_k u_k' / (rows - 1): its
   * eigenvectors are the directions and its eigenvalues 2 spread_k^2 / (rows - 1); the fifth direction
   * has no variance.
   */
  const dim = 5
  const basis = orthonormalBasis(dim, 11)
  const spread = [4, 3, 2, 1]
  const mean = [5, -2, 1, 0.5, 3]
  const rows = 2 * spread.length
  const data = new Float64Array(rows * dim)
  spread.forEach((a, k) =>
    [a, -a].forEach((signed, side) =>
      data.set(
        mean.map((m, j) => m + signed * basis[k][j]),
        (2 * k + side) * dim,
      ),
    ),
  )
  /** Direction k with the documented sign: its largest entry (in magnitude) is positive. */
  const signed = (u: number[]) => {
    const largest = u.reduce((best, x, j) => (Math.abs(x) > Math.abs(u[best]) ? j : best), 0)
    return u[largest] < 0 ? u.map((x) => -x) : u
  }

  it('recovers known orthogonal directions, their variances and shares of the total variance', () => {
    const p = pca(data, rows, dim, 3)
    Array.from(p.mean).forEach((m, j) => expect(m).toBeCloseTo(mean[j], 12))
    const squares = spread.map((a) => a * a)
    const total = squares.reduce((s, x) => s + x, 0)
    for (let k = 0; k < 3; k++) {
      // The direction, whatever its sign...
      expect(Math.abs(dot(p.components[k], basis[k]))).toBeCloseTo(1, 9)
      // ...and the sign the picture is drawn with.
      Array.from(p.components[k]).forEach((x, j) => expect(x).toBeCloseTo(signed(basis[k])[j], 9))
      expect(p.variance[k]).toBeCloseTo((2 * squares[k]) / (rows - 1), 9)
      expect(p.explained[k]).toBeCloseTo(squares[k] / total, 9)
    }
    // Components are orthonormal.
    expect(dot(p.components[0], p.components[1])).toBeCloseTo(0, 9)
    expect(dot(p.components[1], p.components[1])).toBeCloseTo(1, 12)
  })

  it('projects a point to its coordinates along the components', () => {
    const p = pca(data, rows, dim, 2)
    const sign = [0, 1].map((k) => Math.sign(dot(p.components[k], basis[k])))
    const point = mean.map((m, j) => m + 2.5 * basis[0][j] - 1.5 * basis[1][j] + 0.7 * basis[3][j])
    const [x, y] = project(p, point)
    expect(x).toBeCloseTo(2.5 * sign[0], 9)
    expect(y).toBeCloseTo(-1.5 * sign[1], 9)
  })

  it('gives the same picture, sign included, whatever the order of the rows', () => {
    const order = [5, 2, 7, 0, 3, 6, 1, 4]
    const shuffled = new Float64Array(data.length)
    order.forEach((from, to) => shuffled.set(data.subarray(from * dim, (from + 1) * dim), to * dim))
    const a = pca(data, rows, dim, 3)
    const b = pca(shuffled, rows, dim, 3)
    for (let k = 0; k < 3; k++) {
      Array.from(b.components[k]).forEach((x, j) => expect(x).toBeCloseTo(a.components[k][j], 9))
      expect(b.variance[k]).toBeCloseTo(a.variance[k], 9)
    }
  })
})
