import { describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_CONFIG } from '../../model/config'
import { MetricAccumulator } from '../../model/metrics'
import type { RunRecord } from '../../model/results'
import { parseRunFile, toRunFile } from '../../model/runFile'
import type { DatasetSource } from '../../worker/protocol'
import type { FromWorker } from '../../worker/protocol'
import { INITIAL_TRAINING_STATE, trainingReducer, type TrainingState } from './trainingState'
import { toLossRows } from '../results/chartRows'

const metrics = (() => {
  const acc = new MetricAccumulator()
  acc.add({ greater: 1, ties: 0 })
  return acc.result()
})()

const source: DatasetSource = { kind: 'demo', seed: 1, users: 10, items: 5, interactions: 50 }
const started = (runId: number) =>
  ({ type: 'run-started', runId, config: DEFAULT_TRAIN_CONFIG, source }) as const
const tower = { tokens: ['a'], pooling: [1], layers: [] }
const attention = { epoch: 1, user: tower, item: tower }
const record: RunRecord = {
  config: DEFAULT_TRAIN_CONFIG,
  dataset: {
    name: 'Card offers',
    counts: { interactions: 50, users: 10, items: 5 },
    fields: [],
    split: { kind: 'leave-last-out', train: 30, validation: 10, test: 10 },
    fingerprint: '0123abcd',
    source,
  },
  backend: { name: 'wasm', reason: 'forced' },
  lossCurve: [{ step: 5, loss: 6 }],
  end: 'completed',
  message: null,
  history: [],
  testedEpoch: 1,
  trend: null,
  validationBaselines: { random: metrics, popularity: metrics },
  test: { model: metrics, baselines: { random: metrics, popularity: metrics } },
  attention: { user: tower, item: tower, snapshots: [attention] },
  importance: [],
  timing: { examplesPerSecond: 1, secondsPerEpoch: 1, totalSeconds: 3 },
}

const worker = (state: TrainingState, message: FromWorker) =>
  trainingReducer(state, { type: 'worker', message })

describe('trainingReducer', () => {
  it('follows a run from start to done', () => {
    let s = worker(INITIAL_TRAINING_STATE, { type: 'backend', backend: 'wasm', reason: 'forced' })
    s = trainingReducer(s, started(1))
    expect(s.status).toBe('training')
    expect(s.backend?.name).toBe('wasm')
    s = worker(s, { type: 'loss', runId: 1, epoch: 1, points: [{ step: 5, loss: 6 }] })
    s = worker(s, { type: 'phase', runId: 1, phase: 'paused', detail: '' })
    expect(s.status).toBe('paused')
    s = worker(s, { type: 'phase', runId: 1, phase: 'training', detail: '' })
    s = worker(s, {
      type: 'epoch',
      runId: 1,
      record: { epoch: 1, trainLoss: 5.5, validation: metrics, trainSeconds: 1, examplesPerSecond: 100 },
      attention,
    })
    expect(s.testing).toBe(false)
    // The test: still a running run (data-state "training"), but testing, which Pause and Stop cannot touch.
    s = worker(s, { type: 'phase', runId: 1, phase: 'evaluating', detail: 'Ranking the full catalogue' })
    expect(s).toMatchObject({ status: 'training', testing: true, detail: 'Ranking the full catalogue' })
    s = worker(s, { type: 'done', runId: 1, record })
    expect(s.testing).toBe(false)
    expect(s.status).toBe('done')
    expect(s.currentEpoch).toBe(1)
    expect(s.lossPoints).toHaveLength(1)
    expect(s.attention).toHaveLength(1)
    expect(s.record?.timing.totalSeconds).toBe(3)
    // The record is kept as the worker sent it: saving a run file writes exactly this object.
    expect(s.record).toBe(record)
    expect(s.run?.config).toEqual(DEFAULT_TRAIN_CONFIG)
  })

  it('a new run, or an error, is not testing', () => {
    const testing = worker(trainingReducer(INITIAL_TRAINING_STATE, started(1)), {
      type: 'phase',
      runId: 1,
      phase: 'evaluating',
      detail: '',
    })
    expect(testing.testing).toBe(true)
    expect(trainingReducer(testing, started(2)).testing).toBe(false)
    expect(worker(testing, { type: 'error', runId: 1, message: 'failed' }).testing).toBe(false)
  })

  it('ignores messages from an older run', () => {
    let s = trainingReducer(INITIAL_TRAINING_STATE, started(2))
    s = worker(s, { type: 'loss', runId: 1, epoch: 1, points: [{ step: 5, loss: 6 }] })
    s = worker(s, { type: 'error', runId: 1, message: 'old' })
    expect(s.lossPoints).toHaveLength(0)
    expect(s.status).toBe('training')
  })

  it('goes back to ready, with the reason, when the run is cancelled before its first step', () => {
    let s = worker(INITIAL_TRAINING_STATE, { type: 'backend', backend: 'wasm', reason: 'forced' })
    s = trainingReducer(s, started(3))
    s = worker(s, {
      type: 'dataset',
      runId: 3,
      summary: record.dataset as never,
      fingerprint: 'f',
      split: record.dataset.split,
      stepsPerEpoch: 4,
      batchSize: 8,
    })
    // An older run's cancellation is not this one's.
    expect(worker(s, { type: 'cancelled', runId: 2, message: 'old' }).status).toBe('training')
    s = worker(s, { type: 'cancelled', runId: 3, message: 'Stopped before the first training step' })
    expect(s.status).toBe('idle')
    expect(s.detail).toBe('Stopped before the first training step')
    expect(s.dataset).toBeNull()
    expect(s.run).toBeNull()
    expect(s.record).toBeNull()
    expect(s.backend?.name).toBe('wasm')
    // The next run starts as usual.
    expect(trainingReducer(s, started(4)).status).toBe('training')
  })

  it('says how far a slow load has got, through the runs that start and end meanwhile, until it is loaded', () => {
    const summary = record.dataset as never
    let s = worker(INITIAL_TRAINING_STATE, { type: 'loaded', source, summary, seconds: 0.1 })
    expect(s.loading).toBeNull()
    s = worker(s, { type: 'loading', source, detail: 'Drawing the demo data: 10 of 50 interactions' })
    expect(s.loading).toBe('Drawing the demo data: 10 of 50 interactions')
    // A run started, and cancelled, while the demo is drawn: the load goes on, and so does its line.
    s = trainingReducer(s, started(1))
    s = worker(s, { type: 'cancelled', runId: 1, message: 'Stopped' })
    expect(s.loading).toBe('Drawing the demo data: 10 of 50 interactions')
    expect(s.loaded?.seconds).toBe(0.1)
    s = worker(s, { type: 'loaded', source, summary, seconds: 4 })
    expect(s.loading).toBeNull()
    expect(s.loaded?.seconds).toBe(4)
    // A load that fails is not loading any more; an error of a run says nothing about a load.
    s = worker(s, { type: 'loading', source, detail: 'Drawing' })
    expect(worker(trainingReducer(s, started(2)), { type: 'error', runId: 2, message: 'x' }).loading).toBe(
      'Drawing',
    )
    expect(
      worker(s, { type: 'error', runId: null, message: 'Loading the data failed: x' }).loading,
    ).toBeNull()
  })

  it('shows worker-level errors whatever the run', () => {
    const s = worker(trainingReducer(INITIAL_TRAINING_STATE, started(1)), {
      type: 'error',
      runId: null,
      message: 'No backend',
    })
    expect(s.status).toBe('error')
    expect(s.error).toBe('No backend')
  })
})

describe('toLossRows', () => {
  it('keeps short series as they are and averages long ones into buckets', () => {
    const points = Array.from({ length: 1000 }, (_, i) => ({ step: (i + 1) * 5, loss: i % 2 }))
    expect(toLossRows(points.slice(0, 10))).toHaveLength(10)
    const rows = toLossRows(points, 100)
    expect(rows).toHaveLength(100)
    expect(rows[0]).toEqual({ step: 50, loss: 0.5 })
    expect(rows[99].step).toBe(5000)
  })
})

describe('trainingReducer with run files', () => {
  it('stores an opened run file record as it is and redraws every view from it', () => {
    const s = trainingReducer(trainingReducer(INITIAL_TRAINING_STATE, started(4)), {
      type: 'run-imported',
      record,
      fileName: 'demo.run.json',
      hasWeights: false,
    })
    expect(s.record).toBe(record)
    expect(s.status).toBe('done')
    expect(s.runId).toBe(5)
    expect(s.importedFrom).toBe('demo.run.json')
    expect(s.lossPoints).toBe(record.lossCurve)
    expect(s.attention).toBe(record.attention.snapshots)
    expect(s.run).toEqual({
      config: DEFAULT_TRAIN_CONFIG,
      source,
      backend: { name: 'wasm', reason: 'forced' },
    })
    expect(s.dataset?.summary).toMatchObject({ name: 'Card offers', interactions: 50, sparsity: 0 })
    expect(s.dataset?.split.test).toBe(10)
    expect(s.importedModel).toEqual({ state: 'none', message: '' })
  })

  it('follows the rebuilding of an imported model, and ignores an answer for a run it has left', () => {
    const opened = trainingReducer(INITIAL_TRAINING_STATE, {
      type: 'run-imported',
      record,
      fileName: 'w.run.json.gz',
      hasWeights: true,
    })
    expect(opened.importedModel).toEqual({ state: 'restoring', message: '' })
    const stale = trainingReducer(opened, {
      type: 'model-restored',
      runId: opened.runId - 1,
      ok: true,
      message: '',
    })
    expect(stale).toBe(opened)
    const failed = trainingReducer(opened, {
      type: 'model-restored',
      runId: opened.runId,
      ok: false,
      message: 'no',
    })
    expect(failed.importedModel).toEqual({ state: 'failed', message: 'no' })
    const ready = trainingReducer(opened, {
      type: 'model-restored',
      runId: opened.runId,
      ok: true,
      message: '',
    })
    expect(ready.importedModel).toEqual({ state: 'ready', message: '' })
    // A run trained here has its model without any restoring.
    expect(trainingReducer(ready, started(ready.runId + 1)).importedModel).toBeNull()
  })

  it('opens a saved run to the same record that was saved', () => {
    const done = worker(trainingReducer(INITIAL_TRAINING_STATE, started(1)), {
      type: 'done',
      runId: 1,
      record,
    })
    const parsed = parseRunFile(JSON.stringify(toRunFile(done.record!)))
    if (!parsed.ok) throw new Error(parsed.reason)
    const opened = trainingReducer(done, {
      type: 'run-imported',
      record: parsed.record,
      fileName: 'x.run.json',
      hasWeights: false,
    })
    expect(opened.record).toEqual(record)
  })
})

describe('trainingReducer with a run resumed after a reload', () => {
  it('says it resumes, and marks the run resumed only when the worker says it went on from a checkpoint', () => {
    const starting = trainingReducer(INITIAL_TRAINING_STATE, { ...started(1), resumedFrom: 2 })
    expect(starting.detail).toBe('Resuming after a reload from the end of epoch 2')
    expect(starting.resumedFrom).toBeNull()
    const resumed = worker(starting, { type: 'resumed', runId: 1, epoch: 2 })
    expect(resumed.resumedFrom).toBe(2)
    // A message of another run changes nothing; a new run is not a resumed one.
    expect(worker(starting, { type: 'resumed', runId: 7, epoch: 2 })).toBe(starting)
    expect(trainingReducer(resumed, started(2)).resumedFrom).toBeNull()
  })
})
