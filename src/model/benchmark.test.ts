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
      // Read around each step call: one reading's 60 ms.
      hostMs: 60,
      batchSize: 32,
      // The cpu backend compiles nothing.
      compiledPrograms: null,
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

  it("sets the plan's TensorFlow.js flags while it times, and puts them back afterwards", async () => {
    const env = tf.env()
    const seen: unknown[] = []
    const now = () => (seen.push(env.get('DEPRECATION_WARNINGS_ENABLED')), performance.now())
    const before = env.get('DEPRECATION_WARNINGS_ENABLED')
    const plan = {
      ...PLAN,
      itemVocabularies: [20],
      fieldCounts: [],
      flags: { DEPRECATION_WARNINGS_ENABLED: !before },
    }
    await benchmarkTraining(data, plan, now)
    expect(seen.length).toBeGreaterThan(4)
    expect(new Set(seen)).toEqual(new Set([!before]))
    expect(env.get('DEPRECATION_WARNINGS_ENABLED')).toBe(before)
    // Put back after a failure too.
    await expect(benchmarkTraining(data, { ...plan, evaluationItems: 7 })).rejects.toThrow()
    expect(env.get('DEPRECATION_WARNINGS_ENABLED')).toBe(before)
    // A flag this backend does not have is refused before anything is timed.
    await expect(
      benchmarkTraining(data, { ...plan, flags: { WEBGPU_NO_SUCH_FLAG: 1 } }, () => {
        throw new Error('timed')
      }),
    ).rejects.toThrow('TensorFlow.js has no flag WEBGPU_NO_SUCH_FLAG here')
  })

  it('profiles one warm step when asked: its kernels by name, timed, the slowest first', async () => {
    const plain = await benchmarkTraining(data, { ...PLAN, itemVocabularies: [], fieldCounts: [] })
    expect(plain.steps.profile).toBeUndefined()
    const before = tf.memory().numTensors
    const { steps } = await benchmarkTraining(data, {
      ...PLAN,
      itemVocabularies: [],
      fieldCounts: [],
      profile: true,
    })
    expect(tf.memory().numTensors).toBe(before)
    const profile = steps.profile!
    expect(profile.timed).toBe(true)
    // A training step of the attention model: hundreds of kernels, matMul, gather and softmax among them.
    expect(profile.kernels).toBeGreaterThan(100)
    const names = profile.top.map((k) => k.name)
    expect(names.length).toBe(15)
    expect(new Set(names).size).toBe(names.length)
    const ms = profile.top.map((k) => k.ms!)
    expect(ms).toEqual([...ms].sort((a, b) => b - a))
    expect(profile.totalMs!).toBeGreaterThanOrEqual(ms.reduce((a, b) => a + b, 0) - 1e-9)
    expect(profile.top.reduce((n, k) => n + k.count, 0)).toBeLessThanOrEqual(profile.kernels)
    expect(names).toContain('BatchMatMul')
    // The cpu backend runs no GPU programs.
    expect(profile.programs).toBeNull()
    expect(profile.top.every((k) => k.programs === null)).toBe(true)
  })
})
