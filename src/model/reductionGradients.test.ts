import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { meanGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Mean_grad'
import { sumGradConfig } from '@tensorflow/tfjs-core/dist/gradients/Sum_grad'
import { spreadOver } from './reductionGradients'
import * as tf from './tf'

beforeAll(() => {
  setWasmPaths(
    fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
  )
})
afterAll(async () => {
  await tf.setBackend('cpu')
})

/** tfjs's own gradient of a sum, written out: dy with the reduced axes kept as 1, times ones(x.shape). */
function stockSpread(dy: tf.Tensor, shape: number[], axes: number[]): tf.Tensor {
  const expanded = shape.map((d, a) => (axes.includes(a) ? 1 : d))
  return tf.mul(tf.reshape(dy, expanded), tf.ones(shape))
}

// Shapes the model reduces (a bias's rows, layer norm's last axis, pooling over a history, the loss's
// mean over everything) and odd ones: a middle axis, two apart, a negative axis, one of size 1.
const CASES: [number[], number | number[]][] = [
  [[70, 12], 0],
  [[70, 12], 1],
  [[70, 12], -1],
  [
    [5, 9, 8],
    [0, 1],
  ],
  [[5, 9, 8], 1],
  [
    [5, 9, 8],
    [0, 2],
  ],
  [
    [5, 9, 8],
    [0, 1, 2],
  ],
  [[7, 1, 4], 1],
  [[33], 0],
]

describe.each(['cpu', 'wasm'])('the gradients of sum and mean on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
  })

  it.each(CASES)('over %j, axis %j: tfjs’s own numbers to the bit, keepDims or not', (shape, axis) => {
    const axes = tf.util.parseAxisParam(axis, shape)
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7)
    for (const keepDims of [false, true]) {
      const outShape = keepDims
        ? shape.map((d, a) => (axes.includes(a) ? 1 : d))
        : shape.filter((_, a) => !axes.includes(a))
      // A non-uniform upstream gradient with a -0 in it: a spread that mixed up rows, or lost a
      // zero's sign, would differ.
      const up = tf.randomNormal(outShape, 0, 1, 'float32', 8)
      const upValues = up.dataSync().slice()
      if (upValues.length > 1) upValues[0] = -0
      const dy = tf.tensor(upValues, outShape)
      const count = tf.util.sizeFromShape(axes.map((a) => shape[a]))
      const [sumGrad] = tf.grads((t) => tf.sum(tf.mul(tf.sum(t, axis, keepDims), dy)))([x])
      const [meanGrad] = tf.grads((t) => tf.sum(tf.mul(tf.mean(t, axis, keepDims), dy)))([x])
      const stock = stockSpread(dy, shape, axes)
      expect(sumGrad.shape).toEqual(shape)
      expect(Array.from(sumGrad.dataSync())).toEqual(Array.from(stock.dataSync()))
      expect(Array.from(meanGrad.dataSync())).toEqual(Array.from(tf.div(stock, count).dataSync()))
      expect(Array.from(spreadOver(dy, shape, axis).dataSync())).toEqual(Array.from(stock.dataSync()))
    }
  })

  it('multiplies by ones only as big as the reduced axes (tfjs’s own: as big as the input)', async () => {
    const x = tf.randomNormal([2000, 32])
    // The shapes of the products' operands while the gradient is worked out.
    const productInputs = async (f: (t: tf.Tensor) => tf.Tensor) => {
      const info = await tf.profile(() => tf.grad(f)(x))
      tf.dispose(info.result)
      return info.kernels.filter((k) => k.name === tf.Multiply).flatMap((k) => k.inputShapes)
    }
    const sumOfSum = (t: tf.Tensor) => tf.sum(tf.sum(t, 0))
    const meanOfMean = (t: tf.Tensor) => tf.mean(tf.mean(t, 1))
    for (const f of [sumOfSum, meanOfMean]) {
      const shapes = await productInputs(f)
      expect(shapes).toContainEqual(f === sumOfSum ? [2000, 1] : [1, 32])
      expect(shapes).not.toContainEqual([2000, 32])
    }
    // The same measure sees tfjs's own gradients' big ones.
    const [sumNow, meanNow] = [tf.getGradient(tf.Sum), tf.getGradient(tf.Mean)]
    tf.registerGradient(sumGradConfig)
    tf.registerGradient(meanGradConfig)
    try {
      for (const f of [sumOfSum, meanOfMean]) expect(await productInputs(f)).toContainEqual([2000, 32])
    } finally {
      tf.registerGradient(sumNow)
      tf.registerGradient(meanNow)
    }
  })
})
