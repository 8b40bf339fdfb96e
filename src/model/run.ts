import { splitDataset, type Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import { buildQueries, firstQueries } from './evaluate'
import { buildHistories } from './history'
import { dropFieldImportance, summarizeAttention } from './inspect'
import type { RankingMetrics } from './metrics'
import {
  TRAINED_BASELINES,
  type AttentionSnapshot,
  type EpochRecord,
  type FieldImportance,
  type LossPoint,
  type RunEnd,
  type TestResult,
  type TimingSummary,
  type TowerAttention,
  type TrainedBaselineName,
} from './results'
import { Trainer, TrainingDiverged, type WeightSnapshot } from './train'
import * as tf from './tf'

/** At most this many validation queries feed attention summaries and drop-field importance. */
export const INSPECTION_QUERIES = 1000

export interface RunHooks {
  /** Awaited between steps; resolve 'stop' to end the run (the model so far is still evaluated). */
  checkpoint?: () => Promise<'continue' | 'stop'>
  /** What the run is doing, in words, and the split once known. */
  onPhase?: (detail: string) => void
  onPrepared?: (prepared: {
    split: Split
    stepsPerEpoch: number
    batchSize: number
    validationBaselines: { random: RankingMetrics; popularity: RankingMetrics }
  }) => void
  onLoss?: (point: LossPoint) => void
  onEpoch?: (record: EpochRecord, attention: AttentionSnapshot) => void
  /**
   * Receives the trained attention model at the end (after test and importance). When given, the
   * caller owns that trainer and must dispose it; otherwise the run disposes it.
   */
  onModel?: (trainer: Trainer) => void
}

export interface RunResult {
  end: RunEnd
  /** Why the run ended early, for the person; null when it completed. */
  message: string | null
  history: EpochRecord[]
  /** The epoch whose weights were tested (the best one under early stopping, else the last). */
  testedEpoch: number
  validationBaselines: { random: RankingMetrics; popularity: RankingMetrics }
  test: TestResult
  attention: { final: { user: TowerAttention; item: TowerAttention }; snapshots: AttentionSnapshot[] }
  importance: FieldImportance[]
  timing: TimingSummary
}

/**
 * One whole training run: the attention model epoch by epoch (and, when asked, the id-only and
 * mean-pooling baselines beside it on the same batches), validation after every epoch, early stopping
 * on validation NDCG@10, a NaN guard that restores the last good weights, then test metrics for every
 * scorer, attention summaries and drop-field importance. Frees every tensor it made.
 */
export async function runTraining(
  data: EncodedDataset,
  config: TrainConfig,
  hooks: RunHooks = {},
): Promise<RunResult> {
  const started = Date.now()
  const split = splitDataset(data, config.seed)
  const histories = buildHistories(data, split, config.historyLength)
  const main = new Trainer(data, split, config, histories, 'attention')
  const validation = main.validationQueries
  const inspection = firstQueries(validation, INSPECTION_QUERIES)
  const comparisons = new Map<TrainedBaselineName, Trainer>()
  if (config.compareBaselines)
    for (const name of TRAINED_BASELINES)
      comparisons.set(name, new Trainer(data, split, config, histories, name, validation))
  // Live weight snapshots (last good state, best epoch); each is freed as soon as nothing refers to it.
  const snapshots = new Set<WeightSnapshot>()
  let kept = false
  const keep = (s: WeightSnapshot) => (snapshots.add(s), s)
  const release = (s: WeightSnapshot) => {
    if (snapshots.delete(s)) tf.dispose(s)
  }
  try {
    hooks.onPhase?.('Computing baselines on the validation split')
    const validationBaselines = await main.evaluateCountBaselines(validation)
    hooks.onPrepared?.({
      split,
      stepsPerEpoch: main.stepsPerEpoch,
      batchSize: main.batchSize,
      validationBaselines,
    })

    const history: EpochRecord[] = []
    const attentionSnapshots: AttentionSnapshot[] = []
    let end: RunEnd = 'completed'
    let message: string | null = null
    let lastGood = keep(main.snapshot())
    let best: { ndcg: number; epoch: number; weights: WeightSnapshot | null } = {
      ndcg: -Infinity,
      epoch: 0,
      weights: null,
    }
    const diverged = new Set<TrainedBaselineName>()

    epochs: for (let epoch = 1; epoch <= config.epochs; epoch++) {
      hooks.onPhase?.('')
      let record: EpochRecord | null
      try {
        const outcome = await main.trainEpoch({ checkpoint: hooks.checkpoint, onLoss: hooks.onLoss })
        if (outcome.stopped) {
          end = 'stopped'
          break
        }
        record = outcome.record!
      } catch (e) {
        if (!(e instanceof TrainingDiverged)) throw e
        main.restore(lastGood)
        end = 'diverged'
        message = `${e.message} Training stopped and the weights after epoch ${epoch - 1} were restored; try a lower learning rate.`
        break
      }
      const baselineMetrics: Partial<Record<TrainedBaselineName, RankingMetrics>> = {}
      for (const [name, trainer] of comparisons) {
        if (diverged.has(name)) continue
        hooks.onPhase?.(`Training the ${name} baseline, epoch ${epoch}`)
        try {
          const outcome = await trainer.trainEpoch({ checkpoint: hooks.checkpoint })
          if (outcome.stopped) {
            end = 'stopped'
            break epochs
          }
          baselineMetrics[name] = outcome.record!.validation
        } catch (e) {
          if (!(e instanceof TrainingDiverged)) throw e
          diverged.add(name)
        }
      }
      if (comparisons.size > 0) record.baselines = baselineMetrics
      hooks.onPhase?.('Summarising attention')
      const attention: AttentionSnapshot = { epoch, ...(await summarizeAttention(main, inspection.rows)) }
      history.push(record)
      attentionSnapshots.push(attention)
      hooks.onEpoch?.(record, attention)

      const previous = lastGood
      lastGood = keep(main.snapshot())
      const ndcg = record.validation['ndcg@10']
      if (ndcg > best.ndcg) {
        if (best.weights && best.weights !== previous) release(best.weights)
        best = { ndcg, epoch, weights: config.earlyStoppingPatience > 0 ? lastGood : null }
      }
      if (previous !== best.weights) release(previous)
      if (config.earlyStoppingPatience > 0 && epoch - best.epoch >= config.earlyStoppingPatience) {
        end = 'early-stopping'
        message = `Validation NDCG@10 did not improve for ${config.earlyStoppingPatience} epoch(s); the weights of epoch ${best.epoch} were restored.`
        break
      }
    }
    let testedEpoch = history.length
    if (best.weights && best.epoch !== history.length) {
      main.restore(best.weights)
      testedEpoch = best.epoch
    }
    if (end === 'diverged') testedEpoch = history.length

    hooks.onPhase?.('Ranking the full catalogue on the test split')
    const testQueries = buildQueries(data, split, 'test', config.seed)
    const test: TestResult = {
      model: await main.evaluateModel(testQueries),
      baselines: { ...(await main.evaluateCountBaselines(testQueries)) },
    }
    for (const [name, trainer] of comparisons)
      if (!diverged.has(name) && trainer.epochsCompleted > 0)
        test.baselines[name] = await trainer.evaluateModel(testQueries)

    hooks.onPhase?.('Summarising attention and drop-field importance')
    const final = await summarizeAttention(main, inspection.rows)
    const importance = await dropFieldImportance(main, inspection, final, (done, total) =>
      hooks.onPhase?.(`Drop-field importance: ${done} of ${total} fields`),
    )
    if (hooks.onModel) {
      kept = true
      hooks.onModel(main)
    }
    const trainSeconds = history.reduce((s, r) => s + r.trainSeconds, 0)
    const examples = history.length * main.stepsPerEpoch * main.batchSize
    return {
      end,
      message,
      history,
      testedEpoch,
      validationBaselines,
      test,
      attention: { final, snapshots: attentionSnapshots },
      importance,
      timing: {
        examplesPerSecond: trainSeconds > 0 ? examples / trainSeconds : 0,
        secondsPerEpoch: history.length > 0 ? trainSeconds / history.length : 0,
        totalSeconds: (Date.now() - started) / 1000,
      },
    }
  } finally {
    for (const snapshot of snapshots) tf.dispose(snapshot)
    if (!kept) main.dispose()
    for (const trainer of comparisons.values()) trainer.dispose()
  }
}
