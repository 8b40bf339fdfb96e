import { describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_CONFIG } from './config'
import { RANK_METRIC_NAMES, type RankingMetrics } from './metrics'
import type { RunResult } from './run'
import { buildRunFile, parseRunFile, resultOfRunFile, RUN_VERSION } from './runFile'

function metrics(value: number): RankingMetrics {
  const out = { queries: 500 } as RankingMetrics
  for (const m of RANK_METRIC_NAMES) out[m] = value
  return out
}

const RESULT: RunResult = {
  end: 'early-stopping',
  message: 'stopped',
  history: [],
  testedEpoch: 2,
  baselineEpochs: { 'mean-pooling': 3 },
  trend: {
    first: { epoch: 1, ndcg: 0.2 },
    previousBest: { epoch: 1, ndcg: 0.2 },
    best: { epoch: 2, ndcg: 0.22 },
    last: { epoch: 4, ndcg: 0.21 },
    stillRising: false,
  },
  validationBaselines: { random: metrics(0.02), popularity: metrics(0.14) },
  test: {
    model: metrics(0.4),
    baselines: { popularity: metrics(0.14), 'mean-pooling': metrics(0.39) },
    uncertainty: {
      // A standard error that could not be computed is NaN, written as null in JSON.
      model: { 'recall@10': 0.007, 'coverage@10': NaN },
      baselines: { popularity: { 'recall@10': 0.005 } },
      differences: { popularity: { 'recall@10': { difference: 0.26, standardError: 0.006 } } },
      coverageResamples: 200,
    },
  },
  attention: {
    final: {
      user: { tokens: ['a'], pooling: [1], layers: [] },
      item: { tokens: ['b'], pooling: [1], layers: [] },
    },
    snapshots: [],
  },
  importance: [],
  timing: { examplesPerSecond: 1, secondsPerEpoch: 1, totalSeconds: 1 },
}

const file = () =>
  buildRunFile({
    config: DEFAULT_TRAIN_CONFIG,
    dataset: {
      name: 'demo',
      counts: { interactions: 10, users: 2, items: 3 },
      fields: [],
      split: { kind: 'leave-last-out', train: 6, validation: 2, test: 2 },
      fingerprint: '00000000',
      source: null,
    },
    backend: { name: 'cpu', reason: '' },
    lossCurve: [],
    result: RESULT,
  })

describe('run files with intervals', () => {
  it('carry the intervals, comparisons, trend and baseline epochs through JSON', () => {
    const written = file()
    expect(written.version).toBe(RUN_VERSION)
    expect(RUN_VERSION).toBe(2)
    const parsed = parseRunFile(JSON.stringify(written))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = resultOfRunFile(parsed.run)
    // The DESIGN contract: metric names as keys with plain numbers.
    expect(result.test.model['recall@10']).toBe(0.4)
    expect(result.test.baselines.popularity!['recall@10']).toBe(0.14)
    expect(result.test.uncertainty!.differences.popularity!['recall@10']).toEqual({
      difference: 0.26,
      standardError: 0.006,
    })
    expect(result.test.uncertainty!.model['recall@10']).toBe(0.007)
    expect(result.test.uncertainty!.model['coverage@10']).toBeNull()
    expect(result.trend).toEqual(RESULT.trend)
    expect(result.baselineEpochs).toEqual({ 'mean-pooling': 3 })
  })

  it('still open version 1 files, which have no intervals', () => {
    const old = JSON.parse(JSON.stringify(file()))
    old.version = 1
    delete old.test.uncertainty
    delete old.trend
    delete old.baselineEpochs
    const parsed = parseRunFile(JSON.stringify(old))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = resultOfRunFile(parsed.run)
    expect(result.test.uncertainty).toBeUndefined()
    expect(result.trend).toBeNull()
    expect(result.baselineEpochs).toBeUndefined()
    expect(result.test.model['recall@10']).toBe(0.4)
  })

  it('drop malformed intervals rather than show numbers they cannot trust, and refuse newer versions', () => {
    const bad = JSON.parse(JSON.stringify(file()))
    bad.test.uncertainty = 'lots'
    const parsed = parseRunFile(JSON.stringify(bad))
    expect(parsed.ok && parsed.run.test.uncertainty).toBeUndefined()
    const newer = { ...file(), version: RUN_VERSION + 1 }
    const refused = parseRunFile(JSON.stringify(newer), 'next.run.json')
    expect(refused).toEqual({
      ok: false,
      reason: `next.run.json has version ${RUN_VERSION + 1}; this page reads version ${RUN_VERSION} or older.`,
    })
  })
})
