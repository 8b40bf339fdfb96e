import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { filled, holdConstants, KEEP_CONSTANTS_FLAG, keptConstants, scalar } from './constants'
import { setFlags } from './flags'
import { buildHistories } from './history'
import * as tf from './tf'
import { Trainer } from './train'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('constants', () => {
  it('are fresh tensors outside a hold, and kept ones inside it until the last release', () => {
    const start = tf.memory().numTensors
    const loose = tf.tidy(() => {
      const [a, b] = [scalar(2), scalar(2)]
      expect(a).not.toBe(b)
      return a.dataSync()[0]
    })
    expect(loose).toBe(2)
    expect(tf.memory().numTensors).toBe(start) // the tidy took them

    const release = holdConstants()
    const releaseInner = holdConstants()
    const [a, b] = tf.tidy(() => [scalar(0.1), scalar(0.1)])
    expect(a).toBe(b)
    expect(a.isDisposed).toBe(false) // kept through the tidy
    expect(a.dtype).toBe('float32')
    expect(a.dataSync()[0]).toBe(Math.fround(0.1)) // what tfjs makes of the number 0.1
    expect(scalar(-0)).not.toBe(scalar(0))
    expect(Object.is(scalar(-0).dataSync()[0], -0)).toBe(true)
    const ones = filled([1, 2, 1], 1)
    expect(filled([1, 2, 1], 1)).toBe(ones)
    expect(filled([2, 1, 1], 1)).not.toBe(ones)
    expect(Array.from(ones.dataSync())).toEqual([1, 1])
    expect(keptConstants()).toBe(5)
    expect(tf.memory().numTensors).toBe(start + 5)

    releaseInner()
    releaseInner() // a second call does nothing
    expect(a.isDisposed).toBe(false) // the outer hold still has them
    release()
    expect(a.isDisposed).toBe(true)
    expect(keptConstants()).toBe(0)
    expect(tf.memory().numTensors).toBe(start)
  })

  it('a trainer uploads none of its step constants again after the first step', () => {
    const { data } = loadDemoDataset(3, { users: 300, items: 60, interactions: 5000 })
    const split = splitDataset(data, 1)
    const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, batchSize: 128, historyLength: 5 }
    const trainer = new Trainer(data, split, config, buildHistories(data, split, config.historyLength))
    // Every tensor made from JavaScript values (a number given to an op, `tf.scalar`, `tf.ones`) passes
    // through the engine's `makeTensor`; kernels' outputs do not. Count the float32 scalars.
    type MakeTensor = (values: unknown, shape: number[], dtype: string, ...rest: unknown[]) => tf.Tensor
    const engine = tf.engine() as unknown as { makeTensor: MakeTensor }
    const makeTensor = engine.makeTensor
    let scalars = 0
    engine.makeTensor = function (values, shape, dtype, ...rest) {
      if (shape.length === 0 && dtype === 'float32') scalars++
      return makeTensor.call(this, values, shape, dtype, ...rest)
    }
    const uploadsOfStep = (s: number) => {
      scalars = 0
      trainer.step(split.train.subarray(s * 128, (s + 1) * 128)).dispose()
      return scalars
    }
    try {
      const first = uploadsOfStep(0)
      const later = [uploadsOfStep(1), uploadsOfStep(2)]
      // Three float scalars a step are new: the loss's seed gradient (tfjs's 1) and each table's
      // bias-corrected learning rate (lazy Adam), which changes with the step count. Every other
      // constant was made in the first step and kept.
      expect(later).toEqual([3, 3])
      expect(first).toBeGreaterThan(10)
      // With the flag off, as before: every one made again each step (50 here).
      const restore = setFlags({ [KEEP_CONSTANTS_FLAG]: false })
      try {
        expect(uploadsOfStep(3)).toBeGreaterThan(40)
      } finally {
        restore()
      }
      expect(uploadsOfStep(4)).toBe(3)
    } finally {
      engine.makeTensor = makeTensor
      trainer.dispose()
    }
    expect(keptConstants()).toBe(0)
  })
})
