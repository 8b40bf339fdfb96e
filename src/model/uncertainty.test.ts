import { describe, expect, it } from 'vitest'
import {
  coverageStandardErrors,
  interval95,
  pairedDifference,
  standardError,
  tooFewQueries,
  verdictOf,
  Z95,
} from './uncertainty'

describe('standard errors of per-query means', () => {
  it('match the hand-computed sample SD / √n', () => {
    // mean 0.5, sample variance (4 × 0.25) / 3 = 1/3, standard error √(1/3 / 4).
    expect(standardError([1, 0, 0, 1])).toBeCloseTo(Math.sqrt(1 / 12), 12)
    // Ranks 1, 3, 21 give NDCG@10 of 1, 1/log2(4) = 0.5 and 0: mean 0.5, SD 0.5.
    expect(standardError([1, 0.5, 0])).toBeCloseTo(0.5 / Math.sqrt(3), 12)
    expect(standardError([0.3, 0.3, 0.3])).toBe(0)
  })

  it('are unknown (NaN), not zero, with fewer than two values', () => {
    expect(standardError([0.4])).toBeNaN()
    expect(standardError([])).toBeNaN()
  })
})

describe('paired differences', () => {
  it('match hand-computed values', () => {
    // Per-query differences 0, 1, 0, 0, 0: mean 0.2, sample SD √0.2, standard error √0.2 / √5 = 0.2.
    const d = pairedDifference([1, 1, 0, 0, 1], [1, 0, 0, 0, 1])
    expect(d.difference).toBeCloseTo(0.2, 12)
    expect(d.standardError).toBeCloseTo(0.2, 12)
  })

  it('are far tighter than the unpaired standard error when queries vary more than scorers', () => {
    // Hard and easy queries: both scorers follow the query's difficulty; the model is a little better.
    const baseline = Array.from({ length: 400 }, (_, i) => (i % 4 === 0 ? 0.9 : i % 4 === 1 ? 0.5 : 0.05))
    const model = baseline.map((v, i) => v + (i % 2 === 0 ? 0.03 : 0.01))
    const paired = pairedDifference(model, baseline)
    const unpaired = Math.hypot(standardError(model), standardError(baseline))
    expect(paired.difference).toBeCloseTo(0.02, 12)
    expect(paired.standardError).toBeLessThan(unpaired / 10)
    // Paired, the gain is clear; judged by the two intervals it would look like no difference.
    expect(verdictOf(paired)).toBe('better')
    expect(verdictOf({ difference: paired.difference, standardError: unpaired })).toBe('no-difference')
  })

  it('refuse series of different lengths (they are not the same queries)', () => {
    expect(() => pairedDifference([1, 2], [1])).toThrow(/differ in length/)
  })
})

describe('the significance rule', () => {
  it('calls a tiny difference on few queries "no difference", a large one on many "better"', () => {
    // 60 queries: the model hits 2 more of them than the baseline (0.033 higher).
    const base = Array.from({ length: 60 }, (_, i) => (i < 20 ? 1 : 0))
    const little = base.map((v, i) => (i === 30 || i === 31 ? 1 : v))
    expect(verdictOf(pairedDifference(little, base))).toBe('no-difference')
    // 1,000 queries: hits on 60% against 30%.
    const many = Array.from({ length: 1000 }, (_, i) => (i % 10 < 3 ? 1 : 0))
    const better = many.map((v, i) => (i % 10 < 6 ? 1 : v))
    expect(verdictOf(pairedDifference(better, many))).toBe('better')
    expect(verdictOf(pairedDifference(many, better))).toBe('worse')
  })

  it('puts the boundary at 1.96 standard errors, and flips for losses', () => {
    expect(verdictOf({ difference: 0.0195, standardError: 0.01 })).toBe('no-difference')
    expect(verdictOf({ difference: 0.0197, standardError: 0.01 })).toBe('better')
    expect(verdictOf({ difference: -0.0197, standardError: 0.01 })).toBe('worse')
    expect(verdictOf({ difference: -0.0197, standardError: 0.01 }, true)).toBe('better')
    expect(verdictOf({ difference: 0, standardError: 0 })).toBe('no-difference')
    expect(verdictOf({ difference: 0.1, standardError: NaN })).toBe('no-difference')
    expect(interval95(0.4, 0.01)).toEqual({ low: 0.4 - Z95 * 0.01, high: 0.4 + Z95 * 0.01 })
  })

  it('calls fewer than 100 test queries too few to compare', () => {
    expect(tooFewQueries(50)).toBe(true)
    expect(tooFewQueries(99)).toBe(true)
    expect(tooFewQueries(100)).toBe(false)
  })
})

describe('coverage standard error by bootstrap over queries', () => {
  const lists = (queries: number, k: number, item: (q: number, p: number) => number) =>
    Int32Array.from({ length: queries * k }, (_, i) => item(Math.floor(i / k), i % k))

  it('is zero when every query gets the same list', () => {
    const same = lists(300, 100, (_, p) => p)
    expect(coverageStandardErrors(same, 100, 1000, [10, 50, 100], 1)).toEqual([0, 0, 0])
  })

  it('matches the exact spread of the distinct-query count when the lists are disjoint', () => {
    // Query q recommends items 10q..10q+9, so coverage@10 = 10 × (distinct queries drawn) / items.
    const n = 100
    const items = 10 * n
    const disjoint = lists(n, 10, (q, p) => 10 * q + p)
    const [se] = coverageStandardErrors(disjoint, 10, items, [10], 7, 4000)
    // Queries left out of a bootstrap sample of n: mean n(1 − 1/n)^n, variance
    // n(1 − 1/n)^n + n(n − 1)(1 − 2/n)^n − n²(1 − 1/n)^2n.
    const a = (1 - 1 / n) ** n
    const variance = n * a + n * (n - 1) * (1 - 2 / n) ** n - n * n * a * a
    const exact = (10 * Math.sqrt(variance)) / items
    expect(se).toBeGreaterThan(exact * 0.93)
    expect(se).toBeLessThan(exact * 1.07)
  })

  it('is reproducible from its seed, skips padding, and is NaN without data', () => {
    const partly = lists(200, 100, (q, p) => (p < 30 ? (q * 7 + p) % 500 : -1))
    const a = coverageStandardErrors(partly, 100, 500, [10, 100], 3)
    expect(coverageStandardErrors(partly, 100, 500, [10, 100], 3)).toEqual(a)
    expect(a[0]).toBeGreaterThan(0)
    expect(coverageStandardErrors(new Int32Array(0), 100, 500, [10], 3)).toEqual([NaN])
  })
})
