import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { benchmarkTraining, type BenchmarkPlan } from './benchmark'
import { TINY_CONFIG } from './testing'
import * as tf from './tf'

const { data } = loadDemoDataset(5, { users: 120, items: 30, interactions: 2400 })
const PLAN: BenchmarkPlan = {
  itemVocabularies: [20, 400],
  fieldCounts: [4, 9],
  warmupSteps: 1,
  timedSteps: 2,
  config: { ...TINY_CONFIG, batchSize: 32, historyLength: 0 },
  synthetic: { users: 100, interactions: 2000 },
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('benchmarkTraining', () => {
  it('returns throughput, latency and a step time per vocabulary size and field count, tensor count flat', async () => {
    const first = await benchmarkTraining(data, PLAN)
    const after = tf.memory().numTensors
    const second = await benchmarkTraining(data, PLAN)
    expect(tf.memory().numTensors).toBe(after)
    for (const timing of [first, second]) {
      expect(Object.keys(timing.stepMsByVocabulary)).toEqual(['20', '400'])
      expect(Object.keys(timing.stepMsByFields)).toEqual(['4', '9'])
      const { steps } = timing
      for (const value of [steps.examplesPerSecond, steps.latencyMs, steps.firstStepMs])
        expect(value).toBeGreaterThan(0)
      expect(steps.warmupSteps).toBeGreaterThanOrEqual(PLAN.warmupSteps)
      expect(timing.examplesPerSecond).toBe(steps.examplesPerSecond)
      for (const ms of [...Object.values(timing.stepMsByVocabulary), ...Object.values(timing.stepMsByFields)])
        expect(ms).toBeGreaterThan(0)
      // The evaluation ranks the validation users of the largest vocabulary.
      expect(timing.evaluation?.items).toBe(400)
      expect(timing.evaluation?.users).toBeGreaterThan(10)
      expect(timing.evaluation?.usersPerSecond).toBeGreaterThan(0)
    }
  })

  it('times by the clock: first step apart, warm-up until steady, then latency and throughput', async () => {
    // A clock that advances 60 ms per reading: every step timed alone reads it twice (60 ms); each
    // timed span (latency, throughput, evaluation) reads it twice around its 3 steps.
    let clock = 0
    const now = () => (clock += 60)
    const timing = await benchmarkTraining(data, { ...PLAN, timedSteps: 3 }, now)
    expect(timing.steps).toEqual({
      firstStepMs: 60,
      // Steady from the start: two windows of 3 equal steps after the first.
      warmupSteps: 7,
      settled: true,
      latencyMs: 20,
      examplesPerSecond: (32 / 20) * 1000,
      batchSize: 32,
    })
    expect(timing.stepMsByVocabulary).toEqual({ '20': 20, '400': 20 })
    expect(timing.stepMsByFields).toEqual({ '4': 20, '9': 20 })
    expect(timing.evaluation?.seconds).toBeCloseTo(0.06, 9)
  })

  it('times the evaluation at the vocabulary asked for, and refuses one it does not time', async () => {
    const plan = { ...PLAN, fieldCounts: [], evaluationItems: 20 }
    const timing = await benchmarkTraining(data, plan)
    expect(timing.evaluation?.items).toBe(20)
    expect(timing.stepMsByFields).toEqual({})
    await expect(benchmarkTraining(data, { ...plan, evaluationItems: 100 })).rejects.toThrow(
      'the evaluation vocabulary 100 is not one of the timed vocabularies',
    )
  })

  it('warms up until the step time settles, and says so when it never does', async () => {
    // Each reading advances the clock 25% more than the last: every step is slower than the one before.
    let clock = 0
    let step = 1
    const growing = () => (clock += step *= 1.25)
    const timing = await benchmarkTraining(data, { ...PLAN, itemVocabularies: [20] }, growing)
    expect(timing.steps.settled).toBe(false)
    expect(timing.steps.warmupSteps).toBe(40)
  })
})
