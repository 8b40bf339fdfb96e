import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { bucketedRowCount, LazyAdam, MASK_ROWS_ON_CPU_FLAG, rowReplacer, uniqueRows } from './lazyAdam'
import * as tf from './tf'
import { withFlags } from './flags'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('rowReplacer', () => {
  it('replaces the same rows with either strategy (scatter for cpu/wasm, mask for WebGL)', () => {
    const rows = Int32Array.from([1, 3])
    const values = tf.tensor2d([
      [10, 11],
      [30, 31],
    ])
    const results = (['scatter', 'mask'] as const).map((strategy) =>
      tf.tidy(() => {
        const target = tf.tensor2d([0, 0, 1, 1, 2, 2, 3, 3, 4, 4], [5, 2])
        return rowReplacer(5, rows, tf.tensor1d(rows, 'int32'), strategy)(target, values).arraySync()
      }),
    )
    expect(results[0]).toEqual([
      [0, 0],
      [10, 11],
      [2, 2],
      [30, 31],
      [4, 4],
    ])
    expect(results[1]).toEqual(results[0])
  })
})

describe('LazyAdam', () => {
  it('moves only the rows it is given, like Adam on those rows', () => {
    const table = tf.variable(tf.tensor2d([1, 1, 2, 2, 3, 3], [3, 2]))
    const adam = new LazyAdam(0.1)
    adam.tick()
    adam.update(table, Int32Array.from([2]), tf.tensor2d([[1, -1]]))
    const after = table.arraySync()
    expect(after[0]).toEqual([1, 1])
    expect(after[1]).toEqual([2, 2])
    // First Adam step moves by the learning rate against the gradient's sign.
    expect(after[2][0]).toBeCloseTo(3 - 0.1, 5)
    expect(after[2][1]).toBeCloseTo(3 + 0.1, 5)
    adam.dispose()
    table.dispose()
  })
})

describe('uniqueRows', () => {
  it('lists each row once and maps every id to its position', () => {
    const { unique, positions } = uniqueRows(Int32Array.from([5, 2, 5, 9, 2]))
    expect(Array.from(unique)).toEqual([2, 5, 9])
    expect(Array.from(positions)).toEqual([1, 0, 1, 2, 0])
  })
})

describe('bucketedRowCount', () => {
  it("pads to at most 25% more, to a handful of sizes over a batch's range", () => {
    expect([1, 8, 9, 12, 13, 500, 512, 513].map(bucketedRowCount)).toEqual([8, 8, 10, 12, 14, 512, 512, 640])
    for (let n = 1; n <= 5000; n++) {
      const padded = bucketedRowCount(n)
      expect(padded).toBeGreaterThanOrEqual(n)
      expect(padded).toBeLessThanOrEqual(Math.max(8, 1.25 * n))
    }
    // The unique rows of a 512-row batch vary over hundreds of counts: 4 sizes between 400 and 700.
    const sizes = new Set(Array.from({ length: 301 }, (_, i) => bucketedRowCount(400 + i)))
    expect([...sizes]).toEqual([448, 512, 640, 768])
  })
})

describe('uniqueRows, padded', () => {
  it('repeats the first row up to the bucket; the positions and the count are those unpadded', () => {
    const ids = Int32Array.from([5, 2, 5, 9, 2, 11, 4, 7, 30, 12, 13])
    const plain = uniqueRows(ids)
    const padded = uniqueRows(ids, true)
    expect(plain.count).toBe(9)
    expect(padded.count).toBe(9)
    expect(padded.unique.length).toBe(bucketedRowCount(9))
    expect(Array.from(padded.unique)).toEqual([...plain.unique, 2])
    expect(padded.positions).toEqual(plain.positions)
  })
})

describe('LazyAdam with padded rows', () => {
  it('moves only the real rows (mask), and refuses padding it would scatter', async () => {
    const make = () => tf.variable(tf.tensor2d([1, 1, 2, 2, 3, 3, 4, 4], [4, 2]))
    const grad = tf.tensor2d([
      [1, -1],
      [0.5, 0.5],
      [0, 0],
    ])
    const plain = make()
    const padded = make()
    const plainAdam = new LazyAdam(0.1)
    const paddedAdam = new LazyAdam(0.1)
    plainAdam.tick()
    paddedAdam.tick()
    plainAdam.update(plain, Int32Array.from([1, 3]), tf.slice(grad, [0, 0], [2, 2]))
    // Row 1 repeated as padding, with a zero gradient: with the mask the padded slot goes nowhere.
    await withFlags({ [MASK_ROWS_ON_CPU_FLAG]: true }, () =>
      paddedAdam.update(padded, Int32Array.from([1, 3, 1]), grad, 2),
    )
    expect(padded.arraySync()).toEqual(plain.arraySync())
    expect(plain.arraySync()[1][0]).toBeCloseTo(2 - 0.1, 5)
    expect(() => paddedAdam.update(padded, Int32Array.from([1, 3, 1]), grad, 2)).toThrow(
      'padded rows need the mask strategy',
    )
    tf.dispose([plain, padded, grad])
    plainAdam.dispose()
    paddedAdam.dispose()
  })
})
