/**
 * Plain-data results of training and evaluation: what crosses from the worker to the UI and into the
 * run file. No tensors and no tfjs import here, so the UI can depend on this file.
 */
import type { RankingMetrics } from './metrics'

export type BaselineName = 'random' | 'popularity'
export const BASELINE_NAMES: BaselineName[] = ['random', 'popularity']

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
  /** Wall-clock seconds of the epoch's training steps (evaluation excluded). */
  trainSeconds: number
  examplesPerSecond: number
}

export interface TestResult {
  model: RankingMetrics
  baselines: Record<BaselineName, RankingMetrics>
}
