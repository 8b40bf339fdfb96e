/// <reference lib="webworker" />
/**
 * The training worker: reads messages, calls data/ and model/, posts plain results. Thin on purpose.
 */
import { summarize } from '../data/encode.summary'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { generateCardOffers } from '../demo/cardOffers'
import { oracleScorer } from '../demo/oracle'
import type { BatchScorer } from '../model/metrics'
import { benchmarkTraining } from '../model/benchmark'
import { normalizeDemoSource, normalizeTrainConfig, type TrainConfig } from '../model/config'
import type { LossPoint, RunDataset, RunRecord } from '../model/results'
import { Explorer } from '../model/explore'
import { historyLengthFor } from '../model/history'
import { runTraining } from '../model/run'
import { datasetFingerprint } from '../model/runFile'
import { exportModel } from '../model/modelExport'
import { readWeights } from '../model/restore'
import type { ModelWeights } from '../model/weights'
import { selectBackend } from './backend'
import { Ingestor } from './ingestSession'
import { modelZip } from './modelZip'
import {
  arrayBytes,
  datasetBytes,
  Keep,
  KeepFailed,
  storageUse,
  summarizeKept,
  type KeptCheckpoint,
  type KeptRun,
  type KeptUpload,
} from './keep'
import type {
  BackendChoice,
  BackendName,
  BenchmarkRequest,
  BenchmarkResult,
  DatasetSource,
  DemoSource,
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
/** The backend in use and why it was chosen, once known: part of every run's record. */
let backendInfo = { name: 'unknown', reason: '' }

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
/** Dropped files: parsed, mapped and encoded by `ingestSession.ts`, which keeps the latest upload. */
const ingestor = new Ingestor(post, undefined, (applied, data) => void keepUpload(applied, data))

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

/**
 * The truth a dataset was generated from: the demo's planted utility (the oracle row), for the length
 * of one run; none for uploads. The world is drawn again from its seed rather than kept: its tables
 * held in the worker for the whole visit slowed later uploads' parsing by a third (bench: 1.85 s →
 * 2.45 s for 1,000,000 rows).
 */
function truthFor(source: DatasetSource, data: EncodedDataset): BatchScorer | undefined {
  if (source.kind !== 'demo') return undefined
  const demo = normalizeDemoSource(source)
  return oracleScorer(generateCardOffers(demo.seed, demo), data)
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

async function run(runId: number, configIn: unknown, source: DatasetSource, resume = false): Promise<void> {
  const control: RunControl = { runId, paused: false, stopped: false, resume: null }
  current = control
  explorer?.explorer.dispose()
  explorer = null
  try {
    await backendReady
    const requested = normalizeTrainConfig(configIn as Partial<TrainConfig>)
    post({
      type: 'phase',
      runId,
      phase: 'preparing',
      detail: source.kind === 'demo' ? 'Generating and encoding the demo data' : 'Preparing your data',
    })
    await nextTask()
    const data = datasetFor(source)
    // The config as used (the run record keeps it): no history tokens without timestamps.
    const config = { ...requested, historyLength: historyLengthFor(data, requested.historyLength) }

    let epoch = 1
    let pending: LossPoint[] = []
    /** Every loss point posted: the record's loss curve, the same points the UI plotted. */
    const lossCurve: LossPoint[] = []
    // The run a reload interrupted, kept after its last finished epoch: it goes on from there when it fits.
    const fingerprint = datasetFingerprint(data)
    const saved = resume ? await keptCheckpointFor(requested, fingerprint) : null
    if (resume && !saved)
      post({
        type: 'phase',
        runId,
        phase: 'preparing',
        detail:
          'The interrupted run could not be resumed (nothing kept fits this data and config): starting it again',
      })
    if (saved) {
      post({ type: 'resumed', runId, epoch: saved.checkpoint.epoch })
      lossCurve.push(...saved.lossCurve)
      if (saved.lossCurve.length > 0)
        post({ type: 'loss', runId, epoch: saved.checkpoint.epoch, points: saved.lossCurve })
      epoch = saved.checkpoint.epoch + 1
    }
    // Set once the split is known (`onPrepared`); `as` keeps TypeScript from narrowing it to null.
    let dataset = null as RunDataset | null
    let lastPost = 0
    let lastYield = Date.now()
    const flushLoss = () => {
      if (pending.length === 0) return
      post({ type: 'loss', runId, epoch, points: pending })
      lossCurve.push(...pending)
      pending = []
      lastPost = Date.now()
    }
    const result = await runTraining(data, config, {
      truth: truthFor(source, data),
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
      onPrepared: ({ split, stepsPerEpoch, batchSize }) => {
        const summary = summarize(data)
        const sizes = {
          kind: split.kind,
          train: split.train.length,
          validation: split.validation.length,
          test: split.test.length,
        }
        dataset = {
          name: summary.name,
          counts: { interactions: summary.interactions, users: summary.users, items: summary.items },
          fields: summary.fields,
          split: sizes,
          fingerprint,
          source,
        }
        post({
          type: 'dataset',
          runId,
          summary,
          fingerprint,
          split: sizes,
          stepsPerEpoch,
          batchSize,
        })
      },
      onValidationBaselines: (validationBaselines) =>
        post({ type: 'validation-baselines', runId, validationBaselines }),
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
      resume: saved?.checkpoint,
      onCheckpoint: (checkpoint) =>
        void keepCheckpoint({
          config: requested,
          source,
          fingerprint,
          lossCurve: [...lossCurve],
          checkpoint,
          savedAt: new Date().toISOString(),
        }),
    })
    flushLoss()
    if (!dataset) throw new Error('the run ended before its data was prepared')
    const record = { config, dataset, backend: backendInfo, lossCurve, ...result }
    post({ type: 'done', runId, record })
    // The weights are read before the next run may replace the model; the write goes on behind.
    void keepRun(record, await weightsToKeep(runId, record))
  } catch (e) {
    post({ type: 'error', runId, message: `Training failed: ${e instanceof Error ? e.message : String(e)}` })
  } finally {
    if (current === control) current = null
    // Finished, stopped or failed: nothing to resume any more.
    void forgetCheckpoint()
  }
}

/** Answers a question about the kept model; explorer work is queued behind any run in progress. */
async function explore(runId: number, query: ExploreQuery): Promise<ExploreAnswer> {
  await currentDone
  if (!explorer || explorer.runId !== runId) return { kind: 'error', message: MODEL_GONE }
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

/** Weights larger than this (float32 bytes) are not kept in this browser with the last run. */
const MAX_KEPT_WEIGHT_BYTES = 64 * 1024 * 1024

/** This browser's store, opened on first use; null (with the reason in `keptProblem`) where there is none. */
let keepOpened: Promise<Keep | null> | null = null
/** What is kept now, as the page is told (no data). */
let kept: { upload: KeptUpload | null; run: KeptRun | null; checkpoint: KeptCheckpoint | null } = {
  upload: null,
  run: null,
  checkpoint: null,
}
let keptProblem: string | null = null

function keepStore(): Promise<Keep | null> {
  keepOpened ??= Keep.open().catch((e: unknown) => {
    keptProblem = `Nothing can be kept in this browser between visits (${e instanceof Error ? e.message : String(e)}); your data and runs stay until the page is closed or reloaded.`
    return null
  })
  return keepOpened
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`

/** Tells the page what is kept now and how much storage it takes. */
async function postKept(): Promise<void> {
  post({
    type: 'kept',
    kept: summarizeKept(kept.upload, kept.run, await storageUse(), keptProblem, kept.checkpoint),
  })
}

/**
 * Writes one kept entry. When it fails, the entry is deleted rather than left as it was (a reload must
 * not bring back older data as if it were the current one) and the page is told why.
 */
async function keepEntry(
  key: 'upload' | 'run' | 'checkpoint',
  what: string,
  bytes: number,
  write: (store: Keep) => Promise<void>,
): Promise<boolean> {
  const store = await keepStore()
  if (!store) return false
  try {
    await write(store)
    keptProblem = null
    return true
  } catch (e) {
    const use = await storageUse()
    keptProblem =
      e instanceof KeepFailed && e.quota
        ? `${what} (${megabytes(bytes)}) could not be kept in this browser: its storage for this page is full${use ? ` (${megabytes(use.usage)} used of ${megabytes(use.quota)})` : ''}. It stays here until the page is closed or reloaded; Forget saved data frees what is kept.`
        : `${what} could not be kept in this browser (${e instanceof Error ? e.message : String(e)}); it stays here until the page is closed or reloaded.`
    kept = { ...kept, [key]: null }
    await store.delete(key).catch(() => undefined)
    return false
  }
}

async function keepUpload(applied: KeptUpload['applied'], data: EncodedDataset): Promise<void> {
  const entry: KeptUpload = { applied, data, savedAt: new Date().toISOString() }
  if (await keepEntry('upload', 'Your data', datasetBytes(data), (store) => store.put('upload', entry)))
    kept = { ...kept, upload: entry }
  await postKept()
}

/** The weights to keep with run `runId`: read from its kept model, or null when too large (or gone). */
async function weightsToKeep(runId: number, record: KeptRun['record']): Promise<ModelWeights | null> {
  const model = explorer?.runId === runId ? explorer.explorer.model : null
  return model && (record.parameters ?? 0) * 4 <= MAX_KEPT_WEIGHT_BYTES ? await readWeights(model) : null
}

/** Keeps the last run trained here, with its model's weights when given. */
async function keepRun(record: KeptRun['record'], weights: ModelWeights | null): Promise<void> {
  const bytes = (record.parameters ?? 0) * 4
  const entry: KeptRun = { record, weights, savedAt: new Date().toISOString() }
  if (await keepEntry('run', 'The last run', bytes, (store) => store.put('run', entry)))
    kept = { ...kept, run: entry }
  await postKept()
}

/** Checkpoints larger than this (their arrays' bytes) are not kept: a reload then starts the run again. */
const MAX_KEPT_CHECKPOINT_BYTES = 256 * 1024 * 1024

/** Keeps the run in progress after a finished epoch, so a reload resumes it from there. */
async function keepCheckpoint(entry: KeptCheckpoint): Promise<void> {
  const bytes = arrayBytes(entry.checkpoint)
  if (bytes > MAX_KEPT_CHECKPOINT_BYTES) return
  if (await keepEntry('checkpoint', 'The run in progress', bytes, (store) => store.put('checkpoint', entry)))
    kept = { ...kept, checkpoint: entry }
  await postKept()
}

async function forgetCheckpoint(): Promise<void> {
  if (!kept.checkpoint) return
  kept = { ...kept, checkpoint: null }
  const store = await keepStore()
  await store?.delete('checkpoint').catch(() => undefined)
  await postKept()
}

/** The kept checkpoint when it is of a run with this config on this data; null otherwise. */
async function keptCheckpointFor(config: TrainConfig, fingerprint: string): Promise<KeptCheckpoint | null> {
  const store = await keepStore()
  const entry = store ? await store.get('checkpoint').catch(() => null) : null
  if (!entry || entry.fingerprint !== fingerprint) return null
  return JSON.stringify(normalizeTrainConfig(entry.config)) === JSON.stringify(config) ? entry : null
}

/**
 * Brings back what earlier visits kept: the upload becomes the latest upload again (`kept-upload`), the
 * last run is shown as an opened run file (`kept-run`). Anything unreadable is dropped with a message.
 */
async function loadKept(): Promise<void> {
  const store = await keepStore()
  if (store) {
    try {
      const [upload, run, checkpoint] = await Promise.all([
        store.get('upload'),
        store.get('run'),
        store.get('checkpoint'),
      ])
      kept = { upload, run, checkpoint }
      if (upload) {
        ingestor.adopt(upload.applied.source, upload.data)
        post({ type: 'kept-upload', applied: upload.applied })
        post({ type: 'loaded', source: upload.applied.source, summary: upload.applied.summary, seconds: 0 })
      }
      // An interrupted run goes on from its last finished epoch, if its data is here: the demo always,
      // an upload when it is the kept one.
      if (checkpoint) {
        const { source } = checkpoint
        const dataHere =
          source.kind === 'demo' || (upload !== null && upload.applied.source.ingestId === source.ingestId)
        if (dataHere)
          post({
            type: 'kept-checkpoint',
            config: checkpoint.config,
            source,
            epoch: checkpoint.checkpoint.epoch,
          })
        else {
          kept = { ...kept, checkpoint: null }
          await store.delete('checkpoint')
        }
      }
      if (run) {
        // Its own copy: the kept entry's arrays stay with `kept`.
        const weights = run.weights
          ? { variables: run.weights.variables.map((v) => ({ ...v, values: v.values.slice() })) }
          : null
        post({ type: 'kept-run', record: run.record, weights })
      }
    } catch (e) {
      keptProblem = `What this browser kept from an earlier visit could not be read back (${e instanceof Error ? e.message : String(e)}), so it was forgotten.`
      kept = { upload: null, run: null, checkpoint: null }
      await store.clear().catch(() => undefined)
    }
  }
  await postKept()
}

async function forgetKept(): Promise<void> {
  const store = await keepStore()
  kept = { upload: null, run: null, checkpoint: null }
  if (store) {
    try {
      await store.clear()
      keptProblem = null
    } catch (e) {
      keptProblem = `What is kept could not be deleted (${e instanceof Error ? e.message : String(e)}).`
    }
  }
  await postKept()
}

const MODEL_GONE = 'That model is no longer in memory: train again to explore it.'

/** The kept model's weights, queued behind any run in progress. */
async function weightsOf(runId: number): Promise<{ weights: ModelWeights | null; message: string }> {
  await currentDone
  if (!explorer || explorer.runId !== runId) return { weights: null, message: MODEL_GONE }
  return { weights: await readWeights(explorer.explorer.model), message: '' }
}

/** The kept model as a model-export zip, queued behind any run in progress. */
async function modelZipOf(
  runId: number,
  record: RunRecord,
): Promise<{ zip: Uint8Array | null; message: string }> {
  await currentDone
  if (!explorer || explorer.runId !== runId) return { zip: null, message: MODEL_GONE }
  const { model, data, config } = explorer.explorer
  const exported = await exportModel(model, data, config, {
    name: data.name,
    fingerprint: datasetFingerprint(data),
  })
  return { zip: modelZip(exported, record), message: '' }
}

/** Whether a run record's `dataset.source` names a demo (it comes from a file: checked, not trusted). */
function demoSourceOf(source: unknown): DemoSource | null {
  if (typeof source !== 'object' || source === null) return null
  const s = source as Partial<DemoSource>
  return s.kind === 'demo' && typeof s.seed === 'number' ? normalizeDemoSource(s as DemoSource) : null
}

/**
 * Rebuilds an imported run's model: its data (the demo drawn again from its seed, or the upload in this
 * worker when its fingerprint is the run's), the split and histories its seed makes, and the file's
 * weights. Replaces any kept model; a run in progress was stopped by the import.
 */
async function restore(
  msg: Extract<ToWorker, { type: 'restore' }>,
): Promise<{ ok: boolean; message: string }> {
  await currentDone
  await backendReady
  explorer?.explorer.dispose()
  explorer = null
  const { dataset } = msg
  const demo = demoSourceOf(dataset.source)
  let data: EncodedDataset | null
  if (demo) data = datasetFor(demo)
  else {
    data = ingestor.latestDataset()
    if (!data || datasetFingerprint(data) !== dataset.fingerprint)
      return {
        ok: false,
        message: `This run was trained on uploaded files (fingerprint ${dataset.fingerprint.slice(0, 8)}). Apply the same files with the same mapping, then open the run file again to explore its model.`,
      }
  }
  if (datasetFingerprint(data) !== dataset.fingerprint)
    return {
      ok: false,
      message: `The demo data made here from the run's seed differs from the data the run trained on (fingerprint ${datasetFingerprint(data)}, not ${dataset.fingerprint.slice(0, 8)}), so its model cannot be explored here.`,
    }
  const config = normalizeTrainConfig(msg.config)
  try {
    explorer = { runId: msg.runId, explorer: Explorer.fromWeights(data, config, msg.weights) }
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) }
  }
  return { ok: true, message: '' }
}

/**
 * Picks (or switches to) a backend inside this worker. A run in progress is stopped first, because its
 * tensors live on the old backend; the kept model goes too, for the same reason. The demo cache and the
 * applied upload are plain arrays and stay, so switching never asks the person to upload again.
 */
function switchBackend(choice: BackendChoice, requestId: number | undefined, wasmThreads?: number): void {
  stopCurrentRun()
  const switched = currentDone.then(() => {
    explorer?.explorer.dispose()
    explorer = null
    return selectBackend(choice, wasmThreads)
  })
  backendReady = switched.then(
    ({ backend, reason }) => {
      backendInfo = { name: backend, reason }
      post({ type: 'backend', backend, reason, requestId })
      return backend
    },
    (e: unknown) => {
      post({ type: 'error', runId: null, message: e instanceof Error ? e.message : String(e), requestId })
      throw e
    },
  )
  // Runs and explorer questions queue behind the switch, whether it worked or not.
  currentDone = backendReady.then(
    () => undefined,
    () => undefined,
  )
}

function stopCurrentRun(): void {
  if (!current) return
  current.stopped = true
  current.resume?.()
  current.resume = null
}

/** Times training steps (model/benchmark.ts) on the current backend, queued behind any run. */
async function benchmark(request: BenchmarkRequest): Promise<BenchmarkResult> {
  if (!backendReady) throw new Error('The worker got a benchmark request before init')
  await currentDone
  const backend = await backendReady
  const timing = await benchmarkTraining(datasetFor(request.demo), request)
  return { backend, reason: backendInfo.reason, ...timing }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data
  switch (msg.type) {
    case 'init':
      switchBackend(msg.backend, msg.requestId, msg.wasmThreads)
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
      stopCurrentRun()
      currentDone = currentDone.then(() => run(msg.runId, msg.config, msg.source, msg.resume))
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
    case 'kept-load':
      void loadKept()
      return
    case 'kept-forget':
      void forgetKept()
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
    case 'weights': {
      const { requestId, runId } = msg
      weightsOf(runId).then(
        ({ weights, message }) =>
          self.postMessage(
            { type: 'weights', requestId, runId, weights, message } satisfies FromWorker,
            weights ? weights.variables.map((v) => v.values.buffer) : [],
          ),
        (e: unknown) =>
          post({
            type: 'weights',
            requestId,
            runId,
            weights: null,
            message: e instanceof Error ? e.message : String(e),
          }),
      )
      return
    }
    case 'model-zip': {
      const { requestId, runId } = msg
      modelZipOf(runId, msg.record).then(
        ({ zip, message }) =>
          self.postMessage(
            { type: 'model-zip', requestId, runId, zip, message } satisfies FromWorker,
            zip ? [zip.buffer] : [],
          ),
        (e: unknown) =>
          post({
            type: 'model-zip',
            requestId,
            runId,
            zip: null,
            message: e instanceof Error ? e.message : String(e),
          }),
      )
      return
    }
    case 'restore': {
      const { requestId, runId } = msg
      // Queued like a run, so explorer questions about it wait for it.
      const restored = restore(msg).catch((e: unknown) => ({
        ok: false,
        message: e instanceof Error ? e.message : String(e),
      }))
      currentDone = restored.then(({ ok, message }) =>
        post({ type: 'restored', requestId, runId, ok, message }),
      )
      return
    }
    case 'benchmark': {
      const { requestId } = msg
      benchmark(msg.request).then(
        (result) => post({ type: 'benchmark', requestId, result }),
        (e: unknown) =>
          post({
            type: 'error',
            runId: null,
            requestId,
            message: `Benchmark failed: ${e instanceof Error ? e.message : String(e)}`,
          }),
      )
      return
    }
  }
}
