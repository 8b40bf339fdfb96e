import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import type { EpochRecord, LossPoint } from './results'
import * as tf from './tf'
import { Trainer } from './train'

const { data } = loadDemoDataset(3, { users: 600, items: 100, interactions: 12_000 })
const split = splitDataset(data, 1)
const SMALL_CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 3,
  batchSize: 256,
  dim: 16,
  mlpHidden: 32,
  learningRate: 0.01,
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

async function trainRun(config: TrainConfig) {
  const trainer = new Trainer(data, split, config)
  const losses: LossPoint[] = []
  const epochs: EpochRecord[] = []
  const baselines = await trainer.evaluateBaselines(trainer.validationQueries)
  const outcome = await trainer.train({ onLoss: (p) => losses.push(p), onEpoch: (e) => epochs.push(e) })
  return { trainer, losses, epochs, baselines, outcome }
}

describe('Trainer on a small demo (cpu backend)', () => {
  it('lowers the loss and beats popularity on validation Recall@10', async () => {
    const { trainer, losses, epochs, baselines, outcome } = await trainRun(SMALL_CONFIG)
    trainer.dispose()
    expect(outcome.completed).toBe(true)
    expect(epochs).toHaveLength(3)
    const first = losses[0].loss
    const last = losses[losses.length - 1].loss
    expect(last).toBeLessThan(first * 0.9)
    const best = Math.max(...epochs.map((e) => e.validation['recall@10']))
    expect(best).toBeGreaterThan(1.3 * baselines.popularity['recall@10'])
    expect(baselines.popularity['recall@10']).toBeGreaterThan(baselines.random['recall@10'])
  })

  it('keeps the tensor count flat across steps and frees everything on dispose', async () => {
    const before = tf.memory().numTensors
    const trainer = new Trainer(data, split, { ...SMALL_CONFIG, epochs: 1 })
    const rows = (s: number) => split.train.subarray(s * 256, (s + 1) * 256)
    // The first step creates the optimizer's slots; count after it.
    trainer.step(rows(0)).dispose()
    const afterFirst = tf.memory().numTensors
    for (let s = 1; s < 8; s++) trainer.step(rows(s)).dispose()
    expect(tf.memory().numTensors).toBe(afterFirst)
    await trainer.evaluateModel(trainer.validationQueries)
    expect(tf.memory().numTensors).toBe(afterFirst)
    trainer.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('reproduces the same loss curve from the same seed', async () => {
    const config = { ...SMALL_CONFIG, epochs: 1 }
    const a = await trainRun(config)
    const b = await trainRun(config)
    a.trainer.dispose()
    b.trainer.dispose()
    expect(b.losses).toEqual(a.losses)
    expect(b.epochs[0].validation).toEqual(a.epochs[0].validation)
  })

  it('stops at a checkpoint and reports an incomplete run', async () => {
    const trainer = new Trainer(data, split, SMALL_CONFIG)
    let calls = 0
    const outcome = await trainer.train({ checkpoint: async () => (++calls > 3 ? 'stop' : 'continue') })
    trainer.dispose()
    expect(outcome.completed).toBe(false)
    expect(outcome.history).toHaveLength(0)
    expect(calls).toBe(4)
  })
})
