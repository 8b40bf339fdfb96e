import type { Sliced } from '../data/slices'
import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import {
  ComparisonSet,
  trainedBaselinesFor,
  type ComparisonFinish,
  type Checkpoint,
  type Comparisons,
  type ComparisonState,
} from './comparisons'
import { ValidationTracker, type TrackerState } from './earlyStopping'
import { buildQueries, firstQueries, RankingStopped, summarizeTest } from './evaluate'
import { dropFieldImportance, summarizeAttention } from './inspect'
import type { BatchScorer, MetricAccumulator } from './metrics'
import { Preparation } from './prepare'
import {
  type AttentionSnapshot,
  type BaselineName,
  type EpochRecord,
  type LossPoint,
  type RunEnd,
  type RunResult,
  type TrainedScorerName,
} from './results'
import { baselineSpec, type CountScorerMetrics } from './scorers'
import { snapshotOfWeights, weightsOfSnapshot } from './restore'
import { Trainer, TrainingDiverged, type TrainerState, type WeightSnapshot } from './train'
import * as tf from './tf'
import type { ModelWeights } from './weights'

/** At most this many validation queries feed attention summaries and drop-field importance. */
export const INSPECTION_QUERIES = 1000

/**
 * A Stop before the run's first training step: the person changed their mind, so the run ends at once
 * with nothing tested (on a 10,000,000-row log, testing the untrained model would take another 10 s).
 * A resumed run is not cancelled: its kept epochs are tested.
 */
export class RunCancelled extends Error {
  constructor() {
    super('Stopped before the first training step: nothing was trained or tested.')
    this.name = 'RunCancelled'
  }
}

export interface RunHooks {
  /**
   * Awaited between steps, and between slices of the preparation; resolve 'stop' to end the run: a
   * finished epoch's weights (or the initial ones) are still tested, but a run stopped before its first
   * step throws `RunCancelled`, with nothing to test.
   */
  checkpoint?: () => Promise<'continue' | 'stop'>
  /** What the run is doing, in words, and the split once known. */
  onPhase?: (detail: string) => void
  /**
   * Training is over and the test begins (then attention and importance): from here to the end the
   * checkpoint is no longer asked, so a Pause or a Stop has nothing left to act on.
   */
  onTesting?: () => void
  onPrepared?: (prepared: { split: Split; stepsPerEpoch: number; batchSize: number }) => void
  /**
   * The count baselines on the validation split, once, after the model's first epoch (before it:
   * nothing to compare them with, and the first step does not wait for them).
   */
  onValidationBaselines?: (metrics: CountScorerMetrics) => void
  onLoss?: (point: LossPoint) => void
  onEpoch?: (record: EpochRecord, attention: AttentionSnapshot) => void
  /**
   * Receives the trained attention model at the end (after test and importance). When given, the
   * caller owns that trainer and must dispose it; otherwise the run disposes it.
   */
  onModel?: (trainer: Trainer) => void
  /** The data's own truth (the demo's planted utility), ranked beside the baselines as the oracle. */
  truth?: BatchScorer
  /**
   * Called after every finished epoch that is not the run's last, with everything needed to go on from
   * there (`resume`); awaited, so the state it reads is the epoch's. The worker keeps it in this browser.
   */
  onCheckpoint?: (checkpoint: RunCheckpoint) => Promise<void> | void
  /**
   * Goes on from a checkpoint of a run with the same data and config: the finished epochs are reported
   * again (`onValidationBaselines`, `onEpoch`) and training continues with the next one, exactly as the
   * uninterrupted run would have.
   */
  resume?: RunCheckpoint
  /**
   * Where the trained baselines train, given their names and the run's checkpoint: by default (or when
   * this returns null) in this thread after each of the model's epochs; the page's worker hands them
   * to a second worker, which trains them beside the model (see worker/comparisons.ts).
   */
  comparisons?: (names: TrainedScorerName[], checkpoint: Checkpoint | undefined) => Comparisons | null
  /**
   * The split and histories, made ahead in whole or in part (the worker begins them while the page
   * waits for a click); used when it fits the data, seed and history length, otherwise made anew.
   */
  preparation?: Preparation
}

/**
 * A run's whole state at the end of a finished epoch, as plain data (typed arrays included): the
 * trainers (weights, optimizers, counters), the early-stopping trackers, the weights each model would be
 * tested with, and what was reported so far.
 */
export interface RunCheckpoint {
  /** Epochs finished. */
  epoch: number
  main: TrainerState
  tracker: TrackerState
  /**
   * The best epoch's weights under early stopping when they are not the last epoch's; null when they
   * are (`bestIsLast`) or when no best is kept.
   */
  best: ModelWeights | null
  bestIsLast: boolean
  comparisons: ComparisonState[]
  history: EpochRecord[]
  attention: AttentionSnapshot[]
  validationBaselines: CountScorerMetrics
}

/** `RunResult` lives in `results.ts` (plain data the UI may import); re-exported for model code. */
export type { RunResult } from './results'

/**
 * `checkpoint` for callers that may ask at the same time (the model's epoch and a second worker's
 * baselines): while one answer is pending, every caller gets that same answer.
 */
function sharedCheckpoint(checkpoint: Checkpoint): Checkpoint {
  let pending: Promise<'continue' | 'stop'> | null = null
  return () =>
    (pending ??= checkpoint().finally(() => {
      pending = null
    }))
}

/**
 * One whole training run: the attention model epoch by epoch (and, when asked, the id-only and
 * mean-pooling baselines beside it on the same batches), validation after every epoch, early stopping
 * on validation NDCG@10 (the patience counts epochs that do not beat the best by more than the noise,
 * see `earlyStopping.ts`), a NaN guard that restores the last good weights, then test metrics with standard
 * errors and paired comparisons for every scorer, attention summaries and drop-field importance.
 * Under early stopping every trained model is tested with the weights of its own best epoch; a run the
 * person stops is tested with the weights of a finished epoch (the initial ones when none finished).
 * Frees every tensor it made.
 */
export async function runTraining(
  data: EncodedDataset,
  config: TrainConfig,
  hooks: RunHooks = {},
): Promise<RunResult> {
  const started = Date.now()
  const checkpoint = hooks.checkpoint && sharedCheckpoint(hooks.checkpoint)
  // The trained baselines' checkpoint also says 'stop' once the model's epoch failed or diverged: a
  // second worker's epoch in flight is then not waited for to its end.
  let abandoned = false
  const baselinesCheckpoint: Checkpoint = async () =>
    abandoned ? 'stop' : checkpoint ? checkpoint() : 'continue'
  // Preparing a big upload takes seconds (the split and the histories 1.5 s each at 10,000,000 rows):
  // they come in slices of tens of milliseconds, and between slices and phases the checkpoint lets a
  // Stop in. A fresh run stopped there is cancelled; a resumed one is tested with its kept weights.
  let stoppedEarly = false
  const between = async () => {
    if (!stoppedEarly && checkpoint) stoppedEarly = (await checkpoint()) === 'stop'
    if (stoppedEarly && !hooks.resume) throw new RunCancelled()
  }
  const prepared = async <T>(work: Sliced<T>): Promise<T> => {
    for (;;) {
      const next = work.next()
      if (next.done) return next.value
      await between()
    }
  }
  // The split and the histories: made here, or carried on from (or taken whole from) a preparation the
  // worker began while the page waited for the click.
  const preparation = hooks.preparation?.fits(data, config.seed, config.historyLength)
    ? hooks.preparation
    : new Preparation(data, config.seed, config.historyLength)
  const { split, histories } = await prepared(preparation.rest())
  await between()
  const main = new Trainer(data, split, config, histories, 'attention')
  main.truth = hooks.truth
  // The validation queries are made when the first epoch ends (`Trainer.validationQueries`), so the
  // first step does not wait for them.
  const inspection = () => firstQueries(main.validationQueries, INSPECTION_QUERIES)
  const trainedBaselines = trainedBaselinesFor(config, histories)
  const comparisons: Comparisons =
    hooks.comparisons?.(trainedBaselines, baselinesCheckpoint) ??
    new ComparisonSet(
      trainedBaselines,
      () => ({ data, split, config, histories, validation: () => main.validationQueries }),
      baselinesCheckpoint,
      hooks.onPhase,
    )
  /** Empty when the run stopped before its first epoch ended (nothing to compare on validation then). */
  let validationBaselines: CountScorerMetrics = {}
  /** Set when the baselines' second worker was let go at a Stop in the model's first epoch. */
  let comparisonsGone = false
  const keepBest = config.earlyStoppingPatience > 0
  // Live weight snapshots (last good state, best epoch); each is freed as soon as nothing refers to it.
  const snapshots = new Set<WeightSnapshot>()
  let kept = false
  const keep = (s: WeightSnapshot) => (snapshots.add(s), s)
  const release = (s: WeightSnapshot | null) => {
    if (s && snapshots.delete(s)) tf.dispose(s)
  }
  try {
    hooks.onPrepared?.({ split, stepsPerEpoch: main.stepsPerEpoch, batchSize: main.batchSize })

    const history: EpochRecord[] = []
    const attentionSnapshots: AttentionSnapshot[] = []
    let tracker = new ValidationTracker()
    let end: RunEnd = 'completed'
    let message: string | null = null
    let lastGood = keep(main.snapshot())
    let bestWeights: WeightSnapshot | null = null

    let firstEpoch = 1
    const { resume } = hooks
    if (resume) {
      // Back to where the checkpoint was taken, then the finished epochs reported again.
      await main.loadState(resume.main)
      tracker = ValidationTracker.from(resume.tracker)
      validationBaselines = resume.validationBaselines
      await comparisons.load(resume.comparisons)
      release(lastGood)
      lastGood = keep(main.snapshot())
      bestWeights = resume.bestIsLast ? lastGood : resume.best ? keep(snapshotOfWeights(resume.best)) : null
      hooks.onValidationBaselines?.(validationBaselines)
      resume.history.forEach((record, e) => {
        history.push(record)
        attentionSnapshots.push(resume.attention[e])
        hooks.onEpoch?.(record, resume.attention[e])
      })
      firstEpoch = resume.epoch + 1
    }
    const checkpointAt = async (epoch: number): Promise<RunCheckpoint> => ({
      epoch,
      main: await main.saveState(),
      tracker: tracker.state(),
      best: bestWeights && bestWeights !== lastGood ? await weightsOfSnapshot(main.model, bestWeights) : null,
      bestIsLast: bestWeights !== null && bestWeights === lastGood,
      comparisons: await comparisons.save(epoch),
      history: [...history],
      attention: [...attentionSnapshots],
      validationBaselines,
    })

    await between()
    if (stoppedEarly) end = 'stopped'
    epochs: for (let epoch = firstEpoch; epoch <= config.epochs && !stoppedEarly; epoch++) {
      hooks.onPhase?.('')
      // In a second worker the baselines' epoch runs beside the model's; here, after it.
      const besides = comparisons.parallel ? comparisons.trainEpoch(epoch, keepBest) : null
      // Never left unawaited: a break below waits for it (a Stop reaches it through the checkpoint).
      const baselinesOfEpoch = () => besides ?? comparisons.trainEpoch(epoch, keepBest)
      let record: EpochRecord
      let validationNdcg: Float64Array
      try {
        const outcome = await main.trainEpoch({ checkpoint, onLoss: hooks.onLoss })
        if (outcome.stopped) {
          end = 'stopped'
          if (besides && history.length === 0) {
            // Stopped before the model finished an epoch: no baseline is tested at more epochs than the
            // model finished, so nothing the second worker does now can be tested, and it may be far
            // from a step (making its own split and histories first: ~1.1 s of the Stop's wait at
            // 1,000,000 interactions). It is let go, not waited for.
            void besides.catch(() => undefined)
            comparisons.dispose()
            comparisonsGone = true
          } else await besides
          if (main.stepsTaken === 0 && !resume) throw new RunCancelled()
          break
        }
        record = outcome.record!
        validationNdcg = outcome.validationNdcg!
      } catch (e) {
        abandoned = true
        await besides?.catch(() => undefined)
        if (!(e instanceof TrainingDiverged)) throw e
        main.restore(lastGood)
        end = 'diverged'
        message = `${e.message} Training stopped and the weights after epoch ${epoch - 1} were restored; try a lower learning rate.`
        break
      }
      if (epoch === 1) {
        hooks.onPhase?.('Computing baselines on the validation split')
        try {
          validationBaselines = await main.evaluateCountBaselines(main.validationQueries, checkpoint)
        } catch (e) {
          abandoned = true
          await besides?.catch(() => undefined)
          // Stopped meanwhile: as a stop during the baselines' first epoch, epoch 1 is not finished.
          if (!(e instanceof RankingStopped)) throw e
          end = 'stopped'
          break
        }
        hooks.onValidationBaselines?.(validationBaselines)
      }
      if (besides) hooks.onPhase?.('Waiting for the baselines training beside the model')
      const baselines = await baselinesOfEpoch()
      if (baselines.stopped) {
        end = 'stopped'
        break epochs
      }
      if (comparisons.names.length > 0) record.baselines = baselines.metrics
      hooks.onPhase?.('Summarising attention')
      const attention: AttentionSnapshot = { epoch, ...(await summarizeAttention(main, inspection().rows)) }
      history.push(record)
      attentionSnapshots.push(attention)
      hooks.onEpoch?.(record, attention)

      const previous = lastGood
      lastGood = keep(main.snapshot())
      if (tracker.record(epoch, record.validation['ndcg@10'], validationNdcg).best && keepBest) {
        if (bestWeights !== previous) release(bestWeights)
        bestWeights = lastGood
      }
      if (previous !== bestWeights) release(previous)
      if (keepBest && tracker.epochsSinceImprovement >= config.earlyStoppingPatience) {
        end = 'early-stopping'
        message = `Validation NDCG@10 did not improve by more than its noise (one standard error) for ${config.earlyStoppingPatience} epoch(s); the weights of epoch ${tracker.bestEpoch}, the best on validation, were restored.`
        break
      }
      if (epoch < config.epochs && hooks.onCheckpoint) await hooks.onCheckpoint(await checkpointAt(epoch))
    }
    // The weights to test: the best epoch's under early stopping; after a stop, a finished epoch's
    // (the interrupted epoch has no validation score), which in epoch 1 are the initial weights, as the
    // page says; after a divergence, the last good ones (restored).
    let testedEpoch = history.length
    if (end !== 'diverged') {
      if (keepBest && bestWeights) {
        main.restore(bestWeights)
        testedEpoch = tracker.bestEpoch
      } else if (end === 'stopped') main.restore(lastGood)
    }
    const finished: ComparisonFinish = comparisonsGone
      ? { epochs: {}, trends: {}, untrained: [...comparisons.names] }
      : await comparisons.finish(history.length)

    // A Stop asks for the results now: the test leaves out what is not ready yet, the baselines not
    // trained for an epoch and item co-occurrence when no validation built it (about 11 s of building
    // on a 10,000,000-row log); the page lists them. A run that was not stopped tests every one.
    const slowLeftOut = end === 'stopped' ? main.slowCountScorersNotBuilt : []
    const leftOut: BaselineName[] = [...slowLeftOut, ...(end === 'stopped' ? finished.untrained : [])]
    hooks.onTesting?.()
    hooks.onPhase?.('Ranking the full catalogue on the test split')
    const testQueries = buildQueries(data, split, 'test', config.seed)
    const progress = testProgress(testQueries.rows.length, hooks.onPhase)
    const tested = Object.keys(finished.epochs) as TrainedScorerName[]
    // In a second worker the baselines rank the test split while the model and the counts do here.
    const rankTrained = (onProgress?: Parameters<Comparisons['rank']>[2]) =>
      tested.length === 0 ? Promise.resolve({}) : comparisons.rank(tested, () => testQueries, onProgress)
    const besides = comparisons.parallel ? rankTrained() : null
    const modelRanking = await main.rankModel(testQueries, {
      keepRecommendations: true,
      onProgress: (done) => progress('the model', done),
    })
    const ofBaseline = (name: BaselineName, done: number) => progress(baselineSpec(name)!.label, done)
    const rankings: Partial<Record<BaselineName, MetricAccumulator>> = {
      ...(await main.rankCountBaselines(testQueries, {
        keepRecommendations: true,
        leaveOut: slowLeftOut,
        onProgress: ofBaseline,
      })),
      ...(await (besides ?? rankTrained(ofBaseline))),
    }
    hooks.onPhase?.('Estimating intervals and paired differences on the test split')
    const test = summarizeTest(modelRanking, rankings, config.seed)

    // Drop-field importance ranks the inspection queries once per field: after a Stop, which asks for
    // the results now, it is left out (the page says so).
    hooks.onPhase?.(
      end === 'stopped' ? 'Summarising attention' : 'Summarising attention and drop-field importance',
    )
    const final = await summarizeAttention(main, inspection().rows)
    const importance =
      end === 'stopped'
        ? []
        : await dropFieldImportance(main, inspection(), final, (done, total) =>
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
      baselineEpochs: finished.epochs,
      baselineTrends: finished.trends,
      trend: tracker.trend(),
      validationBaselines,
      test,
      attention: { ...final, snapshots: attentionSnapshots },
      importance,
      ...(leftOut.length > 0 ? { leftOut } : {}),
      parameters: main.model.variables.reduce((sum, v) => sum + v.size, 0),
      timing: {
        examplesPerSecond: trainSeconds > 0 ? examples / trainSeconds : 0,
        secondsPerEpoch: history.length > 0 ? trainSeconds / history.length : 0,
        totalSeconds: (Date.now() - started) / 1000,
      },
    }
  } finally {
    for (const snapshot of snapshots) tf.dispose(snapshot)
    if (!kept) main.dispose()
    comparisons.dispose()
  }
}

/** The test ranking's progress is posted at most this often (ms), apart from each scorer's end. */
const TEST_PROGRESS_EVERY_MS = 250

/**
 * The test ranking's progress as phase details ("Ranking the full catalogue on the test split: the
 * model, 2,560 of 10,000 queries"): on a 10,000,000-row upload the model alone ranks its 10,000 test
 * queries against 50,000 items for ~5 s, then each baseline in turn, and the page would otherwise show
 * one line for all of it. At most every quarter second, and at each scorer's last query.
 */
export function testProgress(
  total: number,
  onPhase: ((detail: string) => void) | undefined,
  now: () => number = Date.now,
): (who: string, queriesDone: number) => void {
  let last = -Infinity
  const count = (n: number) => n.toLocaleString('en-US')
  return (who, done) => {
    const t = now()
    if (!onPhase || (done < total && t - last < TEST_PROGRESS_EVERY_MS)) return
    last = t
    onPhase(`Ranking the full catalogue on the test split: ${who}, ${count(done)} of ${count(total)} queries`)
  }
}
