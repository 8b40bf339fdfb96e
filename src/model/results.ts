/**
 * Plain-data results of training and evaluation: what crosses from the worker to the UI and into the
 * run file. No tensors and no tfjs import here, so the UI can depend on this file.
 */
import type { MeanMetricName, MetricErrors, RankingMetrics } from './metrics'
import { TRAINED_SCORER_NAMES, type BaselineName, type TrainedScorerName } from './scorers'
import type { PairedDifference } from './uncertainty'

/**
 * Scorers the model is compared with, on the same split: one registry in `scorers.ts` (count-based
 * ones such as random and most popular; trained ones such as id-only and mean pooling). The names are
 * re-exported here because every result type is keyed by them.
 */
export type { BaselineName, CountScorerMetrics } from './scorers'
export { BASELINE_NAMES } from './scorers'
/** The baselines that are trained models, trained epoch by epoch beside the main model. */
export type TrainedBaselineName = TrainedScorerName
export const TRAINED_BASELINES: TrainedBaselineName[] = TRAINED_SCORER_NAMES

export interface LossPoint {
  /** Global step count (1-based) at the end of the averaged window. */
  step: number
  /** Mean training loss over the window. */
  loss: number
}

export interface EpochRecord {
  /** 1-based. */
  epoch: number
  trainLoss: number
  validation: RankingMetrics
  /** Validation metrics of the trained baselines after the same number of epochs, when they are trained. */
  baselines?: Partial<Record<TrainedBaselineName, RankingMetrics>>
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  trainSeconds: number
  examplesPerSecond: number
}

export interface TestResult {
  model: RankingMetrics
  baselines: Partial<Record<BaselineName, RankingMetrics>>
  /** How sure each number is; absent in run files saved before intervals existed (version 1). */
  uncertainty?: TestUncertainty
}

/** Standard errors of the test metrics and the model's paired differences to each baseline. */
export interface TestUncertainty {
  /**
   * Standard error of each metric: per-query means as sample SD / √queries; coverage as the spread of a
   * bootstrap over queries (`coverageResamples` resamples, fixed seed); pair precision as a proportion.
   */
  model: MetricErrors
  baselines: Partial<Record<BaselineName, MetricErrors>>
  /**
   * model − baseline per metric, paired over the same test queries, with the standard error of the
   * paired difference. Per-query means only: coverage gets no comparison (more coverage is not better).
   */
  differences: Partial<Record<BaselineName, Partial<Record<MeanMetricName, PairedDifference>>>>
  coverageResamples: number
}

/** Attention of one tower, averaged over validation queries (user tower) or catalogue items (item tower). */
export interface TowerAttention {
  /** Token names: fields, then history tokens. */
  tokens: string[]
  /** Mean attention-pooling weight of each token (sums to 1). */
  pooling: number[]
  /** `layers[l][h]`: mean token×token self-attention of head h in layer l, row-major (row = query token). */
  layers: number[][][]
}

export interface AttentionSnapshot {
  epoch: number
  user: TowerAttention
  item: TowerAttention
}

export interface FieldImportance {
  field: string
  tower: 'user' | 'item'
  /** Mean attention-pooling weight of the field's token. */
  attentionWeight: number
  /** Validation NDCG@10 with the field pinned to its most common value. */
  ndcgWithout: number
  /** NDCG@10 lost by pinning the field (positive: the model uses it). */
  drop: number
}

/** An epoch's validation NDCG@10. */
export interface EpochScore {
  epoch: number
  ndcg: number
}

/**
 * How validation NDCG@10 moved, judged against its noise: an epoch "improves" when it beats the best
 * epoch before it by more than one standard error of their paired per-query difference.
 */
export interface ValidationTrend {
  first: EpochScore
  /** The epoch with the highest validation NDCG@10: the weights kept under early stopping. */
  best: EpochScore
  last: EpochScore
  /** The last epoch improved on the best before it beyond the noise: more epochs would likely help. */
  stillRising: boolean
  /** The best before the last epoch (what `last` is compared with); null after a single epoch. */
  previousBest: EpochScore | null
}

/** Why a run ended. */
export type RunEnd = 'completed' | 'stopped' | 'early-stopping' | 'diverged'

export interface TimingSummary {
  /** Mean training examples per second over the main model's epochs. */
  examplesPerSecond: number
  secondsPerEpoch: number
  totalSeconds: number
}
