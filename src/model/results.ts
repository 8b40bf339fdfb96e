/**
 * Plain-data results of training and evaluation: what crosses from the worker to the UI and into the
 * run file. No tensors and no tfjs import here, so the UI can depend on this file.
 */
import type { DatasetSummary } from '../data/types'
import type { TrainConfig } from './config'
import type { MeanMetricName, MetricErrors, RankingMetrics } from './metrics'
import type { BaselineName, CountScorerMetrics, TrainedScorerName } from './scorers'
import type { PairedDifference } from './uncertainty'

/**
 * Scorers the model is compared with, on the same split: one registry in `scorers.ts` (count-based
 * ones such as random and most popular; trained ones such as id-only and mean pooling). The names are
 * re-exported here because every result type is keyed by them.
 */
export type { BaselineName, CountScorerMetrics, TrainedScorerName } from './scorers'
export { BASELINE_NAMES } from './scorers'

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
  baselines?: Partial<Record<TrainedScorerName, RankingMetrics>>
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

/** One of the model's two towers: the query (user) tower or the item tower. */
export type TowerSide = 'user' | 'item'

export interface FieldImportance {
  field: string
  tower: TowerSide
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

/** Attention summaries of a run: each tower at the tested weights, and a snapshot after every epoch. */
export interface RunAttention {
  user: TowerAttention
  item: TowerAttention
  snapshots: AttentionSnapshot[]
}

/** What `runTraining` produces: how the run ended and everything it measured. */
export interface RunResult {
  end: RunEnd
  /** Why the run ended early, for the person; null when it completed. */
  message: string | null
  history: EpochRecord[]
  /** The epoch whose weights were tested (the best one under early stopping, else the last). */
  testedEpoch: number
  /**
   * The epoch whose weights each trained baseline was tested with: under early stopping its own best
   * validation epoch, by the same rule as the model's. Absent in old run files.
   */
  baselineEpochs?: Partial<Record<TrainedScorerName, number>>
  /** Each trained baseline's validation trend by the same rule (still rising when the run ended?). */
  baselineTrends?: Partial<Record<TrainedScorerName, ValidationTrend | null>>
  /** How the model's validation NDCG@10 moved (still rising at the end?); absent in old run files. */
  trend?: ValidationTrend | null
  /** Count scorers' validation metrics (computed once); a run file older than a scorer lacks it. */
  validationBaselines: CountScorerMetrics
  test: TestResult
  attention: RunAttention
  importance: FieldImportance[]
  /**
   * Baselines the test left out because the person stopped the run before they were ready (trained
   * for an epoch, or built: item co-occurrence before any validation). Absent when none were.
   */
  leftOut?: BaselineName[]
  timing: TimingSummary
  /** Trainable values of the attention model (its weights' size in a run file is 4 bytes each). */
  parameters?: number
}

/** Sizes of the split a run trained and was evaluated on, in interactions. */
export interface SplitSizes {
  kind: string
  train: number
  validation: number
  test: number
}

/** The data a run trained on, as far as a run file tells it. */
export interface RunDataset {
  name: string
  counts: { interactions: number; users: number; items: number }
  fields: DatasetSummary['fields']
  split: SplitSizes
  /** FNV-1a hash of ids and interactions: equal fingerprints mean the same data. */
  fingerprint: string
  /** Where the data came from: demo parameters, or the file names (the worker's `DatasetSource`). */
  source: unknown
}

/**
 * One finished run, whole: the setup it used and everything it produced. The worker's `done` message
 * carries it, the UI keeps it as it is, and a run file is a small header plus exactly this.
 */
export interface RunRecord extends RunResult {
  /** The configuration as the worker used it (after normalisation). */
  config: TrainConfig
  dataset: RunDataset
  backend: { name: string; reason: string }
  /** The training-loss curve as plotted (mean loss per window of steps). */
  lossCurve: LossPoint[]
}

/** What `benchmarkTraining` (benchmark.ts) times; the bench's request to the worker adds its demo. */
export interface BenchmarkPlan {
  /** Item vocabulary sizes to time a step at, each on a synthetic dataset with that many items. */
  itemVocabularies: number[]
  /**
   * Field counts (both towers, ids included: 4 is one feature per side; the user tower takes the larger
   * half) to time a step at, each on a synthetic dataset of 1,000 items (or the smallest timed
   * vocabulary, if smaller); none when left out.
   */
  fieldCounts?: number[]
  /** The vocabulary (one of `itemVocabularies`) whose evaluation is timed; the largest when left out. */
  evaluationItems?: number
  /** Steps run before timing at the least (first allocations); more until the step time settles. */
  warmupSteps: number
  timedSteps: number
  config: TrainConfig
  /** Size of each synthetic dataset; the defaults are what `npm run bench` reports. */
  synthetic?: { users: number; interactions: number }
  /** Warm-up gives up waiting to settle after this many steps (default 40). */
  maxWarmupSteps?: number
  /**
   * TensorFlow.js flags set for this benchmark only (e.g. `WEBGL_USE_SHAPES_UNIFORMS`), to compare a
   * backend's settings on a machine at hand; restored afterwards.
   */
  flags?: Record<string, number | boolean>
  /** Also profile one warm step of the model on the given data: its kernels, by count and time. */
  profile?: boolean
}

/** The kernels of one training step (`tf.profile`), the most time-consuming first. */
export interface StepProfile {
  /** Kernels the step ran. */
  kernels: number
  /** Whether the backend timed each kernel (a GPU needs timer queries); if not, `ms` is null. */
  timed: boolean
  /** The sum of the kernels' times, ms, or null when not timed. */
  totalMs: number | null
  /**
   * GPU programs the step ran: WebGL draws (a kernel may add packing conversions) or WebGPU dispatches;
   * null off a GPU. Each costs the page a fixed round of JavaScript and driver work, whatever its size.
   */
  programs: number | null
  /** Per kernel name: how often it ran, its time in all and the programs it ran; the top 15 by time (or count). */
  top: { name: string; count: number; ms: number | null; programs: number | null }[]
}

/** Timing of training steps on one dataset (model/benchmark.ts measures it). */
export interface StepTiming {
  /** Milliseconds of the very first step: compiles and first allocations, not part of the others. */
  firstStepMs: number
  /** Steps run before timing (the first included). */
  warmupSteps: number
  /** Whether the step time settled within the warm-up's cap (benchmark.ts). */
  settled: boolean
  /** Milliseconds per step with every loss awaited before the next step. */
  latencyMs: number
  /** Training examples per second with steps queued and the loss read every `LOSS_READ_EVERY` (train.ts) steps. */
  examplesPerSecond: number
  /**
   * Milliseconds per step until the step call returns, steps queued as in training: the host's share
   * (JavaScript, kernel dispatch, command submission). On cpu and wasm that is the whole step; on a GPU,
   * a figure near the step time says the step waits on the host, not on the GPU.
   */
  hostMs: number
  batchSize: number
  /**
   * Shader programs (webgl) or pipelines (webgpu) compiled in the first step, in the rest of the
   * warm-up and in the timed steps (0 there when every shape was seen before); null on CPU backends.
   */
  compiledPrograms: { firstStep: number; warmup: number; timed: number } | null
  /** One warm step's kernels, when the plan asks for a profile. */
  profile?: StepProfile
}

export interface BenchmarkTiming {
  /** The model's steps on the given (demo) data. */
  steps: StepTiming
  /** `steps.examplesPerSecond`, kept for older readers of the report. */
  examplesPerSecond: number
  /** Milliseconds per step, queued as in training, at each requested item vocabulary size. */
  stepMsByVocabulary: Record<string, number>
  /** Milliseconds per step, queued as in training, at each requested field count (both towers). */
  stepMsByFields: Record<string, number>
  /** Whole-catalogue ranking of the validation users at one vocabulary (`items`), after its timing. */
  evaluation: { items: number; users: number; seconds: number; usersPerSecond: number } | null
  /** How attention's batched products ran: our wasm SIMD loops, the depthwise stand-in, or matMul. */
  batchedProducts: 'simd loops' | 'depthwise convolution' | 'matMul'
}
