import { describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { randomInteractions } from '../data/testing'
import type { EncodedDataset } from '../data/types'
import { MAX_EVAL_QUERIES } from './config'
import {
  buildQueries,
  COMPARED_METRICS,
  evaluateRanking,
  evaluationRows,
  rankingBatch,
  rankQueries,
  firstQueries,
  summarizeTest,
  type EvalQueries,
} from './evaluate'
import { MetricAccumulator, sameForEveryQuery, SharedRanking, SparseRanking, topK } from './metrics'
import { mulberry32 } from '../data/random'
import { randomScorer } from './baselines'
import { verdictOf } from './uncertainty'

describe('evaluation queries', () => {
  const data = randomInteractions(150_000, 3000, 400, false, 11)
  const split = splitDataset(data, 1)

  it('rank every held-out row of a split up to the cap', () => {
    expect(split.validation.length).toBe(15_000)
    expect(Array.from(evaluationRows(split, 'validation', 1, 20_000))).toEqual(Array.from(split.validation))
  })

  it('above the cap, rank a seeded sample that keeps split order and is the same for the same seed', () => {
    expect(MAX_EVAL_QUERIES).toBeLessThan(split.validation.length)
    const rows = evaluationRows(split, 'validation', 1)
    expect(rows.length).toBe(MAX_EVAL_QUERIES)
    const position = new Map(Array.from(split.validation, (r, i) => [r, i]))
    const positions = Array.from(rows, (r) => position.get(r)!)
    expect(positions.every((p) => p !== undefined)).toBe(true)
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true)
    expect(Array.from(evaluationRows(split, 'validation', 1))).toEqual(Array.from(rows))
    expect(Array.from(evaluationRows(split, 'validation', 2))).not.toEqual(Array.from(rows))
    // Not just the first rows: the sample reaches the end of the split.
    expect(positions.at(-1)!).toBeGreaterThan(split.validation.length * 0.9)
    const queries = buildQueries(data, split, 'validation', 1)
    expect(Array.from(queries.rows)).toEqual(Array.from(rows))
    expect(Array.from(queries.targets)).toEqual(Array.from(rows, (r) => data.interactionItem[r]))
  })
})

/**
 * Interactions written by hand, as [user, item, time], rows deliberately out of user and time order.
 * Leave-last-out, so the expected split can be read off:
 * - u0: i0@1 i1@2 i0@3 (train, i0 twice), i2@4 (validation), i3@5 (test).
 * - u1: i4 three times: train, validation and test are all the same item.
 * - u2: two interactions only, so all train and no query.
 * - u3: i1@1 i2@2 (train), i5@3 (validation), i1@4 (test: an item already seen in train).
 * - u4: every item of the catalogue, i0..i4 in train, i5 validation, i6 test.
 */
const HAND: [user: number, item: number, time: number][] = [
  [0, 0, 1],
  [3, 5, 3],
  [0, 1, 2],
  [1, 4, 1],
  [3, 1, 1],
  [0, 0, 3],
  [2, 2, 1],
  [1, 4, 2],
  [0, 2, 4],
  [3, 2, 2],
  [2, 3, 2],
  [1, 4, 3],
  [0, 3, 5],
  [3, 1, 4],
  ...Array.from({ length: 7 }, (_, i): [number, number, number] => [4, 6 - i, 7 - i]),
]

function handDataset(): EncodedDataset {
  return {
    ...randomInteractions(0, 5, 7, true),
    interactionUser: Int32Array.from(HAND, ([u]) => u),
    interactionItem: Int32Array.from(HAND, ([, i]) => i),
    interactionTime: Float64Array.from(HAND, ([, , t]) => t),
  }
}

/** Row of HAND for (user, time). */
const rowOf = (user: number, time: number) => HAND.findIndex(([u, , t]) => u === user && t === time)

describe('evaluation queries exclude what the user is known to have, on data with known answers', () => {
  const data = handDataset()
  const split = splitDataset(data, 1)
  const plain = (q: EvalQueries) => ({
    rows: Array.from(q.rows),
    targets: Array.from(q.targets),
    excluded: q.excluded.map((e) => Array.from(e)),
  })

  it('validation excludes exactly the user’s training items (once each, sorted), even the target', () => {
    expect(plain(buildQueries(data, split, 'validation'))).toEqual({
      rows: [rowOf(0, 4), rowOf(1, 2), rowOf(3, 3), rowOf(4, 6)],
      targets: [2, 4, 5, 5],
      excluded: [[0, 1], [4], [1, 2], [0, 1, 2, 3, 4]],
    })
  })

  it('test excludes exactly the training and validation items, never the user’s test items', () => {
    expect(plain(buildQueries(data, split, 'test'))).toEqual({
      rows: [rowOf(0, 5), rowOf(1, 3), rowOf(3, 4), rowOf(4, 7)],
      targets: [3, 4, 1, 6],
      excluded: [[0, 1, 2], [4], [1, 2, 5], [0, 1, 2, 3, 4, 5]],
    })
  })

  it('the target is ranked even when the user had it before (repeat consumption counts)', async () => {
    // A leaking scorer: every item the user had up to the query's time (the target included) scores
    // 100, every other item its own index.
    const nItems = data.itemIds.length
    const hadBy = (row: number) =>
      new Set(HAND.filter(([u, , t]) => u === HAND[row][0] && t <= HAND[row][2]).map(([, i]) => i))
    const leaking = (rows: Int32Array) =>
      Float32Array.from(
        Array.from(rows, hadBy).flatMap((had) =>
          Array.from({ length: nItems }, (_, item) => (had.has(item) ? 100 : item)),
        ),
      )
    // With the known items excluded, the only candidate at 100 is the target: rank 1 for every query,
    // u1 and u3 included, whose target is also among their excluded items.
    for (const part of ['validation', 'test'] as const) {
      const metrics = await evaluateRanking(leaking, buildQueries(data, split, part), nItems)
      expect(metrics.queries).toBe(4)
      expect(metrics.mrr).toBe(1)
      expect(metrics['ndcg@10']).toBe(1)
    }
    // Without the exclusion the known items tie with the target. u0's test query, by hand: the target
    // ties with i0, i1, i2, so its expected reciprocal rank is (1 + 1/2 + 1/3 + 1/4) / 4.
    const u0Test = buildQueries(data, split, 'test')
    const unexcluded = { ...u0Test, excluded: u0Test.excluded.map(() => new Int32Array(0)) }
    const metrics = await evaluateRanking(leaking, firstQueries(unexcluded, 1), nItems)
    expect(metrics.mrr).toBeCloseTo((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4, 12)
  })

  it('negatives are items the user never has in any part, and none when the user has them all', () => {
    for (const part of ['validation', 'test'] as const) {
      const { rows, negatives } = buildQueries(data, split, part)
      const users = Array.from(rows, (r) => data.interactionUser[r])
      expect(negatives[3]).toBe(-1) // u4 has every item
      users.slice(0, 3).forEach((u, q) => {
        expect(negatives[q]).toBeGreaterThanOrEqual(0)
        expect(negatives[q]).toBeLessThan(data.itemIds.length)
        expect(HAND.some(([hu, hi]) => hu === u && hi === negatives[q])).toBe(false)
      })
    }
  })
})

describe('evaluation queries on a random split with many repeated items, against plain reference code', () => {
  // 40 users × 25 items and 3,000 interactions: each user repeats items, and has several validation
  // and test rows (a random split), so other held-out rows of the same user exist.
  const data = randomInteractions(3000, 40, 25, false, 5)
  const split = splitDataset(data, 2)
  const itemsOf = (parts: Int32Array[], user: number) =>
    [
      ...new Set(
        parts.flatMap((rows) =>
          Array.from(rows)
            .filter((r) => data.interactionUser[r] === user)
            .map((r) => data.interactionItem[r]),
        ),
      ),
    ].sort((a, b) => a - b)

  it.each([
    ['validation', 10_000],
    ['test', 10_000],
    ['validation', 50],
    ['test', 50],
  ] as const)('%s (at most %i queries)', (part, max) => {
    const known = part === 'validation' ? [split.train] : [split.train, split.validation]
    const queries = buildQueries(data, split, part, 4, max)
    expect(queries.rows.length).toBe(Math.min(max, split[part].length))
    const users = Array.from(queries.rows, (r) => data.interactionUser[r])
    // The premise: repeats, and users with another held-out row in the same part.
    expect(users.some((u, q) => itemsOf(known, u).includes(queries.targets[q]))).toBe(true)
    expect(new Set(users).size).toBeLessThan(users.length)
    users.forEach((u, q) => {
      expect(Array.from(queries.excluded[q])).toEqual(itemsOf(known, u))
      expect(itemsOf([split.train, split.validation, split.test], u)).not.toContain(queries.negatives[q])
    })
  })
})
describe('the test summary: standard errors and paired differences', () => {
  /** An accumulator over `ranks` (strictly better items per query), each query recommending `list(q)`. */
  const ranked = (ranks: number[], list: (q: number) => number[], pairs?: [number, number][]) => {
    const acc = new MetricAccumulator(300, pairs ? 0.1 : 0, { keepRecommendations: true })
    ranks.forEach((greater, q) => {
      acc.add({ greater, ties: 0 })
      acc.addRecommendations(list(q))
      if (pairs) acc.addPair(...pairs[q])
    })
    return acc
  }
  const own = (q: number) => Array.from({ length: 100 }, (_, i) => (q * 3 + i) % 300)
  const same = () => Array.from({ length: 100 }, (_, i) => i)

  it('pairs the model with each baseline query by query', () => {
    // 200 queries: the model ranks every target 5 places higher than the popularity baseline does.
    const baseRanks = Array.from({ length: 200 }, (_, q) => (q * 7) % 40)
    const model = ranked(
      baseRanks.map((r) => Math.max(0, r - 5)),
      own,
    )
    const popularity = ranked(baseRanks, same)
    const test = summarizeTest(model, { popularity }, 1)
    expect(test.model).toEqual(model.result())
    expect(test.baselines.popularity).toEqual(popularity.result())
    const d = test.uncertainty!.differences.popularity!
    const recall = (acc: MetricAccumulator) => acc.result()['recall@10']
    expect(d['recall@10']!.difference).toBeCloseTo(recall(model) - recall(popularity), 12)
    expect(verdictOf(d['recall@10']!)).toBe('better')
    // Coverage is no quality to compare; pair metrics need both sides to have them.
    expect(Object.keys(d).some((m) => m.startsWith('coverage'))).toBe(false)
    expect(d.pairAccuracy).toBeUndefined()
    expect(Object.keys(d).sort()).toEqual(COMPARED_METRICS.filter((m) => !m.startsWith('pair')).sort())
    // Every metric has a standard error; coverage's comes from the bootstrap.
    const se = test.uncertainty!.model
    expect(se['recall@10']).toBeCloseTo(model.standardErrors(1)['recall@10']!, 12)
    expect(se['coverage@10']).toBeGreaterThan(0)
    // Every query gets the same list from the baseline: its coverage cannot vary.
    expect(test.uncertainty!.baselines.popularity!['coverage@10']).toBe(0)
  })

  it('calls equal models "no difference", and compares pair metrics between trained models', () => {
    const ranks = Array.from({ length: 150 }, (_, q) => (q * 11) % 60)
    const pairs = ranks.map((_, q): [number, number] => [0.5 + (q % 7) / 10, 0.4 + (q % 5) / 10])
    const model = ranked(ranks, own, pairs)
    const twin = ranked(ranks, own, pairs)
    const test = summarizeTest(model, { 'mean-pooling': twin }, 1)
    const d = test.uncertainty!.differences['mean-pooling']!
    for (const metric of COMPARED_METRICS) {
      expect(d[metric], metric).toEqual({ difference: 0, standardError: 0 })
      expect(verdictOf(d[metric]!)).toBe('no-difference')
    }
  })
})

describe('a scorer with the same scores for every query (most popular)', () => {
  const data = randomInteractions(20_000, 400, 300, true, 5)
  const split = splitDataset(data, 2)
  const queries = buildQueries(data, split, 'test', 2)
  // Few distinct values, so most items tie; the training counts would do too, these tie harder.
  const shared = Float32Array.from({ length: 300 }, (_, i) => (i * 7919) % 13)
  const perQuery = (rows: Int32Array) => {
    const out = new Float32Array(rows.length * shared.length)
    for (let q = 0; q < rows.length; q++) out.set(shared, q * shared.length)
    return out
  }

  it('ranks once and gives exactly what ranking every query against the catalogue gives', async () => {
    expect(queries.rows.length).toBeGreaterThan(300)
    // Targets a user already had are excluded too: both paths must skip them the same way.
    expect(queries.excluded.some((e, q) => e.includes(queries.targets[q]))).toBe(true)
    const options = { pairTemperature: 0.5, keepRecommendations: true }
    const slow = await rankQueries(perQuery, queries, shared.length, options)
    let calls = 0
    const counted = (rows: Int32Array) => (calls++, perQuery(rows))
    const progress: number[] = []
    const fast = await rankQueries(
      Object.assign(counted, { ranking: sameForEveryQuery(() => new SharedRanking(shared)) }),
      queries,
      300,
      { ...options, onProgress: (n) => progress.push(n) },
    )
    // The shared path never asks for per-query scores.
    expect(calls).toBe(0)
    // Its progress comes every 256 queries, and at the end.
    const n = queries.rows.length
    expect(progress).toEqual([...Array.from({ length: Math.floor(n / 256) }, (_, i) => 256 * i + 255), n])
    expect(fast.result()).toEqual(slow.result())
    for (const metric of ['ndcg@10', 'recall@50', 'mrr'] as const)
      expect(Array.from(fast.perQuery(metric)!)).toEqual(Array.from(slow.perQuery(metric)!))
  })
})

describe('a shared order with a few items rescored per query (co-occurrence)', () => {
  const data = randomInteractions(20_000, 400, 300, true, 7)
  const split = splitDataset(data, 4)
  const queries = buildQueries(data, split, 'test', 4)
  // Shared scores with many ties; each query rescores up to 60 items with values that tie with each
  // other and with shared scores (0..12 are both), so every branch of the counting is taken.
  const shared = Float32Array.from({ length: 300 }, (_, i) => (i * 7919) % 13)
  const ownOf = (row: number) => {
    const rng = mulberry32(row + 1)
    const items = new Set<number>()
    const n = Math.floor(rng() * 60)
    while (items.size < n) items.add(Math.floor(rng() * 300))
    const list = Int32Array.from(items)
    return { items: list, scores: Float32Array.from(list, () => Math.floor(rng() * 20) - 3) }
  }
  const dense = (rows: Int32Array) => {
    const out = new Float32Array(rows.length * 300)
    rows.forEach((row, q) => {
      out.set(shared, q * 300)
      const { items, scores } = ownOf(row)
      items.forEach((i, k) => (out[q * 300 + i] = scores[k]))
    })
    return out
  }

  it('gives exactly what ranking every query’s dense row gives: metrics, per-query values and lists', async () => {
    const options = { pairTemperature: 0.5, keepRecommendations: true }
    const slow = await rankQueries(dense, queries, 300, options)
    const sparse = new SparseRanking(shared)
    const fast = await rankQueries(
      Object.assign(() => new Float32Array(0), {
        ranking: () => (row: number) => {
          const { items, scores } = ownOf(row)
          return sparse.forQuery(items, scores)
        },
      }),
      queries,
      300,
      options,
    )
    expect(fast.result()).toEqual(slow.result())
    for (const metric of ['ndcg@10', 'recall@100', 'mrr', 'pairLoss'] as const)
      expect(Array.from(fast.perQuery(metric)!)).toEqual(Array.from(slow.perQuery(metric)!))
    // The lists themselves, tie order included, for a few queries.
    for (let q = 0; q < 40; q++) {
      const row = queries.rows[q]
      const { items, scores } = ownOf(row)
      const want = topK(dense(Int32Array.of(row)), queries.excluded[q], 100)
      expect(Array.from(sparse.forQuery(items, scores).topK(queries.excluded[q], 100))).toEqual(
        Array.from(want),
      )
    }
  })
})

describe('the random baseline, ranked exactly', () => {
  const data = randomInteractions(20_000, 400, 300, true, 6)
  const split = splitDataset(data, 3)
  const queries = buildQueries(data, split, 'test', 3)

  it('gives each query its expectation: the target equally likely at every place among its candidates', async () => {
    const ranked = await rankQueries(randomScorer(300, 1), queries, 300, { keepRecommendations: true })
    const recall = ranked.perQuery('recall@10')!
    queries.targets.forEach((target, q) => {
      const excluded = new Set(queries.excluded[q])
      excluded.delete(target)
      const candidates = 300 - excluded.size
      expect(recall[q]).toBeCloseTo(Math.min(1, 10 / candidates), 12)
    })
    // Its lists are random draws of candidates: distinct, none excluded, and spread over the catalogue.
    expect(ranked.result()['coverage@10']).toBeGreaterThan(0.95)
  })

  it('agrees with ranking sampled random scores against the whole catalogue, within their noise', async () => {
    const sampled = randomScorer(300, 2)
    const slow = await rankQueries((rows) => sampled(rows), queries, 300)
    const exact = await rankQueries(randomScorer(300, 2), queries, 300)
    for (const metric of ['recall@50', 'ndcg@50', 'mrr'] as const) {
      const values = slow.perQuery(metric)!
      const mean = values.reduce((a, b) => a + b, 0) / values.length
      const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
      expect(Math.abs(exact.result()[metric] - mean)).toBeLessThan((3 * sd) / Math.sqrt(values.length))
    }
  })
})

describe('ranking a big catalogue in blocks of scores', () => {
  it('scores at most 16 MB at once (256 queries on small catalogues), one query when one is more', () => {
    expect(rankingBatch(300)).toBe(256)
    expect(rankingBatch(100_000)).toBe(41)
    expect(rankingBatch(10_000_000)).toBe(1)
    for (const items of [20_000, 50_000, 100_000, 1_000_000])
      expect(rankingBatch(items) * items * 4).toBeLessThanOrEqual(16 * 2 ** 20)
  })

  it('gives what ranking one query at a time gives, asking for no more than a block', async () => {
    const items = 50_000
    const rng = mulberry32(11)
    const queries: EvalQueries = {
      rows: Int32Array.from({ length: 300 }, (_, q) => q),
      targets: Int32Array.from({ length: 300 }, () => Math.floor(rng() * items)),
      excluded: Array.from({ length: 300 }, () =>
        Int32Array.from(new Set(Array.from({ length: 20 }, () => Math.floor(rng() * items)))).sort(),
      ),
      negatives: Int32Array.from({ length: 300 }, () => Math.floor(rng() * items)),
    }
    // Each query's scores depend on its row only, with ties (a few hundred distinct values).
    const scoresOf = (row: number, out: Float32Array, at: number) => {
      const r = mulberry32(row + 1)
      for (let i = 0; i < items; i++) out[at + i] = Math.floor(r() * 500) / 500
    }
    const asked: number[] = []
    const scorer = (rows: Int32Array) => {
      asked.push(rows.length)
      const out = new Float32Array(rows.length * items)
      rows.forEach((row, q) => scoresOf(row, out, q * items))
      return Promise.resolve(out)
    }
    const options = { pairTemperature: 0.5, keepRecommendations: true }
    const progress: number[] = []
    const blocks = await rankQueries(scorer, queries, items, {
      ...options,
      onProgress: (n) => progress.push(n),
    })
    expect(Math.max(...asked)).toBe(rankingBatch(items))
    expect(asked.reduce((a, b) => a + b, 0)).toBe(300)
    // Progress after every block: the queries ranked so far.
    expect(progress).toEqual(asked.map((_, i) => asked.slice(0, i + 1).reduce((a, b) => a + b, 0)))
    const one = await rankQueries(scorer, queries, items, { ...options, batchSize: 1 })
    expect(blocks.toData()).toEqual(one.toData())
    // Scores that are not all there (a view of wasm memory that grew reads as empty) are refused.
    const short = (rows: Int32Array) => new Float32Array(rows.length * items - 1)
    await expect(rankQueries(short, queries, items)).rejects.toThrow(
      `A scorer gave ${83 * items - 1} scores for 83 queries of ${items} items.`,
    )
  })
})
