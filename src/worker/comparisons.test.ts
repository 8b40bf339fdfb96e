import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { splitWithOrder } from '../data/split'
import { ComparisonSet, type Checkpoint } from '../model/comparisons'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../model/config'
import { buildQueries } from '../model/evaluate'
import { buildHistories } from '../model/history'
import type { TrainedScorerName } from '../model/results'
import { TRAINED_SCORER_NAMES } from '../model/scorers'
import { runTraining, type RunResult } from '../model/run'
import * as tf from '../model/tf'
import { Trainer } from '../model/train'
import { RemoteComparisons, serveComparisons, type Port } from './comparisons'

// Both ends of the protocol in this thread, on a MessageChannel: every call, answer and checkpoint
// question goes through structured cloning as between two workers. (The page's own run, in e2e, has
// them in two real workers.)
const { data } = loadDemoDataset(4, { users: 300, items: 80, interactions: 6_000 })
const CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 2,
  batchSize: 128,
  dim: 8,
  mlpHidden: 16,
  learningRate: 0.02,
  historyLength: 3,
  earlyStoppingPatience: 0,
}

/** A run whose trained baselines are served on the other end of a MessageChannel; `broken` never answers. */
function runBeside(checkpoint?: Checkpoint, broken = false) {
  const channel = new MessageChannel()
  if (!broken) serveComparisons(channel.port2 as unknown as Port)
  const answers: string[] = []
  const post = channel.port1.postMessage.bind(channel.port1)
  channel.port1.postMessage = (message: { kind: string; answer?: string }) => {
    if (message.kind === 'answer') answers.push(message.answer!)
    post(message)
  }
  let remote: RemoteComparisons | null = null
  const result = runTraining(data, CONFIG, {
    checkpoint,
    comparisons: (names, shared) => {
      remote = new RemoteComparisons(
        channel.port1 as unknown as Port,
        { data, config: CONFIG, names },
        shared,
        () => channel.port1.close(),
      )
      if (broken)
        setTimeout(() => remote!.fail(new Error('the baselines worker failed: it could not start')), 50)
      return remote
    },
  })
  return { result, remote: () => remote, answers }
}

/** From its epoch 2 on, the id-only baseline's loss is NaN: it diverges there. */
function idOnlyDivergesFromEpoch2() {
  const step = Trainer.prototype.step
  return vi.spyOn(Trainer.prototype, 'step').mockImplementation(function (this: Trainer, rows: Int32Array) {
    const epoch2 = this.epochsCompleted >= 1
    return this.model.variant === 'id-only' && epoch2 ? tf.scalar(NaN) : step.call(this, rows)
  })
}

/** The trained baselines `names` for `config`, served on the far end of a MessageChannel. */
function servedBeside(config: TrainConfig, names: TrainedScorerName[]): RemoteComparisons {
  const channel = new MessageChannel()
  serveComparisons(channel.port2 as unknown as Port)
  return new RemoteComparisons(channel.port1 as unknown as Port, { data, config, names }, undefined, () =>
    channel.port1.close(),
  )
}

/** What a run says about its baselines (times left out: they differ between runs). */
const baselinesOf = (r: RunResult) => ({
  end: r.end,
  validation: r.history.map((e) => e.validation),
  baselines: r.history.map((e) => e.baselines),
  epochs: r.baselineEpochs,
  trends: r.baselineTrends,
  test: r.test,
  leftOut: r.leftOut,
})

let here: RunResult
beforeAll(async () => {
  await tf.setBackend('cpu')
  here = await runTraining(data, CONFIG)
}, 300_000)

describe('trained baselines in a second worker (protocol on a MessageChannel)', () => {
  it('give the run the same numbers as trained in the model’s thread', async () => {
    const { result, remote } = runBeside()
    const beside = await result
    expect(remote()!.parallel).toBe(true)
    expect(Object.keys(here.baselineEpochs ?? {}).sort()).toEqual([...TRAINED_SCORER_NAMES].sort())
    expect(baselinesOf(beside)).toEqual(baselinesOf(here))
  }, 300_000)

  it('wait through a pause and go on to the same numbers', async () => {
    let pausedFor = 0
    let run: ReturnType<typeof runBeside> | null = null
    const checkpoint: Checkpoint = async () => {
      // One long pause in the first epoch, once the second worker trains (it has had an answer; the
      // run's preparation has checkpoints of its own before that), longer than the 100 ms after which
      // the other side waits.
      if (pausedFor === 0 && run && run.answers.length > 0) {
        const started = Date.now()
        await new Promise((resolve) => setTimeout(resolve, 400))
        pausedFor = Date.now() - started
      }
      return 'continue'
    }
    run = runBeside(checkpoint)
    const beside = await run.result
    expect(pausedFor).toBeGreaterThanOrEqual(390)
    // The second worker was told to wait, then to go on.
    expect(run.answers).toContain('pause')
    expect(run.answers.slice(run.answers.indexOf('pause') + 1)).toContain('continue')
    expect(baselinesOf(beside)).toEqual(baselinesOf(here))
  }, 300_000)

  it('told to close, the second worker ends its epoch in flight within a few steps, not at its end', async () => {
    // A run let go at a Stop in its first epoch closes the second worker without waiting for it; the
    // page terminates that worker too, but a port (as here) can only be told.
    await new Promise((resolve) => setTimeout(resolve, 200))
    const tensors = tf.memory().numTensors
    const steps = vi.spyOn(Trainer.prototype, 'step')
    try {
      const config = { ...CONFIG, batchSize: 32 }
      const remote = servedBeside(config, [...TRAINED_SCORER_NAMES])
      const epoch = remote.trainEpoch(1, false).catch((e: Error) => e.message)
      await vi.waitFor(() => expect(steps.mock.calls.length).toBeGreaterThanOrEqual(3), { timeout: 60_000 })
      remote.dispose()
      expect(await epoch).toBe('the baselines worker was closed')
      // Long enough for the far end to have trained all three baselines' epoch had it gone on.
      await new Promise((resolve) => setTimeout(resolve, 3000))
      const oneEpoch = Math.ceil(splitWithOrder(data, config.seed).split.train.length / config.batchSize)
      expect(oneEpoch).toBeGreaterThan(100)
      expect(steps.mock.calls.length).toBeLessThan(oneEpoch / 2)
    } finally {
      steps.mockRestore()
    }
    expect(tf.memory().numTensors).toBe(tensors)
  }, 300_000)

  it('a Stop reaches the second worker: its epoch ends at its next question, nothing trained', async () => {
    const channel = new MessageChannel()
    serveComparisons(channel.port2 as unknown as Port)
    const names = [...TRAINED_SCORER_NAMES]
    let asked = 0
    const remote = new RemoteComparisons(
      channel.port1 as unknown as Port,
      { data, config: { ...CONFIG, batchSize: 32 }, names },
      // Answers come late, as from a model's worker busy with its own step (but not so late as to
      // read as a pause): the far end must keep looking for them while it trains.
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 60))
        return ++asked >= 2 ? 'stop' : 'continue'
      },
      () => channel.port1.close(),
    )
    const epoch = await remote.trainEpoch(1, false)
    expect(epoch).toEqual({ stopped: true, metrics: {} })
    expect(asked).toBe(2)
    expect(await remote.finish(0)).toEqual({ epochs: {}, trends: {}, untrained: names })
    remote.dispose()
  }, 300_000)

  it('stop with the run: each baseline is tested at a finished epoch or named as left out', async () => {
    let calls = 0
    const checkpoint: Checkpoint = async () => (++calls > 20 ? 'stop' : 'continue')
    const stopped = await runBeside(checkpoint).result
    expect(stopped.end).toBe('stopped')
    expect(stopped.history).toHaveLength(0)
    const leftOut = new Set(stopped.leftOut ?? [])
    for (const name of TRAINED_SCORER_NAMES) {
      const tested = name in stopped.test.baselines
      expect(tested !== leftOut.has(name), name).toBe(true)
      if (tested) expect(stopped.baselineEpochs?.[name]).toBeGreaterThanOrEqual(1)
      // Never tested at more epochs than the model finished (none here).
      expect(stopped.baselineEpochs?.[name] ?? 0).toBeLessThanOrEqual(stopped.history.length)
    }
  }, 300_000)

  it('a baseline that trained an epoch the model did not finish is tested at the model’s epochs', async () => {
    // Baselines in a second worker finish their epoch 2 (one of them diverging in it) while the model,
    // stopped, finished only epoch 1: the run tests them as they were after epoch 1.
    const names = [...TRAINED_SCORER_NAMES]
    const config: TrainConfig = { ...CONFIG, earlyStoppingPatience: 2 }
    const spy = idOnlyDivergesFromEpoch2()
    // (The tests before free their far ends' tensors when their dispose message arrives.)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const tensors = tf.memory().numTensors
    const remote = servedBeside(config, names)
    // The same baselines in this thread, trained for one epoch.
    const ordered = splitWithOrder(data, config.seed)
    const histories = buildHistories(data, ordered.split, config.historyLength, ordered.inTime)
    const make = () => ({
      data,
      split: ordered.split,
      config,
      histories,
      validation: () => buildQueries(data, ordered.split, 'validation', config.seed),
    })
    const oneEpoch = new ComparisonSet(names, make, undefined)
    const testQueries = buildQueries(data, ordered.split, 'test', config.seed)
    try {
      expect((await remote.trainEpoch(1, true)).stopped).toBe(false)
      const second = await remote.trainEpoch(2, true)
      expect(second.stopped).toBe(false)
      expect(Object.keys(second.metrics).sort()).toEqual(['mean-pooling', 'sequence'])
      await oneEpoch.trainEpoch(1, true)

      const finished = await remote.finish(1)
      expect(finished.epochs).toEqual({ 'id-only': 1, 'mean-pooling': 1, sequence: 1 })
      expect(finished).toEqual(await oneEpoch.finish(1))
      const ranked = await remote.rank(names)
      const here = await oneEpoch.rank(names, () => testQueries)
      for (const name of names) expect(ranked[name]!.toData(), name).toEqual(here[name]!.toData())
    } finally {
      spy.mockRestore()
      remote.dispose()
      oneEpoch.dispose()
    }
    // The weights held back for epoch 1 were freed with the rest (the far end is in this thread).
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(tf.memory().numTensors).toBe(tensors)
  }, 300_000)

  it('a baseline that diverged in the epoch the model also finished is left out', async () => {
    const names = [...TRAINED_SCORER_NAMES]
    const spy = idOnlyDivergesFromEpoch2()
    const remote = servedBeside(CONFIG, names)
    try {
      await remote.trainEpoch(1, false)
      await remote.trainEpoch(2, false)
      const finished = await remote.finish(2)
      expect(finished.epochs).toEqual({ 'mean-pooling': 2, sequence: 2 })
      expect(finished.untrained).toEqual([])
    } finally {
      spy.mockRestore()
      remote.dispose()
    }
  }, 300_000)

  it('a model that diverges does not wait for the baselines’ epoch in flight to end', async () => {
    const original = Trainer.prototype.step
    let modelSteps = 0
    let baselineSteps = 0
    let stepsAtDivergence = 0
    const spy = vi.spyOn(Trainer.prototype, 'step').mockImplementation(function (
      this: Trainer,
      rows: Int32Array,
    ) {
      if (this.model.variant !== 'attention') {
        baselineSteps++
        return original.call(this, rows)
      }
      // The model's loss turns NaN from the first step of epoch 2; each step yields so the far end,
      // which started its epoch 2 at the same time, trains meanwhile.
      if (++modelSteps > this.stepsPerEpoch) {
        stepsAtDivergence ||= baselineSteps
        return tf.scalar(NaN)
      }
      return original.call(this, rows)
    })
    const yieldEachStep: Checkpoint = async () => (await new Promise((r) => setTimeout(r, 0)), 'continue')
    try {
      const diverged = await runBeside(yieldEachStep).result
      expect(diverged.end).toBe('diverged')
      expect(diverged.history).toHaveLength(1)
      // Tested at their finished epoch 1; their epoch 2 ended within a few steps of the model's NaN.
      for (const name of TRAINED_SCORER_NAMES) expect(diverged.baselineEpochs?.[name]).toBe(1)
      // (The rest of that epoch is about 100 steps of the three baselines; the model reads its loss
      // back every few steps, so a few more run before it knows.)
      expect(baselineSteps - stepsAtDivergence).toBeLessThan(40)
    } finally {
      spy.mockRestore()
    }
  }, 300_000)

  it('a second worker that cannot start says why on every call', async () => {
    const channel = new MessageChannel()
    serveComparisons(channel.port2 as unknown as Port)
    // It would train three baselines on this data; asked for one, it refuses to start.
    const remote = new RemoteComparisons(
      channel.port1 as unknown as Port,
      { data, config: CONFIG, names: ['id-only'] },
      undefined,
      () => channel.port1.close(),
    )
    const why = /would train id-only, mean-pooling, sequence, not id-only/
    await expect(remote.trainEpoch(1, false)).rejects.toThrow(why)
    await expect(remote.finish(0)).rejects.toThrow(why)
    remote.dispose()
  }, 300_000)

  it('a second worker that fails ends the run with its message', async () => {
    await expect(runBeside(undefined, true).result).rejects.toThrow(
      /baselines worker failed: it could not start/,
    )
  }, 300_000)
})
