import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { benchmarkTraining, type BenchmarkPlan } from './benchmark'
import { TINY_CONFIG } from './testing'
import * as tf from './tf'

const { data } = loadDemoDataset(5, { users: 120, items: 30, interactions: 2400 })
const PLAN: BenchmarkPlan = {
  itemVocabularies: [20, 400],
  warmupSteps: 1,
  timedSteps: 2,
  config: { ...TINY_CONFIG, batchSize: 32, historyLength: 0 },
  synthetic: { users: 100, interactions: 2000 },
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('benchmarkTraining', () => {
  it('returns a positive throughput and a step time per vocabulary size, tensor count flat', async () => {
    const first = await benchmarkTraining(data, PLAN)
    const after = tf.memory().numTensors
    const second = await benchmarkTraining(data, PLAN)
    expect(tf.memory().numTensors).toBe(after)
    for (const timing of [first, second]) {
      expect(Object.keys(timing.stepMsByVocabulary)).toEqual(['20', '400'])
      expect(timing.examplesPerSecond).toBeGreaterThan(0)
      expect(Number.isFinite(timing.examplesPerSecond)).toBe(true)
      for (const ms of Object.values(timing.stepMsByVocabulary)) {
        expect(ms).toBeGreaterThan(0)
        expect(Number.isFinite(ms)).toBe(true)
      }
    }
  })

  it('divides the timed span by the timed steps and counts a batch of examples per step', async () => {
    // A clock that advances 60 ms per reading: each timing reads it twice (start, end).
    let clock = 0
    const now = () => (clock += 60)
    const timing = await benchmarkTraining(data, { ...PLAN, timedSteps: 3 }, now)
    expect(timing.stepMsByVocabulary).toEqual({ '20': 20, '400': 20 })
    expect(timing.examplesPerSecond).toBeCloseTo((32 / 20) * 1000, 9)
  })
})
