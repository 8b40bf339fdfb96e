import * as tf from './tf'

/**
 * Adam for embedding tables that touches only the rows a batch used ("lazy" Adam: moments of untouched
 * rows are left as they are). A dense Adam step reads and writes every row of every table, which made a
 * step at a 100,000-item vocabulary ~3× slower than at 1,000 on the cpu backend; this one does O(rows
 * used) arithmetic plus one row replacement per table.
 *
 * Row replacement is backend-specific, because the same op has very different costs:
 * - cpu and wasm: `tensorScatterUpdate` (a copy plus O(rows used));
 * - webgl: its scatter shader loops over every update for every table cell (O(vocabulary × rows used)),
 *   so rows are replaced with `where(mask, gather(newRows, position), table)`: O(vocabulary), parallel;
 *   webgpu the same way (ops every GPU backend has; not timed against its scatter, no GPU here).
 */
/** A `LazyAdam`'s state as plain data: its step count and each updated table's moments. */
export interface LazyAdamState {
  step: number
  moments: { table: string; m: Float32Array; v: Float32Array }[]
}

/** Backends whose rows are replaced by a mask (see above); WebGPU as WebGL, a parallel `where`. */
const GPU_BACKENDS = new Set(['webgl', 'webgpu'])

export class LazyAdam {
  private readonly moments = new Map<tf.Variable, { m: tf.Variable; v: tf.Variable }>()
  private step = 0
  private readonly learningRate: number
  private readonly beta1: number
  private readonly beta2: number
  private readonly epsilon: number

  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    this.learningRate = learningRate
    this.beta1 = beta1
    this.beta2 = beta2
    this.epsilon = epsilon
  }

  /** Advances the shared step counter; call once per training step, before `update`. */
  tick(): void {
    this.step++
  }

  /**
   * Applies the gradient `grad` ([rows.length, dim]) to rows `rows` (unique, ascending) of `table`.
   * Disposes nothing it was given.
   */
  update(table: tf.Variable, rows: Int32Array, grad: tf.Tensor2D): void {
    let state = this.moments.get(table)
    if (!state) {
      state = {
        m: tf.tidy(() => tf.variable(tf.zerosLike(table), false)),
        v: tf.tidy(() => tf.variable(tf.zerosLike(table), false)),
      }
      this.moments.set(table, state)
    }
    const { m, v } = state
    const t = this.step
    const lr = (this.learningRate * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t)
    tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32')
      const mRows = tf.add(tf.mul(tf.gather(m, index), this.beta1), tf.mul(grad, 1 - this.beta1))
      const vRows = tf.add(tf.mul(tf.gather(v, index), this.beta2), tf.mul(tf.square(grad), 1 - this.beta2))
      const pRows = tf.sub(
        tf.gather(table, index),
        tf.mul(tf.div(mRows, tf.add(tf.sqrt(vRows), this.epsilon)), lr),
      )
      const replace = rowReplacer(
        table.shape[0],
        rows,
        index,
        GPU_BACKENDS.has(tf.getBackend()) ? 'mask' : 'scatter',
      )
      m.assign(replace(m, mRows))
      v.assign(replace(v, vRows))
      table.assign(replace(table, pRows))
    })
  }

  /** The step count and the moments of each named table that has had an update, as plain arrays. */
  async state(tables: [string, tf.Variable][]): Promise<LazyAdamState> {
    const moments: LazyAdamState['moments'] = []
    for (const [table, variable] of tables) {
      const state = this.moments.get(variable)
      if (state)
        moments.push({
          table,
          m: ((await state.m.data()) as Float32Array).slice(),
          v: ((await state.v.data()) as Float32Array).slice(),
        })
    }
    return { step: this.step, moments }
  }

  /** Goes on from `state` (of `state(tables)` with the same names and table shapes); only before any update. */
  load(state: LazyAdamState, tables: [string, tf.Variable][]): void {
    if (this.moments.size > 0) throw new Error('LazyAdam.load: this optimizer has already taken steps')
    for (const { table, m, v } of state.moments) {
      const variable = tables.find(([name]) => name === table)?.[1]
      if (!variable || m.length !== variable.size || v.length !== variable.size)
        throw new Error(`LazyAdam.load: no table "${table}" of ${m.length} values here`)
      this.moments.set(variable, {
        m: tf.tidy(() => tf.variable(tf.tensor(m, variable.shape), false)),
        v: tf.tidy(() => tf.variable(tf.tensor(v, variable.shape), false)),
      })
    }
    this.step = state.step
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose()
      v.dispose()
    }
    this.moments.clear()
  }
}

/**
 * A function that returns `target` with `rows` replaced by `values`: by `tensorScatterUpdate`
 * ('scatter') or by `where(mask, gather(values, position), target)` ('mask', for WebGL).
 */
export function rowReplacer(
  tableRows: number,
  rows: Int32Array,
  index: tf.Tensor1D,
  strategy: 'scatter' | 'mask',
): (target: tf.Tensor, values: tf.Tensor) => tf.Tensor {
  if (strategy === 'scatter') {
    const indices = tf.expandDims(index, 1)
    return (target, values) => tf.tensorScatterUpdate(target, indices, values)
  }
  const position = new Int32Array(tableRows)
  const used = new Uint8Array(tableRows)
  rows.forEach((row, i) => {
    position[row] = i
    used[row] = 1
  })
  const positionT = tf.tensor1d(position, 'int32')
  // [rows, 1] so it broadcasts across the embedding width.
  const mask = tf.tensor2d(used, [tableRows, 1], 'bool')
  return (target, values) => tf.where(mask, tf.gather(values, positionT), target)
}

/** Sorted unique values of `ids` and, for each id, its index in that list. */
export function uniqueRows(ids: Int32Array): { unique: Int32Array; positions: Int32Array } {
  const unique = Int32Array.from(new Set(ids)).sort()
  const index = new Map<number, number>()
  unique.forEach((id, i) => index.set(id, i))
  return { unique, positions: Int32Array.from(ids, (id) => index.get(id)!) }
}
