/** A run record for the run-file tests (plain data, no tfjs). */
import { DEFAULT_TRAIN_CONFIG } from './config'
import { RANK_METRIC_NAMES, type RankingMetrics } from './metrics'
import type { RunRecord } from './results'

/** Every ranking metric at one value, over 500 queries. */
export function metrics(value: number): RankingMetrics {
  const out = { queries: 500 } as RankingMetrics
  for (const m of RANK_METRIC_NAMES) out[m] = value
  return out
}

/** A whole run record with every optional part, as a run file carries one. */
export const RUN_RECORD: RunRecord = {
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
