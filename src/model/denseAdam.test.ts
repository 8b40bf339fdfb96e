import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DenseAdam, FUSED_ADAM_FLAG } from './denseAdam'
import { withFlags } from './flags'
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
      const all = await kernels(weights) // a weight of 6 values: tfjs's update for every weight
      expect(all).not.toContain(WASM_ADAM_KERNEL)
      expect(all.filter((k) => k === tf.Sqrt)).toHaveLength(4)
    } else {
      // Elsewhere every weight in one update: one square root for all four, whatever their sizes.
      await kernels(weights) // the first update makes the moments
      const all = await kernels(weights)
      expect(all).not.toContain(WASM_ADAM_KERNEL)
      expect(all.filter((k) => k === tf.Sqrt)).toHaveLength(1)
      const stock = await withFlags({ [FUSED_ADAM_FLAG]: false }, () => kernels(weights))
      expect(stock.filter((k) => k === tf.Sqrt)).toHaveLength(4)
      // 13 kernels a weight in tfjs's update; a handful here (reshapes, a slice and an add).
      expect(all.length).toBeLessThan(stock.length - 4 * 7)
    }
    tf.dispose(weights)
    optimizer.dispose()
  })

  it('reads and writes its state as tfjs does mid-training, and trains on the same afterwards', async () => {
    const ours = new DenseAdam(0.01)
    const stock = tf.train.adam(0.01)
    const a = train(ours, `mid-ours-${backend}-`, SHAPES, 2)
    const b = train(stock, `mid-stock-${backend}-`, SHAPES, 2)
    const values = async (o: tf.Optimizer) => {
      const named = await o.getWeights()
      const read = named.map((w) => Array.from(w.tensor.dataSync()))
      named[0].tensor.dispose() // the step count, made for the call
      return read
    }
    const held = tf.memory().numTensors
    expect(await values(ours)).toEqual(await values(stock))
    const step = (o: tf.Optimizer, weights: tf.Variable[]) =>
      tf.tidy(() =>
        o.applyGradients(
          Object.fromEntries(
            weights.map((w, i) => [w.name, tf.randomNormal(w.shape, 0, 1, 'float32', 7 + i)]),
          ),
        ),
      )
    const weightsOf = (list: tf.Variable[]) => list.map((w) => Array.from(w.dataSync()))
    step(ours, a.weights)
    step(stock, b.weights)
    expect(weightsOf(a.weights)).toEqual(weightsOf(b.weights))
    expect(tf.memory().numTensors).toBe(held)
    // A state written back (a resumed run) is taken up by the next step.
    const saved = await stock.getWeights()
    const copies = saved.map(({ name, tensor }) => ({ name, tensor: tensor.clone() }))
    saved[0].tensor.dispose()
    await ours.setWeights(copies)
    tf.dispose(copies.map((c) => c.tensor))
    step(ours, a.weights)
    step(stock, b.weights)
    expect(weightsOf(a.weights)).toEqual(weightsOf(b.weights))
    // The moments it held before are freed, not left behind as tfjs's setWeights leaves them.
    expect(tf.memory().numTensors).toBe(held)
    ours.dispose()
    stock.dispose()
    tf.dispose([...a.weights, ...b.weights])
  })
})
