import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { loadDemoDataset } from '../demo/demoDataset'
import { syntheticDataset } from '../demo/synthetic'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { withFlags } from './flags'
import { buildHistories } from './history'
import type { LossPoint } from './results'
import * as tf from './tf'
import { BUCKET_ROWS_FLAG, MASK_ROWS_ON_CPU_FLAG } from './lazyAdam'
import { Trainer } from './train'

const { data } = loadDemoDataset(3, { users: 600, items: 100, interactions: 12_000 })
const split = splitDataset(data, 1)
const SMALL: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 256,
  dim: 16,
  mlpHidden: 32,
  learningRate: 0.01,
  historyLength: 3,
  compareBaselines: false,
}
const histories = buildHistories(data, split, SMALL.historyLength)
const rowsOf = (s: number, batch = 256) => split.train.subarray(s * batch, (s + 1) * batch)

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('Trainer (cpu backend)', () => {
  it('keeps the tensor count flat across steps and evaluation, and frees everything on dispose', async () => {
    const before = tf.memory().numTensors
    const trainer = new Trainer(data, split, SMALL, histories)
    // The first step creates the optimizers' moment tensors; count after it.
    trainer.step(rowsOf(0)).dispose()
    const afterFirst = tf.memory().numTensors
    for (let s = 1; s < 6; s++) trainer.step(rowsOf(s)).dispose()
    expect(tf.memory().numTensors).toBe(afterFirst)
    await trainer.evaluateModel(trainer.validationQueries)
    expect(tf.memory().numTensors).toBe(afterFirst)
    const snapshot = trainer.snapshot()
    trainer.restore(snapshot)
    tf.dispose(snapshot)
    expect(tf.memory().numTensors).toBe(afterFirst)
    trainer.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('reproduces the same loss curve and metrics from the same seed', async () => {
    const once = async () => {
      const trainer = new Trainer(data, split, SMALL, histories)
      const losses: LossPoint[] = []
      const outcome = await trainer.trainEpoch({ onLoss: (p) => losses.push(p) })
      trainer.dispose()
      return { losses, validation: outcome.record!.validation }
    }
    const a = await once()
    const b = await once()
    expect(a.losses.length).toBeGreaterThan(3)
    expect(b).toEqual(a)
  })

  it("trains the same with the GPU's row updates (mask, rows padded to buckets) as with a scatter", async () => {
    const run = (flags: Record<string, boolean>) =>
      withFlags(flags, async () => {
        const trainer = new Trainer(data, split, SMALL, histories)
        const losses: number[] = []
        for (let s = 0; s < 8; s++) {
          const loss = trainer.step(rowsOf(s))
          losses.push((await loss.data())[0])
          loss.dispose()
        }
        const weights = trainer.snapshot()
        const values = weights.map((w) => Array.from(w.dataSync()))
        tf.dispose(weights)
        trainer.dispose()
        return { losses, values }
      })
    const scatter = await run({})
    const masked = await run({ [MASK_ROWS_ON_CPU_FLAG]: true, [BUCKET_ROWS_FLAG]: false })
    const padded = await run({ [MASK_ROWS_ON_CPU_FLAG]: true })
    for (const other of [masked, padded]) {
      other.losses.forEach((loss, s) => expect(loss).toBeCloseTo(scatter.losses[s], 5))
      other.values.forEach((w, k) => w.forEach((x, i) => expect(x).toBeCloseTo(scatter.values[k][i], 5)))
    }
  })

  it('stops at a checkpoint without finishing the epoch', async () => {
    const trainer = new Trainer(data, split, SMALL, histories)
    let calls = 0
    const outcome = await trainer.trainEpoch({ checkpoint: async () => (++calls > 3 ? 'stop' : 'continue') })
    trainer.dispose()
    expect(outcome).toEqual({ record: null, stopped: true })
    expect(calls).toBe(4)
  })

  it('step time grows with the batch, not the vocabulary: 100,000 items within 2× of 1,000', () => {
    const config = { ...DEFAULT_TRAIN_CONFIG, batchSize: 256, historyLength: 0 }
    const setup = (items: number) => {
      const synthetic = syntheticDataset(2000, items, 20_000, 1)
      const syntheticSplit = splitDataset(synthetic, 1)
      const trainer = new Trainer(
        synthetic,
        syntheticSplit,
        config,
        buildHistories(synthetic, syntheticSplit, 0),
      )
      const rows = (s: number) => syntheticSplit.train.subarray(s * 256, (s + 1) * 256)
      for (let s = 0; s < 2; s++) trainer.step(rows(s)).dispose()
      return { trainer, rows, times: [] as number[] }
    }
    const runs = [setup(1_000), setup(100_000)]
    // Alternate the two sizes step by step, so a busy machine slows both alike.
    for (let s = 2; s < 10; s++)
      for (const run of runs) {
        const t0 = performance.now()
        const loss = run.trainer.step(run.rows(s))
        loss.dataSync()
        loss.dispose()
        run.times.push(performance.now() - t0)
      }
    const [small, large] = runs.map((run) => {
      run.trainer.dispose()
      return run.times.sort((a, b) => a - b)[run.times.length >> 1]
    })
    console.log(`step ms at 1,000 items: ${small.toFixed(1)}, at 100,000: ${large.toFixed(1)}`)
    expect(large / small).toBeLessThan(2)
  })
})
