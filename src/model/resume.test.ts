import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import type { RunResult } from './results'
import { runTraining, type RunCheckpoint } from './run'
import * as tf from './tf'

const { data } = loadDemoDataset(21, { users: 200, items: 40, interactions: 2500 })
const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 3,
  batchSize: 128,
  dim: 8,
  heads: 2,
  mlpHidden: 16,
  historyLength: 3,
  compareBaselines: true,
  earlyStoppingPatience: 2,
}

/** A result without what depends on the clock. */
function untimed(result: RunResult) {
  return {
    ...result,
    timing: null,
    history: result.history.map((r) => ({ ...r, trainSeconds: 0, examplesPerSecond: 0 })),
  }
}

let full: RunResult
const checkpoints: RunCheckpoint[] = []

beforeAll(async () => {
  await tf.setBackend('cpu')
  // As the worker keeps them: a structured clone (IndexedDB's copy), not the objects themselves.
  full = await runTraining(data, config, { onCheckpoint: (c) => void checkpoints.push(structuredClone(c)) })
}, 300_000)

describe('a run resumed from a checkpoint', () => {
  it('is checkpointed after every finished epoch but the last', () => {
    expect(full.history.length).toBeGreaterThanOrEqual(2)
    expect(checkpoints.map((c) => c.epoch)).toEqual(
      Array.from({ length: Math.min(full.history.length, config.epochs - 1) }, (_, i) => i + 1),
    )
    const first = checkpoints[0]
    expect(first.comparisons.map((c) => c.name).sort()).toEqual(['id-only', 'mean-pooling', 'sequence'])
    expect(first.main.dense.iterations).toBe(first.main.globalStep)
    expect(first.main.tables.moments.map((m) => m.table)).toEqual(['user', 'item'])
  })

  it('finishes with exactly the results of the uninterrupted run, from any finished epoch', async () => {
    for (const checkpoint of checkpoints) {
      const before = tf.memory().numTensors
      const reported: number[] = []
      const resumed = await runTraining(data, config, {
        resume: structuredClone(checkpoint),
        onEpoch: (record) => reported.push(record.epoch),
      })
      expect(untimed(resumed), `resumed after epoch ${checkpoint.epoch}`).toEqual(untimed(full))
      // The finished epochs are reported again first, then the rest.
      expect(reported).toEqual(full.history.map((r) => r.epoch))
      expect(tf.memory().numTensors).toBe(before)
    }
  })

  it('refuses a checkpoint of another model', async () => {
    await expect(
      runTraining(data, { ...config, dim: 16 }, { resume: structuredClone(checkpoints[0]) }),
    ).rejects.toThrow('The saved run does not fit this model: user/embeddings has shape')
  })
})
