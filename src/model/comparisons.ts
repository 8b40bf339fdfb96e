import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import { ValidationTracker, type TrackerState } from './earlyStopping'
import type { EvalQueries } from './evaluate'
import type { Histories } from './history'
import type { MetricAccumulator, RankingMetrics } from './metrics'
import { snapshotOfWeights, weightsOfSnapshot } from './restore'
import type { TrainedScorerName, ValidationTrend } from './results'
import { TRAINED_SCORERS } from './scorers'
import * as tf from './tf'
import { Trainer, TrainingDiverged, type TrainerState, type WeightSnapshot } from './train'
import type { ModelWeights } from './weights'

/** Awaited between steps; 'stop' ends the epoch early (a pause is a promise not yet resolved). */
export type Checkpoint = () => Promise<'continue' | 'stop'>

/** A trained baseline's part of a run checkpoint (`RunCheckpoint.comparisons`). */
export interface ComparisonState {
  name: TrainedScorerName
  /** Null once it diverged (it trains no more). */
  state: TrainerState | null
  tracker: TrackerState
  diverged: boolean
  /** The weights it would be tested with when not its current ones (null: its current ones). */
  kept: ModelWeights | null
  keptEpoch: number
}

/** What one epoch of the trained baselines gave: each one's validation metrics (none once diverged). */
export interface ComparisonEpoch {
  /** The checkpoint asked to stop before every baseline finished the epoch. */
  stopped: boolean
  metrics: Partial<Record<TrainedScorerName, RankingMetrics>>
}

/** After training: the epoch each baseline is tested at, its validation trend, and which never trained. */
export interface ComparisonFinish {
  epochs: Partial<Record<TrainedScorerName, number>>
  trends: Partial<Record<TrainedScorerName, ValidationTrend | null>>
  /** Not diverged and not one epoch finished: a stopped run leaves them out of the test. */
  untrained: TrainedScorerName[]
}

/**
 * The trained baselines of a run (id-only MF, mean pooling, sequence only): each trained on the same
 * batches as the model, validated after every epoch, kept at its best epoch under early stopping, then
 * ranked on the test split. `ComparisonSet` does this in the model's own thread; `RemoteComparisons`
 * (worker/comparisons.ts) in a second worker, beside the model (`parallel`).
 */
export interface Comparisons {
  readonly names: readonly TrainedScorerName[]
  /** True when the baselines train in another thread, so their epoch may run beside the model's. */
  readonly parallel: boolean
  /** One epoch of every baseline that has not diverged. `keepBest`: keep each one's best epoch's weights. */
  trainEpoch(epoch: number, keepBest: boolean): Promise<ComparisonEpoch>
  save(epoch: number): Promise<ComparisonState[]>
  load(saved: ComparisonState[]): Promise<void>
  /** Ends training: each baseline gets the weights it is tested with. `epochs`: the model's finished epochs. */
  finish(epochs: number): Promise<ComparisonFinish>
  /**
   * Ranks the test queries with every baseline of `names` (those `finish` gave an epoch); `onProgress`
   * hears each one's queries ranked where they are ranked in this worker.
   */
  rank(
    names: TrainedScorerName[],
    testQueries: () => EvalQueries,
    onProgress?: (name: TrainedScorerName, queriesDone: number) => void,
  ): Promise<Partial<Record<TrainedScorerName, MetricAccumulator>>>
  dispose(): void
}

/** The trained baselines a run with this config and these histories compares with (sequence only needs histories). */
export function trainedBaselinesFor(config: TrainConfig, histories: Histories): TrainedScorerName[] {
  if (!config.compareBaselines) return []
  return TRAINED_SCORERS.filter(
    (spec) => !('needsHistory' in spec && spec.needsHistory && histories.length === 0),
  ).map((spec) => spec.name)
}

interface Comparison {
  trainer: Trainer
  tracker: ValidationTracker
  diverged: boolean
  kept: WeightSnapshot | null
  keptEpoch: number
  /** The epoch it last finished. */
  finished: number
  /** Beside the model only: what it was before its last epoch, until the model has finished that epoch too. */
  before: {
    epoch: number
    kept: WeightSnapshot | null
    keptEpoch: number
    finished: number
    diverged: boolean
    tracker: TrackerState
  } | null
}

/**
 * The trained baselines in this thread. Their trainers are made at the first epoch (`trainEpoch` or
 * `load`), not before: the model's first step does not wait for them (on a 10,000,000-row upload they
 * take seconds). `onPhase` says which one is training. Frees every tensor it made on `dispose`.
 *
 * `besideModel`: they train beside the model (in a second worker), so they may finish an epoch the model
 * does not (it was stopped or diverged meanwhile). Each then holds what it was before its last epoch
 * until the next `trainEpoch` (the model has finished that epoch), and `finish` goes back to it: a
 * baseline is never tested at more epochs than the model.
 */
export class ComparisonSet implements Comparisons {
  readonly parallel = false
  private readonly trainers = new Map<TrainedScorerName, Comparison>()

  constructor(
    readonly names: readonly TrainedScorerName[],
    private readonly make: () => {
      data: EncodedDataset
      split: Split
      config: TrainConfig
      histories: Histories
      validation: () => EvalQueries
    },
    private readonly checkpoint: Checkpoint | undefined,
    private readonly onPhase: (detail: string) => void = () => {},
    private readonly besideModel = false,
  ) {}

  private prepare(): Map<TrainedScorerName, Comparison> {
    if (this.trainers.size === 0 && this.names.length > 0) {
      const { data, split, config, histories, validation } = this.make()
      const queries = validation()
      for (const name of this.names) {
        const spec = TRAINED_SCORERS.find((s) => s.name === name)!
        this.trainers.set(name, {
          trainer: new Trainer(data, split, config, histories, spec.variant, queries),
          tracker: new ValidationTracker(),
          diverged: false,
          kept: null,
          keptEpoch: 0,
          finished: 0,
          before: null,
        })
      }
    }
    return this.trainers
  }

  async trainEpoch(epoch: number, keepBest: boolean): Promise<ComparisonEpoch> {
    const metrics: ComparisonEpoch['metrics'] = {}
    const ndcg = new Map<TrainedScorerName, Float64Array>()
    for (const c of this.prepare().values()) {
      // The model has finished the epoch before this one: what each was before it is not needed.
      this.release(c)
      if (this.besideModel) {
        const { kept, keptEpoch, finished, diverged } = c
        c.before = { epoch, kept, keptEpoch, finished, diverged, tracker: c.tracker.state() }
      }
    }
    for (const [name, c] of this.trainers) {
      if (c.diverged) continue
      this.onPhase(`Training the ${name} baseline, epoch ${epoch}`)
      try {
        const outcome = await c.trainer.trainEpoch({ checkpoint: this.checkpoint })
        if (outcome.stopped) return { stopped: true, metrics }
        metrics[name] = outcome.record!.validation
        ndcg.set(name, outcome.validationNdcg!)
      } catch (e) {
        if (!(e instanceof TrainingDiverged)) throw e
        c.diverged = true
      }
    }
    // Only now is the epoch complete for every baseline: keep what each will be tested with.
    for (const [name, perQuery] of ndcg) {
      const c = this.trainers.get(name)!
      const { best } = c.tracker.record(epoch, metrics[name]!['ndcg@10'], perQuery)
      c.finished = epoch
      if (best || !keepBest) {
        if (c.kept && c.kept !== c.before?.kept) tf.dispose(c.kept)
        c.kept = c.trainer.snapshot()
        c.keptEpoch = epoch
      }
    }
    return { stopped: false, metrics }
  }

  /** Forgets what `c` was before its last epoch, freeing the weights kept then if no longer its own. */
  private release(c: Comparison): void {
    if (c.before?.kept && c.before.kept !== c.kept) tf.dispose(c.before.kept)
    c.before = null
  }

  async save(epoch: number): Promise<ComparisonState[]> {
    const saved: ComparisonState[] = []
    for (const [name, c] of this.trainers)
      saved.push({
        name,
        state: c.diverged ? null : await c.trainer.saveState(),
        tracker: c.tracker.state(),
        diverged: c.diverged,
        kept: c.kept && c.keptEpoch !== epoch ? await weightsOfSnapshot(c.trainer.model, c.kept) : null,
        keptEpoch: c.keptEpoch,
      })
    return saved
  }

  async load(saved: ComparisonState[]): Promise<void> {
    const trainers = this.prepare()
    for (const s of saved) {
      const c = trainers.get(s.name)
      if (!c) throw new Error(`The saved run has a ${s.name} baseline this run does not train.`)
      if (s.state) await c.trainer.loadState(s.state)
      c.tracker = ValidationTracker.from(s.tracker)
      c.diverged = s.diverged
      c.keptEpoch = s.keptEpoch
      c.finished = c.trainer.epochsCompleted
      if (s.keptEpoch > 0) c.kept = s.kept ? snapshotOfWeights(s.kept) : c.trainer.snapshot()
    }
  }

  async finish(epochs: number): Promise<ComparisonFinish> {
    const out: ComparisonFinish = { epochs: {}, trends: {}, untrained: [] }
    for (const name of this.names) {
      const c = this.trainers.get(name)
      // It trained an epoch the model did not finish (stopped or diverged): back to what it was before.
      const before = c?.before
      if (c && before && before.epoch > epochs) {
        if (c.kept && c.kept !== before.kept) tf.dispose(c.kept)
        c.kept = before.kept
        c.keptEpoch = before.keptEpoch
        c.finished = before.finished
        c.diverged = before.diverged
        c.tracker = ValidationTracker.from(before.tracker)
        c.before = null
      }
      if (c?.diverged) continue
      if (!c || c.finished === 0) {
        out.untrained.push(name)
        continue
      }
      out.trends[name] = c.tracker.trend()
      if (c.kept && epochs > 0) {
        c.trainer.restore(c.kept)
        out.epochs[name] = c.keptEpoch
      } else out.epochs[name] = c.finished
    }
    return out
  }

  async rank(
    names: TrainedScorerName[],
    testQueries: () => EvalQueries,
    onProgress?: (name: TrainedScorerName, queriesDone: number) => void,
  ): Promise<Partial<Record<TrainedScorerName, MetricAccumulator>>> {
    const out: Partial<Record<TrainedScorerName, MetricAccumulator>> = {}
    for (const name of names)
      out[name] = await this.trainers.get(name)!.trainer.rankModel(testQueries(), {
        keepRecommendations: true,
        onProgress: onProgress && ((done) => onProgress(name, done)),
      })
    return out
  }

  dispose(): void {
    for (const c of this.trainers.values()) {
      this.release(c)
      if (c.kept) tf.dispose(c.kept)
      c.trainer.dispose()
    }
    this.trainers.clear()
  }
}
