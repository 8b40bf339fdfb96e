import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DenseAdam } from './denseAdam'
import { WASM_ADAM_KERNEL } from './ops'
import * as tf from './tf'

beforeAll(() => {
  setWasmPaths(
    fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
  )
})
afterAll(async () => {
  await tf.setBackend('cpu')
})

/** Weights of these shapes (one of 6 values: not a multiple of 4), the same start for both optimizers. */
const SHAPES = [[24, 8], [32], [3, 4, 4], [6]]

/** Three steps of `optimizer` on weights named `prefix`..., with seeded gradients; the values after each. */
function train(optimizer: tf.Optimizer, prefix: string, shapes: number[][], steps = 3) {
  const weights = shapes.map((shape, i) =>
    tf.variable(tf.randomNormal(shape, 0, 1, 'float32', 10 + i), true, `${prefix}${i}`),
  )
  const seen: number[][][] = []
  for (let s = 0; s < steps; s++) {
    const grads = tf.tidy(() =>
      Object.fromEntries(
        weights.map((w, i) => {
          // Seeds from 1: tfjs draws a seed of 0 at random.
          const g = tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', 100 * s + i + 1), s === 1 ? 1e-3 : 1)
          return [w.name, g] as const
        }),
      ),
    )
    optimizer.applyGradients(grads)
    tf.dispose(Object.values(grads))
    seen.push(weights.map((w) => Array.from(w.dataSync())))
  }
  return { weights, seen }
}

describe.each(['wasm', 'cpu'])('DenseAdam on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend)
  })

  it('gives tfjs’s Adam’s weights and moments to the bit, step after step', async () => {
    const shapes = SHAPES.slice(0, 3) // all multiples of 4: on wasm every update is fused
    const ours = new DenseAdam(0.01)
    const stock = tf.train.adam(0.01)
    const a = train(ours, `ours-${backend}-`, shapes)
    const b = train(stock, `stock-${backend}-`, shapes)
    expect(a.seen).toEqual(b.seen)
    // The moments and step count too (what a saved run keeps).
    const [wa, wb] = [await ours.getWeights(), await stock.getWeights()]
    expect(wa.map((w) => Array.from(w.tensor.dataSync()))).toEqual(
      wb.map((w) => Array.from(w.tensor.dataSync())),
    )
    expect(a.seen[2]).not.toEqual(a.seen[1]) // it did move the weights
    tf.dispose([...a.weights, ...b.weights])
    ours.dispose()
    stock.dispose()
  })

  it('runs one kernel a weight on wasm, and tfjs’s update where a size is not a multiple of 4', async () => {
    const weights = SHAPES.map((shape, i) => tf.variable(tf.ones(shape), true, `count-${backend}-${i}`))
    const optimizer = new DenseAdam(0.01)
    const grads = (list: tf.Variable[]) => Object.fromEntries(list.map((w) => [w.name, tf.onesLike(w)]))
    const fitting = weights.slice(0, 3)
    const kernels = async (list: tf.Variable[]) =>
      (await tf.profile(() => tf.tidy(() => optimizer.applyGradients(grads(list))))).kernels.map(
        (k) => k.name,
      )
    const fused = await kernels(fitting)
    if (backend === 'wasm') {
      expect(fused.filter((k) => k === WASM_ADAM_KERNEL)).toHaveLength(3)
      expect(fused.filter((k) => k === tf.Sqrt)).toHaveLength(0)
    } else expect(fused).not.toContain(WASM_ADAM_KERNEL)
    const all = await kernels(weights) // a weight of 6 values: tfjs's update for every weight
    expect(all).not.toContain(WASM_ADAM_KERNEL)
    expect(all.filter((k) => k === tf.Sqrt)).toHaveLength(4)
    tf.dispose(weights)
    optimizer.dispose()
  })
})
