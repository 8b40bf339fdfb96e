import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { whole, type Sliced } from '../data/slices'
import { splitWithOrder } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { syntheticDataset } from '../demo/synthetic'
import { buildHistories, type Histories } from './history'
import { Preparation, prepareInSlices, type Prepared } from './prepare'
import { runTraining } from './run'
import { TINY_CONFIG } from './testing'
import * as tf from './tf'

/** Runs `work` to its end, counting its slices; throws past `most` (a preparation that never ends). */
function drive<T>(work: Sliced<T>, most = 100_000): { value: T; slices: number } {
  for (let slices = 0; slices <= most; slices++) {
    const next = work.next()
    if (next.done) return { value: next.value, slices }
  }
  throw new Error(`still not done after ${most} slices`)
}

/** Every row's history tokens, as numbers. */
function codes(histories: Histories, rows: number): number[] {
  const out: number[] = []
  for (let r = 0; r < rows; r++) for (let k = 0; k < histories.length; k++) out.push(histories.code(r, k))
  return out
}

function expectSame(a: Prepared, b: Prepared, data: EncodedDataset): void {
  expect(a.split).toEqual(b.split)
  expect(a.histories.length).toBe(b.histories.length)
  expect(codes(a.histories, data.interactionUser.length)).toEqual(
    codes(b.histories, data.interactionUser.length),
  )
}

// Timestamped (leave-last-out split, history tokens) and not (random split, none), 2,000 rows.
const timed = syntheticDataset(150, 80, 2000, 5, { timestamps: true })
const untimed = syntheticDataset(150, 80, 2000, 5, { timestamps: false })

describe('a preparation carried on in turns', () => {
  it.each([
    ['with timestamps', timed, 4],
    ['without', untimed, 0],
  ])('gives the arrays of one pass, whoever carries which slices (%s)', (_, data, length) => {
    const seed = 11
    const ordered = splitWithOrder(data, seed)
    const once: Prepared = {
      split: ordered.split,
      histories: buildHistories(data, ordered.split, length, ordered.inTime),
    }
    const total = drive(prepareInSlices(data, seed, length, 100)).slices
    // Many places to stop at, or the turns below would test nothing.
    expect(total).toBeGreaterThan(10)
    for (const ahead of [0, 1, 3, total - 1, total]) {
      const preparation = new Preparation(data, seed, length, 100)
      const first = preparation.rest()
      for (let k = 0; k < ahead; k++) expect(first.next().done).toBe(false)
      expect(preparation.done).toBe(false)
      // The second caller does only what is left; a third after it waits for nothing and gets the same.
      const second = drive(preparation.rest())
      expect(second.slices).toBe(total - ahead)
      expect(preparation.done).toBe(true)
      expectSame(second.value, once, data)
      const third = drive(preparation.rest())
      expect(third.slices).toBe(0)
      expect(third.value).toBe(second.value)
    }
  })

  it('fits only the same data object, seed and history length', () => {
    const preparation = new Preparation(timed, 1, 4)
    expect(preparation.fits(timed, 1, 4)).toBe(true)
    expect(preparation.fits(timed, 2, 4)).toBe(false)
    expect(preparation.fits(timed, 1, 3)).toBe(false)
    // Equal contents are not enough: another upload may encode to the same arrays and mean other things.
    expect(preparation.fits({ ...timed }, 1, 4)).toBe(false)
  })

  it('keeps a failure and gives it to every later caller, never an empty result', () => {
    const broken = { ...timed }
    Object.defineProperty(broken, 'interactionTime', {
      get: () => {
        throw new Error('the time column went away')
      },
    })
    const preparation = new Preparation(broken, 1, 4)
    expect(() => drive(preparation.rest())).toThrow('the time column went away')
    expect(() => drive(preparation.rest())).toThrow('the time column went away')
    expect(preparation.done).toBe(false)
  })
})

describe('a run given a preparation', () => {
  const { data } = loadDemoDataset(4, { users: 300, items: 60, interactions: 5000 })
  const config = { ...TINY_CONFIG, epochs: 1, seed: 9, earlyStoppingPatience: 0 }
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  /** A one-epoch run: its loss curve, test metrics, and the split it trained on. */
  async function runWith(preparation?: Preparation) {
    let split: Prepared['split'] | null = null
    const losses: number[] = []
    const result = await runTraining(data, config, {
      preparation,
      onPrepared: (p) => (split = p.split),
      onLoss: (p) => losses.push(p.loss),
    })
    return { split: split!, losses, test: result.test.model }
  }

  it('uses the one made ahead when it fits, and trains to the same numbers as a run without', async () => {
    const fresh = await runWith()
    // Part made ahead (as the worker does while the page waits), the rest by the run.
    const partly = new Preparation(data, config.seed, config.historyLength, 500)
    const work = partly.rest()
    for (let k = 0; k < 3; k++) work.next()
    const carried = await runWith(partly)
    expect(partly.done).toBe(true)
    const made = drive(partly.rest()).value
    expect(carried.split).toBe(made.split)
    expect(carried.losses).toEqual(fresh.losses)
    expect(carried.test).toEqual(fresh.test)
    expect(carried.split).toEqual(fresh.split)
  }, 120_000)

  it('makes its own when the one given is for another seed', async () => {
    const other = new Preparation(data, config.seed + 1, config.historyLength)
    const run = await runWith(other)
    expect(other.done).toBe(false)
    expect(run.split).toEqual(whole(prepareInSlices(data, config.seed, config.historyLength)).split)
  }, 120_000)
})
