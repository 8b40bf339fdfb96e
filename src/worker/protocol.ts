/**
 * Every message between the UI and the training worker. Plain data only: no tensors, no class
 * instances. Messages of a run carry its `runId`; the UI ignores messages from runs it has left behind.
 */
import type { DatasetSummary } from '../data/types'
import type { TrainConfig } from '../model/config'
import type { RankingMetrics } from '../model/metrics'
import type { BaselineName, EpochRecord, LossPoint, TestResult } from '../model/results'

export type BackendName = 'webgl' | 'wasm' | 'cpu'
/** What the person (or the URL) asked for; `auto` tries webgl, then wasm, then cpu. */
export type BackendChoice = BackendName | 'auto'
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'webgl', 'wasm', 'cpu']

export interface DemoSource {
  kind: 'demo'
  seed: number
  users: number
  items: number
  interactions: number
}
/** Where the training data comes from. Uploaded datasets join this union later. */
export type DatasetSource = DemoSource

export type ToWorker =
  | { type: 'init'; backend: BackendChoice }
  /** Generate (or parse) and encode a dataset so its summary can be shown before training. */
  | { type: 'load'; source: DatasetSource }
  | { type: 'start'; runId: number; config: TrainConfig; source: DatasetSource }
  | { type: 'pause'; runId: number }
  | { type: 'resume'; runId: number }
  | { type: 'stop'; runId: number }
  | { type: 'benchmark'; request: BenchmarkRequest }

export type TrainingPhase = 'preparing' | 'training' | 'paused' | 'evaluating'

export type FromWorker =
  | { type: 'backend'; backend: BackendName; reason: string }
  | { type: 'loaded'; source: DatasetSource; summary: DatasetSummary; seconds: number }
  | { type: 'phase'; runId: number; phase: TrainingPhase; detail: string }
  | {
      type: 'dataset'
      runId: number
      summary: DatasetSummary
      split: { kind: string; train: number; validation: number; test: number }
      stepsPerEpoch: number
      batchSize: number
      /** Baselines on the validation part, computed once before training. */
      validationBaselines: Record<BaselineName, RankingMetrics>
    }
  | { type: 'loss'; runId: number; epoch: number; points: LossPoint[] }
  | { type: 'epoch'; runId: number; record: EpochRecord }
  | { type: 'done'; runId: number; completed: boolean; test: TestResult; seconds: number }
  | { type: 'error'; runId: number | null; message: string }
  | { type: 'benchmark'; result: BenchmarkResult }

/** Timing of training steps on synthetic batches (bench/ only). */
export interface BenchmarkRequest {
  /** Item vocabulary sizes to time one step at. */
  itemVocabularies: number[]
  warmupSteps: number
  timedSteps: number
  config: TrainConfig
  demo: DemoSource
}

export interface BenchmarkResult {
  backend: BackendName
  /** Training examples per second on the demo data with the given config. */
  examplesPerSecond: number
  /** Milliseconds per step at each requested item vocabulary size. */
  stepMsByVocabulary: Record<string, number>
}
