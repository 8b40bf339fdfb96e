/// <reference lib="webworker" />
/**
 * The training worker: reads messages, calls data/ and model/, posts plain results. Thin on purpose.
 */
import * as tf from '@tensorflow/tfjs-core'
import { summarize } from '../data/encode'
import { splitDataset } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { syntheticDataset } from '../demo/synthetic'
import { normalizeDemoSource, normalizeTrainConfig, type TrainConfig } from '../model/config'
import { buildHistories } from '../model/history'
import type { LossPoint } from '../model/results'
import { Explorer } from '../model/explore'
import { runTraining } from '../model/run'
import { datasetFingerprint } from '../model/runFile'
import { Trainer } from '../model/train'
import { selectBackend } from './backend'
import { Ingestor } from './ingest'
import type {
  BackendName,
  BenchmarkRequest,
  DatasetSource,
  ExploreAnswer,
  ExploreQuery,
  FromWorker,
  ToWorker,
} from './protocol'

declare const self: DedicatedWorkerGlobalScope

/** Losses are posted at most this often, so the UI re-renders at most ~10 times a second. */
const POST_INTERVAL_MS = 100
/** The loop yields to the event loop at least this often, so pause/stop messages are seen promptly. */
const YIELD_INTERVAL_MS = 30

function post(message: FromWorker): void {
  self.postMessage(message)
}

let backendReady: Promise<BackendName> | null = null

/** Control state of the run in progress. */
interface RunControl {
  runId: number
  paused: boolean
  stopped: boolean
  resume: (() => void) | null
}
let current: RunControl | null = null
let currentDone: Promise<void> = Promise.resolve()

/** The finished run's model, kept for the explorer until the next run starts. */
let explorer: { runId: number; explorer: Explorer } | null = null

let cachedSource = ''
let cachedData: EncodedDataset | null = null
/** Dropped files: parsed, mapped and encoded by `ingest.ts`, which keeps the latest upload. */
const ingestor = new Ingestor(post)

function datasetFor(source: DatasetSource): EncodedDataset {
  if (source.kind === 'upload') return ingestor.dataset(source)
  // Sizes are clamped by the settings table here too: a message can come from the benchmark door.
  const demo = normalizeDemoSource(source)
  const key = JSON.stringify(demo)
  if (key !== cachedSource || !cachedData) {
    cachedData = loadDemoDataset(demo.seed, demo).data
    cachedSource = key
  }
  return cachedData
}

/** Resolves on the next macrotask without the 4 ms clamp of nested setTimeout. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel()
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(null)
  })
}

async function run(runId: number, configIn: unknown, source: DatasetSource): Promise<void> {
  const control: RunControl = { runId, paused: false, stopped: false, resume: null }
  current = control
  explorer?.explorer.dispose()
  explorer = null
  try {
    await backendReady
    const config = normalizeTrainConfig(configIn as Partial<TrainConfig>)
    post({
      type: 'phase',
      runId,
      phase: 'preparing',
      detail: source.kind === 'demo' ? 'Generating and encoding the demo data' : 'Preparing your data',
    })
    await nextTask()
    const data = datasetFor(source)

    let epoch = 1
    let pending: LossPoint[] = []
    let lastPost = 0
    let lastYield = Date.now()
    const flushLoss = () => {
      if (pending.length === 0) return
      post({ type: 'loss', runId, epoch, points: pending })
      pending = []
      lastPost = Date.now()
    }
    const result = await runTraining(data, config, {
      checkpoint: async () => {
        if (Date.now() - lastYield > YIELD_INTERVAL_MS) {
          await nextTask()
          lastYield = Date.now()
        }
        if (control.paused && !control.stopped) {
          flushLoss()
          post({ type: 'phase', runId, phase: 'paused', detail: '' })
          await new Promise<void>((resolve) => (control.resume = resolve))
          if (!control.stopped) post({ type: 'phase', runId, phase: 'training', detail: '' })
        }
        return control.stopped ? 'stop' : 'continue'
      },
      onPhase: (detail) => post({ type: 'phase', runId, phase: 'training', detail }),
      onPrepared: ({ split, stepsPerEpoch, batchSize, validationBaselines }) =>
        post({
          type: 'dataset',
          runId,
          summary: summarize(data),
          fingerprint: datasetFingerprint(data),
          split: {
            kind: split.kind,
            train: split.train.length,
            validation: split.validation.length,
            test: split.test.length,
          },
          stepsPerEpoch,
          batchSize,
          validationBaselines,
        }),
      onLoss: (point) => {
        pending.push(point)
        if (Date.now() - lastPost >= POST_INTERVAL_MS) flushLoss()
      },
      onModel: (trainer) => {
        explorer = { runId, explorer: new Explorer(trainer) }
      },
      onEpoch: (record, attention) => {
        flushLoss()
        post({ type: 'epoch', runId, record, attention })
        epoch = record.epoch + 1
      },
    })
    flushLoss()
    post({ type: 'done', runId, result })
  } catch (e) {
    post({ type: 'error', runId, message: `Training failed: ${e instanceof Error ? e.message : String(e)}` })
  } finally {
    if (current === control) current = null
  }
}

/** Answers a question about the kept model; explorer work is queued behind any run in progress. */
async function explore(runId: number, query: ExploreQuery): Promise<ExploreAnswer> {
  await currentDone
  if (!explorer || explorer.runId !== runId)
    return { kind: 'error', message: 'That model is no longer in memory: train again to explore it.' }
  const x = explorer.explorer
  switch (query.kind) {
    case 'users':
      return { kind: 'users', users: x.searchUsers(query.text) }
    case 'user':
      return { kind: 'user', view: await x.viewUser(query.user, query.whatIf) }
    case 'item':
      return { kind: 'item', view: await x.viewItem(query.item) }
    case 'map':
      return { kind: 'map', map: await x.embeddingMap() }
  }
}

async function benchmark(request: BenchmarkRequest): Promise<void> {
  if (!backendReady) throw new Error('The worker got a benchmark request before init')
  const backend = await backendReady
  const config = normalizeTrainConfig(request.config)
  let batchSize = config.batchSize
  const timeSteps = async (data: EncodedDataset): Promise<number> => {
    const split = splitDataset(data, config.seed)
    const trainer = new Trainer(data, split, config, buildHistories(data, split, config.historyLength))
    batchSize = trainer.batchSize
    try {
      const rows = (s: number) => {
        const start = (s * trainer.batchSize) % Math.max(1, split.train.length - trainer.batchSize)
        return split.train.subarray(start, start + trainer.batchSize)
      }
      for (let s = 0; s < request.warmupSteps; s++) await settle(trainer.step(rows(s)))
      const t0 = performance.now()
      for (let s = 0; s < request.timedSteps; s++) await settle(trainer.step(rows(request.warmupSteps + s)))
      return (performance.now() - t0) / request.timedSteps
    } finally {
      trainer.dispose()
    }
  }
  const demo = await timeSteps(datasetFor(request.demo))
  const demoBatchSize = batchSize
  const stepMsByVocabulary: Record<string, number> = {}
  for (const items of request.itemVocabularies)
    stepMsByVocabulary[String(items)] = await timeSteps(syntheticDataset(2000, items, 40_000, config.seed))
  post({
    type: 'benchmark',
    result: { backend, examplesPerSecond: (demoBatchSize / demo) * 1000, stepMsByVocabulary },
  })
}

/** Waits until the backend has computed `loss` (a GPU sync), then disposes it. */
async function settle(loss: tf.Scalar): Promise<number> {
  const value = (await loss.data())[0]
  loss.dispose()
  return value
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data
  switch (msg.type) {
    case 'init':
      backendReady = selectBackend(msg.backend).then(
        ({ backend, reason }) => {
          post({ type: 'backend', backend, reason })
          return backend
        },
        (e: unknown) => {
          post({ type: 'error', runId: null, message: e instanceof Error ? e.message : String(e) })
          throw e
        },
      )
      return
    case 'load': {
      const started = Date.now()
      try {
        const summary = summarize(datasetFor(msg.source))
        post({ type: 'loaded', source: msg.source, summary, seconds: (Date.now() - started) / 1000 })
      } catch (e) {
        post({
          type: 'error',
          runId: null,
          message: `Loading the data failed: ${e instanceof Error ? e.message : String(e)}`,
        })
      }
      return
    }
    case 'start': {
      const previous = current
      if (previous) {
        previous.stopped = true
        previous.resume?.()
      }
      currentDone = currentDone.then(() => run(msg.runId, msg.config, msg.source))
      return
    }
    case 'pause':
      if (current?.runId === msg.runId) current.paused = true
      return
    case 'resume':
      if (current?.runId === msg.runId) {
        current.paused = false
        current.resume?.()
        current.resume = null
      }
      return
    case 'stop':
      if (current?.runId === msg.runId) {
        current.stopped = true
        current.resume?.()
        current.resume = null
      }
      return
    case 'ingest-files':
    case 'ingest-roles':
    case 'ingest-apply':
    case 'ingest-cancel':
      void ingestor.handle(msg)
      return
    case 'explore': {
      const { requestId, runId } = msg
      explore(runId, msg.query).then(
        (answer) => post({ type: 'explore', requestId, runId, answer }),
        (e: unknown) =>
          post({
            type: 'explore',
            requestId,
            runId,
            answer: { kind: 'error', message: e instanceof Error ? e.message : String(e) },
          }),
      )
      return
    }
    case 'benchmark':
      benchmark(msg.request).catch((e: unknown) =>
        post({
          type: 'error',
          runId: null,
          message: `Benchmark failed: ${e instanceof Error ? e.message : String(e)}`,
        }),
      )
      return
  }
}
