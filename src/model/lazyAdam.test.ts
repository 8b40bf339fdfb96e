import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { LazyAdam, rowReplacer, uniqueRows } from './lazyAdam'
import * as tf from './tf'

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
