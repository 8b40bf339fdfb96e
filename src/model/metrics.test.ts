import { describe, expect, it } from 'vitest'
import { mulberry32 } from '../data/random'
import { MetricAccumulator, targetRank, topK } from './metrics'

/**
 * Random rows shaped like scores on a real catalogue: many exact ties (scores on a coarse grid), a few
 * NaNs, exclusions sorted with repeats, the target sometimes among them, sometimes items past the end.
 */
function randomRankingCases(count: number) {
  const rng = mulberry32(20261201)
  return Array.from({ length: count }, () => {
    const n = 1 + Math.floor(rng() * 300)
    const scores = Float32Array.from({ length: n }, () => (rng() < 0.03 ? NaN : Math.floor(rng() * 12) / 4))
    const target = Math.floor(rng() * n)
    const excluded = Array.from({ length: Math.floor(rng() * 40) }, () => Math.floor(rng() * (n + 3)))
    if (rng() < 0.3) excluded.push(target)
    if (excluded.length > 0 && rng() < 0.3) excluded.push(excluded[0])
    excluded.sort((a, b) => a - b)
    return { scores, target, excluded, k: 1 + Math.floor(rng() * 30) }
  })
}

/** Candidates of a query, counted one by one: the definition both functions must keep. */
function candidatesOf(n: number, excluded: number[], target: number | null) {
  const out = new Set<number>()
  for (let i = 0; i < n; i++) if (!excluded.includes(i) && i !== target) out.add(i)
  return [...out]
}

describe('targetRank', () => {
  it('counts strictly better candidates and ties, skipping excluded items and the target', () => {
    //            items: 0    1    2    3    4    5
    const scores = [0.9, 0.5, 0.7, 0.5, 0.1, 0.95]
    expect(targetRank(scores, 1, [])).toEqual({ greater: 3, ties: 1 })
    // Excluding item 5 (known) and item 3 (the tie) leaves two better items.
    expect(targetRank(scores, 1, [3, 5])).toEqual({ greater: 2, ties: 0 })
    expect(targetRank(scores, 5, [])).toEqual({ greater: 0, ties: 0 })
  })

  it('ranks a NaN target below everything', () => {
    expect(targetRank([NaN, 0.1, 0.2], 0, [])).toEqual({ greater: 2, ties: 0 })
  })

  it('equals counting candidate by candidate, with ties, NaNs, repeated exclusions and the target excluded', () => {
    for (const { scores, target, excluded } of randomRankingCases(400)) {
      const t = scores[target]
      const others = candidatesOf(scores.length, excluded, target).map((i) => scores[i])
      const expected = Number.isNaN(t)
        ? { greater: others.filter((s) => !Number.isNaN(s)).length, ties: others.filter(Number.isNaN).length }
        : { greater: others.filter((s) => s > t).length, ties: others.filter((s) => s === t).length }
      expect(targetRank(scores, target, excluded)).toEqual(expected)
    }
  })
})

describe('MetricAccumulator', () => {
  it('matches hand-computed metrics for distinct ranks', () => {
    const acc = new MetricAccumulator()
    acc.add({ greater: 0, ties: 0 }) // rank 1
    acc.add({ greater: 2, ties: 0 }) // rank 3
    acc.add({ greater: 20, ties: 0 }) // rank 21: outside top 10
    const m = acc.result()
    expect(m.queries).toBe(3)
    expect(m['recall@10']).toBeCloseTo(2 / 3, 12)
    expect(m['hitrate@10']).toBeCloseTo(2 / 3, 12)
    expect(m['precision@10']).toBeCloseTo(2 / 30, 12)
    expect(m['recall@50']).toBeCloseTo(1, 12)
    expect(m['ndcg@10']).toBeCloseTo((1 + 1 / Math.log2(4)) / 3, 12)
    expect(m['ndcg@50']).toBeCloseTo((1 + 1 / Math.log2(4) + 1 / Math.log2(22)) / 3, 12) // position 20: 1 / log2(20 + 2)
    expect(m.mrr).toBeCloseTo((1 + 1 / 3 + 1 / 21) / 3, 12)
  })

  it('averages over random tie-breaking: a constant scorer gets the random expectation', () => {
    // 100 candidates all tied: the target is equally likely at positions 0..99.
    const acc = new MetricAccumulator()
    acc.add({ greater: 0, ties: 99 })
    const m = acc.result()
    expect(m['recall@10']).toBeCloseTo(0.1, 12)
    expect(m['recall@50']).toBeCloseTo(0.5, 12)
    expect(m['recall@100']).toBeCloseTo(1, 12)
    let ndcg = 0
    for (let p = 0; p < 10; p++) ndcg += 1 / Math.log2(p + 2)
    expect(m['ndcg@10']).toBeCloseTo(ndcg / 100, 12)
    let mrr = 0
    for (let p = 0; p < 100; p++) mrr += 1 / (p + 1)
    expect(m.mrr).toBeCloseTo(mrr / 100, 12)
  })

  it('splits a tie that straddles the cut-off', () => {
    const acc = new MetricAccumulator()
    acc.add({ greater: 8, ties: 3 }) // positions 8, 9, 10, 11 equally likely
    expect(acc.result()['recall@10']).toBeCloseTo(0.5, 12)
  })

  it('goes through plain data (to another worker) unchanged: metrics, errors, per-query values, and goes on', () => {
    const rng = mulberry32(7)
    const acc = new MetricAccumulator(300, 0.1, { keepRecommendations: true })
    const feed = (target: MetricAccumulator, n: number) => {
      for (let q = 0; q < n; q++) {
        target.add({ greater: Math.floor(rng() * 150), ties: Math.floor(rng() * 3) })
        target.addRecommendations(Int32Array.from({ length: 100 }, () => Math.floor(rng() * 300)))
        target.addPair(rng(), rng())
      }
    }
    feed(acc, 40)
    const copy = MetricAccumulator.fromData(structuredClone(acc.toData()))
    expect(copy.result()).toEqual(acc.result())
    expect(copy.standardErrors(3)).toEqual(acc.standardErrors(3))
    expect(copy.perQuery('ndcg@10')).toEqual(acc.perQuery('ndcg@10'))
    expect(copy.perQuery('pairLoss')).toEqual(acc.perQuery('pairLoss'))
    // Both go on the same way with the same queries.
    for (const greater of [0, 4, 60]) for (const target of [acc, copy]) target.add({ greater, ties: 1 })
    expect(copy.result()).toEqual(acc.result())
    expect(copy.result().queries).toBe(43)
  })

  it('gives zeros, not NaN, with no queries', () => {
    const m = new MetricAccumulator().result()
    expect(m.queries).toBe(0)
    expect(m['recall@10']).toBe(0)
    expect(m.mrr).toBe(0)
  })
})

describe('pair metrics on a balanced set', () => {
  it('centre logits at the median score, so a scorer that separates the pairs is accurate', () => {
    const acc = new MetricAccumulator(0, 0.1)
    // All cosines positive: without centring every pair would be predicted positive (accuracy 0.5).
    for (let i = 0; i < 10; i++) acc.addPair(0.8 + i * 0.01, 0.3 + i * 0.01)
    const m = acc.result()
    expect(m.pairAccuracy).toBe(1)
    expect(m.pairPrecision).toBe(1)
    // Cross-entropy by hand: the median of the 20 scores is (0.39 + 0.80) / 2, logits (s - 0.595) / 0.1.
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
    let loss = 0
    for (let i = 0; i < 10; i++) {
      loss -= Math.log(sigmoid((0.8 + i * 0.01 - 0.595) / 0.1))
      loss -= Math.log(1 - sigmoid((0.3 + i * 0.01 - 0.595) / 0.1))
    }
    expect(m.pairLoss).toBeCloseTo(loss / 20, 10)
  })

  it('give chance accuracy to a scorer that cannot tell the pairs apart, and are absent when not asked for', () => {
    const acc = new MetricAccumulator(0, 0.1)
    for (let i = 0; i < 10; i++) acc.addPair(i % 2 ? 0.9 : 0.1, i % 2 ? 0.1 : 0.9)
    expect(acc.result().pairAccuracy).toBe(0.5)
    const none = new MetricAccumulator(0, 0)
    none.addPair(1, 0)
    expect(none.result().pairAccuracy).toBeUndefined()
  })
})

describe('topK', () => {
  it('returns the best candidates in order, skipping excluded items', () => {
    expect(Array.from(topK([0.1, 0.9, 0.5, 0.7, 0.3], [3], 2))).toEqual([1, 2])
    expect(Array.from(topK([0.1, 0.9], [], 5))).toEqual([1, 0])
  })

  it('equals a full sort of the candidates (ties by lower index, NaN last), whatever the exclusions', () => {
    for (const { scores, excluded, k } of randomRankingCases(400)) {
      const candidates = candidatesOf(scores.length, excluded, null)
      const finite = candidates.filter((i) => !Number.isNaN(scores[i]))
      const expected = [
        ...finite.sort((a, b) => scores[b] - scores[a] || a - b),
        ...candidates.filter((i) => Number.isNaN(scores[i])),
      ].slice(0, k)
      expect(Array.from(topK(scores, excluded, k))).toEqual(expected)
    }
  })

  it('gives coverage as the share of the catalogue that appears in some top-K list', () => {
    const acc = new MetricAccumulator(200)
    acc.add({ greater: 0, ties: 0 })
    acc.addRecommendations(Array.from({ length: 100 }, (_, i) => i))
    acc.add({ greater: 0, ties: 0 })
    acc.addRecommendations(Array.from({ length: 100 }, (_, i) => i + 50))
    const m = acc.result()
    expect(m['coverage@10']).toBeCloseTo(20 / 200, 12)
    expect(m['coverage@100']).toBeCloseTo(150 / 200, 12)
  })
})

describe('per-query values and standard errors', () => {
  it('match hand-computed values for a small set of ranks', () => {
    const acc = new MetricAccumulator()
    acc.add({ greater: 0, ties: 0 }) // rank 1
    acc.add({ greater: 2, ties: 0 }) // rank 3
    acc.add({ greater: 20, ties: 0 }) // rank 21
    expect(Array.from(acc.perQuery('recall@10')!)).toEqual([1, 1, 0])
    const se = acc.standardErrors(1)
    // Hits 1, 1, 0: mean 2/3, sample SD √(1/3), standard error √(1/3) / √3 = 1/3.
    expect(se['recall@10']).toBeCloseTo(1 / 3, 12)
    expect(se['hitrate@10']).toBeCloseTo(1 / 3, 12)
    expect(se['precision@10']).toBeCloseTo(1 / 30, 12)
    // NDCG@10 1, 0.5, 0: SD 0.5.
    expect(se['ndcg@10']).toBeCloseTo(0.5 / Math.sqrt(3), 12)
    // Every rank is inside the top 50: no spread.
    expect(se['recall@50']).toBe(0)
    const rr = [1, 1 / 3, 1 / 21]
    const mean = (1 + 1 / 3 + 1 / 21) / 3
    const sd = Math.sqrt(rr.reduce((s, v) => s + (v - mean) ** 2, 0) / 2)
    expect(se.mrr).toBeCloseTo(sd / Math.sqrt(3), 12)
    // Coverage needs the kept lists; pair metrics were not asked for.
    expect(se['coverage@10']).toBeUndefined()
    expect(se.pairAccuracy).toBeUndefined()
    expect(acc.perQuery('pairAccuracy')).toBeNull()
  })

  it('give pair metrics per pair: their mean is the reported metric', () => {
    const acc = new MetricAccumulator(0, 0.1)
    // 3 pairs told apart, 1 pair reversed: accuracy per pair 1, 1, 1, 0.
    for (let i = 0; i < 3; i++) acc.addPair(0.8 + i * 0.01, 0.3 + i * 0.01)
    acc.addPair(0.2, 0.9)
    const m = acc.result()
    const accuracy = acc.perQuery('pairAccuracy')!
    expect(Array.from(accuracy)).toEqual([1, 1, 1, 0])
    expect(m.pairAccuracy).toBe(0.75)
    const loss = acc.perQuery('pairLoss')!
    expect(loss.reduce((a, b) => a + b, 0) / loss.length).toBeCloseTo(m.pairLoss!, 12)
    const se = acc.standardErrors(1)
    expect(se.pairAccuracy).toBeCloseTo(0.5 / Math.sqrt(4), 12)
    // Precision 3 of 4 predicted positives: √(0.75 × 0.25 / 4).
    expect(m.pairPrecision).toBe(0.75)
    expect(se.pairPrecision).toBeCloseTo(Math.sqrt((0.75 * 0.25) / 4), 12)
  })

  it('bootstrap coverage from the kept top-100 lists when asked to', () => {
    const kept = new MetricAccumulator(1000, 0, { keepRecommendations: true })
    const plain = new MetricAccumulator(1000)
    for (let q = 0; q < 200; q++)
      for (const acc of [kept, plain]) {
        acc.add({ greater: q % 30, ties: 0 })
        // Each query's list starts with 5 items of its own, then the popular ones.
        acc.addRecommendations(Array.from({ length: 100 }, (_, i) => (i < 5 ? 5 * q + i : 900 + i - 5)))
      }
    expect(kept.result()).toEqual(plain.result())
    const se = kept.standardErrors(4)
    expect(se['coverage@10']).toBeGreaterThan(0)
    expect(se['coverage@10']).toBeLessThan(kept.result()['coverage@10'] / 5)
    expect(plain.standardErrors(4)['coverage@10']).toBeUndefined()
  })
})
