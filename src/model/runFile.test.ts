import { describe, expect, it } from 'vitest'
import { DEFAULT_TRAIN_CONFIG } from './config'
import { RANK_METRIC_NAMES, type RankingMetrics } from './metrics'
import type { RunRecord } from './results'
import { parseRunFile, RUN_VERSION, toRunFile } from './runFile'

function metrics(value: number): RankingMetrics {
  const out = { queries: 500 } as RankingMetrics
  for (const m of RANK_METRIC_NAMES) out[m] = value
  return out
}

const RECORD: RunRecord = {
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
  lossCurve: [{ step: 5, loss: 4.2 }],
  end: 'early-stopping',
  message: 'stopped',
  history: [],
  testedEpoch: 2,
  baselineEpochs: { 'mean-pooling': 3 },
  baselineTrends: { 'mean-pooling': null },
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
    user: { tokens: ['a'], pooling: [1], layers: [] },
    item: { tokens: ['b'], pooling: [1], layers: [] },
    snapshots: [],
  },
  importance: [],
  timing: { examplesPerSecond: 1, secondsPerEpoch: 1, totalSeconds: 1 },
}

const file = () => toRunFile(RECORD, new Date('2026-11-30T12:00:00Z'))

describe('run files with intervals', () => {
  it('carry the intervals, comparisons, trend and baseline epochs through JSON', () => {
    const written = file()
    expect(written.version).toBe(RUN_VERSION)
    expect(RUN_VERSION).toBe(2)
    const parsed = parseRunFile(JSON.stringify(written))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = parsed.record
    // The DESIGN contract: metric names as keys with plain numbers.
    expect(result.test.model['recall@10']).toBe(0.4)
    expect(result.test.baselines.popularity!['recall@10']).toBe(0.14)
    expect(result.test.uncertainty!.differences.popularity!['recall@10']).toEqual({
      difference: 0.26,
      standardError: 0.006,
    })
    expect(result.test.uncertainty!.model['recall@10']).toBe(0.007)
    expect(result.test.uncertainty!.model['coverage@10']).toBeNull()
    expect(result.trend).toEqual(RECORD.trend)
    expect(result.baselineEpochs).toEqual({ 'mean-pooling': 3 })
  })

  it('still open version 1 files, which have no intervals', () => {
    const old = JSON.parse(JSON.stringify(file()))
    old.version = 1
    delete old.test.uncertainty
    delete old.trend
    delete old.baselineEpochs
    delete old.baselineTrends
    const parsed = parseRunFile(JSON.stringify(old))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = parsed.record
    expect(result.test.uncertainty).toBeUndefined()
    expect(result.trend).toBeNull()
    expect(result.baselineEpochs).toBeUndefined()
    expect(result.baselineTrends).toBeUndefined()
    expect(result.test.model['recall@10']).toBe(0.4)
  })

  it('drop malformed intervals rather than show numbers they cannot trust, and refuse newer versions', () => {
    const bad = JSON.parse(JSON.stringify(file()))
    bad.test.uncertainty = 'lots'
    const parsed = parseRunFile(JSON.stringify(bad))
    expect(parsed.ok && parsed.record.test.uncertainty).toBeUndefined()
    const newer = { ...file(), version: RUN_VERSION + 1 }
    const refused = parseRunFile(JSON.stringify(newer), 'next.run.json')
    expect(refused).toEqual({
      ok: false,
      reason: `next.run.json has version ${RUN_VERSION + 1}; this page reads version ${RUN_VERSION} or older.`,
    })
  })
})

describe('run files as a header plus the record', () => {
  it('keep the version 2 layout: the header, then exactly the fields of the record', () => {
    const written = JSON.parse(JSON.stringify(file()))
    expect(Object.keys(written).sort()).toEqual(
      [
        'format',
        'version',
        'createdAt',
        'config',
        'dataset',
        'backend',
        'end',
        'message',
        'testedEpoch',
        'baselineEpochs',
        'baselineTrends',
        'trend',
        'history',
        'lossCurve',
        'validationBaselines',
        'test',
        'attention',
        'importance',
        'timing',
      ].sort(),
    )
    expect(written).toMatchObject({
      format: 'attentive-run',
      version: 2,
      createdAt: '2026-11-30T12:00:00.000Z',
    })
    // Attention is flat in the file: each tower's final summary beside the per-epoch snapshots.
    expect(Object.keys(written.attention).sort()).toEqual(['item', 'snapshots', 'user'])
  })

  it('give back the record that was saved, without the header', () => {
    const parsed = parseRunFile(JSON.stringify(file()))
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.header).toEqual({
      format: 'attentive-run',
      version: 2,
      createdAt: '2026-11-30T12:00:00.000Z',
    })
    expect('format' in parsed.record || 'version' in parsed.record || 'createdAt' in parsed.record).toBe(
      false,
    )
    // JSON writes the NaN standard error as null; everything else comes back as it was.
    const expected = JSON.parse(JSON.stringify(RECORD))
    expect(parsed.record).toEqual(expected)
  })

  it('fill in what a version 1 file omits: loss curve, message, field list', () => {
    const old = JSON.parse(JSON.stringify(file()))
    old.version = 1
    delete old.lossCurve
    delete old.message
    delete old.dataset.fields
    const parsed = parseRunFile(JSON.stringify(old))
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.record.lossCurve).toEqual([])
    expect(parsed.record.message).toBeNull()
    expect(parsed.record.dataset.fields).toEqual([])
  })

  it('refuse a dataset section without counts or split with a reason, not a crash', () => {
    const bad = JSON.parse(JSON.stringify(file()))
    delete bad.dataset.counts
    expect(parseRunFile(JSON.stringify(bad), 'x.run.json')).toEqual({
      ok: false,
      reason: 'x.run.json has a malformed dataset section (counts or split).',
    })
  })
})
