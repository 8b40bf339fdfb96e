import { describe, expect, it } from 'vitest'
import type { EncodedDataset } from '../data/types'
import { splitDataset } from '../data/split'
import { randomInteractions } from '../data/testing'
import '@tensorflow/tfjs-backend-cpu'
import { DEFAULT_TRAIN_CONFIG } from './config'
import { cooccurrenceScorer, cooccurrenceSteps, neighboursPerItem, recentHistories } from './cooccurrence'
import { buildQueries, firstQueries, rankQueries, RankingStopped } from './evaluate'
import { NO_HISTORIES } from './history'
import { Trainer } from './train'

/** Interactions as [user, item] or [user, item, time]; users u0.., items A, B, C... No features. */
function dataset(rows: [number, number, number?][], users: number, items: number): EncodedDataset {
  const timed = rows.every((r) => r[2] !== undefined)
  return {
    name: 'hand',
    userIds: Array.from({ length: users }, (_, u) => `u${u}`),
    itemIds: Array.from({ length: items }, (_, i) => String.fromCharCode(65 + i)),
    userFields: [],
    userCodes: new Int32Array(0),
    itemFields: [],
    itemCodes: new Int32Array(0),
    contextFields: [],
    contextCodes: new Int32Array(0),
    interactionUser: Int32Array.from(rows, (r) => r[0]),
    interactionItem: Int32Array.from(rows, (r) => r[1]),
    interactionTime: timed ? Float64Array.from(rows, (r) => r[2]!) : null,
  }
}

const [A, B, C, D, E] = [0, 1, 2, 3, 4]
/** u0: A B · u1: A C · u2: A C D · u3: B E, and u4 with one row only (kept out of training below). */
const HAND = dataset(
  [
    [0, A],
    [0, B],
    [1, A],
    [1, C],
    [2, A],
    [2, C],
    [2, D],
    [3, B],
    [3, E],
    [4, C],
  ],
  5,
  5,
)
const HAND_TRAIN = Int32Array.from({ length: 9 }, (_, i) => i)

async function scoresOf(data: EncodedDataset, train: Int32Array, row: number, seed = 1, itemUsers?: number) {
  const scorer = cooccurrenceScorer(data, train, seed, { itemUsers })
  return Array.from(await scorer(Int32Array.of(row)))
}

describe('cooccurrenceScorer', () => {
  it('sums the cosine similarities of the user’s items to each item', async () => {
    // Users per item: A 3, B 2, C 2, D 1, E 1. For u0 (items A, B), by hand:
    // C: A's users u1, u2 both have C → 2/√(3·2); E: u3 (B) has E → 1/√(2·1); D: u2 → 1/√(3·1);
    // A and B co-occur through u0 alone → 1/√(3·2) each (u0's own items, excluded when ranking).
    const s = await scoresOf(HAND, HAND_TRAIN, 0)
    expect(s[C]).toBeCloseTo(2 / Math.sqrt(6), 3)
    expect(s[E]).toBeCloseTo(1 / Math.sqrt(2), 3)
    expect(s[D]).toBeCloseTo(1 / Math.sqrt(3), 3)
    expect(s[A]).toBeCloseTo(1 / Math.sqrt(6), 3)
    expect(s[B]).toBeCloseTo(1 / Math.sqrt(6), 3)
    // Raw counts would tie D and E (one co-occurrence each) and popularity would too: the normalisation
    // puts E, seen with the rarer B, first.
    expect(s[C]).toBeGreaterThan(s[E])
    expect(s[E]).toBeGreaterThan(s[D])
  })

  it('keeps each item’s K most similar items only, ties by item index', async () => {
    // K = 1: A keeps C (2/√6 beats D 1/√3 and B 1/√6), B keeps E (1/√2 beats A 1/√6).
    const scorer = cooccurrenceScorer(HAND, HAND_TRAIN, 1, { neighbours: 1 })
    const s = Array.from(await scorer(Int32Array.of(0)))
    expect(s[C]).toBeCloseTo(2 / Math.sqrt(6), 3)
    expect(s[E]).toBeCloseTo(1 / Math.sqrt(2), 3)
    expect(Math.max(s[A], s[B], s[D])).toBeLessThan(1e-3)
    // u0 has A; u1, u2, u3 have A and one of C, D, E: three equal similarities, K = 2 keeps C and D.
    const tied = dataset(
      [
        [0, A],
        [1, A],
        [1, C],
        [2, A],
        [2, D],
        [3, A],
        [3, E],
      ],
      4,
      5,
    )
    const t = Array.from(
      await cooccurrenceScorer(
        tied,
        Int32Array.from({ length: 7 }, (_, i) => i),
        1,
        { neighbours: 2 },
      )(Int32Array.of(0)),
    )
    expect(t[C]).toBeCloseTo(1 / Math.sqrt(4), 3)
    expect(t[D]).toBeCloseTo(1 / Math.sqrt(4), 3)
    expect(t[E]).toBeLessThan(1e-3)
  })

  it('keeps exactly the K largest similarities of each item (checked against sorting all of them)', async () => {
    // 60 users with 8 random items of 30 (few users, so many similarities tie), and one user per item
    // j who has j alone: that user's scores are j's similarities to every other item.
    let state = 7
    const next = () => ((state = (state * 1664525 + 1013904223) >>> 0), state / 2 ** 32)
    const rows: [number, number][] = []
    for (let u = 0; u < 60; u++) for (let k = 0; k < 8; k++) rows.push([u, Math.floor(next() * 30)])
    for (let j = 0; j < 30; j++) rows.push([60 + j, j])
    const data = dataset(rows, 90, 30)
    const train = Int32Array.from(rows.keys())
    const all = cooccurrenceScorer(data, train, 1, { neighbours: 30 })
    for (const k of [1, 3, 7]) {
      const some = cooccurrenceScorer(data, train, 1, { neighbours: k })
      for (let j = 0; j < 30; j++) {
        const full = Array.from(await all(Int32Array.of(train.length - 30 + j)))
        const kept = Array.from(await some(Int32Array.of(train.length - 30 + j)))
        // Similarities are ≥ 1e-3 and the popularity tie-break under 1e-4: rounded to 1e-3, equal
        // similarities tie again, and the K largest are kept with ties by index.
        const ranked = full
          .map((score, i) => ({ score: Math.round(score * 1000), i }))
          .filter((x) => x.score > 0 && x.i !== j)
          .sort((a, b) => b.score - a.score || a.i - b.i)
        const want = new Set(ranked.slice(0, k).map((x) => x.i))
        kept.forEach((score, i) => expect([i, score > 1e-3]).toEqual([i, want.has(i)]))
      }
    }
  })

  it('keeps fewer neighbours per item in a catalogue of millions, so their memory stays bounded', () => {
    expect(neighboursPerItem(500)).toBe(100)
    expect(neighboursPerItem(200_000)).toBe(100)
    expect(neighboursPerItem(1_000_000)).toBe(20)
    expect(neighboursPerItem(10_000_000)).toBe(10)
    // A smaller K asked for is kept as it is.
    expect(neighboursPerItem(10_000_000, 3)).toBe(3)
  })

  it('learns from the training rows only', async () => {
    // Without u2's D row in training, D co-occurs with nothing: only the popularity tie-break is left.
    const train = HAND_TRAIN.filter((r) => r !== 6)
    const s = await scoresOf(HAND, train, 0)
    expect(s[D]).toBeLessThan(1e-3)
    expect(s[C]).toBeCloseTo(2 / Math.sqrt(6), 3)
  })

  it('ranks by training popularity for a user without training items, and fills a row per query', async () => {
    const scorer = cooccurrenceScorer(HAND, HAND_TRAIN, 1)
    const out = await scorer(Int32Array.of(9, 0))
    expect(out.length).toBe(2 * 5)
    const cold = Array.from(out.subarray(0, 5))
    // Training counts: A 3, B 2, C 2, D 1, E 1 → A first, B = C, then D = E, all tiny but not all equal.
    expect(cold[A]).toBeGreaterThan(cold[B])
    expect(cold[B]).toBeCloseTo(cold[C], 9)
    expect(cold[C]).toBeGreaterThan(cold[D])
    expect(cold[D]).toBeGreaterThan(0)
    expect(Math.max(...cold)).toBeLessThan(1e-3)
    // The second query of the batch is u0's, as when scored alone.
    expect(Array.from(out.subarray(5))).toEqual(await scoresOf(HAND, HAND_TRAIN, 0))
  })

  it('estimates a popular item’s co-occurrences from a seeded sample of its users, without bias', async () => {
    // u0 has A; u1..u5 have A and C. Exactly: C = 5 / √(6·5). With at most 2 users walked per item the
    // estimate is 2 or 1 (when u0 is drawn) times √6/2 · 1/√5, whose mean over samples is exact.
    const rows: [number, number][] = [[0, A]]
    for (let u = 1; u <= 5; u++) rows.push([u, A], [u, C])
    const data = dataset(rows, 6, 3)
    const train = Int32Array.from(rows.keys())
    const exact = 5 / Math.sqrt(30)
    expect((await scoresOf(data, train, 0, 1))[C]).toBeCloseTo(exact, 3)
    let sum = 0
    const seeds = 300
    for (let seed = 1; seed <= seeds; seed++) sum += (await scoresOf(data, train, 0, seed, 2))[C]
    expect(sum / seeds).toBeCloseTo(exact, 1)
    // The same seed draws the same sample.
    expect(await scoresOf(data, train, 0, 7, 2)).toEqual(await scoresOf(data, train, 0, 7, 2))
  })
})

describe('recentHistories', () => {
  // Few rows per user: each query reaches a few dozen of the 2,000 items and the rest keep the shared
  // tie-break order (`SparseRanking`). Many rows per user: each reaches nearly all 400 (its dense row).
  it.each([
    ['a sparse', 4_000, 2_000, [5, 200]],
    ['a dense', 30_000, 400, [300, 401]],
  ] as const)('ranks %s log directly, exactly as its dense scores rank', async (_, rows, items, reach) => {
    const data = randomInteractions(rows, 600, items, true, 9)
    const split = splitDataset(data, 5)
    const queries = buildQueries(data, split, 'validation', 5)
    const scorer = cooccurrenceScorer(data, split.train, 3)
    const options = { pairTemperature: 0.1, keepRecommendations: true }
    const dense = await rankQueries((rows) => scorer(rows), queries, items, options)
    let calls = 0
    const direct = await rankQueries(
      Object.assign((rows: Int32Array) => (calls++, scorer(rows)), { ranking: scorer.ranking }),
      queries,
      items,
      options,
    )
    expect(calls).toBe(0)
    expect(direct.result()).toEqual(dense.result())
    for (const metric of ['ndcg@10', 'recall@50', 'mrr'] as const)
      expect(Array.from(direct.perQuery(metric)!)).toEqual(Array.from(dense.perQuery(metric)!))
    const row = Array.from(await scorer(queries.rows.subarray(0, 1)))
    const reached = row.filter((s) => s > 1e-3 * Math.max(...row)).length
    expect(reached).toBeGreaterThan(reach[0])
    expect(reached).toBeLessThan(reach[1])
  })

  it('keeps each user’s most recent distinct items, newest first, by timestamp', () => {
    // u0's rows out of time order, with A twice: by time A(1) B(2) C(3) A(4) D(5).
    const data = dataset(
      [
        [0, C, 3],
        [0, A, 1],
        [0, D, 5],
        [0, B, 2],
        [0, A, 4],
        [1, B, 1],
      ],
      2,
      4,
    )
    const h = recentHistories(
      data,
      Int32Array.from({ length: 6 }, (_, i) => i),
      3,
    )
    expect(Array.from(h.items.subarray(h.start[0], h.start[1]))).toEqual([D, A, C])
    expect(Array.from(h.items.subarray(h.start[1], h.start[2]))).toEqual([B])
  })

  it('uses the file order without timestamps', () => {
    const h = recentHistories(HAND, HAND_TRAIN, 2)
    expect(Array.from(h.items.subarray(h.start[2], h.start[3]))).toEqual([D, C])
    expect(h.start[5] - h.start[4]).toBe(0)
  })
})

describe('co-occurrence built in steps', () => {
  const data = randomInteractions(20_000, 400, 3000, true)
  const split = splitDataset(data, 1)

  it('pauses at each phase and every 1,024 items, and gives the scorer built in one go', async () => {
    const steps = cooccurrenceSteps(data, split.train, 5)
    let pauses = 0
    let next = steps.next()
    for (; !next.done; next = steps.next()) pauses++
    // Two phases, then items 1,024 and 2,048 of 3,000.
    expect(pauses).toBe(4)
    const rows = split.validation.subarray(0, 20)
    expect(await next.value(rows)).toEqual(await cooccurrenceScorer(data, split.train, 5)(rows))
  })

  it('lets a Stop in while it builds: the baselines’ validation ranking ends before ranking anything', async () => {
    const config = { ...DEFAULT_TRAIN_CONFIG, historyLength: 0, seed: 5 }
    const trainer = new Trainer(data, split, config, NO_HISTORIES)
    // Fewer than 256 queries: ranking itself would not ask, so every call comes from the build.
    const queries = firstQueries(trainer.validationQueries, 100)
    try {
      let calls = 0
      const stopSecond = async () => (++calls === 2 ? ('stop' as const) : ('continue' as const))
      await expect(trainer.evaluateCountBaselines(queries, stopSecond)).rejects.toBeInstanceOf(RankingStopped)
      expect(calls).toBe(2)
      // Nothing half-built was kept: the next ranking builds again, the same as one built in one go.
      const goOn = async () => 'continue' as const
      const built = await trainer.evaluateCountBaselines(queries, goOn)
      const scorer = cooccurrenceScorer(data, split.train, config.seed)
      const direct = (await rankQueries(scorer, queries, data.itemIds.length)).result()
      expect(built['co-occurrence']).toEqual(direct)
    } finally {
      trainer.dispose()
    }
  })
})
