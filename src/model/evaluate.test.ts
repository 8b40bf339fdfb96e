import { describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { randomInteractions } from '../data/testing'
import { MAX_EVAL_QUERIES } from './config'
import { buildQueries, COMPARED_METRICS, evaluationRows, summarizeTest } from './evaluate'
import { MetricAccumulator } from './metrics'
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
