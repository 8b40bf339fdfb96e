import { SharedWork, whole, type Sliced } from '../data/slices'
import type { EncodedDataset } from '../data/types'
import { demoDatasetInSlices } from '../demo/demoDataset'
import type { DemoProgress } from '../demo/cardOffers'
import { normalizeDemoSource } from '../model/config'
import { nextTask } from './nextTask'
import type { DemoSource } from './protocol'

interface Made {
  key: string
  work: SharedWork<EncodedDataset>
  progress: DemoProgress
  target: number
  data: EncodedDataset | null
}

/**
 * The demo made last, or being made: its draws in slices (`SharedWork`), carried forward by whoever needs
 * it first (a load, a run, a warm-up), keyed by its size and seed. One demo at a time: asking for
 * another replaces it.
 */
export class DemoCache {
  private made: Made | null = null

  /**
   * `onReplaced` hears of a finished demo's data when another demo takes its place; `sliceWork` is the
   * draws' slice size (`cardOffersInSlices`; its default unless given).
   */
  constructor(
    private readonly onReplaced: (data: EncodedDataset) => void = () => {},
    private readonly sliceWork?: number,
  ) {}

  /** What is held: nothing, a demo still being drawn or encoded, or a finished one. */
  get holding(): 'nothing' | 'unfinished' | 'finished' {
    return !this.made ? 'nothing' : this.made.data ? 'finished' : 'unfinished'
  }

  /** The demo of `source`, made at once when it is not made yet. */
  data(source: DemoSource): EncodedDataset {
    const made = this.demoFor(source)
    return (made.data ??= whole(made.work.rest()))
  }

  /**
   * `data` with a task between slices, so a Stop (or anything queued) is read while a big demo is drawn
   * (~3 s of draws and 1 s of encoding at 1,000,000 interactions): `giveUp` is asked after each slice,
   * and null is returned when it says so, the work left where it stands for the next caller;
   * `onProgress` hears how far the draws are, at most every quarter second.
   */
  async inTurns(
    source: DemoSource,
    giveUp: () => boolean,
    onProgress?: (detail: string) => void,
  ): Promise<EncodedDataset | null> {
    const made = this.demoFor(source)
    if (made.data) return made.data
    const work = made.work.rest()
    let lastPost = Date.now()
    for (;;) {
      const next = work.next()
      if (next.done) return (made.data = next.value)
      await nextTask()
      if (giveUp()) return null
      if (onProgress && Date.now() - lastPost > 250) {
        lastPost = Date.now()
        const drawn = made.progress.interactions.toLocaleString('en-US')
        onProgress(
          !made.progress.drawn
            ? `Drawing the demo data: ${drawn} of ${made.target.toLocaleString('en-US')} interactions`
            : `Encoding the demo data (${drawn} interactions)`,
        )
      }
    }
  }

  /**
   * Lets the demo of `source` go if it is not finished: a load given up because other data came first
   * leaves nothing behind (the drawn strings of a 1,000,000-interaction demo are a few hundred MB). A
   * caller still carrying it forward keeps its own reference and finishes it for itself.
   */
  dropUnfinished(source: DemoSource): void {
    if (this.made && !this.made.data && this.made.key === keyOf(source)) this.made = null
  }

  /** The demo of `source` (sizes clamped by the settings table: a message can come from the benchmark door). */
  private demoFor(source: DemoSource): Made {
    const key = keyOf(source)
    if (this.made?.key !== key) {
      if (this.made?.data) this.onReplaced(this.made.data)
      const size = normalizeDemoSource(source)
      const progress: DemoProgress = { interactions: 0, drawn: false }
      const work = new SharedWork(demoDataInSlices(size, progress, this.sliceWork))
      this.made = { key, work, progress, target: size.interactions, data: null }
    }
    return this.made
  }
}

function keyOf(source: DemoSource): string {
  return JSON.stringify(normalizeDemoSource(source))
}

/**
 * A demo's encoded data in slices. Only the encoding is kept: the drawn world's string tables (~100 MB
 * at 1,000,000 interactions) go once it is made.
 */
function* demoDataInSlices(
  size: DemoSource,
  progress: DemoProgress,
  sliceWork: number | undefined,
): Sliced<EncodedDataset> {
  return (yield* demoDatasetInSlices(size.seed, size, progress, sliceWork)).data
}
