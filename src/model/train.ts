import { deriveSeed, mulberry32, shuffleInPlace } from '../data/random'
import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { trainItemCounts } from './baselines'
import type { TrainConfig } from './config'
import { DenseAdam } from './denseAdam'
import { embeddingLookup } from './embedding'
import {
  buildQueries,
  modelScorer,
  rankQueries,
  RankingStopped,
  type EvalQueries,
  type RankingOptions,
} from './evaluate'
import type { Histories } from './history'
import { LazyAdam, padsTableRows, uniqueRows, type LazyAdamState } from './lazyAdam'
import type { BatchScorer, MetricAccumulator, RankingMetrics } from './metrics'
import type { EpochRecord, LossPoint } from './results'
import { COUNT_SCORERS, type CountScorerMetrics, type CountScorerName } from './scorers'
import { assignWeights, readWeights, valuesOf } from './restore'
import * as tf from './tf'
import { TwoTowerModel } from './twoTower'
import { holdConstants } from './constants'
import { registerWasmKernels } from './ops'
import { inBatchSoftmaxLoss } from './twoTower.loss'
import type { FieldOverride, ModelVariant } from './twoTower.rows'
import type { ModelWeights } from './weights'

/** Losses are read back from the backend every this many steps (a read forces a GPU sync). */
export const LOSS_READ_EVERY = 5

/**
 * How the driver of the loop (the worker, or a test) takes part:
 * - `checkpoint` is awaited between steps; resolve 'stop' to end the epoch early (pausing = not resolving yet).
 * - progress callbacks receive plain numbers only.
 */
export interface TrainingHooks {
  checkpoint?: () => Promise<'continue' | 'stop'>
  onLoss?: (point: LossPoint) => void
}

/** What one epoch did. `stopped` means the checkpoint asked to stop before the epoch's last step. */
export interface EpochOutcome {
  record: EpochRecord | null
  stopped: boolean
  /** Validation NDCG@10 of each query, in query order (for early stopping's noise); absent when stopped. */
  validationNdcg?: Float64Array
}

/** The loss became NaN or infinite. */
export class TrainingDiverged extends Error {
  constructor(readonly step: number) {
    super(`The training loss became NaN or infinite at step ${step}.`)
    this.name = 'TrainingDiverged'
  }
}

/** Copies of a model's variables, to go back to (the best epoch, or the last finite state). */
export type WeightSnapshot = tf.Tensor[]

/**
 * A trainer's whole state at the end of an epoch, as plain data: what a run resumed after a reload
 * starts from, so it goes on exactly as the uninterrupted run would have (see `Trainer.loadState`).
 */
export interface TrainerState {
  epochsDone: number
  globalStep: number
  weights: ModelWeights
  /**
   * The dense weights' Adam: its step count, its running products beta^(t+1) (kept as they are, not
   * recomputed, so the bias correction stays bit-identical) and its moments, every m then every v.
   */
  dense: { iterations: number; accBeta1: number; accBeta2: number; moments: Float32Array[] }
  /** The embedding tables' lazy Adam. */
  tables: LazyAdamState
}

/** tfjs's Adam keeps its bias-correction products private; a resumed run needs them exactly. */
interface AdamProducts {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
}

/**
 * Owns the model, optimizers and evaluation set of one training run (one model variant). Call `dispose`
 * when done; after it the tensor count is back where it was before construction.
 */
export class Trainer {
  readonly data: EncodedDataset
  readonly split: Split
  readonly config: TrainConfig
  readonly model: TwoTowerModel
  readonly batchSize: number
  readonly stepsPerEpoch: number
  /** Built when first asked for (see `validationQueries`), unless the constructor was given them. */
  private builtValidation: EvalQueries | null
  readonly trainItemCounts: Float64Array
  private readonly denseOptimizer: tf.Optimizer
  private readonly tableOptimizer: LazyAdam
  private readonly logQ: tf.Tensor1D
  private readonly rng: () => number
  private readonly order: Int32Array
  /** The data's own truth, ranked as the oracle count scorer when set (see `CountScorerInput`). */
  truth: BatchScorer | undefined = undefined
  private builtCountScorers: Map<CountScorerName, BatchScorer> | null = null
  private globalStep = 0
  private epochsDone = 0
  /** Lets the step's constant tensors go (see `./constants`). */
  private readonly releaseConstants = holdConstants()

  constructor(
    data: EncodedDataset,
    split: Split,
    config: TrainConfig,
    histories: Histories,
    variant: ModelVariant = 'attention',
    validationQueries?: EvalQueries,
  ) {
    registerWasmKernels()
    this.data = data
    this.split = split
    this.config = config
    this.model = new TwoTowerModel(data, config, variant, histories)
    // Batches have a fixed size (the remainder of an epoch is dropped) so WebGL compiles its shaders once.
    this.batchSize = Math.max(2, Math.min(config.batchSize, split.train.length))
    this.stepsPerEpoch = Math.max(1, Math.floor(split.train.length / this.batchSize))
    this.builtValidation = validationQueries ?? null
    this.trainItemCounts = trainItemCounts(data, split)
    const total = split.train.length
    // log of each item's share of training interactions; unseen items get a pseudo-count of 1.
    this.logQ = tf.tensor1d(Float32Array.from(this.trainItemCounts, (c) => Math.log(Math.max(c, 1) / total)))
    this.denseOptimizer = new DenseAdam(config.learningRate)
    this.tableOptimizer = new LazyAdam(config.learningRate)
    this.rng = mulberry32(deriveSeed(config.seed, 'batches'))
    this.order = Int32Array.from(split.train)
  }

  /** Training steps taken so far (those of a loaded state included). */
  get stepsTaken(): number {
    return this.globalStep
  }

  /**
   * The validation queries this trainer ranks after each epoch. Made on first use, the end of the first
   * epoch, not before the first step: on a 10,000,000-row upload they take 1.6 s (Node, cpu), and a
   * model rebuilt from a run file's weights never needs them.
   */
  get validationQueries(): EvalQueries {
    return (this.builtValidation ??= buildQueries(this.data, this.split, 'validation', this.config.seed))
  }

  get epochsCompleted(): number {
    return this.epochsDone
  }

  /**
   * One gradient step on the given training rows. Returns the loss; the caller disposes it.
   *
   * Only the embedding rows the batch uses are gathered (once per unique row) and differentiated; the
   * tables then get a lazy Adam update of those rows, the other weights a dense Adam update. So the cost
   * follows the batch, not the vocabulary.
   */
  step(rows: Int32Array): tf.Scalar {
    const { model, config } = this
    const batch = rows.length
    const items = Int32Array.from(rows, (r) => this.data.interactionItem[r])
    const query = model.queryRows(rows)
    // On a GPU, padded to a few sizes so that shaders compile once (lazyAdam.ts).
    const pad = padsTableRows()
    const userRows = uniqueRows(query.rows, pad)
    const itemTokenRows = model.itemRows(items)
    const historyRows = model.historyRows(rows)
    const itemRowCount = itemTokenRows.rows.length
    const allItemRows = new Int32Array(itemRowCount + historyRows.length)
    allItemRows.set(itemTokenRows.rows)
    allItemRows.set(historyRows, itemRowCount)
    const itemRows = uniqueRows(allItemRows, pad)
    const dense = model.denseVariables
    const userTableUsed = model.userRowWidth > 0

    const { value, grads } = tf.tidy(() => {
      // Without a user-table token (the sequence variant) the table has no columns: no gather, whose
      // wasm kernel keeps a reference to its inputs when the table is empty (one buffer a step).
      const userSlice = userTableUsed
        ? tf.gather(model.user.table, tf.tensor1d(userRows.unique, 'int32'))
        : tf.zeros([userRows.unique.length, ...model.user.table.shape.slice(1)])
      const itemSlice = tf.gather(model.item.table, tf.tensor1d(itemRows.unique, 'int32'))
      const userPositions = tf.tensor1d(userRows.positions, 'int32')
      const itemPositions = tf.tensor1d(itemRows.positions, 'int32')
      // Multi-valued tokens: each value row of the slice enters its token with weight 1/count.
      const userWeights = model.multiWeights('user', query.weights, batch)
      const itemWeights = model.multiWeights('item', itemTokenRows.weights, batch)
      const itemIds = tf.tensor1d(items, 'int32')
      const logQ = config.logQ ? tf.gather(this.logQ, itemIds) : null
      const loss = (userTable: tf.Tensor, itemTable: tf.Tensor) => {
        const itemRowsAll = embeddingLookup(itemTable, itemPositions)
        const itemOwnRows = tf.slice(itemRowsAll, [0, 0], [itemRowCount, -1]) as tf.Tensor2D
        const history =
          historyRows.length > 0
            ? {
                tokens: tf.slice(itemRowsAll, [itemRowCount, 0], [historyRows.length, -1]) as tf.Tensor2D,
                rows: historyRows,
              }
            : null
        const users = model.applyQueries(
          embeddingLookup(userTable, userPositions),
          userWeights,
          history,
          batch,
        ).embedding
        const itemEmb = model.applyItems(itemOwnRows, itemWeights, batch).embedding
        return inBatchSoftmaxLoss(users, itemEmb, items, config.temperature, logQ)
      }
      // The sequence variant's query has no user-table token: nothing of that table to differentiate.
      if (!userTableUsed) {
        const result = tf.valueAndGrads((...args: tf.Tensor[]) => loss(userSlice, args[0]))([
          itemSlice,
          ...dense,
        ])
        return { value: result.value, grads: [userSlice, ...result.grads] }
      }
      const result = tf.valueAndGrads((...args: tf.Tensor[]) => loss(args[0], args[1]))([
        userSlice,
        itemSlice,
        ...dense,
      ])
      return { value: result.value, grads: result.grads }
    })
    this.denseOptimizer.applyGradients(Object.fromEntries(dense.map((v, k) => [v.name, grads[2 + k]])))
    this.tableOptimizer.tick()
    if (userTableUsed)
      this.tableOptimizer.update(model.user.table, userRows.unique, grads[0] as tf.Tensor2D, userRows.count)
    this.tableOptimizer.update(model.item.table, itemRows.unique, grads[1] as tf.Tensor2D, itemRows.count)
    tf.dispose(grads)
    this.globalStep++
    return value as tf.Scalar
  }

  /**
   * Runs one epoch over the shuffled training rows, then evaluates on validation. Throws
   * `TrainingDiverged` as soon as a read-back loss is not finite.
   */
  async trainEpoch(hooks: TrainingHooks = {}): Promise<EpochOutcome> {
    const epoch = this.epochsDone + 1
    shuffleInPlace(this.rng, this.order)
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
      if (!Number.isFinite(sum)) throw new TrainingDiverged(this.globalStep)
      lossSum += sum
      hooks.onLoss?.({ step: this.globalStep, loss: sum / values.length })
    }
    for (let s = 0; s < this.stepsPerEpoch; s++) {
      if (hooks.checkpoint && (await hooks.checkpoint()) === 'stop') {
        await flush()
        return { record: null, stopped: true }
      }
      pending.push(this.step(this.order.subarray(s * this.batchSize, (s + 1) * this.batchSize)))
      // The run's very first step is read at once, so the curve starts with it rather than four steps
      // later (on a 10,000,000-row upload the first point came 0.6 s sooner); then every few steps.
      if (pending.length >= LOSS_READ_EVERY || this.globalStep === 1) await flush()
    }
    await flush()
    const trainSeconds = (Date.now() - started) / 1000
    let ranked: MetricAccumulator
    try {
      ranked = await this.rankModel(this.validationQueries, { checkpoint: hooks.checkpoint })
    } catch (e) {
      // Stopped while validating: the epoch has no validation score, so it does not count.
      if (e instanceof RankingStopped) return { record: null, stopped: true }
      throw e
    }
    const validation = ranked.result()
    this.epochsDone = epoch
    return {
      stopped: false,
      validationNdcg: ranked.perQuery('ndcg@10')!,
      record: {
        epoch,
        trainLoss: lossSum / this.stepsPerEpoch,
        validation,
        trainSeconds,
        examplesPerSecond: (this.stepsPerEpoch * this.batchSize) / Math.max(trainSeconds, 1e-3),
      },
    }
  }

  /** Full-catalogue metrics of the current model on the given queries (pair metrics included). */
  async evaluateModel(queries: EvalQueries, override?: FieldOverride): Promise<RankingMetrics> {
    return (await this.rankModel(queries, { override })).result()
  }

  /** Ranks the given queries with the current model; the accumulator keeps the per-query values. */
  async rankModel(
    queries: EvalQueries,
    options: {
      override?: FieldOverride
      keepRecommendations?: boolean
      checkpoint?: RankingOptions['checkpoint']
      onProgress?: RankingOptions['onProgress']
    } = {},
  ): Promise<MetricAccumulator> {
    const scorer = modelScorer(this.model, this.data.itemIds.length, options.override)
    try {
      return await rankQueries(scorer.score, queries, this.data.itemIds.length, {
        pairTemperature: this.config.temperature,
        keepRecommendations: options.keepRecommendations,
        checkpoint: options.checkpoint,
        onProgress: options.onProgress,
      })
    } finally {
      scorer.dispose()
    }
  }

  /** Every count scorer of the registry on the given queries (no tensors involved). */
  async evaluateCountBaselines(
    queries: EvalQueries,
    checkpoint?: RankingOptions['checkpoint'],
  ): Promise<CountScorerMetrics> {
    const ranked = await this.rankCountBaselines(queries, { checkpoint })
    const out: CountScorerMetrics = {}
    for (const { name } of COUNT_SCORERS) {
      const r = ranked[name]
      if (r) out[name] = r.result()
    }
    return out
  }

  /**
   * Rankings of the given queries by every count scorer, per-query values kept; the scorers named in
   * `leaveOut` are neither built nor ranked. `onProgress` hears each one's queries ranked.
   */
  async rankCountBaselines(
    queries: EvalQueries,
    options: {
      keepRecommendations?: boolean
      checkpoint?: RankingOptions['checkpoint']
      leaveOut?: readonly CountScorerName[]
      onProgress?: (name: CountScorerName, queriesDone: number) => void
    } = {},
  ): Promise<Partial<Record<CountScorerName, MetricAccumulator>>> {
    const { keepRecommendations, checkpoint, onProgress } = options
    const n = this.data.itemIds.length
    const out: Partial<Record<CountScorerName, MetricAccumulator>> = {}
    for (const [name, scorer] of await this.countScorers(checkpoint, options.leaveOut ?? []))
      out[name] = await rankQueries(scorer, queries, n, {
        keepRecommendations,
        checkpoint,
        onProgress: onProgress && ((done) => onProgress(name, done)),
      })
    return out
  }

  /**
   * The count scorers that build in steps (item co-occurrence: about 11 s on a 10,000,000-row log) and
   * are not built yet: none once the first validation has ranked them.
   */
  get slowCountScorersNotBuilt(): CountScorerName[] {
    return this.builtCountScorers ? [] : COUNT_SCORERS.filter((s) => 'steps' in s).map((s) => s.name)
  }

  /**
   * The count scorers, built once from the training rows (validation and test rank with the same). A
   * scorer built in steps lets `checkpoint` in at each pause: 'stop' ends the build with
   * `RankingStopped` (nothing is kept; a later call builds again). Those named in `leaveOut` are not
   * built (nor kept: the set is kept only whole).
   */
  private async countScorers(
    checkpoint?: RankingOptions['checkpoint'],
    leaveOut: readonly CountScorerName[] = [],
  ): Promise<Map<CountScorerName, BatchScorer>> {
    if (!this.builtCountScorers) {
      const input = {
        data: this.data,
        trainRows: this.split.train,
        trainCounts: this.trainItemCounts,
        seed: this.config.seed,
        truth: this.truth,
      }
      const built = new Map<CountScorerName, BatchScorer>()
      for (const spec of COUNT_SCORERS) {
        if (leaveOut.includes(spec.name)) continue
        let scorer: BatchScorer | null
        if ('steps' in spec && checkpoint) {
          const steps = spec.steps(input)
          for (let next = steps.next(); ; next = steps.next()) {
            if (next.done) {
              scorer = next.value
              break
            }
            if ((await checkpoint()) === 'stop') throw new RankingStopped()
          }
        } else scorer = spec.build(input)
        if (scorer) built.set(spec.name, scorer)
      }
      // Kept only when whole: a later call that leaves nothing out builds them all.
      if (leaveOut.length > 0) return built
      this.builtCountScorers = built
    }
    if (leaveOut.length === 0) return this.builtCountScorers
    return new Map([...this.builtCountScorers].filter(([name]) => !leaveOut.includes(name)))
  }

  /**
   * Independent copies of the weights. Not `tf.clone`: a clone shares its data with the variable, and
   * the cpu backend's tensorScatterUpdate (used by the lazy Adam) writes into its input's data in
   * place, which would change the snapshot too.
   */
  snapshot(): WeightSnapshot {
    return tf.tidy(() => this.model.variables.map((v) => tf.add(v, 0)))
  }

  /** The tables by name, as the lazy Adam's state names them. */
  private get namedTables(): [string, tf.Variable][] {
    return [
      ['user', this.model.user.table],
      ['item', this.model.item.table],
    ]
  }

  /** This trainer's state after its last finished epoch (see `TrainerState`); call between epochs. */
  async saveState(): Promise<TrainerState> {
    const named = await this.denseOptimizer.getWeights()
    // The first entry is a step-count scalar made for this call; the rest are the moments themselves.
    const iterations = (await named[0].tensor.data())[0]
    named[0].tensor.dispose()
    const moments: Float32Array[] = []
    for (const { tensor } of named.slice(1)) moments.push(await valuesOf(tensor))
    const products = this.denseOptimizer as unknown as AdamProducts
    return {
      epochsDone: this.epochsDone,
      globalStep: this.globalStep,
      weights: await readWeights(this.model),
      dense: {
        iterations,
        accBeta1: (await products.accBeta1.data())[0],
        accBeta2: (await products.accBeta2.data())[0],
        moments,
      },
      tables: await this.tableOptimizer.state(this.namedTables),
    }
  }

  /**
   * Goes on from a saved state of a trainer built the same way (same data, split, config and variant):
   * weights, both optimizers and counters, and the batch order, whose shuffles are replayed from the
   * seed. Only on a trainer that has not trained yet. Throws when the state does not fit this model.
   */
  async loadState(state: TrainerState): Promise<void> {
    if (this.globalStep > 0) throw new Error('loadState: this trainer has already trained')
    const problem = assignWeights(this.model, state.weights)
    if (problem) throw new Error(`The saved run does not fit this model: ${problem}.`)
    const dense = this.model.denseVariables
    const { moments } = state.dense
    if (moments.length !== 2 * dense.length)
      throw new Error(`The saved run has ${moments.length} optimizer moments for ${dense.length} weights.`)
    const tensors = [
      { name: 'iter', tensor: tf.scalar(state.dense.iterations, 'int32') },
      ...moments.map((values, i) => ({
        name: `moment${i}`,
        tensor: tf.tensor(values, dense[i % dense.length].shape, 'float32'),
      })),
    ]
    // setWeights makes its own variables of these (sharing their data), so ours are freed after.
    await this.denseOptimizer.setWeights(tensors)
    tf.dispose(tensors.map((t) => t.tensor))
    const products = this.denseOptimizer as unknown as AdamProducts
    tf.tidy(() => {
      products.accBeta1.assign(tf.scalar(state.dense.accBeta1))
      products.accBeta2.assign(tf.scalar(state.dense.accBeta2))
    })
    this.tableOptimizer.load(state.tables, this.namedTables)
    this.globalStep = state.globalStep
    for (let e = 0; e < state.epochsDone; e++) shuffleInPlace(this.rng, this.order)
    this.epochsDone = state.epochsDone
  }

  /** Puts the snapshot's values back into the model (the snapshot stays valid; dispose it yourself). */
  restore(snapshot: WeightSnapshot): void {
    this.model.variables.forEach((v, i) => v.assign(snapshot[i]))
  }

  dispose(): void {
    this.model.dispose()
    this.denseOptimizer.dispose()
    this.tableOptimizer.dispose()
    this.logQ.dispose()
    this.releaseConstants()
  }
}
