/**
 * Training state as the UI sees it: a pure reducer over worker messages and the person's actions.
 * No React here, so it is tested in Node.
 */
import type { DatasetSummary } from '../data/types'
import type { RankingMetrics } from '../model/metrics'
import type { BaselineName, EpochRecord, LossPoint, TestResult } from '../model/results'
import type { BackendName, FromWorker } from '../worker/protocol'

/** The `data-state` of `training-status`. */
export type TrainingStatus = 'idle' | 'training' | 'paused' | 'done' | 'error'

export interface TrainingState {
  /** The run the UI listens to; messages of other runs are ignored. 0 before the first run. */
  runId: number
  status: TrainingStatus
  /** What the worker is doing right now, in words. */
  detail: string
  backend: { name: BackendName; reason: string } | null
  /** The dataset the next run trains on, as last loaded (independent of runs). */
  loaded: { summary: DatasetSummary; seconds: number } | null
  dataset: {
    summary: DatasetSummary
    split: { kind: string; train: number; validation: number; test: number }
    stepsPerEpoch: number
    batchSize: number
  } | null
  validationBaselines: Record<BaselineName, RankingMetrics> | null
  lossPoints: LossPoint[]
  epochs: EpochRecord[]
  /** Epoch in progress (1-based), or the last one once done. */
  currentEpoch: number
  test: TestResult | null
  /** False when the person stopped the run early. */
  completed: boolean
  seconds: number
  error: string | null
}

export const INITIAL_TRAINING_STATE: TrainingState = {
  runId: 0,
  status: 'idle',
  detail: '',
  backend: null,
  loaded: null,
  dataset: null,
  validationBaselines: null,
  lossPoints: [],
  epochs: [],
  currentEpoch: 0,
  test: null,
  completed: false,
  seconds: 0,
  error: null,
}

export type TrainingAction = { type: 'run-started'; runId: number } | { type: 'worker'; message: FromWorker }

export function trainingReducer(state: TrainingState, action: TrainingAction): TrainingState {
  if (action.type === 'run-started')
    return {
      ...INITIAL_TRAINING_STATE,
      backend: state.backend,
      loaded: state.loaded,
      runId: action.runId,
      status: 'training',
      detail: 'Starting the worker',
      currentEpoch: 1,
    }
  const msg = action.message
  if (msg.type === 'backend') return { ...state, backend: { name: msg.backend, reason: msg.reason } }
  if (msg.type === 'benchmark') return state
  if (msg.type === 'loaded') return { ...state, loaded: { summary: msg.summary, seconds: msg.seconds } }
  if (msg.type === 'error') {
    if (msg.runId !== null && msg.runId !== state.runId) return state
    return { ...state, status: 'error', error: msg.message, detail: '' }
  }
  if (msg.runId !== state.runId) return state
  switch (msg.type) {
    case 'phase':
      return {
        ...state,
        status: msg.phase === 'paused' ? 'paused' : 'training',
        detail: msg.detail,
      }
    case 'dataset':
      return {
        ...state,
        dataset: {
          summary: msg.summary,
          split: msg.split,
          stepsPerEpoch: msg.stepsPerEpoch,
          batchSize: msg.batchSize,
        },
        validationBaselines: msg.validationBaselines,
      }
    case 'loss':
      return { ...state, lossPoints: [...state.lossPoints, ...msg.points], currentEpoch: msg.epoch }
    case 'epoch':
      return { ...state, epochs: [...state.epochs, msg.record], currentEpoch: msg.record.epoch }
    case 'done':
      return {
        ...state,
        status: 'done',
        detail: '',
        test: msg.test,
        completed: msg.completed,
        seconds: msg.seconds,
        currentEpoch: state.epochs.length,
      }
  }
}
