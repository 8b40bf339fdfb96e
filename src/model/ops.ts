import * as tf from './tf'
import { productPlan, type WasmLoops, wasmLoops } from './wasmProducts'

/**
 * Matrix products whose gradients never use matMul's transpose flags.
 *
 * tfjs's wasm backend sends a 2-D matMul to XNNPACK only when neither operand is transposed; with
 * `transposeA` or `transposeB` it falls back to a plain loop 5–8× slower (measured 2026-12-01, Chromium
 * 150: [13824, 32] × [32, 32] in 2.1 ms, the same with `transposeB` in 12.2 ms, an explicit
 * `transpose` then the product in 2.1 ms). The stock matMul gradient is written with those flags, so
 * the backward pass of every projection took the slow loop. Here the transposes are explicit copies,
 * which every backend does in one cheap pass. Same values and gradients as `tf.matMul`.
 */

/** x · w for 2-D x [n, k] and w [k, m]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearOp(x, w) as tf.Tensor2D
}

const linearOp = tf.customGrad((x, w, save) => {
  ;(save as tf.GradSaveFunc)([x as tf.Tensor2D, w as tf.Tensor2D])
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [a, b]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, transpose2d(b as tf.Tensor2D)),
      weightGradient(a as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  }
})

/** Rows of x and dy per product of `axpySum` in `weightGradient`: 2 × 8 KB at 32 columns each. */
const GRADIENT_ROWS = 64

/**
 * xᵀ · dy for x [n, k] and dy [n, m] (the gradient of x · w with respect to w). On wasm, where m is a
 * multiple of 16, the `axpySum` loop of `wasmProducts.ts` over chunks of 64 rows, added into one
 * output: no transpose of x, and each chunk stays in the fastest cache while every output goes
 * through it. tfjs's way, the transpose then XNNPACK's product, took 0.5 + 2.1 ms in the demo's step
 * at [13824, 32] (XNNPACK streams each of its tiles through all 13,824 rows, and packs dy first); this
 * 0.9 ms (chunks of 32 or 128 rows: the same, 256: 1.1 ms). The demo step's fastest 77.7 → 63.9 ms
 * (Node 20, one thread, old and new interleaved, 2026-12-02). The same numbers to the bit as that
 * product: each output adds its terms in row order.
 */
function weightGradient(x: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const wasm = tf.getBackend() === 'wasm' && wasmLoops(tf.backend())
  if (wasm && x.dtype === 'float32' && dy.dtype === 'float32' && dy.shape[1] % 16 === 0) {
    registerWasmKernels()
    return tf.engine().runKernel(WASM_WEIGHT_GRADIENT_KERNEL, { x, dy }) as tf.Tensor2D
  }
  return tf.matMul(transpose2d(x), dy)
}

const weightGradientKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo }
  const [n, k] = x.shape
  const m = dy.shape[1]
  const { internals, loops } = wasmLoops(backend)!
  const out = internals.makeOutput([k, m])
  const [xAt, dyAt, outAt] = [x, dy, out].map((t) => internals.offset(t.dataId))
  new Float32Array(internals.memory.buffer, outAt, k * m).fill(0)
  const chunks = Math.floor(n / GRADIENT_ROWS)
  const [xRows, dyRows] = [GRADIENT_ROWS * 4 * k, GRADIENT_ROWS * 4 * m]
  if (chunks > 0) loops.axpySum(xAt, dyAt, outAt, chunks, k, GRADIENT_ROWS, m, xRows, 4, 4 * k, dyRows, 4 * m)
  const rest = n - chunks * GRADIENT_ROWS
  if (rest > 0)
    loops.axpySum(xAt + chunks * xRows, dyAt + chunks * dyRows, outAt, 1, k, rest, m, 0, 4, 4 * k, 0, 4 * m)
  return out as tf.TensorInfo
}

/** a · bᵀ for 2-D a [n, k] and b [m, k]: every row of a against every row of b. */
export function matMulTransposed(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedOp(a, b) as tf.Tensor2D
}

const transposedOp = tf.customGrad((a, b, save) => {
  ;(save as tf.GradSaveFunc)([a as tf.Tensor2D, b as tf.Tensor2D])
  return {
    value: tf.matMul(a as tf.Tensor2D, transpose2d(b as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, [x, y]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, y as tf.Tensor2D),
      tf.matMul(transpose2d(dy as tf.Tensor2D), x as tf.Tensor2D),
    ],
  }
})

/**
 * The transpose of a 2-D x [n, m], as `tf.transpose`. On wasm, when n has a divisor d (8 ≤ d ≤ 256,
 * n / d ≥ 2), x is read as [n / d, d, m] and transposed to [m, n / d, d]: the same values in the same
 * order, and tfjs's wasm kernel does that 3-D transpose about 3× faster than the 2-D one (Node 20, one
 * thread, 2026-12-02: [13824, 32] 1.31 → 0.42 ms, [3584, 32] 0.27 → 0.09 ms, [512, 512] 1.36 → 0.36 ms).
 */
export function transpose2d(x: tf.Tensor2D): tf.Tensor2D {
  const [n, m] = x.shape
  const d = tf.getBackend() === 'wasm' ? rowBlock(n) : 0
  if (d === 0) return tf.transpose(x)
  return tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(x, [n / d, d, m]), [2, 0, 1]), [m, n]))
}

/** The largest divisor d of n with 8 ≤ d ≤ 256 and n / d ≥ 2; 0 when there is none. */
export function rowBlock(n: number): number {
  for (let d = Math.min(256, n >> 1); d >= 8; d--) if (n % d === 0) return d
  return 0
}

/**
 * Batched products [n, m, k] · [n, k, p] (either operand may be given transposed) for attention.
 *
 * tfjs's wasm backend runs a batched matMul as a scalar loop, about one multiply-add per ns, whatever
 * the layout (XNNPACK is called only for a single unbatched product). The same sums written as a
 * depthwise convolution, one channel per product, go to XNNPACK: the left operand is the image
 * [1, m, k, n], the right one the filter [1, k, n, p], so channel c's output is a[c] · b[c]. The
 * demo's attention logits, [1024, 27, 16] · [1024, 16, 27]: 14.0 ms as a matMul, 8.8–9.6 ms this way
 * with its three transposes (Node 20, one thread, 2026-12-01); the model's training step 208 → 161 ms.
 * Since 2026-12-02 most of these products run in our own SIMD loops instead (`wasmProducts.ts`),
 * which read the operands in place: [1024, 27, 27] · [1024, 27, 16] in 1.2 ms against ~4 ms for the
 * convolution before its transposes, the demo's step min 116–167 → 92–93 ms in interleaved runs. The
 * convolution stays for what the loops do not take (both operands transposed, a head width not a
 * multiple of 4, an engine without SIMD). Other backends (webgl, webgpu, cpu) take matMul as is. Same
 * values and gradients as matMul; the gradients are written with this same product, so the backward
 * pass takes the fast path too.
 */
export function batchMatMul(
  a: tf.Tensor3D,
  b: tf.Tensor3D,
  transposeA = false,
  transposeB = false,
): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, b, transposeA, transposeB)
  const op = (batchedOps[(transposeA ? 2 : 0) + (transposeB ? 1 : 0)] ??= batchedOp(transposeA, transposeB))
  return op(a, b) as tf.Tensor3D
}

const batchedOps: ReturnType<typeof batchedOp>[] = []

function batchedOp(transposeA: boolean, transposeB: boolean) {
  return tf.customGrad((a, b, save) => {
    ;(save as tf.GradSaveFunc)([a as tf.Tensor3D, b as tf.Tensor3D])
    return {
      value: product(a as tf.Tensor3D, b as tf.Tensor3D, transposeA, transposeB),
      gradFunc: (dy: tf.Tensor, [x, y]: tf.Tensor[]) => {
        const d = dy as tf.Tensor3D
        const [p, q] = [x as tf.Tensor3D, y as tf.Tensor3D]
        if (!transposeA && !transposeB) return [product(d, q, false, true), product(p, d, true, false)]
        if (!transposeA && transposeB) return [product(d, q, false, false), product(d, p, true, false)]
        if (transposeA && !transposeB) return [product(q, d, false, true), product(p, d, false, false)]
        return [product(q, d, true, true), product(d, p, true, true)]
      },
    }
  })
}

/** tfjs kernel name of the batched product of `wasmProducts.ts` (wasm backend only). */
export const WASM_PRODUCT_KERNEL = 'ArpBatchedProduct'
/** tfjs kernel name of `DenseAdam`'s update (wasm backend only): [value, m, v] after one step. */
export const WASM_ADAM_KERNEL = 'ArpAdam'
/** tfjs kernel name of `gatherRowsInModule`'s loop (wasm backend only). */
export const WASM_GATHER_KERNEL = 'ArpGatherRows'
/** tfjs kernel name of `weightGradient`'s loop (wasm backend only). */
export const WASM_WEIGHT_GRADIENT_KERNEL = 'ArpWeightGradient'
let wasmKernelsRegistered = false

/**
 * Registers this file's kernels for the wasm backend, once; a no-op until that backend's package is
 * loaded. Call before recording gradients on wasm (the trainer does).
 *
 * - `ArpBatchedProduct`: the batched product of `wasmProducts.ts` (below).
 * - `Identity` that shares the tensor's memory (a reference count) instead of copying it. tfjs saves
 *   every tensor a gradient needs through `Identity` (`engine.clone`) while a tape records; the cpu and
 *   webgl backends share, wasm's own kernel copies: 190 copies a step of the demo model, ~4 ms of
 *   ~90 (Node 20, one thread, 2026-12-02). Sharing is safe because no tfjs kernel, nor ours, writes
 *   into an input: a variable's `assign` swaps its memory, it never writes into it. String tensors keep
 *   the stock kernel.
 * - `Cast` to the tensor's own dtype shares the same way (tfjs's gradients cast float32 to float32
 *   often: 38 a demo step, 4 of them [13824, 32]). The stock kernel copies in JavaScript, which in
 *   the isolated page (shared memory) is slow. Other casts keep the stock kernel.
 * - `Sum` over leading axes (a bias's gradient: the sum of dy's rows) in the `axpy` loop of
 *   `wasmProducts.ts` (see `sumOfLeadingAxes`). The stock kernel first moves those axes last with its
 *   slow 2-D transpose: the demo step's seven such sums took 5.3 ms, now 0.75 ms ([13824, 32] 1.35 →
 *   0.17 ms each; Node 20, one thread, 2026-12-02). The same numbers to the bit: both add each column's
 *   values in row order, one at a time, in float32 (a unit test compares them over many shapes).
 * - `Slice` and `SplitV` that copy rows inside the module (see `sliceKernel`).
 * - `ArpWeightGradient`: a projection's weight gradient (see `weightGradient`).
 * - `ArpGatherRows`: rows of an embedding table (see `gatherRowsInModule`).
 * - `ArpAdam`: one weight's Adam step (see `DenseAdam` in `denseAdam.ts`).
 */
export function registerWasmKernels(): void {
  if (wasmKernelsRegistered) return
  const stockIdentity = tf.getKernel(tf.Identity, 'wasm')
  const stockSum = tf.getKernel(tf.Sum, 'wasm')
  if (!stockIdentity || !stockSum) return
  wasmKernelsRegistered = true
  for (const [name, kernelFunc] of [
    [tf.Slice, sliceKernel],
    [tf.SplitV, splitKernel],
  ] as const) {
    const stock = tf.getKernel(name, 'wasm')
    if (!stock) continue
    tf.unregisterKernel(name, 'wasm')
    tf.registerKernel({ ...stock, kernelFunc: (args) => kernelFunc(args) ?? stock.kernelFunc(args) })
  }
  tf.unregisterKernel(tf.Sum, 'wasm')
  tf.registerKernel({
    ...stockSum,
    kernelFunc: (args) => sumOfLeadingAxes(args) ?? stockSum.kernelFunc(args),
  })
  tf.registerKernel({ kernelName: WASM_PRODUCT_KERNEL, backendName: 'wasm', kernelFunc: productKernel })
  tf.registerKernel({ kernelName: WASM_GATHER_KERNEL, backendName: 'wasm', kernelFunc: gatherKernel })
  tf.registerKernel({ kernelName: WASM_ADAM_KERNEL, backendName: 'wasm', kernelFunc: adamKernel })
  tf.registerKernel({
    kernelName: WASM_WEIGHT_GRADIENT_KERNEL,
    backendName: 'wasm',
    kernelFunc: weightGradientKernel,
  })
  tf.unregisterKernel(tf.Identity, 'wasm')
  tf.registerKernel({
    ...stockIdentity,
    kernelFunc: (args) =>
      (args.inputs.x as tf.TensorInfo).dtype === 'string' ? stockIdentity.kernelFunc(args) : shared(args),
  })
  const stockCast = tf.getKernel(tf.Cast, 'wasm')
  if (stockCast) {
    tf.unregisterKernel(tf.Cast, 'wasm')
    tf.registerKernel({
      ...stockCast,
      kernelFunc: (args) => {
        const from = (args.inputs.x as tf.TensorInfo).dtype
        const to = (args.attrs as unknown as { dtype: string }).dtype
        return from === to && to !== 'string' ? shared(args) : stockCast.kernelFunc(args)
      },
    })
  }
}

/** x itself as the output: its memory shared by a reference count (see `registerWasmKernels`). */
function shared({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo
  ;(backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
}

/**
 * Rows `rows` of a float32 table [height, width] on wasm, copied inside the module by the `gatherRows`
 * loop of `wasmProducts.ts` (one `memory.copy` a row); null where that loop is not there (another
 * backend, no SIMD, other dtypes). Throws a RangeError naming the first row outside the table.
 */
export function gatherRowsInModule(table: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D | null {
  if (tf.getBackend() !== 'wasm' || table.dtype !== 'float32' || rows.dtype !== 'int32') return null
  const wasm = wasmLoops(tf.backend())
  if (!wasm) return null
  const ids = new Int32Array(wasm.internals.memory.buffer, wasm.internals.offset(rows.dataId), rows.size)
  const height = table.shape[0]
  for (const id of ids)
    if (!(id >= 0 && id < height)) throw new RangeError(`gatherRows: row ${id} of a table of ${height}`)
  registerWasmKernels()
  return tf.engine().runKernel(WASM_GATHER_KERNEL, { table, rows }) as tf.Tensor2D
}

const gatherKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { table, rows } = inputs as { table: tf.TensorInfo; rows: tf.TensorInfo }
  const { internals, loops } = wasmLoops(backend)!
  const width = table.shape[1]
  const count = rows.shape[0]
  const out = internals.makeOutput([count, width])
  if (count > 0 && width > 0) {
    const [at, ids, to] = [table, rows, out].map((t) => internals.offset(t.dataId))
    loops.gatherRows(at, ids, to, count, 4 * width, 0, 0, 0, 0, 0, 0, 0)
  }
  return out as tf.TensorInfo
}

/** Inputs value, m, v, g (float32, one size, a multiple of 4) and the eight constants of `adam`. */
const adamKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { value, m, v, g, constants } = inputs as Record<
    'value' | 'm' | 'v' | 'g' | 'constants',
    tf.TensorInfo
  >
  const { internals, loops } = wasmLoops(backend)!
  const outs = [value, m, v].map((t) => internals.makeOutput(t.shape))
  const at = (t: { dataId: object }) => internals.offset(t.dataId)
  const size = tf.util.sizeFromShape(value.shape)
  loops.adam(
    at(value),
    at(m),
    at(outs[0]),
    size,
    at(v),
    at(g),
    at(outs[1]),
    at(outs[2]),
    at(constants),
    0,
    0,
    0,
  )
  return outs as tf.TensorInfo[]
}

/**
 * `Slice` on wasm by `copyRows` (`memory.copy` a contiguous run); null for what the stock kernel keeps
 * (non-float32, a scalar, nothing to copy). The stock kernel first copies the WHOLE input out of the
 * module's memory with `readSync`, then the slice back in: cheap in Node, but in the isolated page, whose
 * memory is shared, JavaScript's copies of it crawl (~90 MB/s): the loss's slices and the history's
 * split took 5.5 s of a 68 s small-demo run there (Chromium 156, CPU profile, 2026-12-02).
 */
function sliceKernel({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | null {
  const x = inputs.x as tf.TensorInfo
  const { begin, size } = attrs as unknown as { begin: number[]; size: number[] }
  const [start, extent] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size)
  const wasm = sliceLoops(x, backend)
  return wasm && tf.util.sizeFromShape(extent) > 0 ? sliceOf(x, start, extent, wasm) : null
}

/** `SplitV` on wasm: each piece by `sliceOf`; null (the stock kernel) where one of them cannot be. */
function splitKernel({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] | null {
  const x = inputs.x as tf.TensorInfo
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number }
  const along = tf.util.parseAxisParam(axis, x.shape)[0]
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, along)
  const wasm = sliceLoops(x, backend)
  if (!wasm || tf.util.sizeFromShape(x.shape) === 0 || sizes.some((s) => s === 0)) return null
  const start = x.shape.map(() => 0)
  return sizes.map((s) => {
    const piece = sliceOf(
      x,
      start,
      x.shape.map((d, a) => (a === along ? s : d)),
      wasm,
    )
    start[along] += s
    return piece
  })
}

/** The loops, where a slice of x can be copied by them (float32, not a scalar). */
function sliceLoops(x: tf.TensorInfo, backend: unknown): WasmLoops | null {
  return x.dtype === 'float32' && x.shape.length > 0 ? wasmLoops(backend) : null
}

/**
 * x[start .. start + extent] (not empty) as a new tensor: the axes after the last partial one are
 * whole, so each index of the axes before it is one contiguous run of memory; the innermost of those
 * axes is a `copyRows` call, the others a loop here.
 */
function sliceOf(
  x: tf.TensorInfo,
  start: number[],
  extent: number[],
  { internals, loops }: WasmLoops,
): tf.TensorInfo {
  const rank = x.shape.length
  const inStride = [...tf.util.computeStrides(x.shape), 1].map((v) => 4 * v) // bytes
  const outStride = [...tf.util.computeStrides(extent), 1].map((v) => 4 * v)
  let whole = rank - 1 // the axes after `whole` are taken whole
  while (whole > 0 && start[whole] === 0 && extent[whole] === x.shape[whole]) whole--
  const run = extent[whole] * inStride[whole]
  const out = internals.makeOutput(extent)
  const copy = (axis: number, from: number, to: number): void => {
    if (axis >= whole - 1) {
      const rows = axis === whole - 1 ? extent[axis] : 1
      const first = axis === whole - 1 ? from + start[axis] * inStride[axis] : from
      loops.copyRows(first, 0, to, rows, run, inStride[axis], run, 0, 0, 0, 0, 0)
      return
    }
    for (let i = 0; i < extent[axis]; i++)
      copy(axis + 1, from + (start[axis] + i) * inStride[axis], to + i * outStride[axis])
  }
  copy(0, internals.offset(x.dataId) + start[whole] * inStride[whole], internals.offset(out.dataId))
  return out as tf.TensorInfo
}

/**
 * `Sum` of x over its leading axes on wasm: x read as [rows, columns], each 4 columns summed down the
 * rows by the `axpy` loop of `wasmProducts.ts` as the product 1 · x (A one value 1 read with stride 0),
 * so each column's values are added in row order in float32, as the stock kernel adds them (see
 * `registerWasmKernels`); null for what the stock kernel keeps: other axes, all of them, non-float32
 * values, one row, a column count not a multiple of 4, no SIMD.
 */
function sumOfLeadingAxes({ inputs, attrs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo | null {
  const x = inputs.x as tf.TensorInfo
  const { axis, keepDims } = attrs as unknown as { axis: number | number[]; keepDims: boolean }
  const wasm = wasmLoops(backend)
  if (x.dtype !== 'float32' || !wasm) return null
  const { internals, loops } = wasm
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q)
  const lead = axes.length
  if (lead === 0 || lead === x.shape.length || axes.some((a, i) => a !== i)) return null
  const rows = tf.util.sizeFromShape(x.shape.slice(0, lead))
  const rest = x.shape.slice(lead)
  const columns = tf.util.sizeFromShape(rest)
  if (rows < 2 || columns === 0 || columns % 4 !== 0) return null
  const one = internals.makeOutput([1])
  new Float32Array(internals.memory.buffer, internals.offset(one.dataId), 1)[0] = 1
  const out = internals.makeOutput(keepDims ? [...axes.map(() => 1), ...rest] : rest)
  const [a, b, o] = [one, x, out].map((t) => internals.offset(t.dataId))
  loops.axpy(a, b, o, 1, 1, rows, columns, 0, 0, 0, 0, 4 * columns)
  ;(backend as unknown as { disposeData(dataId: object): void }).disposeData(one.dataId)
  return out as tf.TensorInfo
}

/**
 * One batched product on wasm: our own SIMD loops where they fit (see `wasmProducts.ts`: reads the
 * operands in place, so the transposes cost nothing), else the depthwise convolution below.
 */
function product(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const floats = a.dtype === 'float32' && b.dtype === 'float32' // the loops read float32 memory
  if (
    floats &&
    wasmLoops(tf.backend()) &&
    productPlan(productDims(a, b, transposeA, transposeB), transposeA, transposeB)
  ) {
    registerWasmKernels()
    return tf.engine().runKernel(WASM_PRODUCT_KERNEL, { a, b }, { transposeA, transposeB }) as tf.Tensor3D
  }
  return convProduct(a, b, transposeA, transposeB)
}

/** [n, m, k, p] of the product of a and b ([n, m, k] · [n, k, p]) given as they are stored. */
function productDims(
  a: { shape: number[] },
  b: { shape: number[] },
  transposeA: boolean,
  transposeB: boolean,
): [number, number, number, number] {
  const [n, m, k] = transposeA ? [a.shape[0], a.shape[2], a.shape[1]] : a.shape
  return [n, m, k, transposeB ? b.shape[1] : b.shape[2]]
}

/** How `batchMatMul` runs on the current backend (for the bench's report). */
export function batchedProductPath(): 'simd loops' | 'depthwise convolution' | 'matMul' {
  if (tf.getBackend() !== 'wasm') return 'matMul'
  return wasmLoops(tf.backend()) ? 'simd loops' : 'depthwise convolution'
}

const productKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo }
  const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean }
  const { internals, loops } = wasmLoops(backend)!
  const [n, m, k, p] = productDims(a, b, transposeA, transposeB)
  const plan = productPlan([n, m, k, p], transposeA, transposeB)!
  const out = internals.makeOutput([n, m, p])
  loops[plan.loop](
    internals.offset(a.dataId),
    internals.offset(b.dataId),
    internals.offset(out.dataId),
    n,
    m,
    k,
    p,
    ...plan.strides,
  )
  return out as tf.TensorInfo
}

function convProduct(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const [n, m, k, p] = productDims(a, b, transposeA, transposeB)
  return tf.tidy(() => {
    const image = tf.reshape(tf.transpose(a, transposeA ? [2, 1, 0] : [1, 2, 0]), [1, m, k, n]) as tf.Tensor4D
    const filter = tf.reshape(tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]), [
      1,
      k,
      n,
      p,
    ]) as tf.Tensor4D
    const out = tf.depthwiseConv2d(image, filter, 1, 'valid') // [1, m, 1, n · p]
    return tf.transpose(tf.reshape(out, [m, n, p]), [1, 0, 2]) as tf.Tensor3D
  })
}

/** What `valuesNow` reads of tfjs's wasm backend (not part of its typed API). */
interface WasmBackendMemory {
  dataIdMap?: { get(dataId: object): { memoryOffset?: number } | undefined }
  wasm?: { HEAPU8?: Uint8Array }
}

/**
 * A float32 tensor's values, to be read at once. On wasm a view of the module's memory instead of a
 * copy: copying a 16 MB block of scores out took 54 ms in the page (Chromium 156, cross-origin
 * isolated, 2026-12-01) where the product that made it took 8 ms. The view is good until the tensor
 * is disposed or, where the memory is not shared, until it grows (the view then reads as empty: check
 * its length); other backends give their data as usual.
 */
export async function valuesNow(t: tf.Tensor): Promise<Float32Array> {
  if (t.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as WasmBackendMemory
    const offset = backend.dataIdMap?.get(t.dataId)?.memoryOffset
    const heap = backend.wasm?.HEAPU8
    if (offset !== undefined && heap) return new Float32Array(heap.buffer, offset, t.size)
  }
  return (await t.data()) as Float32Array
}
