import { whole } from '../data/slices'
import type { EncodedDataset } from '../data/types'
import {
  ComparisonSet,
  trainedBaselinesFor,
  type Checkpoint,
  type ComparisonEpoch,
  type ComparisonFinish,
  type Comparisons,
  type ComparisonState,
} from '../model/comparisons'
import type { TrainConfig } from '../model/config'
import { buildQueries, type EvalQueries } from '../model/evaluate'
import { prepareInSlices } from '../model/prepare'
import { MetricAccumulator, type AccumulatorData } from '../model/metrics'
import type { TrainedScorerName } from '../model/results'
import { nextTask } from './nextTask'

/**
 * The trained baselines in a second worker, beside the model: on a 2-core machine they are about 40% of
 * each epoch of the default demo when trained after the model in its worker (id-only 2.9 s, mean
 * pooling 6.1 s, sequence only 7.2 s against the model's 23.5 s, 2026-12-01), and tfjs's wasm backend
 * uses one thread of two there. The second worker makes its own split, histories and validation queries
 * from the same data and seed (the same ones, as the code is the same), trains the same batches, and
 * asks the run's checkpoint between its steps, so Pause and Stop reach it as they reach the model.
 *
 * The protocol is plain messages on a port (a Worker, or a MessageChannel's end in tests): calls with an
 * id answered by `result` or `failed`, and the other way the checkpoint's questions.
 */

/** What the second worker is started with. */
export interface ComparisonsInit {
  data: EncodedDataset
  config: TrainConfig
  names: TrainedScorerName[]
}

type Method = 'init' | 'trainEpoch' | 'save' | 'load' | 'finish' | 'rank' | 'dispose'

export type ToComparisons =
  | { kind: 'call'; id: number; method: Method; args: unknown[] }
  /** 'pause': the checkpoint has not answered for a while (paused); its own answer follows. */
  | { kind: 'answer'; answer: 'continue' | 'stop' | 'pause' }

export type FromComparisons =
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'failed'; id: number; message: string }
  | { kind: 'checkpoint' }

/** The part of a Worker or MessagePort both ends use. */
export interface Port {
  postMessage(message: unknown): void
  onmessage: ((event: MessageEvent) => void) | null
}

/** How often the second worker asks the run's checkpoint at most. */
const ASK_INTERVAL_MS = 50
/** A checkpoint that has not answered in this long is paused: the second worker is told to wait. */
const PAUSED_AFTER_MS = 100

/** The model's side: `Comparisons` whose work is done by `serveComparisons` at the other end of `port`. */
export class RemoteComparisons implements Comparisons {
  readonly parallel = true
  readonly names: readonly TrainedScorerName[]
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private failure: Error | null = null

  constructor(
    private readonly port: Port,
    init: ComparisonsInit,
    checkpoint: Checkpoint | undefined,
    private readonly close: () => void,
  ) {
    this.names = init.names
    port.onmessage = (event: MessageEvent<FromComparisons>) => {
      const message = event.data
      if (message.kind === 'checkpoint') {
        const reply = (answer: 'continue' | 'stop' | 'pause') =>
          this.port.postMessage({ kind: 'answer', answer } satisfies ToComparisons)
        const answer = checkpoint ? checkpoint() : Promise.resolve('continue' as const)
        const paused = setTimeout(() => reply('pause'), PAUSED_AFTER_MS)
        void answer.then(
          (value) => (clearTimeout(paused), reply(value)),
          () => (clearTimeout(paused), reply('stop')),
        )
        return
      }
      const call = this.pending.get(message.id)
      if (!call) return
      this.pending.delete(message.id)
      if (message.kind === 'result') call.resolve(message.value)
      else call.reject(new Error(message.message))
    }
    // Started at once: the second worker prepares while the model's first steps run. If that fails,
    // every later call fails with its message.
    void this.call('init', init).catch((e: Error) => this.fail(e))
  }

  /** Ends every call in flight with `error` (the worker failed to start or crashed). */
  fail(error: Error): void {
    this.failure ??= error
    for (const call of this.pending.values()) call.reject(error)
    this.pending.clear()
  }

  private call<T>(method: Method, ...args: unknown[]): Promise<T> {
    if (this.failure) return Promise.reject(this.failure)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.port.postMessage({ kind: 'call', id, method, args } satisfies ToComparisons)
    })
  }

  trainEpoch(epoch: number, keepBest: boolean): Promise<ComparisonEpoch> {
    return this.call('trainEpoch', epoch, keepBest)
  }

  save(epoch: number): Promise<ComparisonState[]> {
    return this.call('save', epoch)
  }

  load(saved: ComparisonState[]): Promise<void> {
    return this.call('load', saved)
  }

  finish(epochs: number): Promise<ComparisonFinish> {
    return this.call('finish', epochs)
  }

  /** The test queries are made there from the same split and seed (`testQueries` is not sent). */
  async rank(names: TrainedScorerName[]): Promise<Partial<Record<TrainedScorerName, MetricAccumulator>>> {
    const ranked = await this.call<[TrainedScorerName, AccumulatorData][]>('rank', names)
    return Object.fromEntries(ranked.map(([name, data]) => [name, MetricAccumulator.fromData(data)]))
  }

  dispose(): void {
    if (!this.failure)
      this.port.postMessage({ kind: 'call', id: 0, method: 'dispose', args: [] } satisfies ToComparisons)
    this.fail(new Error('the baselines worker was closed'))
    this.close()
  }
}

/**
 * The second worker's side: answers the calls of a `RemoteComparisons` on `port`, one at a time in the
 * order sent, with a `ComparisonSet` of its own. `ready` is awaited before the first call (the worker
 * starts its backend there).
 */
export function serveComparisons(port: Port, ready: Promise<unknown> = Promise.resolve()): void {
  let set: ComparisonSet | null = null
  let testQueries: (() => EvalQueries) | null = null
  let notReady: Error | null = null
  let queue: Promise<unknown> = ready.catch((e: unknown) => {
    notReady = e instanceof Error ? e : new Error(String(e))
  })
  // The checkpoint is asked without waiting for its answer: the model's worker reads messages only
  // between its own steps (150 ms on the demo), and waiting would stall these steps as long. The latest
  // answer holds: 'stop' ends the epoch at the next step, 'pause' waits here for the next answer.
  let latest: 'continue' | 'stop' | 'pause' = 'continue'
  let asking = false
  let lastLooked = 0
  let wake: (() => void) | null = null
  const checkpoint: Checkpoint = async () => {
    if (Date.now() - lastLooked >= ASK_INTERVAL_MS) {
      // One question at a time; and whether or not one is out, a turn of the event loop, the only
      // way an answer gets in (the steps between are synchronous).
      if (!asking) {
        asking = true
        port.postMessage({ kind: 'checkpoint' } satisfies FromComparisons)
      }
      await nextTask()
      lastLooked = Date.now()
    }
    while (latest === 'pause') await new Promise<void>((resolve) => (wake = resolve))
    return latest
  }
  const methods: Record<Method, (...args: never[]) => unknown> = {
    init: (given: ComparisonsInit) => {
      const { data, config } = given
      const { split, histories } = whole(prepareInSlices(data, config.seed, config.historyLength))
      const names = trainedBaselinesFor(config, histories)
      if (names.join() !== given.names.join())
        throw new Error(`the baselines worker would train ${names.join(', ')}, not ${given.names.join(', ')}`)
      set = new ComparisonSet(
        names,
        () => ({
          data,
          split,
          config,
          histories,
          validation: () => buildQueries(data, split, 'validation', config.seed),
        }),
        checkpoint,
        undefined,
        true, // beside the model: never tested at more epochs than it finished
      )
      let test: EvalQueries | null = null
      testQueries = () => (test ??= buildQueries(data, split, 'test', config.seed))
      return null
    },
    trainEpoch: (epoch: number, keepBest: boolean) => started().trainEpoch(epoch, keepBest),
    save: (epoch: number) => started().save(epoch),
    load: (saved: ComparisonState[]) => started().load(saved),
    finish: (epochs: number) => started().finish(epochs),
    rank: async (names: TrainedScorerName[]) => {
      const ranked = await started().rank(names, testQueries!)
      return Object.entries(ranked).map(([name, acc]) => [name, acc.toData()])
    },
    dispose: () => {
      set?.dispose()
      set = null
      return null
    },
  }
  const started = () => {
    if (!set) throw new Error('the baselines worker was not started')
    return set
  }
  port.onmessage = (event: MessageEvent<ToComparisons>) => {
    const message = event.data
    if (message.kind === 'answer') {
      // A 'pause' leaves the question open: its real answer comes when the checkpoint resolves.
      if (message.answer !== 'pause') asking = false
      if (latest !== 'stop') latest = message.answer
      wake?.()
      wake = null
      return
    }
    // Being closed, it has nothing left to do for the run: an epoch in flight ends at its next step
    // rather than train on to its end first (the page terminates this worker as well; a port that
    // cannot be terminated, as in tests, relies on this).
    if (message.method === 'dispose') {
      latest = 'stop'
      wake?.()
      wake = null
    }
    const run = async () => {
      try {
        if (notReady) throw notReady
        const value = await (methods[message.method] as (...args: unknown[]) => unknown)(...message.args)
        port.postMessage({ kind: 'result', id: message.id, value } satisfies FromComparisons)
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e)
        port.postMessage({ kind: 'failed', id: message.id, message: text } satisfies FromComparisons)
      }
    }
    queue = queue.then(run, run)
  }
}
