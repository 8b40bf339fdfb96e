import { describe, expect, it } from 'vitest'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { datasetFingerprint } from '../model/runFile'
import { DemoCache } from './demoCache'
import type { DemoSource } from './protocol'

const SOURCE: DemoSource = { kind: 'demo', seed: 11, users: 300, items: 60, interactions: 6_000 }
const OTHER: DemoSource = { ...SOURCE, seed: 12 }
/** Small draw slices, so the demo takes many turns. */
const SLICE_WORK = 20_000
const expected = datasetFingerprint(loadDemoDataset(SOURCE.seed, SOURCE).data)

/** Carries the demo of `source` forward for `turns` turns, then gives up. */
async function giveUpAfter(cache: DemoCache, source: DemoSource, turns: number) {
  let asked = 0
  return cache.inTurns(source, () => ++asked >= turns)
}

describe('DemoCache', () => {
  it('makes the same demo whole or in turns, and keeps it for every later caller', async () => {
    const cache = new DemoCache(undefined, SLICE_WORK)
    const details: string[] = []
    let turns = 0
    const inTurns = await cache.inTurns(
      SOURCE,
      () => (turns++, false),
      (d) => details.push(d),
    )
    expect(turns).toBeGreaterThan(3)
    expect(datasetFingerprint(inTurns!)).toBe(expected)
    expect(cache.holding).toBe('finished')
    expect(cache.data(SOURCE)).toBe(inTurns)
    expect(await cache.inTurns(SOURCE, () => true)).toBe(inTurns)
    expect(datasetFingerprint(new DemoCache().data(SOURCE))).toBe(expected)
    for (const d of details)
      expect(d).toMatch(/^(Drawing the demo data: [\d,]+ of 6,000 interactions|Encoding the demo data)/)
  })

  it('leaves a demo given up where it stands, and the next caller carries it on to the same data', async () => {
    const cache = new DemoCache(undefined, SLICE_WORK)
    expect(await giveUpAfter(cache, SOURCE, 2)).toBeNull()
    expect(cache.holding).toBe('unfinished')
    let turns = 0
    const data = await cache.inTurns(SOURCE, () => (turns++, false))
    expect(datasetFingerprint(data!)).toBe(expected)
    // The two turns done before were not done again.
    const fresh = new DemoCache(undefined, SLICE_WORK)
    let all = 0
    await fresh.inTurns(SOURCE, () => (all++, false))
    expect(turns).toBe(all - 2)
  })

  it('lets an unfinished demo go when asked, and nothing else', async () => {
    const cache = new DemoCache(undefined, SLICE_WORK)
    await giveUpAfter(cache, SOURCE, 2)
    cache.dropUnfinished(OTHER)
    expect(cache.holding).toBe('unfinished')
    cache.dropUnfinished(SOURCE)
    expect(cache.holding).toBe('nothing')
    // Asked again, it is drawn from the start, to the same data.
    const data = cache.data(SOURCE)
    expect(datasetFingerprint(data)).toBe(expected)
    cache.dropUnfinished(SOURCE)
    expect(cache.holding).toBe('finished')
    expect(cache.data(SOURCE)).toBe(data)
  })

  it('a caller still carrying a dropped demo finishes it for itself', async () => {
    const cache = new DemoCache(undefined, SLICE_WORK)
    let turns = 0
    const carried = cache.inTurns(SOURCE, () => {
      if (++turns === 2) cache.dropUnfinished(SOURCE)
      return false
    })
    const data = await carried
    expect(datasetFingerprint(data!)).toBe(expected)
    expect(cache.holding).toBe('nothing')
  })

  it('holds one demo: another replaces it, and a finished one is handed to onReplaced', async () => {
    const replaced: EncodedDataset[] = []
    const cache = new DemoCache((d) => replaced.push(d), SLICE_WORK)
    await giveUpAfter(cache, SOURCE, 2)
    const other = cache.data(OTHER)
    expect(replaced).toEqual([]) // an unfinished demo has no data to hand over
    const first = cache.data(SOURCE)
    expect(replaced).toEqual([other])
    expect(datasetFingerprint(first)).toBe(expected)
    expect(datasetFingerprint(other)).not.toBe(expected)
  })
})
