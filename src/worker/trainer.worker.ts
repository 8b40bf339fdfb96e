/// <reference lib="webworker" />
/**
 * The training worker: reads messages, calls data/ and model/, posts plain results. Thin on purpose.
 */
import { summarize } from '../data/encode.summary'
import type { EncodedDataset } from '../data/types'
import { demoDataFiles } from '../demo/demoDataset'
import { plantedUtility } from '../demo/cardOffers'
import { oracleScorer } from '../demo/oracle'
import type { BatchScorer } from '../model/metrics'
import { benchmarkTraining } from '../model/benchmark'
import { normalizeDemoSource, normalizeTrainConfig, type TrainConfig } from '../model/config'
import type { LossPoint, RunDataset, RunRecord } from '../model/results'
import { Explorer } from '../model/explore'
import { historyLengthFor } from '../model/history'
import { RunCancelled, runTraining } from '../model/run'
import { warmUpTraining } from '../model/warmUp'
import { Preparation } from '../model/prepare'
import { datasetFingerprint } from '../model/runFile'
import { exportModel } from '../model/modelExport'
import { readWeights } from '../model/restore'
import type { ModelWeights } from '../model/weights'
import { selectBackend } from './backend'
import { RemoteComparisons } from './comparisons'
import { nextTask } from './nextTask'
import { DemoCache } from './demoCache'
import type { Checkpoint, Comparisons } from '../model/comparisons'
import type { TrainedScorerName } from '../model/results'
import { Ingestor } from './ingestSession'
import { modelZip, type ProjectData } from './modelZip'
import { Keeper, MAX_KEPT_WEIGHT_BYTES } from './keeper'
import { RunControls } from './runControls'
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

/**
 * Counts the data loaded (`loaded` posts, from a load, an applied upload or a kept one brought back): a
 * demo load still drawing when other data has loaded since gives up without a reply, so replies never
 * come out of order (a late demo `loaded` would make the page train on the demo, not the upload).
 */
let dataLoads = 0
/** Counts the `load` requests: a newer one supersedes any still drawing. */
let loadRequests = 0

function post(message: FromWorker): void {
  if (message.type === 'loaded') dataLoads++
  self.postMessage(message)
}

/**
 * Posts the reply `answer` makes of `work`'s result, handing over the buffers `transfer` names (not
 * copied: large weights and zips), or the reply `failed` makes of the error's message.
 */
function replyWithBytes<T>(
  work: Promise<T>,
  answer: (result: T) => FromWorker,
  transfer: (result: T) => ArrayBufferLike[],
  failed: (message: string) => FromWorker,
): void {
  work.then(
    (result) => self.postMessage(answer(result), transfer(result) as Transferable[]),
    (e: unknown) => post(failed(e instanceof Error ? e.message : String(e))),
  )
}

let backendReady: Promise<BackendName> | null = null
/** The backend in use and why it was chosen, once known: part of every run's record. */
let backendInfo = { name: 'unknown', reason: '' }
/** Whether the backend in use is a GPU backend on a software renderer or adapter (SwiftShader). */
let onSoftwareGpu = false

/** Pause, Resume and Stop as asked, for the run in progress and one still queued. */
const controls = new RunControls()
/** The queue of runs, benchmarks and backend switches: each waits for the one before. */
let currentDone: Promise<void> = Promise.resolve()

/** The finished run's model, kept for the explorer until the next run starts. */
let explorer: { runId: number; explorer: Explorer } | null = null

/**
 * The demo made last, or being made. The old demo's preparation goes with it, so it never keeps a
 * dataset alive that no run can use.
 */
const demos = new DemoCache((old) => {
  if (preparation?.data === old) preparation = null
})
/** Dropped files: parsed, mapped and encoded by `ingestSession.ts`, which keeps the latest upload. */
const ingestor = new Ingestor(post, undefined, (applied, data) => void keeper.keepUpload(applied, data))
/** What this browser keeps between visits: the applied upload, the last run, the run in progress. */
const keeper = new Keeper(post, ingestor)

function datasetFor(source: DatasetSource): EncodedDataset {
  return source.kind === 'upload' ? ingestor.dataset(source) : demos.data(source)
}

/** `datasetFor` in turns for a demo (see `DemoCache.inTurns`); an upload is encoded already. */
async function datasetInTurns(
  source: DatasetSource,
  giveUp: () => boolean,
  onProgress?: (detail: string) => void,
): Promise<EncodedDataset | null> {
  if (source.kind === 'upload') return ingestor.dataset(source)
  return demos.inTurns(source, giveUp, onProgress)
}

/** A run's config as used on `data` (the run record keeps it): no history tokens without timestamps. */
function runConfig(data: EncodedDataset, requested: TrainConfig): TrainConfig {
  return { ...requested, historyLength: historyLengthFor(data, requested.historyLength) }
}

/**
 * The truth a dataset was generated from: the demo's planted utility (the oracle row), for the length
 * of one run; none for uploads. The utility is drawn again from its seed rather than kept (the world's
 * tables held in the worker for the whole visit slowed later uploads' parsing by a third), without
 * the interactions: drawing those again took 1.1 s of every demo run's start at the default size, and
 * ~50 s at 1,000,000 interactions, before the run could see a Stop.
 */
function truthFor(source: DatasetSource, data: EncodedDataset): BatchScorer | undefined {
  if (source.kind !== 'demo') return undefined
  const demo = normalizeDemoSource(source)
  return oracleScorer(plantedUtility(demo.seed, demo), data)
}

/**
 * Uploads up to this many rows train their baselines in a second worker, beside the model; bigger ones
 * here after the model, as before: the second worker holds its own copy of the data, split and
 * histories (about as much memory again), and on a big upload an epoch takes far longer than the wait.
 */
const BASELINES_BESIDE_MAX_ROWS = 2_000_000

/** The trained baselines in a second worker (see worker/comparisons.ts), or null to train them here. */
function baselinesBeside(
  data: EncodedDataset,
  config: TrainConfig,
  backend: BackendName | null,
  names: TrainedScorerName[],
  checkpoint: Checkpoint | undefined,
): Comparisons | null {
  if (!backend || names.length === 0 || data.interactionUser.length > BASELINES_BESIDE_MAX_ROWS) return null
  // A browser without workers inside workers (Safari before 15.5) trains them here; so does a machine
  // with one core, where a second worker could only take turns with the first.
  if (typeof Worker === 'undefined' || (navigator.hardwareConcurrency ?? 2) < 2) return null
  const worker = new Worker(new URL('./comparisons.worker.ts', import.meta.url), { type: 'module' })
  worker.postMessage({ backend })
  const remote = new RemoteComparisons(worker, { data, config, names }, checkpoint, () => worker.terminate())
  worker.onerror = (event) => {
    event.preventDefault()
    remote.fail(new Error(`the baselines worker failed: ${event.message || 'it could not start'}`))
  }
  return remote
}

async function run(runId: number, configIn: unknown, source: DatasetSource, resume = false): Promise<void> {
  const control = controls.begin(runId)
  explorer?.explorer.dispose()
  explorer = null
  try {
    const backend = await backendReady
    const requested = normalizeTrainConfig(configIn as Partial<TrainConfig>)
    post({
      type: 'phase',
      runId,
      phase: 'preparing',
      detail: source.kind === 'demo' ? 'Generating and encoding the demo data' : 'Preparing your data',
    })
    await nextTask()
    const data = await datasetInTurns(
      source,
      () => control.stopped,
      (detail) => post({ type: 'phase', runId, phase: 'preparing', detail }),
    )
    if (!data) throw new RunCancelled()
    const config = runConfig(data, requested)

    let epoch = 1
    let pending: LossPoint[] = []
    /** Every loss point posted: the record's loss curve, the same points the UI plotted. */
    const lossCurve: LossPoint[] = []
    // The run a reload interrupted, kept after its last finished epoch: it goes on from there when it fits.
    const fingerprint = datasetFingerprint(data)
    const saved = resume ? await keeper.checkpointFor(requested, fingerprint) : null
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
    /** Set when training is over and the test begins: its phases are posted as 'evaluating'. */
    let testing = false
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
      onPhase: (detail) => post({ type: 'phase', runId, phase: testing ? 'evaluating' : 'training', detail }),
      onTesting: () => (testing = true),
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
      comparisons: (names, checkpoint) => baselinesBeside(data, config, backend, names, checkpoint),
      preparation: preparationFor(data, config),
      onCheckpoint: (checkpoint) =>
        void keeper.keepCheckpoint({
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
    void keeper.keepRun(record, await weightsToKeep(runId, record))
  } catch (e) {
    if (e instanceof RunCancelled) post({ type: 'cancelled', runId, message: e.message })
    else
      post({
        type: 'error',
        runId,
        message: `Training failed: ${e instanceof Error ? e.message : String(e)}`,
      })
  } finally {
    controls.end(control)
    // Finished, stopped or failed: nothing to resume any more.
    void keeper.dropCheckpoint()
  }
}

/** Answers a question about the kept model; explorer work is queued behind any run in progress. */
async function explore(runId: number, query: ExploreQuery): Promise<ExploreAnswer> {
  await queueSettled()
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

/** The weights to keep with run `runId`: read from its kept model, or null when too large (or gone). */
async function weightsToKeep(runId: number, record: RunRecord): Promise<ModelWeights | null> {
  const model = explorer?.runId === runId ? explorer.explorer.model : null
  return model && (record.parameters ?? 0) * 4 <= MAX_KEPT_WEIGHT_BYTES ? await readWeights(model) : null
}

const MODEL_GONE = 'That model is no longer in memory: train again to explore it.'

/** The kept model's weights, queued behind any run in progress. */
async function weightsOf(runId: number): Promise<{ weights: ModelWeights | null; message: string }> {
  await queueSettled()
  if (!explorer || explorer.runId !== runId) return { weights: null, message: MODEL_GONE }
  return { weights: await readWeights(explorer.explorer.model), message: '' }
}

/** The kept model as a model-export zip, queued behind any run in progress. */
async function modelZipOf(
  runId: number,
  record: RunRecord,
): Promise<{ zip: Uint8Array | null; message: string }> {
  await queueSettled()
  if (!explorer || explorer.runId !== runId) return { zip: null, message: MODEL_GONE }
  const { model, data, config } = explorer.explorer
  const fingerprint = datasetFingerprint(data)
  const exported = await exportModel(model, data, config, { name: data.name, fingerprint })
  return { zip: modelZip(exported, record, projectData(record, data, fingerprint)), message: '' }
}

/**
 * What the zip's PyTorch project reads: for the demo, its CSV files and their mapping.json (made again
 * from the seed); for an upload, the mapping.json of the applied files (the files stay the person's).
 */
function projectData(record: RunRecord, data: EncodedDataset, fingerprint: string): ProjectData {
  const demo = demoSourceOf(record.dataset.source)
  if (demo) {
    const { files, mappingFile } = demoDataFiles(demo.seed, demo)
    return { mappingFile, problem: null, files }
  }
  const { file, problem } = ingestor.mappingFileFor(data)
  return {
    mappingFile: file,
    problem: problem ?? (file ? null : `no mapping for data ${fingerprint}`),
    files: [],
  }
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
  const data = demo ? datasetFor(demo) : ingestor.latestDataset()
  // Fingerprinted once: at 10,000,000 rows it reads every interaction.
  const fingerprint = data ? datasetFingerprint(data) : null
  if (!data || fingerprint !== dataset.fingerprint)
    return {
      ok: false,
      message: demo
        ? `The demo data made here from the run's seed differs from the data the run trained on (fingerprint ${fingerprint}, not ${dataset.fingerprint.slice(0, 8)}), so its model cannot be explored here.`
        : `This run was trained on uploaded files (fingerprint ${dataset.fingerprint.slice(0, 8)}). Apply the same files with the same mapping, then open the run file again (or reload the page, for the run kept in this browser) to explore its model.`,
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
  controls.stopCurrent()
  const switched = currentDone.then(() => {
    explorer?.explorer.dispose()
    explorer = null
    return selectBackend(choice, wasmThreads)
  })
  backendReady = switched.then(
    ({ backend, reason, softwareGpu }) => {
      backendInfo = { name: backend, reason }
      onSoftwareGpu = softwareGpu
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

/** What the last warm-up was for (backend, config, data shape): the same again is not repeated. */
let warmedFor = ''

/**
 * The split and histories of the latest run, or of the next one as the page's settings stand, begun
 * while the page waits for a click (`prepareAhead`) and carried on by the run. Dropped when new data
 * comes, so it never keeps a dataset alive that no run can use.
 */
let preparation: Preparation | null = null

/** The preparation of a run of `config` on `data`: the one kept when it fits, else a new one, kept. */
function preparationFor(data: EncodedDataset, config: TrainConfig): Preparation {
  if (!preparation?.fits(data, config.seed, config.historyLength))
    preparation = new Preparation(data, config.seed, config.historyLength)
  return preparation
}

/** Explorer questions and benchmarks waiting for the queue: a preparation ahead gives way to them. */
let waitingBesideQueue = 0

/** Waits for the queue's work (runs, warm-ups, backend switches) without joining it. */
async function queueSettled(): Promise<void> {
  waitingBesideQueue++
  try {
    await currentDone
  } finally {
    waitingBesideQueue--
  }
}

/**
 * Carries the next run's preparation forward a slice at a time while nothing else waits: on a
 * 10,000,000-row log the split and the histories take ~3 s, which a person looking at the data's charts
 * before clicking Train need not wait for. Gives way (where it stands, for the run to carry on) as soon
 * as anything is queued behind it or waits beside the queue; a Stop of a run clicked meanwhile is seen
 * by that run at its first checkpoint, within a slice.
 */
async function prepareAhead(data: EncodedDataset, config: TrainConfig, queued: Promise<void>): Promise<void> {
  const work = preparationFor(data, config).rest()
  for (;;) {
    await nextTask()
    if (currentDone !== queued || waitingBesideQueue > 0) return
    if (work.next().done) return
  }
}

/**
 * A warm-up step (see the `warm-up` message), then the next run's preparation ahead, queued like a
 * run; neither fails a later one.
 */
function warmUp(configIn: TrainConfig, source: DatasetSource): void {
  const queued: Promise<void> = currentDone.then(async () => {
    const backend = await backendReady?.catch(() => null)
    if (!backend) return
    try {
      const requested = normalizeTrainConfig(configIn)
      // A big demo not made yet is made in turns, and left where it stands for anything queued.
      const data = await datasetInTurns(source, () => currentDone !== queued || waitingBesideQueue > 0)
      if (!data) return
      const config = runConfig(data, requested)
      const shape = [data.userFields.length + data.contextFields.length, data.itemFields.length]
      const key = JSON.stringify([backend, config, shape, data.interactionTime !== null])
      // No step on cpu (nothing to set up), nor on a software GPU: there the step's shader compiles take
      // many seconds of the CPU the page needs, a run clicked at once waits for them, and the badge
      // already says wasm is faster.
      if (key !== warmedFor && backend !== 'cpu' && !onSoftwareGpu) {
        warmedFor = key
        await warmUpTraining(config, data)
      }
      await prepareAhead(data, config, queued)
    } catch {
      // Only a head start: whatever failed here fails again in the run, which says so.
    }
  })
  currentDone = queued
}

/** Times training steps (model/benchmark.ts) on the current backend, queued behind any run. */
async function benchmark(request: BenchmarkRequest): Promise<BenchmarkResult> {
  if (!backendReady) throw new Error('The worker got a benchmark request before init')
  await queueSettled()
  const backend = await backendReady
  const timing = await benchmarkTraining(datasetFor(request.demo), request)
  return { backend, reason: backendInfo.reason, ...timing }
}

/**
 * Makes the data of `source` (a demo in turns: the worker reads its messages meanwhile) and says what it
 * holds. A newer load, or other data loaded meanwhile, supersedes it: it gives up without a reply.
 */
async function load(source: DatasetSource): Promise<void> {
  const started = Date.now()
  const mine = ++loadRequests
  const loadsBefore = dataLoads
  try {
    const data = await datasetInTurns(
      source,
      () => loadRequests !== mine || dataLoads !== loadsBefore,
      (detail) => post({ type: 'loading', source, detail }),
    )
    if (!data) {
      // Other data came first (a kept upload brought back): nobody asked for this demo but the page's
      // first load, so what is drawn of it goes, not kept until a demo is asked for again.
      if (dataLoads !== loadsBefore && source.kind === 'demo') demos.dropUnfinished(source)
      return
    }
    post({ type: 'loaded', source, summary: summarize(data), seconds: (Date.now() - started) / 1000 })
  } catch (e) {
    post({
      type: 'error',
      runId: null,
      message: `Loading the data failed: ${e instanceof Error ? e.message : String(e)}`,
    })
  }
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data
  switch (msg.type) {
    case 'init':
      switchBackend(msg.backend, msg.requestId, msg.wasmThreads)
      return
    case 'load':
      void load(msg.source)
      return
    case 'start': {
      // A new run replaces the one in progress and any still queued: each is stopped (one still queued
      // is cancelled at its first checkpoint, before its split is done).
      controls.replaceWith(msg.runId)
      currentDone = currentDone.then(() => run(msg.runId, msg.config, msg.source, msg.resume))
      return
    }
    case 'warm-up':
      warmUp(msg.config, msg.source)
      return
    // A run still queued (behind the warm-up or a run that is ending) gets these when it starts.
    case 'pause':
      controls.pause(msg.runId)
      return
    case 'resume':
      controls.resume(msg.runId)
      return
    case 'stop':
      controls.stop(msg.runId)
      return
    case 'ingest-files':
    case 'ingest-apply':
      // New data on the way: what was prepared for the old is let go before it is read.
      preparation = null
      void ingestor.handle(msg)
      return
    case 'ingest-roles':
    case 'ingest-cancel':
      void ingestor.handle(msg)
      return
    case 'kept-load':
      void keeper.load()
      return
    case 'kept-forget':
      void keeper.forget()
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
      replyWithBytes(
        weightsOf(runId),
        ({ weights, message }) => ({ type: 'weights', requestId, runId, weights, message }),
        ({ weights }) => (weights ? weights.variables.map((v) => v.values.buffer) : []),
        (message) => ({ type: 'weights', requestId, runId, weights: null, message }),
      )
      return
    }
    case 'model-zip': {
      const { requestId, runId } = msg
      replyWithBytes(
        modelZipOf(runId, msg.record),
        ({ zip, message }) => ({ type: 'model-zip', requestId, runId, zip, message }),
        ({ zip }) => (zip ? [zip.buffer] : []),
        (message) => ({ type: 'model-zip', requestId, runId, zip: null, message }),
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
