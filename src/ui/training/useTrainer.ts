import { startTransition, useCallback, useEffect, useReducer, useRef, useState } from 'react'
import type { TrainConfig } from '../../model/config'
import type { RunRecord } from '../../model/results'
import type { ModelWeights } from '../../model/weights'
import type {
  BackendChoice,
  DatasetSource,
  ExploreAnswer,
  ExploreQuery,
  ToWorker,
} from '../../worker/protocol'
import { TrainerClient } from './trainerClient'
import { INITIAL_TRAINING_STATE, KEPT_RUN, trainingReducer, type TrainingState } from './trainingState'
import { datasetReducer, INITIAL_DATASET_STATE, type DatasetState } from '../data/datasetState'
import { useIngestActions, type IngestActions } from '../data/useIngest'

export interface Trainer {
  state: TrainingState
  load: (source: DatasetSource) => void
  start: (config: TrainConfig, source: DatasetSource) => void
  /** One step of `config` on data shaped like `source`, ahead of the next run (the `warm-up` message). */
  warmUp: (config: TrainConfig, source: DatasetSource) => void
  pause: () => void
  resume: () => void
  stop: () => void
  /**
   * Shows a run file's results; a run in progress is stopped first. With weights, the worker rebuilds
   * the model for the explorer (`state.importedModel` follows it); the weights are handed to the worker.
   */
  importRun: (record: RunRecord, fileName: string, weights: ModelWeights | null) => void
  /** The model of the run on screen (`record`) as a model-export zip, or null with the reason. */
  modelZip: (record: RunRecord) => Promise<{ zip: Uint8Array | null; message: string }>
  /** Deletes what this browser keeps between visits (the data and run on screen stay). */
  forgetKept: () => void
  /** The weights of the run on screen (trained here, or imported with weights), or null with the reason. */
  modelWeights: () => Promise<{ weights: ModelWeights | null; message: string }>
  /** Dropped files: their parsing, mapping, cleaning and EDA (see datasetState.ts). */
  dataset: DatasetState
  ingest: IngestActions
  /**
   * Asks the worker about the finished run's model (recommendations, attention, embedding map).
   * Resolves with an `error` answer when that model is gone (a newer run, an imported run file).
   */
  explore: (query: ExploreQuery) => Promise<ExploreAnswer>
}

/**
 * Training and ingestion over one `TrainerClient`, which owns the worker: it starts on mount with the
 * chosen backend and is terminated on unmount. A new backend choice switches the backend inside the same
 * worker, so the demo and an applied upload stay loaded. Exposes plain state and actions.
 */
export function useTrainer(backend: BackendChoice): Trainer {
  const [state, dispatch] = useReducer(trainingReducer, INITIAL_TRAINING_STATE)
  const [dataset, dispatchDataset] = useReducer(datasetReducer, INITIAL_DATASET_STATE)
  // The backend a worker starts with; later choices go through setBackend below.
  const [client] = useState(() => new TrainerClient(backend))
  const runIdRef = useRef(0)

  const importRun = useCallback(
    (record: RunRecord, fileName: string, weights: ModelWeights | null) => {
      client.post({ type: 'stop', runId: runIdRef.current })
      const runId = ++runIdRef.current
      dispatch({ type: 'run-imported', record, fileName, hasWeights: weights !== null })
      if (weights)
        void client
          .restore(runId, record.config, record.dataset, weights)
          .then(({ ok, message }) => dispatch({ type: 'model-restored', runId, ok, message }))
    },
    [client],
  )

  useEffect(() => {
    const unsubscribe = client.subscribe((message) => {
      // What the worker reports renders as a transition: React renders it in slices of a few
      // milliseconds, so an epoch's tables, chart and heatmap do not hold the page in one long task
      // (a click or a keystroke is answered between the slices and renders first).
      startTransition(() => {
        dispatch({ type: 'worker', message })
        dispatchDataset({ type: 'worker', message })
      })
      // A run a reload interrupted goes on from its last finished epoch; else the last run of an
      // earlier visit comes back as an opened run file would. Either only before anything else started.
      if (message.type === 'kept-checkpoint' && runIdRef.current === 0) {
        const runId = ++runIdRef.current
        const { config, source, epoch } = message
        dispatch({ type: 'run-started', runId, config, source, resumedFrom: epoch })
        client.post({ type: 'start', runId, config, source, resume: true })
      }
      if (message.type === 'kept-run' && runIdRef.current === 0)
        importRun(message.record, KEPT_RUN, message.weights)
    })
    // What earlier visits kept in this browser (an applied upload, the last run) comes back first.
    client.post({ type: 'kept-load' })
    return () => {
      unsubscribe()
      client.terminate()
      // Uploaded data lived in that worker.
      dispatchDataset({ type: 'worker-reset' })
    }
  }, [client, importRun])

  useEffect(() => {
    // A failure reaches the state as an `error` message too, which is where it is shown.
    client.setBackend(backend).catch(() => undefined)
  }, [client, backend])

  const send = useCallback((message: ToWorker) => client.post(message), [client])

  const load = useCallback((source: DatasetSource) => send({ type: 'load', source }), [send])
  const start = useCallback(
    (config: TrainConfig, source: DatasetSource) => {
      const runId = ++runIdRef.current
      dispatch({ type: 'run-started', runId, config, source })
      send({ type: 'start', runId, config, source })
    },
    [send],
  )
  const warmUp = useCallback(
    (config: TrainConfig, source: DatasetSource) => send({ type: 'warm-up', config, source }),
    [send],
  )
  const pause = useCallback(() => send({ type: 'pause', runId: runIdRef.current }), [send])
  const resume = useCallback(() => send({ type: 'resume', runId: runIdRef.current }), [send])
  const stop = useCallback(() => send({ type: 'stop', runId: runIdRef.current }), [send])
  const modelWeights = useCallback(() => client.weights(runIdRef.current), [client])
  const modelZip = useCallback((record: RunRecord) => client.modelZip(runIdRef.current, record), [client])
  const forgetKept = useCallback(() => send({ type: 'kept-forget' }), [send])

  const ingest = useIngestActions(dataset, dispatchDataset, client)

  const explore = useCallback((query: ExploreQuery) => client.explore(runIdRef.current, query), [client])

  return {
    state,
    load,
    start,
    warmUp,
    pause,
    resume,
    stop,
    importRun,
    modelWeights,
    modelZip,
    forgetKept,
    dataset,
    ingest,
    explore,
  }
}
