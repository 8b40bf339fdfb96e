import { describe, expect, it } from 'vitest'
import { productModuleBytes, productPlan, productsFor } from './wasmProducts'

/** Plain A · B for [n, m, k] · [n, k, p] (either given transposed), the reference. */
function reference(
  a: Float32Array,
  b: Float32Array,
  [n, m, k, p]: number[],
  transposeA: boolean,
  transposeB: boolean,
): Float32Array {
  const out = new Float32Array(n * m * p)
  for (let c = 0; c < n; c++)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < p; j++) {
        let sum = 0
        for (let x = 0; x < k; x++) {
          const av = transposeA ? a[c * k * m + x * m + i] : a[c * m * k + i * k + x]
          const bv = transposeB ? b[c * p * k + j * k + x] : b[c * k * p + x * p + j]
          sum += av * bv
        }
        out[c * m * p + i * p + j] = sum
      }
  return out
}

/** Runs the planned loop on `memory`: operands copied in at fixed offsets, the output read back. */
function run(memory: WebAssembly.Memory, dims: number[], transposeA: boolean, transposeB: boolean) {
  const [n, m, k, p] = dims
  let seed = 7
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
  const a = Float32Array.from({ length: n * m * k }, random)
  const b = Float32Array.from({ length: n * k * p }, random)
  const plan = productPlan([n, m, k, p], transposeA, transposeB)
  if (!plan) return null
  const loops = productsFor(memory)!
  // Odd starting offsets (multiples of 4 bytes, not of 16), as tfjs's allocator may give.
  const [aAt, bAt, outAt] = [68, 68 + 4 * a.length + 4, 68 + 4 * (a.length + b.length) + 12]
  const heap = new Float32Array(memory.buffer)
  heap.set(a, aAt / 4)
  heap.set(b, bAt / 4)
  heap.fill(Number.NaN, outAt / 4, outAt / 4 + n * m * p + 4) // stale values must be overwritten, not added to
  loops[plan.loop](aAt, bAt, outAt, n, m, k, p, ...plan.strides)
  const out = heap.slice(outAt / 4, outAt / 4 + n * m * p)
  return { out, expected: reference(a, b, dims, transposeA, transposeB), after: heap[outAt / 4 + n * m * p] }
}

describe('the batched product module (SIMD loops on a memory it is given)', () => {
  it('is valid WebAssembly, with an unshared and a shared memory import', () => {
    expect(WebAssembly.validate(productModuleBytes(false))).toBe(true)
    expect(WebAssembly.validate(productModuleBytes(true))).toBe(true)
  })

  it('plans axpy or dot, or nothing, from the transposes and the widths', () => {
    expect(productPlan([2, 3, 5, 8], false, false)?.loop).toBe('axpy')
    expect(productPlan([2, 3, 5, 8], true, false)?.loop).toBe('axpy')
    expect(productPlan([2, 3, 8, 5], false, true)?.loop).toBe('dot')
    expect(productPlan([2, 3, 8, 8], true, true)).toBeNull() // both transposed: the caller's way
    expect(productPlan([2, 3, 5, 6], false, false)).toBeNull() // p not a multiple of 4
    expect(productPlan([2, 3, 6, 5], false, true)).toBeNull() // k not a multiple of 4
    expect(productPlan([0, 3, 4, 4], false, false)).toBeNull() // nothing to compute
  })

  for (const shared of [false, true]) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [true, false],
      [false, true],
    ]) {
      it(`${shared ? 'shared' : 'unshared'} memory, transposeA ${transposeA}, transposeB ${transposeB}: the plain product`, () => {
        const memory = new WebAssembly.Memory(
          shared ? { initial: 2, maximum: 16, shared: true } : { initial: 2 },
        )
        // m odd and every size different, so a stride or a bound mixed up cannot pass.
        const result = run(memory, [3, 5, 12, 8], transposeA, transposeB)!
        expect(result).not.toBeNull()
        for (let i = 0; i < result.expected.length; i++)
          expect(result.out[i]).toBeCloseTo(result.expected[i], 5)
        expect(Number.isNaN(result.after)).toBe(true) // nothing written past the output
      })
    }
  }

  for (const shared of [false, true]) {
    it(`${shared ? 'shared' : 'unshared'} memory, axpySum: every product added into one output, in row order`, () => {
      const memory = new WebAssembly.Memory(
        shared ? { initial: 2, maximum: 16, shared: true } : { initial: 2 },
      )
      // xᵀ · dy for x [n·rows, k] and dy [n·rows, p], the rows in n chunks: A[c] is x's chunk read
      // transposed (stride 4 bytes along i, 4k along the rows), B[c] dy's chunk.
      const [n, rows, k, p] = [3, 5, 7, 32]
      let seed = 11
      const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1
      const x = Float32Array.from({ length: n * rows * k }, random)
      const dy = Float32Array.from({ length: n * rows * p }, random)
      const start = Float32Array.from({ length: k * p }, random) // what the output held: added to
      const [xAt, dyAt, outAt] = [68, 68 + 4 * x.length + 4, 68 + 4 * (x.length + dy.length) + 12]
      const heap = new Float32Array(memory.buffer)
      heap.set(x, xAt / 4)
      heap.set(dy, dyAt / 4)
      heap.set(start, outAt / 4)
      heap[outAt / 4 + k * p] = Number.NaN
      productsFor(memory)!.axpySum(
        xAt,
        dyAt,
        outAt,
        n,
        k,
        rows,
        p,
        4 * rows * k,
        4,
        4 * k,
        4 * rows * p,
        4 * p,
      )
      for (let i = 0; i < k; i++)
        for (let j = 0; j < p; j++) {
          // float32 sums in row order: the loop's very arithmetic, so equal to the bit.
          let sum = start[i * p + j]
          for (let r = 0; r < n * rows; r++)
            sum = Math.fround(sum + Math.fround(x[r * k + i] * dy[r * p + j]))
          expect(heap[outAt / 4 + i * p + j]).toBe(sum)
        }
      expect(Number.isNaN(heap[outAt / 4 + k * p])).toBe(true) // nothing written past the output
    })
  }

  for (const shared of [false, true]) {
    it(`${shared ? 'shared' : 'unshared'} memory, gatherRows: the rows the ids name, in their order`, () => {
      const memory = new WebAssembly.Memory(
        shared ? { initial: 2, maximum: 16, shared: true } : { initial: 2 },
      )
      const [height, width] = [9, 5] // 20-byte rows: not a multiple of 16
      const table = Float32Array.from({ length: height * width }, (_, i) => i + 0.5)
      const ids = Int32Array.from([8, 0, 3, 3, 8, 1])
      const [tableAt, idsAt, outAt] = [
        68,
        68 + 4 * table.length + 4,
        68 + 4 * (table.length + ids.length) + 12,
      ]
      const heap = new Float32Array(memory.buffer)
      heap.set(table, tableAt / 4)
      new Int32Array(memory.buffer).set(ids, idsAt / 4)
      heap.fill(Number.NaN, outAt / 4, outAt / 4 + ids.length * width + 1)
      productsFor(memory)!.gatherRows(tableAt, idsAt, outAt, ids.length, 4 * width, 0, 0, 0, 0, 0, 0, 0)
      const expected = Array.from(ids).flatMap((id) =>
        Array.from(table.subarray(id * width, (id + 1) * width)),
      )
      expect(Array.from(heap.subarray(outAt / 4, outAt / 4 + ids.length * width))).toEqual(expected)
      expect(Number.isNaN(heap[outAt / 4 + ids.length * width])).toBe(true) // nothing written past the output
    })
  }
})
