import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { embeddingLookup } from './embedding'
import * as tf from './tf'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('embeddingLookup', () => {
  it('returns the same rows as tf.gather', () => {
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2])
    const ids = tf.tensor1d([3, 0, 3], 'int32')
    expect(embeddingLookup(table, ids).arraySync()).toEqual(tf.gather(table, ids).arraySync())
  })

  it('has the same gradient as the stock gather, duplicates summed', () => {
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 1)
    const ids = tf.tensor1d([1, 4, 1, 1, 5], 'int32')
    const weights = tf.randomNormal([5, 3], 0, 1, 'float32', 2)
    const loss = (lookup: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(lookup(t), weights))
    const custom = tf.grad(loss((t) => embeddingLookup(t, ids)))(table)
    const stock = tf.grad(loss((t) => tf.gather(t, ids)))(table)
    const a = custom.arraySync() as number[][]
    const b = stock.arraySync() as number[][]
    for (let r = 0; r < 6; r++) for (let c = 0; c < 3; c++) expect(a[r][c]).toBeCloseTo(b[r][c], 5)
    // Row 1 appears three times: its gradient is the sum of three weight rows.
    expect(a[0]).toEqual([0, 0, 0])
  })
})
