import { useCallback, useEffect, useReducer, useRef } from 'react'
import type { TrainConfig } from '../model/config'
import type { RunRecord } from '../model/results'
import type {
  BackendChoice,
  DatasetSource,
  ExploreAnswer,
  ExploreQuery,
  FromWorker,
  ToWorker,
} from '../worker/protocol'
import { INITIAL_TRAINING_STATE, trainingReducer, type TrainingState } from './trainingState'
import { datasetReducer, INITIAL_DATASET_STATE, type DatasetState } from './datasetState'
import { useIngestActions, type IngestActions } from './useIngest'

export interface Trainer {
  state: TrainingState
  load: (source: DatasetSource) => void
  start: (config: TrainConfig, source: DatasetSource) => void
  pause: () => void
  resume: () => void
  stop: () => void
  /** Shows a run file's results; a run in progress is stopped first. */
  importRun: (record: RunRecord, fileName: string) => void
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
 * The one owner of the training worker: creates it (and picks the backend) on mount, recreates it when
 * the backend choice changes, terminates it on unmount. Exposes plain state and four actions.
 */
export function useTrainer(backend: BackendChoice): Trainer {
  const [state, dispatch] = useReducer(trainingReducer, INITIAL_TRAINING_STATE)
  const [dataset, dispatchDataset] = useReducer(datasetReducer, INITIAL_DATASET_STATE)
  const workerRef = useRef<Worker | null>(null)
  const runIdRef = useRef(0)
  const explorePending = useRef(new Map<number, (answer: ExploreAnswer) => void>())
  const exploreIdRef = useRef(0)

  useEffect(() => {
    const worker = new Worker(new URL('../worker/trainer.worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      if (event.data.type === 'explore') {
        const pending = explorePending.current.get(event.data.requestId)
        explorePending.current.delete(event.data.requestId)
        pending?.(event.data.answer)
        return
      }
      dispatch({ type: 'worker', message: event.data })
      dispatchDataset({ type: 'worker', message: event.data })
    }
    worker.onerror = (event) =>
      dispatch({
        type: 'worker',
        message: {
          type: 'error',
          runId: null,
          message: `The training worker crashed: ${event.message || 'unknown error'}`,
        },
      })
    worker.postMessage({ type: 'init', backend } satisfies ToWorker)
    workerRef.current = worker
    const pending = explorePending.current
    return () => {
      for (const resolve of pending.values()) resolve({ kind: 'error', message: 'The worker was restarted.' })
      pending.clear()
      worker.terminate()
      workerRef.current = null
      // Uploaded data lived in that worker.
      dispatchDataset({ type: 'worker-reset' })
    }
  }, [backend])

  const send = useCallback((message: ToWorker) => workerRef.current?.postMessage(message), [])

  const load = useCallback((source: DatasetSource) => send({ type: 'load', source }), [send])
  const start = useCallback(
    (config: TrainConfig, source: DatasetSource) => {
      const runId = ++runIdRef.current
      dispatch({ type: 'run-started', runId, config, source })
      send({ type: 'start', runId, config, source })
    },
    [send],
  )
  const pause = useCallback(() => send({ type: 'pause', runId: runIdRef.current }), [send])
  const resume = useCallback(() => send({ type: 'resume', runId: runIdRef.current }), [send])
  const stop = useCallback(() => send({ type: 'stop', runId: runIdRef.current }), [send])
  const importRun = useCallback(
    (record: RunRecord, fileName: string) => {
      send({ type: 'stop', runId: runIdRef.current })
      runIdRef.current++
      dispatch({ type: 'run-imported', record, fileName })
    },
    [send],
  )

  const ingest = useIngestActions(dataset, dispatchDataset, send)

  const explore = useCallback(
    (query: ExploreQuery) =>
      new Promise<ExploreAnswer>((resolve) => {
        if (!workerRef.current) return resolve({ kind: 'error', message: 'The worker is not running.' })
        const requestId = ++exploreIdRef.current
        explorePending.current.set(requestId, resolve)
        send({ type: 'explore', requestId, runId: runIdRef.current, query })
      }),
    [send],
  )

  return { state, load, start, pause, resume, stop, importRun, dataset, ingest, explore }
}
