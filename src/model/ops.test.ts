import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { linear, matMulTransposed } from './ops'
import * as tf from './tf'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const close = (a: tf.Tensor, b: tf.Tensor) => {
  expect(a.shape).toEqual(b.shape)
  const x = a.dataSync()
  const y = b.dataSync()
  for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i], 4)
}

describe('products without transpose flags', () => {
  const a = tf.randomNormal([5, 3], 0, 1, 'float32', 1) as tf.Tensor2D
  const w = tf.randomNormal([3, 4], 0, 1, 'float32', 2) as tf.Tensor2D
  const b = tf.randomNormal([6, 3], 0, 1, 'float32', 3) as tf.Tensor2D
  // A non-uniform upstream gradient, so a gradient with the operands' roles swapped would differ.
  const weightsOf = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', 4)

  it('linear: same value and gradients as tf.matMul', () => {
    const up = weightsOf([5, 4])
    close(linear(a, w), tf.matMul(a, w))
    const ours = tf.grads((x, y) => tf.sum(tf.mul(linear(x as tf.Tensor2D, y as tf.Tensor2D), up)))([a, w])
    const stock = tf.grads((x, y) => tf.sum(tf.mul(tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), up)))([
      a,
      w,
    ])
    close(ours[0], stock[0])
    close(ours[1], stock[1])
  })

  it('matMulTransposed: a · bᵀ with the same gradients as matMul(a, b, false, true)', () => {
    const up = weightsOf([5, 6])
    close(matMulTransposed(a, b), tf.matMul(a, b, false, true))
    const f = (g: (x: tf.Tensor2D, y: tf.Tensor2D) => tf.Tensor) =>
      tf.grads((x, y) => tf.sum(tf.mul(g(x as tf.Tensor2D, y as tf.Tensor2D), up)))([a, b])
    const ours = f(matMulTransposed)
    const stock = f((x, y) => tf.matMul(x, y, false, true))
    close(ours[0], stock[0])
    close(ours[1], stock[1])
  })
})
