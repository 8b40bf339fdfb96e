/**
 * Serialises requests to the worker and keeps only the newest: one request is in flight at a time;
 * requests made meanwhile replace each other, and only the answer to the newest request is delivered
 * (an answer that a newer request has overtaken is dropped, so the screen never shows a stale view).
 */
export class LatestOnly<Q, A> {
  private busy = false
  private next: { query: Q } | null = null
  /** Bumped by every request and by `cancel`; an answer is delivered only if it is still current. */
  private generation = 0
  private newest: Q | null = null

  constructor(
    private readonly send: (query: Q) => Promise<A>,
    private readonly deliver: (answer: A, query: Q) => void,
  ) {}

  /** The newest request made (null before the first). */
  get latest(): Q | null {
    return this.newest
  }

  request(query: Q): void {
    this.newest = query
    this.generation++
    if (this.busy) {
      this.next = { query }
      return
    }
    this.run(query)
  }

  /** Drops the pending request and the answer of the one in flight. */
  cancel(): void {
    this.generation++
    this.next = null
  }

  private run(query: Q): void {
    this.busy = true
    const generation = this.generation
    void this.send(query).then((answer) => {
      this.busy = false
      const next = this.next
      if (next) {
        this.next = null
        this.run(next.query)
      } else if (generation === this.generation) this.deliver(answer, query)
    })
  }
}
