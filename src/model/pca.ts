/**
 * Principal component analysis of row vectors by power iteration with deflation: enough for a 2-D map
 * of a few thousand embeddings, deterministic (fixed start vectors), no dependencies.
 */

export interface Projection {
  /** Column means of the data, subtracted before projecting. */
  mean: Float64Array
  /** `components[c]`: unit vector of principal component c (dim entries). */
  components: Float64Array[]
  /** Variance of the data along each component. */
  variance: number[]
  /** Share of the total variance each component explains, in [0, 1]. */
  explained: number[]
}

const ITERATIONS = 200

/** `data`: rows × dim, row-major. */
export function pca(data: Float32Array | Float64Array, rows: number, dim: number, count = 2): Projection {
  const mean = new Float64Array(dim)
  for (let r = 0; r < rows; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j] / rows
  // Covariance (dim × dim) is small: embeddings are at most a few hundred wide.
  const cov = new Float64Array(dim * dim)
  const centred = new Float64Array(dim)
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < dim; j++) centred[j] = data[r * dim + j] - mean[j]
    for (let i = 0; i < dim; i++) {
      const ci = centred[i]
      if (ci === 0) continue
      for (let j = i; j < dim; j++) cov[i * dim + j] += ci * centred[j]
    }
  }
  let total = 0
  for (let i = 0; i < dim; i++) {
    for (let j = i; j < dim; j++) {
      cov[i * dim + j] /= Math.max(1, rows - 1)
      cov[j * dim + i] = cov[i * dim + j]
    }
    total += cov[i * dim + i]
  }
  const components: Float64Array[] = []
  const variance: number[] = []
  for (let c = 0; c < Math.min(count, dim); c++) {
    let v = Float64Array.from({ length: dim }, (_, j) => 1 / Math.sqrt(dim) + (j === c ? 0.5 : 0))
    let lambda = 0
    for (let it = 0; it < ITERATIONS; it++) {
      const next = new Float64Array(dim)
      for (let i = 0; i < dim; i++) {
        let s = 0
        for (let j = 0; j < dim; j++) s += cov[i * dim + j] * v[j]
        next[i] = s
      }
      // Deflate: remove what earlier components already explain.
      for (const u of components) {
        let dot = 0
        for (let j = 0; j < dim; j++) dot += next[j] * u[j]
        for (let j = 0; j < dim; j++) next[j] -= dot * u[j]
      }
      const norm = Math.hypot(...next)
      if (norm === 0) break
      lambda = norm
      v = next.map((x) => x / norm)
    }
    // Fix the sign so the same data always gives the same picture.
    let largest = 0
    for (let j = 0; j < dim; j++) if (Math.abs(v[j]) > Math.abs(v[largest])) largest = j
    if (v[largest] < 0) v = v.map((x) => -x)
    components.push(v)
    variance.push(lambda)
  }
  return { mean, components, variance, explained: variance.map((x) => (total > 0 ? x / total : 0)) }
}

/** Coordinates of one vector on the projection's components. */
export function project(p: Projection, vector: ArrayLike<number>): number[] {
  return p.components.map((u) => {
    let s = 0
    for (let j = 0; j < u.length; j++) s += (vector[j] - p.mean[j]) * u[j]
    return s
  })
}
