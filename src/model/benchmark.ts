/**
 * Timing of training steps (for `npm run bench`, through the worker's `benchmark` message): the step
 * time and throughput of the model on the demo data, and the step time at several item vocabulary
 * sizes, which shows whether a step grows with the vocabulary (it should grow with the batch only).
 * Pure of the DOM; runs on whatever tfjs backend is set.
 */
import { splitDataset } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { syntheticDataset } from '../demo/synthetic'
import { normalizeTrainConfig, type TrainConfig } from './config'
import { buildHistories, historyLengthFor } from './history'
import type * as tf from './tf'
import { Trainer } from './train'

/** Users and interactions of the synthetic dataset timed at each vocabulary size. */
const SYNTHETIC_USERS = 2000
const SYNTHETIC_INTERACTIONS = 40_000

export interface BenchmarkPlan {
  /** Item vocabulary sizes to time a step at, each on a synthetic dataset with that many items. */
  itemVocabularies: number[]
  /** Steps run before timing (shader compiles, first allocations). */
  warmupSteps: number
  timedSteps: number
  config: TrainConfig
  /** Size of each synthetic dataset; the defaults are what `npm run bench` reports. */
  synthetic?: { users: number; interactions: number }
}

export interface BenchmarkTiming {
  /** Training examples per second on the given data with the given config. */
  examplesPerSecond: number
  /** Milliseconds per step at each requested item vocabulary size (keys are the sizes as text). */
  stepMsByVocabulary: Record<string, number>
}

/**
 * Times `plan.timedSteps` training steps (after `plan.warmupSteps` untimed ones) on `data`, then on a
 * synthetic dataset per vocabulary size. Each step's loss is awaited, so a step's time includes the
 * backend finishing it. Every model it builds is disposed: the tensor count is unchanged afterwards.
 */
export async function benchmarkTraining(
  data: EncodedDataset,
  plan: BenchmarkPlan,
  now: () => number = () => performance.now(),
): Promise<BenchmarkTiming> {
  const config = normalizeTrainConfig(plan.config)
  const demo = await timeSteps(data, config, plan, now)
  const synthetic = plan.synthetic ?? { users: SYNTHETIC_USERS, interactions: SYNTHETIC_INTERACTIONS }
  const stepMsByVocabulary: Record<string, number> = {}
  for (const items of plan.itemVocabularies) {
    const dataset = syntheticDataset(synthetic.users, items, synthetic.interactions, config.seed)
    stepMsByVocabulary[String(items)] = (await timeSteps(dataset, config, plan, now)).stepMs
  }
  return { examplesPerSecond: (demo.batchSize / demo.stepMs) * 1000, stepMsByVocabulary }
}

/** Mean milliseconds per timed step on `data`, and the batch size the trainer used. */
async function timeSteps(
  data: EncodedDataset,
  config: TrainConfig,
  plan: BenchmarkPlan,
  now: () => number,
): Promise<{ stepMs: number; batchSize: number }> {
  const split = splitDataset(data, config.seed)
  const histories = buildHistories(data, split, historyLengthFor(data, config.historyLength))
  const trainer = new Trainer(data, split, config, histories)
  try {
    const rows = (s: number) => {
      const start = (s * trainer.batchSize) % Math.max(1, split.train.length - trainer.batchSize)
      return split.train.subarray(start, start + trainer.batchSize)
    }
    for (let s = 0; s < plan.warmupSteps; s++) await settle(trainer.step(rows(s)))
    const t0 = now()
    for (let s = 0; s < plan.timedSteps; s++) await settle(trainer.step(rows(plan.warmupSteps + s)))
    return { stepMs: (now() - t0) / plan.timedSteps, batchSize: trainer.batchSize }
  } finally {
    trainer.dispose()
  }
}

/** Waits until the backend has computed `loss` (a GPU sync), then disposes it. */
async function settle(loss: tf.Scalar): Promise<number> {
  const value = (await loss.data())[0]
  loss.dispose()
  return value
}
