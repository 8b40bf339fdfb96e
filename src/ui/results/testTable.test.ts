import { describe, expect, it } from 'vitest'
import { RANK_METRIC_NAMES, type MetricErrors, type RankingMetrics } from '../../model/metrics'
import type { RunResult, TestResult, ValidationTrend } from '../../model/results'
import { Z95 } from '../../model/uncertainty'
import {
  baselineRisingNotes,
  buildTestTable,
  comparisonSentences,
  isCompared,
  testedWeightsText,
  testTableCsv,
  tooFewText,
  trendNote,
} from './testTable'

/** Metrics where every rank metric is `value` (coverage too), plus pair metrics when asked. */
function metrics(value: number, queries: number, pairs = false): RankingMetrics {
  const out = { queries } as RankingMetrics
  for (const m of RANK_METRIC_NAMES) out[m] = value
  if (pairs) Object.assign(out, { pairLoss: 0.5, pairAccuracy: 0.8, pairPrecision: 0.8 })
  return out
}
function errors(se: number): MetricErrors {
  const out: MetricErrors = {}
  for (const m of RANK_METRIC_NAMES) out[m] = se
  return out
}

/** A run with the model at 0.40, mean pooling at 0.399 (a noise-sized gap) and most popular at 0.14. */
function run(queries: number, withIntervals = true, trend: ValidationTrend | null = null): RunResult {
  const test: TestResult = {
    model: metrics(0.4, queries, true),
    baselines: {
      'mean-pooling': metrics(0.399, queries, true),
      popularity: metrics(0.14, queries),
    },
  }
  if (withIntervals)
    test.uncertainty = {
      model: { ...errors(0.007), pairAccuracy: 0.004 },
      baselines: { 'mean-pooling': errors(0.007), popularity: errors(0.005) },
      differences: {
        'mean-pooling': {
          'recall@10': { difference: 0.001, standardError: 0.003 },
          'ndcg@10': { difference: -0.0004, standardError: 0.002 },
          pairAccuracy: { difference: 0.01, standardError: 0.002 },
        },
        popularity: {
          'recall@10': { difference: 0.26, standardError: 0.006 },
          'ndcg@10': { difference: 0.15, standardError: 0.004 },
        },
      },
      coverageResamples: 200,
    }
  return {
    end: 'completed',
    message: null,
    history: [],
    testedEpoch: 2,
    trend,
    validationBaselines: { random: metrics(0.02, queries), popularity: metrics(0.14, queries) },
    test,
    attention: {
      user: { tokens: [], pooling: [], layers: [] },
      item: { tokens: [], pooling: [], layers: [] },
      snapshots: [],
    },
    importance: [],
    timing: { examplesPerSecond: 1, secondsPerEpoch: 1, totalSeconds: 1 },
  }
}

describe('the test table', () => {
  it('gives every metric its 95% interval and judges each comparison by it', () => {
    const table = buildTestTable(run(5000))
    expect(table.status).toBe('compared')
    const model = table.scorers[0]
    expect(model.key).toBe('model')
    expect(model.cells['recall@10']).toEqual({ value: 0.4, halfWidth: Z95 * 0.007 })
    expect(model.cells.pairAccuracy!.halfWidth).toBeCloseTo(Z95 * 0.004, 12)
    // No pair metrics for count baselines: no value, so no interval either.
    expect(table.scorers.find((s) => s.key === 'popularity')!.cells.pairAccuracy!.value).toBeUndefined()

    const pooling = table.comparisons.find((c) => c.baseline === 'mean-pooling')!
    expect(pooling.question).toBe('Does attention help?')
    // +0.001 with a half-width of 0.0059: no difference, and no ratio to go with it.
    expect(pooling.cells['recall@10']).toMatchObject({ kind: 'no-difference', ratio: null })
    expect(pooling.cells['ndcg@10']).toMatchObject({ kind: 'no-difference', ratio: null })
    // Pair accuracy is compared between trained models, without a ratio.
    expect(pooling.cells.pairAccuracy).toMatchObject({ kind: 'better', ratio: null })
    const popularity = table.comparisons.find((c) => c.baseline === 'popularity')!
    expect(popularity.cells['recall@10']).toMatchObject({ kind: 'better', difference: 0.26 })
    const cell = popularity.cells['recall@10']
    expect(isCompared(cell) && cell.ratio).toBeCloseTo(0.4 / 0.14, 12)
    // Coverage: no ratio, no verdict, ever (more coverage is not better).
    expect(popularity.cells['coverage@10']).toEqual({ kind: 'not-compared' })
    expect(popularity.cells.pairAccuracy).toEqual({ kind: 'not-compared' })
    // Only baselines the run has are compared, in question order.
    expect(table.comparisons.map((c) => c.baseline)).toEqual(['mean-pooling', 'popularity'])
  })

  it('says the comparisons in words, "no difference" where the interval holds 0', () => {
    const sentences = comparisonSentences(buildTestTable(run(5000)))
    expect(sentences[0].text).toBe(
      'Does attention help? Against mean pooling: no difference in Recall@10 (+0.0010, 95% interval ' +
        '−0.0049 to +0.0069); no difference in NDCG@10 (−0.0004, 95% interval −0.0043 to +0.0035).',
    )
    expect(sentences[1].text).toMatch(
      /^Does it beat the obvious\? Against most popular: better on Recall@10 \(\+0\.2600, 95% interval \+0\.2482 to \+0\.2718; 2\.9×\)/,
    )
  })

  it('compares nothing on fewer than 100 test queries, and says why', () => {
    const table = buildTestTable(run(50))
    expect(table.status).toBe('too-few')
    expect(table.comparisons).toEqual([])
    expect(comparisonSentences(table)).toEqual([])
    expect(tooFewText(table)).toMatch(/Too few test queries to compare scorers: 50 held-out interactions/)
    expect(tooFewText(table)).toMatch(/fewer than the 100 needed/)
    expect(tooFewText(table)).toMatch(/Recall@10 is 0\.4000 ±0\.0137/)
    expect(tooFewText(buildTestTable(run(100)))).toBeNull()
  })

  it('shows an old run file without intervals as unknown, claiming no ratio', () => {
    const table = buildTestTable(run(5000, false))
    expect(table.status).toBe('no-intervals')
    expect(table.scorers[0].cells['recall@10']).toEqual({ value: 0.4, halfWidth: null })
    const popularity = table.comparisons.find((c) => c.baseline === 'popularity')!
    expect(popularity.cells['recall@10']).toEqual({ kind: 'unknown' })
    expect(comparisonSentences(table)).toEqual([])
  })
})

describe('the test table as CSV', () => {
  it('carries standard errors, 95% intervals and verdicts', () => {
    const rows = testTableCsv(run(5000))
    expect(rows[0]).toEqual([
      'row',
      'scorer',
      'metric',
      'value',
      'standard_error',
      'ci95_low',
      'ci95_high',
      'verdict',
      'ratio',
      'queries',
    ])
    const modelRecall = rows.find((r) => r[0] === 'metric' && r[1] === 'model' && r[2] === 'recall@10')!
    expect(modelRecall.slice(3, 7)).toEqual([0.4, 0.007, 0.4 - Z95 * 0.007, 0.4 + Z95 * 0.007])
    const pooling = rows.find(
      (r) => r[0] === 'model minus baseline' && r[1] === 'mean-pooling' && r[2] === 'recall@10',
    )!
    expect(pooling[3]).toBe(0.001)
    expect(pooling[4]).toBeCloseTo(0.003, 12)
    expect(pooling[7]).toBe('no-difference')
    expect(pooling[8]).toBeNull()
    const popular = rows.find(
      (r) => r[0] === 'model minus baseline' && r[1] === 'popularity' && r[2] === 'recall@10',
    )!
    expect(popular[7]).toBe('better')
    expect(rows.some((r) => r[0] === 'model minus baseline' && String(r[2]).startsWith('coverage'))).toBe(
      false,
    )
    // Every metric of the run, not only the table's columns.
    expect(rows.some((r) => r[1] === 'model' && r[2] === 'hitrate@50')).toBe(true)
  })

  it('leaves the interval cells empty for an old run file', () => {
    const modelRecall = testTableCsv(run(5000, false)).find((r) => r[1] === 'model' && r[2] === 'recall@10')!
    expect(modelRecall.slice(3, 7)).toEqual([0.4, null, null, null])
  })
})

describe('the note when validation was still rising', () => {
  const rising: ValidationTrend = {
    first: { epoch: 1, ndcg: 0.09 },
    previousBest: { epoch: 7, ndcg: 0.111 },
    best: { epoch: 8, ndcg: 0.117 },
    last: { epoch: 8, ndcg: 0.117 },
    stillRising: true,
  }

  it('says more epochs would likely help when the cap ended a rising run', () => {
    expect(trendNote(run(5000, true, rising), 8)).toBe(
      'Validation NDCG@10 was still rising when the cap of 8 epochs was reached: 0.1110 at epoch 7 → ' +
        '0.1170 at epoch 8, a rise beyond its noise (0.0900 at epoch 1). More epochs would likely help.',
    )
    const stopped = { ...run(5000, true, rising), end: 'stopped' as const }
    expect(trendNote(stopped, 30)).toMatch(/still rising when the run was stopped/)
  })

  it('says nothing after early stopping, on a plateau, or for an old run file', () => {
    expect(trendNote({ ...run(5000, true, rising), end: 'early-stopping' }, 30)).toBeNull()
    expect(trendNote(run(5000, true, { ...rising, stillRising: false }), 30)).toBeNull()
    expect(trendNote(run(5000, true, null), 30)).toBeNull()
  })
})

describe('the note for trained baselines still rising', () => {
  it('names a baseline whose own validation was still rising, and nothing else', () => {
    const trend = (stillRising: boolean): ValidationTrend => ({
      first: { epoch: 1, ndcg: 0.07 },
      previousBest: { epoch: 3, ndcg: 0.12 },
      best: { epoch: 4, ndcg: 0.13 },
      last: { epoch: 4, ndcg: 0.13 },
      stillRising,
    })
    const result = { ...run(5000), end: 'early-stopping' as const }
    result.baselineTrends = { 'id-only': trend(true), 'mean-pooling': trend(false) }
    const notes = baselineRisingNotes(result)
    expect(notes).toHaveLength(1)
    expect(notes[0].baseline).toBe('id-only')
    expect(notes[0].text).toMatch(
      /^Id-only two-tower \(MF\) was still improving on validation when the run ended \(NDCG@10 0\.1200 at epoch 3 → 0\.1300 at epoch 4\)/,
    )
    expect(baselineRisingNotes({ ...result, end: 'diverged' })).toEqual([])
    expect(baselineRisingNotes(run(5000))).toEqual([])
  })
})

describe('the test table’s caption: which weights were tested', () => {
  const epochs = (n: number) => Array.from({ length: n }, () => ({}) as RunResult['history'][number])
  it('names the tested epoch, and says when it is the best on validation', () => {
    expect(testedWeightsText({ ...run(5000), history: epochs(2) })).toBe('weights of epoch 2')
    expect(testedWeightsText({ ...run(5000), history: epochs(4) })).toBe(
      'weights of epoch 2, the best on validation',
    )
    expect(testedWeightsText({ ...run(5000), history: epochs(2), end: 'early-stopping' })).toBe(
      'weights of epoch 2, the best on validation',
    )
    expect(testedWeightsText({ ...run(5000), history: epochs(3), end: 'diverged' })).toBe(
      'weights of epoch 2',
    )
  })

  it('says "initial weights" in words when no epoch ended, never "epoch 0"', () => {
    const stopped = { ...run(5000), end: 'stopped' as const, testedEpoch: 0 }
    expect(testedWeightsText(stopped)).toBe('the model’s initial weights: no epoch ended before the stop')
    expect(testedWeightsText({ ...stopped, end: 'diverged' })).toBe(
      'the model’s initial weights: it diverged in epoch 1',
    )
  })

  it('names a trained baseline tested at another epoch than the model', () => {
    const result = { ...run(5000), history: epochs(3), baselineEpochs: { 'id-only': 3, 'mean-pooling': 2 } }
    expect(testedWeightsText(result)).toMatch(
      /^weights of epoch 2, the best on validation; trained baselines at their own best epochs: id-only two-tower 3$/,
    )
  })
})
