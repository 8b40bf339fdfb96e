import { describe, expect, it } from 'vitest'
import type { FromWorker, ToWorker } from '../../worker/protocol'
import { TrainerClient } from './trainerClient'

/** A stand-in for the training worker: records what it is sent and replies when the test says so. */
class FakeWorker {
  sent: ToWorker[] = []
  terminated = false
  onmessage: ((event: { data: FromWorker }) => void) | null = null
  onerror: ((event: { message: string }) => void) | null = null
  postMessage(message: ToWorker) {
    this.sent.push(message)
  }
  terminate() {
    this.terminated = true
  }
  reply(message: FromWorker) {
    this.onmessage?.({ data: message })
  }
}

function setUp() {
  const workers: FakeWorker[] = []
  const client = new TrainerClient('wasm', () => {
    const worker = new FakeWorker()
    workers.push(worker)
    return worker as unknown as Worker
  })
  const events: FromWorker[] = []
  client.subscribe((message) => events.push(message))
  return { client, workers, events }
}

describe('TrainerClient', () => {
  it('starts one worker on first use, initialised with the backend, and streams its events', () => {
    const { client, workers, events } = setUp()
    expect(workers).toHaveLength(0)
    client.post({ type: 'pause', runId: 1 })
    client.post({ type: 'resume', runId: 1 })
    expect(workers).toHaveLength(1)
    expect(workers[0].sent.map((m) => m.type)).toEqual(['init', 'pause', 'resume'])
    expect(workers[0].sent[0]).toMatchObject({ type: 'init', backend: 'wasm' })
    const loss: FromWorker = { type: 'loss', runId: 1, epoch: 1, points: [{ step: 1, loss: 2 }] }
    workers[0].reply(loss)
    expect(events).toEqual([loss])
  })

  it('switches the backend inside the same worker and resolves with the reply to that request', async () => {
    const { client, workers, events } = setUp()
    client.post({ type: 'load', source: { kind: 'upload', ingestId: 3, name: 'u.data' } })
    const switched = client.setBackend('cpu')
    expect(workers).toHaveLength(1)
    const init = workers[0].sent.at(-1)
    expect(init).toMatchObject({ type: 'init', backend: 'cpu' })
    const requestId = init?.type === 'init' ? init.requestId : undefined
    expect(requestId).toBeTypeOf('number')
    // A reply to another request (the first init) does not settle this one.
    workers[0].reply({ type: 'backend', backend: 'wasm', reason: 'first' })
    workers[0].reply({ type: 'backend', backend: 'cpu', reason: 'asked', requestId })
    await expect(switched).resolves.toEqual({ backend: 'cpu', reason: 'asked' })
    expect(workers[0].terminated).toBe(false)
    // The badge follows the backend messages too.
    expect(events.map((e) => (e.type === 'backend' ? e.backend : e.type))).toEqual(['wasm', 'cpu'])
  })

  it('starts a stopped worker with the chosen backend instead of sending a second init', async () => {
    const { client, workers } = setUp()
    const chosen = client.setBackend('webgl')
    expect(workers).toHaveLength(1)
    expect(workers[0].sent).toHaveLength(1)
    const init = workers[0].sent[0]
    expect(init).toMatchObject({ type: 'init', backend: 'webgl' })
    workers[0].reply({
      type: 'error',
      runId: null,
      message: 'No backend',
      requestId: init.type === 'init' ? init.requestId : -1,
    })
    await expect(chosen).rejects.toThrow('No backend')
  })

  it('matches explorer answers by request id and keeps them out of the event stream', async () => {
    const { client, workers, events } = setUp()
    client.post({ type: 'pause', runId: 2 })
    const first = client.explore(2, { kind: 'users', text: 'a' })
    const second = client.explore(2, { kind: 'map' })
    const ids = workers[0].sent.flatMap((m) => (m.type === 'explore' ? [m.requestId] : []))
    expect(new Set(ids).size).toBe(2)
    workers[0].reply({ type: 'explore', requestId: ids[1], runId: 2, answer: { kind: 'users', users: [] } })
    workers[0].reply({
      type: 'explore',
      requestId: ids[0],
      runId: 2,
      answer: { kind: 'error', message: 'x' },
    })
    await expect(second).resolves.toEqual({ kind: 'users', users: [] })
    await expect(first).resolves.toEqual({ kind: 'error', message: 'x' })
    expect(events).toEqual([])
  })

  it('settles open requests when terminated, and starts a fresh worker on the next use', async () => {
    const { client, workers } = setUp()
    client.post({ type: 'pause', runId: 1 })
    const answer = client.explore(1, { kind: 'map' })
    const timing = client.benchmark({
      itemVocabularies: [10],
      warmupSteps: 1,
      timedSteps: 1,
      config: {} as never,
      demo: { kind: 'demo', seed: 1, users: 50, items: 10, interactions: 500 },
    })
    client.terminate('gone')
    expect(workers[0].terminated).toBe(true)
    await expect(answer).resolves.toEqual({ kind: 'error', message: 'gone' })
    await expect(timing).rejects.toThrow('gone')
    client.post({ type: 'pause', runId: 1 })
    expect(workers).toHaveLength(2)
    expect(workers[1].sent[0]).toMatchObject({ type: 'init', backend: 'wasm' })
  })

  it('reports a crash as an error event and fails what was open', async () => {
    const { client, workers, events } = setUp()
    client.post({ type: 'pause', runId: 1 })
    const answer = client.explore(1, { kind: 'map' })
    workers[0].onerror?.({ message: 'boom' })
    await expect(answer).resolves.toEqual({ kind: 'error', message: 'The training worker crashed: boom' })
    expect(events).toEqual([{ type: 'error', runId: null, message: 'The training worker crashed: boom' }])
  })
})
