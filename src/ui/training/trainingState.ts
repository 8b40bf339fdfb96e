/**
 * Training state as the UI sees it: a pure reducer over worker messages and the person's actions.
 * No React here, so it is tested in Node.
 */
import type { DatasetSummary } from '../../data/types'
import type {
  AttentionSnapshot,
  CountScorerMetrics,
  EpochRecord,
  LossPoint,
  RunRecord,
  SplitSizes,
} from '../../model/results'
import type { TrainConfig } from '../../model/config'
import type { BackendName, DatasetSource, FromWorker, KeptSummary } from '../../worker/protocol'

/** What `importedFrom` says of the last run kept in this browser, shown again after a reload. */
export const KEPT_RUN = 'your last run, kept in this browser'

/** Where the results of an imported run come from, in words: a run file by its name, or the kept run. */
export function importedLabel(importedFrom: string): string {
  return importedFrom === KEPT_RUN ? KEPT_RUN : `the run file ${importedFrom}`
}

/** The `data-state` of `training-status`. */
export type TrainingStatus = 'idle' | 'training' | 'paused' | 'done' | 'error'

export interface TrainingState {
  /** The run the UI listens to; messages of other runs are ignored. 0 before the first run. */
  runId: number
  status: TrainingStatus
  /** What the worker is doing right now, in words. */
  detail: string
  /**
   * Training is over and the run is testing (then summarising attention and importance): Pause and Stop
   * have nothing left to act on.
   */
  testing: boolean
  backend: { name: BackendName; reason: string } | null
  /** The dataset the next run trains on, as last loaded (independent of runs). */
  loaded: { summary: DatasetSummary; seconds: number } | null
  /** How far the data being loaded has got, in words, while a load takes a while; null otherwise. */
  loading: string | null
  /** The configuration and data source of the current (or loaded) run. */
  run: {
    config: TrainConfig
    source: DatasetSource | unknown
    backend: { name: string; reason: string } | null
  } | null
  /** Set when the results on screen come from a dropped run file rather than from training here. */
  importedFrom: string | null
  /**
   * The model of an imported run, for the explorer and the embedding map: `none` when the file has no
   * weights, `restoring` while the worker rebuilds it, `ready`, or `failed` with the reason. Null for
   * runs trained here (their model is kept in the worker once they finish).
   */
  importedModel: { state: 'none' | 'restoring' | 'ready' | 'failed'; message: string } | null
  dataset: {
    summary: DatasetSummary
    fingerprint: string
    split: SplitSizes
    stepsPerEpoch: number
    batchSize: number
  } | null
  validationBaselines: CountScorerMetrics | null
  lossPoints: LossPoint[]
  epochs: EpochRecord[]
  attention: AttentionSnapshot[]
  /** Epoch in progress (1-based), or the last one once done. */
  currentEpoch: number
  /**
   * The finished run, whole (setup, curves, test metrics, importance, timing), as the worker sent it or
   * a run file held it; null before the end. Saving a run file writes exactly this.
   */
  record: RunRecord | null
  error: string | null
  /** What this browser keeps between visits (the worker says after loading, saving or forgetting). */
  kept: KeptSummary | null
  /**
   * Set when this run was interrupted by a reload and the worker resumed it: the last epoch it had
   * finished (a run that could not be resumed starts again, and this stays null).
   */
  resumedFrom: number | null
}

export const INITIAL_TRAINING_STATE: TrainingState = {
  runId: 0,
  status: 'idle',
  detail: '',
  testing: false,
  backend: null,
  loaded: null,
  loading: null,
  run: null,
  importedFrom: null,
  importedModel: null,
  dataset: null,
  validationBaselines: null,
  lossPoints: [],
  epochs: [],
  attention: [],
  currentEpoch: 0,
  record: null,
  error: null,
  kept: null,
  resumedFrom: null,
}

export type TrainingAction =
  | {
      type: 'run-started'
      runId: number
      config: TrainConfig
      source: DatasetSource
      /** The epoch a reload-interrupted run resumes after. */
      resumedFrom?: number
    }
  | { type: 'run-imported'; record: RunRecord; fileName: string; hasWeights: boolean }
  | { type: 'model-restored'; runId: number; ok: boolean; message: string }
  | { type: 'worker'; message: FromWorker }

export function trainingReducer(state: TrainingState, action: TrainingAction): TrainingState {
  if (action.type === 'run-started')
    return {
      ...INITIAL_TRAINING_STATE,
      backend: state.backend,
      loaded: state.loaded,
      loading: state.loading,
      kept: state.kept,
      runId: action.runId,
      status: 'training',
      detail: action.resumedFrom
        ? `Resuming after a reload from the end of epoch ${action.resumedFrom}`
        : 'Starting the worker',
      resumedFrom: null,
      currentEpoch: 1,
      run: { config: action.config, source: action.source, backend: state.backend },
    }
  if (action.type === 'run-imported') {
    const { record } = action
    const { counts } = record.dataset
    return {
      ...INITIAL_TRAINING_STATE,
      backend: state.backend,
      loaded: state.loaded,
      loading: state.loading,
      kept: state.kept,
      // A new runId detaches the UI from any run still in the worker.
      runId: state.runId + 1,
      status: 'done',
      importedFrom: action.fileName,
      importedModel: { state: action.hasWeights ? 'restoring' : 'none', message: '' },
      run: { config: record.config, source: record.dataset.source, backend: record.backend },
      dataset: {
        summary: {
          name: record.dataset.name,
          interactions: counts.interactions,
          users: counts.users,
          items: counts.items,
          sparsity: 1 - counts.interactions / Math.max(1, counts.users * counts.items),
          fields: record.dataset.fields,
          hasTimestamps: record.dataset.split.kind === 'leave-last-out',
        },
        fingerprint: record.dataset.fingerprint,
        split: record.dataset.split,
        stepsPerEpoch: 0,
        batchSize: record.config.batchSize,
      },
      validationBaselines: record.validationBaselines,
      lossPoints: record.lossCurve,
      epochs: record.history,
      attention: record.attention.snapshots,
      currentEpoch: record.history.length,
      record,
    }
  }
  if (action.type === 'model-restored')
    return action.runId === state.runId && state.importedModel
      ? { ...state, importedModel: { state: action.ok ? 'ready' : 'failed', message: action.message } }
      : state
  const msg = action.message
  if (msg.type === 'backend') return { ...state, backend: { name: msg.backend, reason: msg.reason } }
  if (msg.type === 'kept') return { ...state, kept: msg.kept }
  // Replies to requests, and the kept upload and run (datasetState.ts and useTrainer take those).
  if (
    msg.type === 'benchmark' ||
    msg.type === 'explore' ||
    msg.type === 'weights' ||
    msg.type === 'restored' ||
    msg.type === 'model-zip' ||
    msg.type === 'kept-upload' ||
    msg.type === 'kept-run' ||
    msg.type === 'kept-checkpoint'
  )
    return state
  // Ingestion replies belong to datasetState.ts.
  if ('ingestId' in msg) return state
  if (msg.type === 'loading') return { ...state, loading: msg.detail }
  if (msg.type === 'loaded') {
    const loaded = { summary: msg.summary, seconds: msg.seconds }
    // Data that loaded is something that worked: an earlier run's error no longer applies.
    return state.status === 'error'
      ? { ...state, loaded, loading: null, status: 'idle', error: null }
      : { ...state, loaded, loading: null }
  }
  if (msg.type === 'error') {
    if (msg.runId !== null && msg.runId !== state.runId) return state
    // An error of no run may be a load that failed; a load that goes on says so at its next message.
    const loading = msg.runId === null ? null : state.loading
    return { ...state, status: 'error', error: msg.message, detail: '', testing: false, loading }
  }
  if (msg.runId !== state.runId) return state
  switch (msg.type) {
    case 'phase':
      return {
        ...state,
        status: msg.phase === 'paused' ? 'paused' : 'training',
        detail: msg.detail,
        testing: msg.phase === 'evaluating',
      }
    case 'dataset':
      return {
        ...state,
        dataset: {
          summary: msg.summary,
          fingerprint: msg.fingerprint,
          split: msg.split,
          stepsPerEpoch: msg.stepsPerEpoch,
          batchSize: msg.batchSize,
        },
      }
    case 'resumed':
      return { ...state, resumedFrom: msg.epoch }
    case 'validation-baselines':
      return { ...state, validationBaselines: msg.validationBaselines }
    case 'loss':
      return { ...state, lossPoints: [...state.lossPoints, ...msg.points], currentEpoch: msg.epoch }
    case 'epoch':
      return {
        ...state,
        epochs: [...state.epochs, msg.record],
        attention: [...state.attention, msg.attention],
        currentEpoch: msg.record.epoch,
      }
    case 'cancelled':
      // Nothing was trained: the page is as before the run, with the reason where the status is.
      return {
        ...INITIAL_TRAINING_STATE,
        backend: state.backend,
        loaded: state.loaded,
        loading: state.loading,
        kept: state.kept,
        runId: state.runId,
        detail: msg.message,
      }
    case 'done':
      return {
        ...state,
        status: 'done',
        detail: msg.record.message ?? '',
        testing: false,
        record: msg.record,
        currentEpoch: state.epochs.length,
      }
  }
}
