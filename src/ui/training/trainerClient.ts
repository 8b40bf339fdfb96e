/**
 * The one owner of a training worker's life (squoosh style): starts it on first use with the chosen
 * backend, sends fire-and-forget messages (run control, ingestion), makes typed requests whose replies
 * are matched by a request id, and hands every other message (training and ingest events, the backend,
 * errors) to its subscribers. Terminating it settles every open request.
 */
import type {
  BackendChoice,
  BackendName,
  BenchmarkRequest,
  BenchmarkResult,
  ExploreAnswer,
  ExploreQuery,
  FromWorker,
  ToWorker,
} from '../../worker/protocol'
import type { RunDataset, RunRecord } from '../../model/results'
import type { TrainConfig } from '../../model/config'
import type { ModelWeights } from '../../model/weights'

export type WorkerListener = (message: FromWorker) => void

interface PendingRequest {
  /** The worker's reply carrying this request's id (an `error` when it failed). */
  reply: (message: FromWorker) => void
  /** The request can no longer be answered (the worker was terminated or crashed). */
  fail: (reason: string) => void
}

const createTrainerWorker = () =>
  new Worker(new URL('../../worker/trainer.worker.ts', import.meta.url), { type: 'module' })

export class TrainerClient {
  private worker: Worker | null = null
  private lastRequestId = 0
  private readonly pending = new Map<number, PendingRequest>()
  private readonly listeners = new Set<WorkerListener>()

  /**
   * `backend` is what a worker started later is initialised with; `setBackend` changes it. `wasmThreads`
   * caps wasm's threads in that worker (the device test compares wasm on one thread with all of them).
   */
  constructor(
    private backend: BackendChoice,
    private readonly createWorker: () => Worker = createTrainerWorker,
    private readonly wasmThreads?: number,
  ) {}

  /** Calls `listener` with every message that is not a reply to a request; returns the unsubscribe. */
  subscribe(listener: WorkerListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Sends a message that needs no reply (run control, ingestion); starts the worker if needed. */
  post(message: ToWorker): void {
    ;(this.worker ?? this.start()).postMessage(message)
  }

  /**
   * Switches the backend inside the running worker (its data stay), or sets the backend a worker starts
   * with. Resolves with the backend that started and why; rejects when none could.
   */
  setBackend(choice: BackendChoice): Promise<{ backend: BackendName; reason: string }> {
    this.backend = choice
    return this.request(
      (requestId) => {
        if (this.worker)
          this.worker.postMessage({ type: 'init', backend: choice, requestId } satisfies ToWorker)
        else this.start(requestId)
      },
      (reply) => (reply.type === 'backend' ? { backend: reply.backend, reason: reply.reason } : undefined),
    )
  }

  /** Asks about the model of run `runId`; a gone worker or model answers with an `error` answer. */
  explore(runId: number, query: ExploreQuery): Promise<ExploreAnswer> {
    if (!this.worker) return Promise.resolve({ kind: 'error', message: 'The worker is not running.' })
    return this.request(
      (requestId) => this.post({ type: 'explore', requestId, runId, query }),
      (reply) => (reply.type === 'explore' ? reply.answer : undefined),
    ).catch((e: unknown) => ({ kind: 'error', message: e instanceof Error ? e.message : String(e) }))
  }

  /** The weights of run `runId`'s model, or null with the reason when it is gone. */
  weights(runId: number): Promise<{ weights: ModelWeights | null; message: string }> {
    if (!this.worker) return Promise.resolve({ weights: null, message: 'The worker is not running.' })
    return this.request(
      (requestId) => this.post({ type: 'weights', requestId, runId }),
      (reply) => (reply.type === 'weights' ? { weights: reply.weights, message: reply.message } : undefined),
    ).catch((e: unknown) => ({ weights: null, message: e instanceof Error ? e.message : String(e) }))
  }

  /** Run `runId`'s model as a model-export zip, or null with the reason when it is gone. */
  modelZip(runId: number, record: RunRecord): Promise<{ zip: Uint8Array | null; message: string }> {
    if (!this.worker) return Promise.resolve({ zip: null, message: 'The worker is not running.' })
    return this.request(
      (requestId) => this.post({ type: 'model-zip', requestId, runId, record }),
      (reply) => (reply.type === 'model-zip' ? { zip: reply.zip, message: reply.message } : undefined),
    ).catch((e: unknown) => ({ zip: null, message: e instanceof Error ? e.message : String(e) }))
  }

  /**
   * Rebuilds an imported run's model in the worker (see the `restore` message). The weights' buffers are
   * handed over to the worker, so the caller must not use them afterwards.
   */
  restore(
    runId: number,
    config: TrainConfig,
    dataset: RunDataset,
    weights: ModelWeights,
  ): Promise<{ ok: boolean; message: string }> {
    const worker = this.worker ?? this.start()
    return this.request(
      (requestId) =>
        worker.postMessage(
          { type: 'restore', requestId, runId, config, dataset, weights } satisfies ToWorker,
          weights.variables.map((v) => v.values.buffer),
        ),
      (reply) => (reply.type === 'restored' ? { ok: reply.ok, message: reply.message } : undefined),
    ).catch((e: unknown) => ({ ok: false, message: e instanceof Error ? e.message : String(e) }))
  }

  /** Times training steps on the current backend (see model/benchmark.ts). */
  benchmark(request: BenchmarkRequest): Promise<BenchmarkResult> {
    return this.request(
      (requestId) => this.post({ type: 'benchmark', requestId, request }),
      (reply) => (reply.type === 'benchmark' ? reply.result : undefined),
    )
  }

  /** Ends the worker (and the data in it); open requests fail with `reason`. The next use starts anew. */
  terminate(reason = 'The worker was restarted.'): void {
    this.worker?.terminate()
    this.worker = null
    this.failPending(reason)
  }

  private start(initRequestId?: number): Worker {
    const worker = this.createWorker()
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data)
    worker.onerror = (event) => {
      const message = `The training worker crashed: ${event.message || 'unknown error'}`
      this.failPending(message)
      this.emit({ type: 'error', runId: null, message })
    }
    worker.postMessage({
      type: 'init',
      backend: this.backend,
      requestId: initRequestId,
      wasmThreads: this.wasmThreads,
    } satisfies ToWorker)
    this.worker = worker
    return worker
  }

  /**
   * Sends a request with a fresh id; resolves with `read` of the reply carrying that id, rejects on an
   * `error` reply or when the worker goes.
   */
  private request<T>(
    send: (requestId: number) => void,
    read: (reply: FromWorker) => T | undefined,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const requestId = ++this.lastRequestId
      this.pending.set(requestId, {
        reply: (message) => {
          const value = message.type === 'error' ? undefined : read(message)
          if (value !== undefined) resolve(value)
          else
            reject(new Error(message.type === 'error' ? message.message : `Unexpected ${message.type} reply`))
        },
        fail: (reason) => reject(new Error(reason)),
      })
      send(requestId)
    })
  }

  private receive(message: FromWorker): void {
    if ('requestId' in message && message.requestId !== undefined) {
      const pending = this.pending.get(message.requestId)
      this.pending.delete(message.requestId)
      pending?.reply(message)
    }
    // Explorer answers and benchmark results are replies only; everything else is an event as well.
    if (
      message.type === 'explore' ||
      message.type === 'benchmark' ||
      message.type === 'weights' ||
      message.type === 'restored' ||
      message.type === 'model-zip'
    )
      return
    this.emit(message)
  }

  private emit(message: FromWorker): void {
    for (const listener of this.listeners) listener(message)
  }

  private failPending(reason: string): void {
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const request of pending) request.fail(reason)
  }
}
