/**
 * Timing of training (for `npm run bench`, through the worker's `benchmark` message), measured the two
 * ways that differ on an asynchronous backend:
 * - **throughput**: steps queued back to back and the loss read every `LOSS_READ_EVERY` steps, exactly
 *   as `Trainer.trainEpoch` trains: examples per second of a real run;
 * - **latency**: each step's loss awaited before the next: the time of one step alone (on a GPU this
 *   adds a round trip per step, so it under-reports what training does).
 * The first step (kernel and shader compiles, first allocations) is reported apart, and warm-up goes
 * on until the step time settles. Also: the step time at several item vocabularies (it should follow
 * the batch, not the vocabulary), at several field counts (it should grow with the tokens a tower
 * attends over), and how many validation users per second a whole-catalogue evaluation ranks at one of
 * the vocabularies. Pure of the DOM; runs on whatever tfjs backend is set.
 */
import { splitDataset } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { syntheticDataset } from '../demo/synthetic'
import { normalizeTrainConfig, type TrainConfig } from './config'
import type { BenchmarkPlan, BenchmarkTiming, StepProfile, StepTiming } from './results'
import { withFlags } from './flags'
import { buildHistories, historyLengthFor } from './history'
import * as tf from './tf'
import { batchedProductPath } from './ops'
import { LOSS_READ_EVERY, Trainer } from './train'

export type { BenchmarkPlan, BenchmarkTiming, StepProfile, StepTiming } from './results'

/** Users and interactions of the synthetic dataset timed at each vocabulary size. */
const SYNTHETIC_USERS = 2000
const SYNTHETIC_INTERACTIONS = 40_000
/** Items of the synthetic datasets timed at each field count, unless a timed vocabulary is smaller. */
const SYNTHETIC_FIELD_ITEMS = 1000
/** Warm-up ends when the median of the last `SETTLE_WINDOW` steps is within this of the window before. */
const SETTLE_TOLERANCE = 0.1
const SETTLE_WINDOW = 3
/** Warm-up gives up waiting to settle after this many steps (and says so in `settled`). */
const MAX_WARMUP_STEPS = 40
/** Kernel names listed in a step's profile. */
const PROFILE_TOP = 15

/**
 * Times training on `data`, then on a synthetic dataset per vocabulary size and per field count. Every model it builds is
 * disposed: the tensor count is unchanged afterwards.
 */
export async function benchmarkTraining(
  data: EncodedDataset,
  plan: BenchmarkPlan,
  now: () => number = () => performance.now(),
): Promise<BenchmarkTiming> {
  return withFlags(plan.flags ?? {}, () => benchmarkWithFlags(data, plan, now))
}

async function benchmarkWithFlags(
  data: EncodedDataset,
  plan: BenchmarkPlan,
  now: () => number,
): Promise<BenchmarkTiming> {
  const config = normalizeTrainConfig(plan.config)
  const evaluationItems = plan.evaluationItems ?? Math.max(0, ...plan.itemVocabularies)
  if (plan.itemVocabularies.length > 0 && !plan.itemVocabularies.includes(evaluationItems))
    throw new Error(`the evaluation vocabulary ${evaluationItems} is not one of the timed vocabularies`)
  const steps = await withTrainer(data, config, async (trainer) => {
    const timing = await timeSteps(trainer, plan, now)
    return plan.profile ? { ...timing, profile: await profileStep(trainer) } : timing
  })
  const synthetic = plan.synthetic ?? { users: SYNTHETIC_USERS, interactions: SYNTHETIC_INTERACTIONS }
  const stepMs = (timing: StepTiming) => (timing.batchSize / timing.examplesPerSecond) * 1000
  const stepMsByVocabulary: Record<string, number> = {}
  let evaluation: BenchmarkTiming['evaluation'] = null
  for (const items of plan.itemVocabularies) {
    const dataset = syntheticDataset(synthetic.users, items, synthetic.interactions, config.seed)
    await withTrainer(dataset, config, async (trainer) => {
      stepMsByVocabulary[String(items)] = stepMs(await timeSteps(trainer, plan, now))
      if (items !== evaluationItems) return
      const started = now()
      await trainer.evaluateModel(trainer.validationQueries)
      const seconds = (now() - started) / 1000
      const users = trainer.validationQueries.rows.length
      evaluation = { items, users, seconds, usersPerSecond: users / Math.max(seconds, 1e-9) }
    })
  }
  const stepMsByFields: Record<string, number> = {}
  const fieldItems = Math.min(...plan.itemVocabularies, SYNTHETIC_FIELD_ITEMS)
  for (const fields of plan.fieldCounts ?? []) {
    const dataset = syntheticDataset(synthetic.users, fieldItems, synthetic.interactions, config.seed, {
      userFields: Math.ceil(fields / 2),
      itemFields: Math.floor(fields / 2),
    })
    stepMsByFields[String(fields)] = stepMs(
      await withTrainer(dataset, config, (trainer) => timeSteps(trainer, plan, now)),
    )
  }
  return {
    steps,
    examplesPerSecond: steps.examplesPerSecond,
    stepMsByVocabulary,
    stepMsByFields,
    evaluation,
    batchedProducts: batchedProductPath(),
  }
}

async function withTrainer<T>(
  data: EncodedDataset,
  config: TrainConfig,
  use: (trainer: Trainer) => Promise<T>,
): Promise<T> {
  const split = splitDataset(data, config.seed)
  const histories = buildHistories(data, split, historyLengthFor(data, config.historyLength))
  const trainer = new Trainer(data, split, config, histories)
  try {
    return await use(trainer)
  } finally {
    trainer.dispose()
  }
}

/** Warm-up until settled, then `plan.timedSteps` steps timed each way (see the file's comment). */
async function timeSteps(trainer: Trainer, plan: BenchmarkPlan, now: () => number): Promise<StepTiming> {
  const { train } = trainer.split
  let next = 0
  const rows = () => {
    const start = (next++ * trainer.batchSize) % Math.max(1, train.length - trainer.batchSize)
    return train.subarray(start, start + trainer.batchSize)
  }
  const timedStep = async () => {
    const started = now()
    await settle([trainer.step(rows())])
    return now() - started
  }
  const programsAtStart = compiledPrograms()
  const firstStepMs = await timedStep()
  const programsAfterFirst = compiledPrograms()
  const times: number[] = []
  let settled = false
  const maxWarmup = Math.max(1, plan.maxWarmupSteps ?? MAX_WARMUP_STEPS)
  while (times.length + 1 < maxWarmup) {
    times.push(await timedStep())
    if (times.length + 1 < plan.warmupSteps || times.length < 2 * SETTLE_WINDOW) continue
    const last = median(times.slice(-SETTLE_WINDOW))
    const before = median(times.slice(-2 * SETTLE_WINDOW, -SETTLE_WINDOW))
    if (Math.abs(last - before) <= SETTLE_TOLERANCE * before) {
      settled = true
      break
    }
  }
  const programsAfterWarmup = compiledPrograms()
  let started = now()
  for (let s = 0; s < plan.timedSteps; s++) await settle([trainer.step(rows())])
  const latencyMs = (now() - started) / plan.timedSteps
  /** `plan.timedSteps` steps, each from `take`, queued as training queues them. */
  const queued = async (take: () => tf.Scalar) => {
    let pending: tf.Scalar[] = []
    for (let s = 0; s < plan.timedSteps; s++) {
      pending.push(take())
      if (pending.length >= LOSS_READ_EVERY) pending = await settle(pending)
    }
    await settle(pending)
  }
  started = now()
  await queued(() => trainer.step(rows()))
  const throughputMs = (now() - started) / plan.timedSteps
  // A pass of its own, so that its clock readings do not slow the one above.
  let hostMs = 0
  await queued(() => {
    const called = now()
    const loss = trainer.step(rows())
    hostMs += now() - called
    return loss
  })
  const programsAtEnd = compiledPrograms()
  return {
    firstStepMs,
    warmupSteps: times.length + 1,
    settled,
    latencyMs,
    examplesPerSecond: (trainer.batchSize / throughputMs) * 1000,
    hostMs: hostMs / plan.timedSteps,
    batchSize: trainer.batchSize,
    compiledPrograms:
      programsAtStart === null
        ? null
        : {
            firstStep: (programsAfterFirst ?? 0) - programsAtStart,
            warmup: (programsAfterWarmup ?? 0) - (programsAfterFirst ?? 0),
            timed: (programsAtEnd ?? 0) - (programsAfterWarmup ?? 0),
          },
  }
}

/**
 * How many shader programs (webgl) or compute pipelines (webgpu) the current backend has compiled, read
 * from its cache; null on a backend without one (cpu, wasm). A shape the backend has not seen before
 * compiles new ones, unless its programs take shapes as uniforms.
 */
export function compiledPrograms(): number | null {
  const backend = tf.backend() as unknown as { binaryCache?: unknown; pipelineCache?: unknown }
  const cache = backend.binaryCache ?? backend.pipelineCache
  return cache !== null && typeof cache === 'object' ? Object.keys(cache).length : null
}

/** The kernels of one more step on `trainer`'s training rows (see `StepProfile`). */
async function profileStep(trainer: Trainer): Promise<StepProfile> {
  const rows = trainer.split.train.subarray(0, trainer.batchSize)
  const step = async () => {
    const loss = trainer.step(rows)
    await loss.data()
    loss.dispose()
  }
  // Programs are counted in a step of their own: where the backend has no timer, the profiler reads
  // every kernel's output back to time it, and on WebGL each read of a packed texture is a draw more.
  const { programs } = await countPrograms(step)
  // The profiler otherwise reads every kernel's output back to look for NaNs: a GPU sync per kernel.
  const info = await withFlags({ CHECK_COMPUTATION_FOR_ERRORS: false }, () => tf.profile(step))
  const byName = new Map<string, { count: number; ms: number }>()
  let timed = info.kernels.length > 0
  for (const kernel of info.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : null
    if (ms === null) timed = false
    const entry = byName.get(kernel.name) ?? { count: 0, ms: 0 }
    entry.count++
    entry.ms += ms ?? 0
    byName.set(kernel.name, entry)
  }
  const top = [...byName]
    .map(([name, { count, ms }]) => ({
      name,
      count,
      ms: timed ? ms : null,
      programs: programs && (programs.get(name) ?? 0),
    }))
    .sort((a, b) => (b.ms ?? 0) - (a.ms ?? 0) || b.count - a.count)
    .slice(0, PROFILE_TOP)
  const totalMs = timed ? [...byName.values()].reduce((sum, { ms }) => sum + ms, 0) : null
  const programCount = programs && [...programs.values()].reduce((sum, n) => sum + n, 0)
  return { kernels: info.kernels.length, timed, totalMs, programs: programCount, top }
}

/**
 * Runs `run`, counting the GPU programs the backend runs (WebGL: every `runWebGLProgram`, packing
 * conversions and uploads included; WebGPU: every recorded dispatch) by the kernel that ran them (the
 * outermost kernel running, '' outside any); `programs` is null on a backend with neither method.
 */
async function countPrograms<T>(
  run: () => Promise<T>,
): Promise<{ result: T; programs: Map<string, number> | null }> {
  const backend = tf.backend() as unknown as Record<string, unknown>
  const method = ['runWebGLProgram', 'recordAndSubmit'].find((name) => typeof backend[name] === 'function')
  if (method === undefined) return { result: await run(), programs: null }
  const engine = tf.engine() as unknown as Record<string, unknown> & {
    runKernel: (name: string, ...rest: unknown[]) => unknown
  }
  const runKernel = engine.runKernel
  const original = backend[method] as (...args: unknown[]) => unknown
  const restore = [restorer(engine, 'runKernel'), restorer(backend, method)]
  const programs = new Map<string, number>()
  let kernel: string | null = null
  engine.runKernel = function (name, ...rest) {
    const outer = kernel
    kernel ??= name
    try {
      return runKernel.call(this, name, ...rest)
    } finally {
      kernel = outer
    }
  }
  backend[method] = function (this: unknown, ...args: unknown[]) {
    programs.set(kernel ?? '', (programs.get(kernel ?? '') ?? 0) + 1)
    return original.apply(this, args)
  }
  try {
    return { result: await run(), programs }
  } finally {
    restore.forEach((put) => put())
  }
}

/** A function that puts `object[key]` back as it is now: its own value, or none (the prototype's). */
function restorer(object: Record<string, unknown>, key: string): () => void {
  const own = Object.prototype.hasOwnProperty.call(object, key)
  const value = object[key]
  return () => {
    if (own) object[key] = value
    else delete object[key]
  }
}

/** Waits until the backend has computed every loss (a GPU sync), disposes them; returns an empty list. */
async function settle(losses: tf.Scalar[]): Promise<tf.Scalar[]> {
  for (const loss of losses) {
    await loss.data()
    loss.dispose()
  }
  return []
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
