import * as tf from './tf'
import { deriveSeed, mulberry32, shuffleInPlace } from '../data/random'
import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { itemCounts, popularityScorer, randomScorer } from './baselines'
import type { TrainConfig } from './config'
import { buildQueries, evaluateRanking, modelScorer, type EvalQueries } from './evaluate'
import type { RankingMetrics } from './metrics'
import type { BaselineName, EpochRecord, LossPoint, TestResult } from './results'
import { inBatchSoftmaxLoss, TwoTowerModel } from './twoTower'

/** Losses are read back from the backend every this many steps (a read forces a GPU sync). */
export const LOSS_READ_EVERY = 5

/**
 * How the driver of the loop (the worker, or a test) takes part:
 * - `checkpoint` is awaited between steps; resolve 'stop' to end the run early (pausing = not resolving yet).
 * - progress callbacks receive plain numbers only.
 */
export interface TrainingHooks {
  checkpoint?: () => Promise<'continue' | 'stop'>
  onLoss?: (point: LossPoint) => void
  onEpoch?: (record: EpochRecord) => void
}

export interface TrainingOutcome {
  history: EpochRecord[]
  /** False when the run was stopped before its last epoch. */
  completed: boolean
}

/**
 * Owns the model, optimizer and evaluation sets of one training run. Call `dispose` when done; after it
 * the tensor count is back where it was before construction.
 */
export class Trainer {
  readonly data: EncodedDataset
  readonly split: Split
  readonly config: TrainConfig
  readonly model: TwoTowerModel
  readonly batchSize: number
  readonly stepsPerEpoch: number
  readonly validationQueries: EvalQueries
  readonly trainItemCounts: Float64Array
  private readonly optimizer: tf.Optimizer
  private readonly logQ: tf.Tensor1D
  private readonly rng: () => number
  private globalStep = 0

  constructor(data: EncodedDataset, split: Split, config: TrainConfig) {
    this.data = data
    this.split = split
    this.config = config
    this.model = new TwoTowerModel(data, config)
    // Batches have a fixed size (the remainder of an epoch is dropped) so WebGL compiles its shaders once.
    this.batchSize = Math.max(2, Math.min(config.batchSize, split.train.length))
    this.stepsPerEpoch = Math.max(1, Math.floor(split.train.length / this.batchSize))
    this.validationQueries = buildQueries(data, split, 'validation')
    this.trainItemCounts = itemCounts(data, split.train)
    const total = split.train.length
    // log of each item's share of training interactions; unseen items get a pseudo-count of 1.
    this.logQ = tf.tensor1d(Float32Array.from(this.trainItemCounts, (c) => Math.log(Math.max(c, 1) / total)))
    this.optimizer = tf.train.adam(config.learningRate)
    this.rng = mulberry32(deriveSeed(config.seed, 'batches'))
  }

  /** One gradient step on the given training rows. Returns the loss; the caller disposes it. */
  step(rows: Int32Array): tf.Scalar {
    const { model, config } = this
    const items = Int32Array.from(rows, (r) => this.data.interactionItem[r])
    const cost = this.optimizer.minimize(
      () => {
        const itemIds = tf.tensor1d(items, 'int32')
        const users = model.user.apply(tf.tensor1d(model.queryRows(rows), 'int32'), rows.length).embedding
        const itemEmb = model.item.apply(tf.tensor1d(model.itemRows(items), 'int32'), rows.length).embedding
        const logQ = config.logQ ? tf.gather(this.logQ, itemIds) : null
        return inBatchSoftmaxLoss(users, itemEmb, itemIds, config.temperature, logQ)
      },
      true,
      model.variables,
    )
    this.globalStep++
    return cost as tf.Scalar
  }

  /** Runs the configured epochs, evaluating on validation after each. */
  async train(hooks: TrainingHooks = {}): Promise<TrainingOutcome> {
    const history: EpochRecord[] = []
    const train = Int32Array.from(this.split.train)
    for (let epoch = 1; epoch <= this.config.epochs; epoch++) {
      shuffleInPlace(this.rng, train)
      const started = Date.now()
      let lossSum = 0
      let pending: tf.Scalar[] = []
      const flush = async () => {
        if (pending.length === 0) return
        const stacked = tf.stack(pending)
        const values = await stacked.data()
        stacked.dispose()
        pending.forEach((t) => t.dispose())
        pending = []
        let sum = 0
        for (const v of values) sum += v
        lossSum += sum
        if (!Number.isFinite(sum)) throw new TrainingDiverged(this.globalStep)
        hooks.onLoss?.({ step: this.globalStep, loss: sum / values.length })
      }
      for (let s = 0; s < this.stepsPerEpoch; s++) {
        if (hooks.checkpoint && (await hooks.checkpoint()) === 'stop') {
          await flush()
          return { history, completed: false }
        }
        pending.push(this.step(train.subarray(s * this.batchSize, (s + 1) * this.batchSize)))
        if (pending.length >= LOSS_READ_EVERY) await flush()
      }
      await flush()
      const trainSeconds = (Date.now() - started) / 1000
      const validation = await this.evaluateModel(this.validationQueries)
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / this.stepsPerEpoch,
        validation,
        trainSeconds,
        examplesPerSecond: (this.stepsPerEpoch * this.batchSize) / Math.max(trainSeconds, 1e-3),
      }
      history.push(record)
      hooks.onEpoch?.(record)
    }
    return { history, completed: true }
  }

  /** Full-catalogue metrics of the current model on the given queries. */
  async evaluateModel(queries: EvalQueries): Promise<RankingMetrics> {
    const scorer = modelScorer(this.model, this.data.itemIds.length)
    try {
      return await evaluateRanking(scorer.score, queries, this.data.itemIds.length)
    } finally {
      scorer.dispose()
    }
  }

  /** Baselines on the given queries (no tensors involved). */
  async evaluateBaselines(queries: EvalQueries): Promise<Record<BaselineName, RankingMetrics>> {
    const n = this.data.itemIds.length
    return {
      random: await evaluateRanking(randomScorer(n, this.config.seed), queries, n),
      popularity: await evaluateRanking(popularityScorer(this.trainItemCounts), queries, n),
    }
  }

  /** Model and baselines on the test part. */
  async test(): Promise<TestResult> {
    const queries = buildQueries(this.data, this.split, 'test')
    return { model: await this.evaluateModel(queries), baselines: await this.evaluateBaselines(queries) }
  }

  dispose(): void {
    this.model.dispose()
    this.optimizer.dispose()
    this.logQ.dispose()
  }
}

/** The loss became NaN or infinite. */
export class TrainingDiverged extends Error {
  constructor(readonly step: number) {
    super(`The training loss became NaN or infinite at step ${step}. Try a lower learning rate.`)
    this.name = 'TrainingDiverged'
  }
}
