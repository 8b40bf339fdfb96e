/**
 * Long work on a big log, done in slices: a generator that yields between slices, so a caller that
 * awaits between them (a training run, to see a Stop) can, and a caller that does not runs it through
 * at once with `whole`. The result is the same either way: the slicing only decides where a caller may
 * look up, never what is computed.
 */
export type Sliced<T> = Generator<void, T, void>

/**
 * Rows (or users, or swaps) per slice of a pass over a log: 2^20, tens of milliseconds of work at most
 * on the machines measured here, so a whole 10,000,000-row phase has a dozen places to stop in.
 */
export const SLICE_ROWS = 1 << 20

/** Runs sliced work through at once, for callers that do not stop it. */
export function whole<T>(work: Generator<unknown, T, void>): T {
  for (;;) {
    const next = work.next()
    if (next.done) return next.value
  }
}

/**
 * Sliced work that more than one caller may carry forward in turn (the training worker while the page
 * waits, then the run that needs it, which awaits its Stop checks between slices): whoever goes on picks
 * up the slice where the last one left off. The result is kept for every later caller; a failure too,
 * thrown to each, never an empty result. The generator is let go once done or failed, so a kept result
 * never holds a finished frame's working arrays.
 */
export class SharedWork<T> {
  private work: Generator<unknown, T, void> | null
  private result: { value: T } | null = null
  private failure: { error: unknown } | null = null

  constructor(work: Generator<unknown, T, void>) {
    this.work = work
  }

  get done(): boolean {
    return this.result !== null
  }

  /** The work left, in slices; at once when it is done. */
  *rest(): Sliced<T> {
    for (;;) {
      if (this.result) return this.result.value
      if (this.failure) throw this.failure.error
      let next: IteratorResult<unknown, T>
      try {
        next = this.work!.next()
      } catch (e) {
        this.failure = { error: e }
        this.work = null
        throw e
      }
      if (!next.done) yield
      else {
        this.result = { value: next.value }
        this.work = null
      }
    }
  }
}

/** [from, to) ranges that cover 0 … n − 1 in order, `size` at a time. */
export function* slicesOf(n: number, size: number): Generator<[number, number]> {
  for (let from = 0; from < n; from += size) yield [from, Math.min(n, from + size)]
}

/**
 * Consecutive ranges of users [from, to) of at least `sliceRows` rows each (the last may hold fewer),
 * where user u's rows are `start[u]` … `start[u + 1]` − 1, as `rowsByUser` gives them.
 */
export function* userSlices(start: Int32Array, sliceRows: number): Generator<[number, number]> {
  const users = start.length - 1
  for (let from = 0; from < users;) {
    let to = from + 1
    while (to < users && start[to] - start[from] < sliceRows) to++
    yield [from, to]
    from = to
  }
}

/**
 * Writes zeros over new arrays in order, a slice at a time, before a pass writes them at random places:
 * such a pass's first slice would otherwise touch every page at once, and the system's first touch of
 * 120 MB (two arrays of 10,000,000 rows) cost 0.45 s in one slice here.
 */
export function* touchInSlices(
  arrays: readonly (Int32Array | Float64Array)[],
  sliceRows: number,
): Sliced<void> {
  const n = Math.max(0, ...arrays.map((a) => a.length))
  for (let from = 0; from < n; from += sliceRows) {
    for (const a of arrays) a.fill(0, from, from + sliceRows)
    yield
  }
}
