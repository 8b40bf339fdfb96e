import { describe, expect, it } from 'vitest'
import { LatestOnly } from './latestOnly'

/** A fake worker whose answers the test releases one by one. */
function fakeWorker() {
  const sent: { query: number; resolve: (a: string) => void }[] = []
  const send = (query: number) => new Promise<string>((resolve) => sent.push({ query, resolve }))
  return { sent, send }
}
const flush = () => new Promise((r) => setTimeout(r, 0))

describe('LatestOnly', () => {
  it('sends one request at a time and only the newest of those made meanwhile', async () => {
    const worker = fakeWorker()
    const delivered: string[] = []
    const queue = new LatestOnly<number, string>(worker.send, (a) => delivered.push(a))
    queue.request(1)
    queue.request(2)
    queue.request(3)
    expect(worker.sent.map((s) => s.query)).toEqual([1])
    worker.sent[0].resolve('answer 1')
    await flush()
    // The answer to 1 is stale (3 was asked since); 2 was never sent.
    expect(delivered).toEqual([])
    expect(worker.sent.map((s) => s.query)).toEqual([1, 3])
    worker.sent[1].resolve('answer 3')
    await flush()
    expect(delivered).toEqual(['answer 3'])
    expect(queue.latest).toBe(3)
  })

  it('delivers an answer when nothing newer was asked, and drops it after cancel', async () => {
    const worker = fakeWorker()
    const delivered: string[] = []
    const queue = new LatestOnly<number, string>(worker.send, (a) => delivered.push(a))
    expect(queue.latest).toBeNull()
    queue.request(1)
    worker.sent[0].resolve('one')
    await flush()
    expect(delivered).toEqual(['one'])
    queue.request(2)
    queue.cancel()
    worker.sent[1].resolve('two')
    await flush()
    expect(delivered).toEqual(['one'])
  })
})
