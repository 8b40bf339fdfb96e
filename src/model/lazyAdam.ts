import { scalar } from './constants'
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
 *
 * On a GPU backend the rows a batch uses are also padded to one of a few sizes (`bucketedRowCount`):
 * their number changes from batch to batch, and WebGL compiles its shaders per tensor shape, so
 * unpadded every new count compiled a new set of programs for the gather and the update, on and on
 * through training (the benchmark's timed steps after warm-up: 277 programs in 12 on SwiftShader, 734
 * in 60 on an H200, where WebGL trained 3.6× slower for it; `compiledPrograms`). Padded
 * slots repeat the first row; nothing refers to them, so their gradient is zero and the mask leaves
 * their table row alone.
 */
/** A `LazyAdam`'s state as plain data: its step count and each updated table's moments. */
export interface LazyAdamState {
  step: number
  moments: { table: string; m: Float32Array; v: Float32Array }[]
}

/** Backends whose rows are replaced by a mask (see above); WebGPU as WebGL, a parallel `where`. */
const GPU_BACKENDS = new Set(['webgl', 'webgpu'])

/**
 * TensorFlow.js flags of this file, so that the bench (`BenchmarkPlan.flags`) and tests can switch
 * them: the GPU's way (mask, padded rows) on a CPU backend, and the padding off on a GPU one.
 */
export const MASK_ROWS_ON_CPU_FLAG = 'PLAYGROUND_MASK_ROWS_ON_CPU'
export const BUCKET_ROWS_FLAG = 'PLAYGROUND_BUCKET_ROWS'
tf.env().registerFlag(MASK_ROWS_ON_CPU_FLAG, () => false)
tf.env().registerFlag(BUCKET_ROWS_FLAG, () => true)

/** How the current backend replaces a table's rows (see the file's comment). */
export function rowStrategy(): 'scatter' | 'mask' {
  return GPU_BACKENDS.has(tf.getBackend()) || tf.env().getBool(MASK_ROWS_ON_CPU_FLAG) ? 'mask' : 'scatter'
}

/** Whether a training step pads its unique table rows to `bucketedRowCount` (the GPU's way). */
export function padsTableRows(): boolean {
  return rowStrategy() === 'mask' && tf.env().getBool(BUCKET_ROWS_FLAG)
}

/**
 * The padded size of `count` rows: the least m·2^k ≥ count with m in 4..7 (at least 8): at most 25%
 * more rows, and a handful of sizes over the range a fixed batch's unique rows vary in.
 */
export function bucketedRowCount(count: number): number {
  if (count <= 8) return 8
  const power = 2 ** (Math.floor(Math.log2(count)) - 2)
  return Math.ceil(count / power) * power
}

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
   * Applies the gradient `grad` ([rows.length, dim]) to rows `rows` of `table`: the first `count` are
   * unique, any after them padding (`uniqueRows`), left alone. Disposes nothing it was given.
   */
  update(table: tf.Variable, rows: Int32Array, grad: tf.Tensor2D, count = rows.length): void {
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
      const mRows = tf.add(
        tf.mul(tf.gather(m, index), scalar(this.beta1)),
        tf.mul(grad, scalar(1 - this.beta1)),
      )
      const vRows = tf.add(
        tf.mul(tf.gather(v, index), scalar(this.beta2)),
        tf.mul(tf.square(grad), scalar(1 - this.beta2)),
      )
      const pRows = tf.sub(
        tf.gather(table, index),
        tf.mul(tf.div(mRows, tf.add(tf.sqrt(vRows), scalar(this.epsilon))), lr),
      )
      const strategy = rowStrategy()
      if (strategy === 'scatter' && count < rows.length)
        throw new Error('LazyAdam.update: padded rows need the mask strategy (a scatter would write them)')
      const replace = rowReplacer(table.shape[0], rows.subarray(0, count), index, strategy)
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
 * ('scatter') or by `where(mask, gather(values, position), target)` ('mask', for WebGL). With 'mask',
 * `values` may have more rows than `rows` (padding): row i of `values` goes to `rows[i]`, the rest nowhere.
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

/**
 * Sorted unique values of `ids` (`count` of them) and, for each id, its index in that list. With `pad`,
 * the list is padded to `bucketedRowCount(count)` by repeating its first value (no id refers to those).
 */
export function uniqueRows(
  ids: Int32Array,
  pad = false,
): { unique: Int32Array; positions: Int32Array; count: number } {
  const distinct = Int32Array.from(new Set(ids)).sort()
  const count = distinct.length
  const index = new Map<number, number>()
  distinct.forEach((id, i) => index.set(id, i))
  let unique = distinct
  if (pad && count > 0) {
    unique = new Int32Array(bucketedRowCount(count)).fill(distinct[0])
    unique.set(distinct)
  }
  return { unique, positions: Int32Array.from(ids, (id) => index.get(id)!), count }
}
