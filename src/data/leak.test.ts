import { describe, expect, it } from 'vitest'
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE } from '../demo/cardOffers'
import { loadDemoDataset } from '../demo/demoDataset'
import { findLeaks, LEAK_QUERIES } from './leak'
import { mulberry32, randInt } from './random'
import { splitDataset } from './split'
import { interactionsDataset } from './testing'
import type { EncodedDataset } from './types'

/**
 * A ratings log shaped like a movie data set: 400 users, 300 items in 10 genres with a long tail of
 * popularity, ratings 1–5 that depend on the user's taste for the genre, time order per user. Context
 * fields are added per test: one known at request time (a device drawn independently of the choice)
 * and the ones that leak.
 */
function ratingsLog(seed = 11) {
  const rng = mulberry32(seed)
  const users = 400
  const items = 300
  const genreOf = Int32Array.from({ length: items }, (_, i) => i % 10)
  const weight = Float64Array.from({ length: items }, (_, i) => 1 / (1 + i) ** 0.8)
  const total = weight.reduce((a, b) => a + b, 0)
  const interactionUser: number[] = []
  const interactionItem: number[] = []
  const interactionTime: number[] = []
  const ratings: number[] = []
  for (let u = 0; u < users; u++) {
    const n = 8 + randInt(rng, 40)
    const liked = randInt(rng, 10)
    for (let k = 0; k < n; k++) {
      let r = rng() * total
      let item = 0
      while (item < items - 1 && (r -= weight[item]) > 0) item++
      interactionUser.push(u)
      interactionItem.push(item)
      interactionTime.push(1_000_000 + u * 1000 + k)
      const base = genreOf[item] === liked ? 4.5 : 3
      ratings.push(Math.max(1, Math.min(5, Math.round(base + (rng() - 0.5) * 2))))
    }
  }
  const n = interactionUser.length
  const data = interactionsDataset(
    users,
    items,
    Int32Array.from(interactionUser),
    Int32Array.from(interactionItem),
    Float64Array.from(interactionTime),
  )
  return { data, ratings: Float64Array.from(ratings), genreOf, n, rng }
}

/** The dataset with the given per-interaction context columns (codes ≥ 1; 0 is missing). */
function withContext(data: EncodedDataset, columns: Record<string, ArrayLike<number>>): EncodedDataset {
  const names = Object.keys(columns)
  const n = data.interactionUser.length
  const codes = new Int32Array(n * names.length)
  names.forEach((name, f) => {
    for (let r = 0; r < n; r++) codes[r * names.length + f] = columns[name][r]
  })
  return {
    ...data,
    contextFields: names.map((name) => ({ name, tower: 'context', kind: 'categorical', vocabulary: [] })),
    contextCodes: codes,
  }
}

describe('findLeaks', () => {
  const { data, ratings, genreOf, n, rng } = ratingsLog()
  const device = Int32Array.from({ length: n }, () => 1 + randInt(rng, 3))
  const rating = Int32Array.from(ratings)
  const genre = Int32Array.from(data.interactionItem, (i) => 1 + genreOf[i])
  const dataset = withContext(data, { device, rating, genre })
  const split = splitDataset(dataset, 1)
  const leaks = findLeaks(dataset, split, ratings)

  it('flags a rating fed back as context, by how much of the held-out rating it explains', () => {
    expect(leaks.find((l) => l.field === 'rating' && l.target === 'rating')).toMatchObject({
      withField: 1,
      queries: split.validation.length,
    })
  })

  it('flags an attribute of the chosen item fed as context, by how well it finds the held-out item', () => {
    const found = leaks.find((l) => l.field === 'genre' && l.target === 'item')!
    expect(found).toBeDefined()
    expect(found.withField).toBeGreaterThan(2 * found.without)
    expect(found.withField - found.without).toBeGreaterThan(4 * found.standardError)
    expect(found.message).toMatch(/"genre" gives away the held-out item/)
  })

  it('does not flag context known at request time, and says nothing without context or a rating', () => {
    expect(leaks.filter((l) => l.field === 'device')).toEqual([])
    expect(findLeaks(data, splitDataset(data, 1), ratings)).toEqual([])
    expect(findLeaks(withContext(data, { rating }), splitDataset(data, 1), null)).toEqual([])
  })

  it("does not flag the demo's device context, whose effect on choices is real but mild", () => {
    const demo = loadDemoDataset(DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE).data
    const demoSplit = splitDataset(demo, 42)
    expect(demo.contextFields.map((f) => f.name)).toEqual(['device'])
    expect(findLeaks(demo, demoSplit, null)).toEqual([])
    expect(demoSplit.validation.length).toBeLessThanOrEqual(LEAK_QUERIES)
  })
})
