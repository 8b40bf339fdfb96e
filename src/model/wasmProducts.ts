/**
 * Batched matrix products for tfjs's wasm backend, in a small WebAssembly module of our own (SIMD, one
 * thread) that works on the backend's own memory, so nothing is copied in or out.
 *
 * Why: tfjs's wasm backend has no fast batched product. Its batched matMul is a scalar loop, and the
 * depthwise convolution that stood in for it (`ops.ts`) runs the demo's attention products,
 * [1024, 27, 27] · [1024, 27, 16], at ~4 ms each where one plain product of the same size takes
 * 0.7 ms (Node 20, one thread, 2026-12-02), and needs three transposes around each product. Here the
 * operands are read in place through their strides, so a transposed operand costs nothing.
 *
 * Two loops, both over `n` products `out[c] = A[c] · B[c]` ([m, k] · [k, p], row-major output):
 * - `axpy`: B's rows are contiguous along p; each A value is splatted and multiplied into a 4-wide
 *   slice of B's row, added to the output row (p a multiple of 4). A may have any strides.
 * - `dot`: A's rows and B's columns are both contiguous along k (B given transposed, as [p, k]);
 *   each output is a 4-wide dot product (k a multiple of 4).
 * Anything else (both operands transposed, widths not a multiple of 4, no SIMD) is left to the caller.
 *
 * The module is written here byte by byte (it is a few hundred bytes), so no toolchain is needed.
 */

/**
 * One exported loop: the operands' and the output's byte offsets, the sizes [n, m, k, p], then byte
 * strides: A's between products, rows and columns (`dot` reads A's columns contiguously and ignores
 * the third), B's between products and rows.
 */
type ProductLoop = (
  a: number,
  b: number,
  out: number,
  n: number,
  m: number,
  k: number,
  p: number,
  aBatch: number,
  aRow: number,
  aCol: number,
  bBatch: number,
  bRow: number,
) => void

/** The exported loops. */
interface ProductExports {
  axpy: ProductLoop
  dot: ProductLoop
  /**
   * `out[i, :] += Σ_c Σ_k A[c, i, k] · B[c, k, :]`: every product added into one output [m, p] (p a
   * multiple of 16; the output is read, so zero it first). Same parameters as the others.
   */
  axpySum: ProductLoop
  /**
   * Copies `n` rows of `m` bytes from `a` to `out`, the next row `k` bytes on in the source and `p`
   * in the destination (a slice of a tensor); the other parameters are unused. One `memory.copy` a
   * row: JavaScript's own copies of a shared memory (the isolated page's) run far slower.
   */
  copyRows: ProductLoop
  /**
   * Gathers `n` rows of `m` bytes: row r of `out` is the row of `a` whose index is the int32 at
   * `b + 4r` (the next row of `out` `m` bytes on); the other parameters are unused. One `memory.copy`
   * a row. The indices are not checked here: the caller checks them first.
   */
  gatherRows: ProductLoop
  /**
   * One Adam step of a weight, 4 values at a time: `(value, m, out, n, v, g, mOut, vOut, constants)`
   * (byte offsets; n values, a multiple of 4; the other parameters unused). `constants` holds eight
   * float32: beta1, 1 − beta1, beta2, 1 − beta2, 1 − beta1^t, 1 − beta2^t, epsilon, −learning rate.
   * See `adamBody` for the arithmetic, which is tfjs's, operation for operation.
   */
  adam: ProductLoop
}

// ---- encoding -----------------------------------------------------------------------------------

const I32 = 0x7f
const V128 = 0x7b

function leb(value: number): number[] {
  const out: number[] = []
  let v = value >>> 0
  do {
    let byte = v & 0x7f
    v >>>= 7
    if (v !== 0) byte |= 0x80
    out.push(byte)
  } while (v !== 0)
  return out
}

/** Signed LEB128 of a small i32 constant. */
function sleb(value: number): number[] {
  const out: number[] = []
  let v = value | 0
  for (;;) {
    const byte = v & 0x7f
    v >>= 7
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte)
      return out
    }
    out.push(byte | 0x80)
  }
}

const text = (s: string) => [...leb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))]
const section = (id: number, body: number[]) => [id, ...leb(body.length), ...body]
const vec = (items: number[][]) => [...leb(items.length), ...items.flat()]

// Instructions (locals by index).
const get = (i: number) => [0x20, ...leb(i)]
const set = (i: number) => [0x21, ...leb(i)]
const i32 = (v: number) => [0x41, ...sleb(v)]
const ADD = [0x6a]
const SHL = [0x74]
const LT_S = [0x48]
/** `local[i] += local[j]`. */
const addTo = (i: number, j: number) => [...get(i), ...get(j), ...ADD, ...set(i)]
/** `local[i] += v`. */
const addConst = (i: number, v: number) => [...get(i), ...i32(v), ...ADD, ...set(i)]
/** A do-while loop: `body`, then go round again while `local[counter] < local[limit]`. */
const doWhile = (body: number[], counter: number, limit: number) => [
  0x03,
  0x40,
  ...body,
  ...get(counter),
  ...get(limit),
  ...LT_S,
  0x0d,
  0x00,
  0x0b,
]
const MEM_F32 = [0x02, 0x00] // align 4 bytes, offset 0
const I32_LOAD = [0x28, ...MEM_F32]
const MUL = [0x6c]
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00]
const F32_LOAD = [0x2a, ...MEM_F32]
const F32_STORE = [0x38, ...MEM_F32]
const F32_ADD = [0x92]
const simd = (op: number) => [0xfd, ...leb(op)]
const V128_LOAD = [...simd(0x00), ...MEM_F32]
const V128_STORE = [...simd(0x0b), ...MEM_F32]
/** v128 load and store at a constant byte offset from the address on the stack. */
const v128LoadAt = (offset: number) => [...simd(0x00), 0x02, ...leb(offset)]
const v128StoreAt = (offset: number) => [...simd(0x0b), 0x02, ...leb(offset)]
const V128_ZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)]
const F32X4_SPLAT = simd(0x13)
const F32X4_ADD = simd(0xe4)
const F32X4_MUL = simd(0xe6)
const F32X4_DIV = simd(0xe7)
const F32X4_SQRT = simd(0xe3)
const lane = (l: number) => [...simd(0x1f), l]

// Parameters shared by both loops (see `ProductExports`).
const [A, B, OUT, N, M, K, P, A_BATCH, A_ROW, A_COL, B_BATCH, B_ROW] = Array.from({ length: 12 }, (_, i) => i)

/** `local[i] = <expr>`, the expression given as its instructions. */
const setTo = (i: number, ...expr: number[][]) => [...expr.flat(), ...set(i)]
const END = [0x0b]

/**
 * `axpy`: out[c, i, :] = Σ_k A[c, i, k] · B[c, k, :], four outputs at a time held in a register while
 * k runs (so each output is written once):
 *
 *     for c: for i: for each 4 outputs at byte pp of the row:
 *       acc = 0; for k: acc += splat(A[c, i, k]) · B[c, k, pp .. pp + 16 bytes]
 *       out row at pp = acc
 */
function axpyBody(): number[] {
  // Locals after the 12 parameters: 11 i32, then the v128 accumulator.
  const [c, i, kk, pp, aC, bC, aI, aK, bK, outRow, pBytes] = Array.from({ length: 11 }, (_, j) => 12 + j)
  const acc = 23
  const kLoop = doWhile(
    [
      ...setTo(acc, get(acc), get(aK), F32_LOAD, F32X4_SPLAT, get(bK), V128_LOAD, F32X4_MUL, F32X4_ADD),
      ...addTo(aK, A_COL),
      ...addTo(bK, B_ROW),
      ...addConst(kk, 1),
    ],
    kk,
    K,
  )
  const pLoop = doWhile(
    [
      ...setTo(acc, V128_ZERO),
      ...setTo(kk, i32(0)),
      ...setTo(aK, get(aI)),
      ...setTo(bK, get(bC), get(pp), ADD),
      ...kLoop,
      ...[...get(outRow), ...get(pp), ...ADD, ...get(acc), ...V128_STORE],
      ...addConst(pp, 16),
    ],
    pp,
    pBytes,
  )
  const iLoop = doWhile(
    [...setTo(pp, i32(0)), ...pLoop, ...addTo(outRow, pBytes), ...addTo(aI, A_ROW), ...addConst(i, 1)],
    i,
    M,
  )
  const frame = { c, i, aC, bC, aI, out: outRow }
  return overProducts(11, frame, setTo(pBytes, get(P), i32(2), SHL), iLoop)
}

/**
 * `dot`: out[c, i, j] = Σ_k A[c, i, k] · B[c, j, k], both rows contiguous along k:
 *
 *     for c: for i: for j:
 *       acc = 0; for each 16 bytes kk of k: acc += A[c, i, kk ..] · B[c, j, kk ..]
 *       out[c, i, j] = acc's four lanes added
 */
function dotBody(): number[] {
  // Locals after the 12 parameters: 10 i32, then the v128 accumulator.
  const [c, i, j, kk, aC, bC, aI, bJ, outPtr, kBytes] = Array.from({ length: 10 }, (_, x) => 12 + x)
  const acc = 22
  const kLoop = doWhile(
    [
      ...setTo(
        acc,
        get(acc),
        get(aI),
        get(kk),
        ADD,
        V128_LOAD,
        get(bJ),
        get(kk),
        ADD,
        V128_LOAD,
        F32X4_MUL,
        F32X4_ADD,
      ),
      ...addConst(kk, 16),
    ],
    kk,
    kBytes,
  )
  const lanesAdded = [0, 1, 2, 3].flatMap((l) => [...get(acc), ...lane(l), ...(l > 0 ? F32_ADD : [])])
  const jLoop = doWhile(
    [
      ...setTo(acc, V128_ZERO),
      ...setTo(kk, i32(0)),
      ...kLoop,
      ...get(outPtr),
      ...lanesAdded,
      ...F32_STORE,
      ...addConst(outPtr, 4),
      ...addTo(bJ, B_ROW),
      ...addConst(j, 1),
    ],
    j,
    P,
  )
  const iLoop = doWhile(
    [...setTo(j, i32(0)), ...setTo(bJ, get(bC)), ...jLoop, ...addTo(aI, A_ROW), ...addConst(i, 1)],
    i,
    M,
  )
  const frame = { c, i, aC, bC, aI, out: outPtr }
  return overProducts(10, frame, setTo(kBytes, get(K), i32(2), SHL), iLoop)
}

/**
 * `axpySum`: as `axpy` with 16 outputs (four registers) per splatted A value, added into the output
 * rather than stored over it, and one output for every product:
 *
 *     for c: for i: for each 16 outputs at byte pp of out's row i:
 *       acc0..3 = out row i at pp; for k: a = splat(A[c, i, k]); accL += a · B[c, k, pp + 16L ..]
 *       out row i at pp = acc0..3
 *
 * For a weight's gradient Xᵀ · dY: with the rows of X and dY cut into chunks of a few dozen (the
 * products c), each chunk's rows stay in the fastest cache while every output goes through them, and
 * each output's terms are still added in row order.
 */
function axpySumBody(): number[] {
  // Locals after the 12 parameters: 11 i32, then four v128 accumulators and the splatted value.
  const [c, i, kk, pp, aC, bC, aI, aK, bK, outRow, pBytes] = Array.from({ length: 11 }, (_, j) => 12 + j)
  const [acc, value] = [23, 27]
  const accs = [0, 1, 2, 3]
  const kLoop = doWhile(
    [
      ...setTo(value, get(aK), F32_LOAD, F32X4_SPLAT),
      ...accs.flatMap((l) =>
        setTo(acc + l, get(acc + l), get(value), get(bK), v128LoadAt(16 * l), F32X4_MUL, F32X4_ADD),
      ),
      ...addTo(aK, A_COL),
      ...addTo(bK, B_ROW),
      ...addConst(kk, 1),
    ],
    kk,
    K,
  )
  const outAt = [...get(outRow), ...get(pp), ...ADD]
  const pLoop = doWhile(
    [
      ...accs.flatMap((l) => setTo(acc + l, outAt, v128LoadAt(16 * l))),
      ...setTo(kk, i32(0)),
      ...setTo(aK, get(aI)),
      ...setTo(bK, get(bC), get(pp), ADD),
      ...kLoop,
      ...accs.flatMap((l) => [...outAt, ...get(acc + l), ...v128StoreAt(16 * l)]),
      ...addConst(pp, 64),
    ],
    pp,
    pBytes,
  )
  const iLoop = doWhile(
    [...setTo(pp, i32(0)), ...pLoop, ...addTo(outRow, pBytes), ...addTo(aI, A_ROW), ...addConst(i, 1)],
    i,
    M,
  )
  // Every product adds into the same output: its row pointer goes back to the start for each c.
  const frame = { c, i, aC, bC, aI, out: outRow, outEachProduct: true }
  return overProducts(11, frame, setTo(pBytes, get(P), i32(2), SHL), iLoop, 5)
}

/** `copyRows`: for each of N rows, memory.copy(OUT, A, M); A += K; OUT += P. */
function copyRowsBody(): number[] {
  const row = 12
  const rows = doWhile(
    [
      ...get(OUT),
      ...get(A),
      ...get(M),
      ...MEMORY_COPY,
      ...addTo(A, K),
      ...addTo(OUT, P),
      ...addConst(row, 1),
    ],
    row,
    N,
  )
  return [...vec([[...leb(1), I32]]), ...rows, ...END]
}

/** `gatherRows`: for each of N rows, memory.copy(OUT, A + i32[B] · M, M); B += 4; OUT += M. */
function gatherRowsBody(): number[] {
  const row = 12
  const rows = doWhile(
    [
      ...get(OUT),
      ...[...get(A), ...get(B), ...I32_LOAD, ...get(M), ...MUL, ...ADD],
      ...get(M),
      ...MEMORY_COPY,
      ...addConst(B, 4),
      ...addTo(OUT, M),
      ...addConst(row, 1),
    ],
    row,
    N,
  )
  return [...vec([[...leb(1), I32]]), ...rows, ...END]
}

/**
 * `adam`: for each 4 values at byte o (A = value, B = m, M = v, K = g; outputs OUT = value,
 * P = m, A_BATCH = v; constants at A_ROW), in float32, each operation rounded as tfjs's Adam rounds it
 * (its ops one after the other):
 *
 *     m' = m · beta1 + g · (1 − beta1)                 (stored at P)
 *     v' = v · beta2 + (g · g) · (1 − beta2)           (stored at A_BATCH)
 *     value' = ((m' / (1 − beta1^t)) / (sqrt(v' / (1 − beta2^t)) + epsilon)) · (−lr) + value
 */
function adamBody(): number[] {
  const [o, end] = [12, 13]
  const [beta1, c1, beta2, c2, bias1, bias2, epsilon, step, g, m, v] = Array.from(
    { length: 11 },
    (_, j) => 14 + j,
  )
  const constants = [beta1, c1, beta2, c2, bias1, bias2, epsilon, step].flatMap((local, j) =>
    setTo(local, get(A_ROW), i32(4 * j), ADD, F32_LOAD, F32X4_SPLAT),
  )
  const at = (base: number) => [...get(base), ...get(o), ...ADD]
  const body = [
    ...setTo(g, at(K), V128_LOAD),
    ...setTo(m, at(B), V128_LOAD, get(beta1), F32X4_MUL, get(g), get(c1), F32X4_MUL, F32X4_ADD),
    ...at(P),
    ...get(m),
    ...V128_STORE,
    ...setTo(
      v,
      at(M),
      V128_LOAD,
      get(beta2),
      F32X4_MUL,
      get(g),
      get(g),
      F32X4_MUL,
      get(c2),
      F32X4_MUL,
      F32X4_ADD,
    ),
    ...at(A_BATCH),
    ...get(v),
    ...V128_STORE,
    ...at(OUT),
    ...[...get(m), ...get(bias1), ...F32X4_DIV],
    ...[...get(v), ...get(bias2), ...F32X4_DIV, ...F32X4_SQRT, ...get(epsilon), ...F32X4_ADD],
    ...F32X4_DIV,
    ...get(step),
    ...F32X4_MUL,
    ...at(A),
    ...V128_LOAD,
    ...F32X4_ADD,
    ...V128_STORE,
    ...addConst(o, 16),
  ]
  const locals = vec([
    [...leb(2), I32],
    [...leb(11), V128],
  ])
  return [
    ...locals,
    ...constants,
    ...setTo(o, i32(0)),
    ...setTo(end, get(N), i32(2), SHL),
    ...doWhile(body, o, end),
    ...END,
  ]
}

/**
 * What the loops share: their locals (`i32Locals` i32, then one v128), `setup`, the output pointer and
 * each operand's first product from the parameters, then for c < N: i = 0, aI = aC, `iLoop`, and
 * both operands on to the next product.
 */
function overProducts(
  i32Locals: number,
  at: { c: number; i: number; aC: number; bC: number; aI: number; out: number; outEachProduct?: boolean },
  setup: number[],
  iLoop: number[],
  v128Locals = 1,
): number[] {
  const cLoop = doWhile(
    [
      ...setTo(at.i, i32(0)),
      ...setTo(at.aI, get(at.aC)),
      ...(at.outEachProduct ? setTo(at.out, get(OUT)) : []),
      ...iLoop,
      ...addTo(at.aC, A_BATCH),
      ...addTo(at.bC, B_BATCH),
      ...addConst(at.c, 1),
    ],
    at.c,
    N,
  )
  const start = [
    ...setup,
    ...setTo(at.out, get(OUT)),
    ...setTo(at.aC, get(A)),
    ...setTo(at.bC, get(B)),
    ...setTo(at.c, i32(0)),
  ]
  const locals = vec([
    [...leb(i32Locals), I32],
    [...leb(v128Locals), V128],
  ])
  return [...locals, ...start, ...cLoop, ...END]
}

/** The module's bytes; its memory is imported as env.memory (shared when `shared`). */
export function productModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const signature = [0x60, ...vec(new Array<number[]>(12).fill([I32])), 0x00]
  // Shared memory must declare a maximum: 65,536 pages (4 GB) admits any memory wasm32 can have.
  const limits = shared ? [0x03, ...leb(1), ...leb(65536)] : [0x00, ...leb(1)]
  const functions = [axpyBody(), dotBody(), axpySumBody(), copyRowsBody(), gatherRowsBody(), adamBody()]
  return new Uint8Array([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([signature])),
    ...section(2, vec([[...text('env'), ...text('memory'), 0x02, ...limits]])),
    ...section(3, vec(functions.map(() => [0x00]))),
    ...section(
      7,
      vec([
        [...text('axpy'), 0x00, 0x00],
        [...text('dot'), 0x00, 0x01],
        [...text('axpySum'), 0x00, 0x02],
        [...text('copyRows'), 0x00, 0x03],
        [...text('gatherRows'), 0x00, 0x04],
        [...text('adam'), 0x00, 0x05],
      ]),
    ),
    ...section(10, vec(functions.map((f) => [...leb(f.length), ...f]))),
  ])
}

// ---- instance ----------------------------------------------------------------------------------

/**
 * The parts of the WebAssembly API used here. Model code is typed without the DOM's or Node's
 * libraries, so it reads the global through this narrow type.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: object }
  Memory: abstract new (...args: never[]) => WasmMemory
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** What is read of tfjs's wasm backend (not part of its typed API). */
interface WasmBackendInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset?: number } | undefined }
  wasm?: { wasmMemory?: WasmMemory; asm?: { memory?: WasmMemory } }
  makeOutput?(shape: number[], dtype: 'float32'): { dataId: object; shape: number[]; dtype: string }
}

const instances = new WeakMap<WasmMemory, ProductExports | null>()

/** The loops bound to `memory`, or null where this engine cannot run them (no SIMD, say). */
export function productsFor(memory: WasmMemory): ProductExports | null {
  if (instances.has(memory)) return instances.get(memory)!
  let exports: ProductExports | null = null
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer
    const bytes = productModuleBytes(shared)
    if (wasmApi?.validate(bytes)) {
      const instance = new wasmApi.Instance(new wasmApi.Module(bytes), { env: { memory } })
      exports = instance.exports as unknown as ProductExports
    }
  } catch {
    exports = null
  }
  instances.set(memory, exports)
  return exports
}

/** The backend's memory and the pieces a kernel needs, or null where they are not there. */
export function wasmInternals(backend: unknown): {
  memory: WasmMemory
  offset(dataId: object): number
  makeOutput(shape: number[]): { dataId: object; shape: number[]; dtype: string }
} | null {
  const b = backend as WasmBackendInternals
  const memory = b.wasm?.wasmMemory ?? b.wasm?.asm?.memory
  const map = b.dataIdMap
  const make = b.makeOutput
  if (!wasmApi || !(memory instanceof wasmApi.Memory) || !map || typeof make !== 'function') return null
  return {
    memory,
    offset: (dataId) => {
      const offset = map.get(dataId)?.memoryOffset
      if (offset === undefined) throw new Error('wasm product: a tensor without memory')
      return offset
    },
    makeOutput: (shape) => make.call(b, shape, 'float32'),
  }
}

/** What a kernel of ours needs on wasm: the backend's internals and the loops bound to its memory. */
export interface WasmLoops {
  internals: NonNullable<ReturnType<typeof wasmInternals>>
  loops: ProductExports
}

/** The internals and loops of a wasm backend; null where either is missing (another backend, no SIMD). */
export function wasmLoops(backend: unknown): WasmLoops | null {
  const internals = wasmInternals(backend)
  const loops = internals && productsFor(internals.memory)
  return internals && loops ? { internals, loops } : null
}

/**
 * Which loop computes A · B for [n, m, k] · [n, k, p] given with these transpose flags, and its
 * strides (bytes); null when neither fits (both transposed, or a width not a multiple of 4).
 */
export function productPlan(
  [n, m, k, p]: [number, number, number, number],
  transposeA: boolean,
  transposeB: boolean,
): { loop: 'axpy' | 'dot'; strides: [number, number, number, number, number] } | null {
  if (n * m * k * p === 0) return null
  if (!transposeB && p % 4 === 0) {
    // A is [n, m, k], or [n, k, m] when transposed: any strides will do.
    const [aRow, aCol] = transposeA ? [4, 4 * m] : [4 * k, 4]
    return { loop: 'axpy', strides: [4 * m * k, aRow, aCol, 4 * k * p, 4 * p] }
  }
  if (!transposeA && transposeB && k % 4 === 0)
    return { loop: 'dot', strides: [4 * m * k, 4 * k, 0, 4 * p * k, 4 * k] }
  return null
}
