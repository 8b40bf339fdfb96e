/**
 * Every scorer the model is compared with, in one table: its name, how people see it (label, colour,
 * line style, the question its comparison answers) and how it is built. Tables, charts, the run file,
 * the CSV export and the training loop all loop over `BASELINES`, so a new baseline is one entry here
 * plus its implementation file. No tfjs here (the UI imports this file).
 *
 * Two kinds:
 * - `count`: built from the training interactions, no training (random, most popular, ...): `build`
 *   turns the encoded dataset, the training rows and the run's seed into a `BatchScorer`;
 * - `trained`: a two-tower variant trained epoch by epoch beside the model, on the same batches.
 */
import type { EncodedDataset } from '../data/types'
import { itemCounts, popularityScorer, randomScorer } from './baselines'
import { cooccurrenceScorer, cooccurrenceSteps } from './cooccurrence'
import type { BatchScorer } from './metrics'
import type { MetricName, RankingMetrics } from './metrics'

/** What a count scorer is built from: the whole dataset, the rows it may learn from, the run's seed. */
export interface CountScorerInput {
  data: EncodedDataset
  /** Interaction rows of the training split (never validation or test rows). */
  trainRows: Int32Array
  /** Training interactions per item, when the caller has them (`trainItemCounts`); else counted here. */
  trainCounts?: Float64Array
  seed: number
  /**
   * The data's own truth, when it was generated from one (the demo's planted utility,
   * `demo/oracle.ts`); absent for uploads.
   */
  truth?: BatchScorer
}

interface ScorerLook {
  /** Row and legend label. */
  label: string
  /** Short label for a validation-table column header ("<short> Recall@10"). */
  shortLabel: string
  /** Line and legend colour, picked for contrast on white. */
  colour: string
  /** SVG dash pattern of its validation line; trained scorers draw solid lines with dots. */
  dash?: string
  /** Validation metrics shown as columns of the per-epoch metrics table (none: only in the chart). */
  validationColumns: readonly MetricName[]
  /** The model's comparison with it: table label, the question it answers, and its place in the list. */
  comparison: { label: string; question: string; order: number }
}

export interface CountScorerSpec extends ScorerLook {
  kind: 'count'
  /** The scorer for this data, or null when it does not apply (the oracle without a truth). */
  build: (input: CountScorerInput) => BatchScorer | null
  /**
   * The same build in steps, for a scorer whose build takes seconds on big data: it pauses (`yield`)
   * where a Stop may come in (see `Trainer.rankCountBaselines`).
   */
  steps?: (input: CountScorerInput) => Generator<void, BatchScorer | null, void>
}

export interface TrainedScorerSpec extends ScorerLook {
  kind: 'trained'
  /** The two-tower variant trained for it (see `ModelVariant` in `twoTower.rows.ts`). */
  variant: 'id-only' | 'mean-pooling' | 'sequence'
  /** Trained only when the run has history tokens (the sequence variant reads nothing else). */
  needsHistory?: boolean
}

/** The baselines, in the order of table rows, chart lines and legend entries (after the model). */
export const BASELINES = [
  {
    name: 'id-only',
    kind: 'trained',
    variant: 'id-only',
    label: 'Id-only two-tower (MF)',
    shortLabel: 'Id-only',
    colour: '#7a3fb0',
    validationColumns: ['recall@10'],
    comparison: { label: 'vs id-only (MF)', question: 'Do the features help?', order: 2 },
  },
  {
    name: 'mean-pooling',
    kind: 'trained',
    variant: 'mean-pooling',
    label: 'Mean pooling (no attention)',
    shortLabel: 'Mean-pool',
    colour: '#1d7a4a',
    validationColumns: ['recall@10'],
    comparison: { label: 'vs mean pooling', question: 'Does attention help?', order: 1 },
  },
  {
    name: 'sequence',
    kind: 'trained',
    variant: 'sequence',
    needsHistory: true,
    label: 'Sequence only (SASRec-style)',
    shortLabel: 'Sequence',
    colour: '#8a6d00',
    validationColumns: ['recall@10'],
    comparison: {
      label: 'vs sequence only (SASRec-style)',
      question: 'Do the features add anything over the sequence?',
      order: 3,
    },
  },
  {
    name: 'co-occurrence',
    kind: 'count',
    label: 'Item co-occurrence',
    shortLabel: 'Co-occurrence',
    colour: '#a3306b',
    dash: '10 3 2 3',
    validationColumns: ['recall@10'],
    comparison: { label: 'vs item co-occurrence', question: 'Does it beat items seen together?', order: 4 },
    build: ({ data, trainRows, seed, trainCounts }) =>
      cooccurrenceScorer(data, trainRows, seed, { trainCounts }),
    steps: ({ data, trainRows, seed, trainCounts }) =>
      cooccurrenceSteps(data, trainRows, seed, { trainCounts }),
  },
  {
    name: 'popularity',
    kind: 'count',
    label: 'Most popular',
    shortLabel: 'Popularity',
    colour: '#b3470f',
    dash: '6 4',
    validationColumns: ['recall@10', 'ndcg@10'],
    comparison: { label: 'vs most popular', question: 'Does it beat the obvious?', order: 5 },
    build: ({ data, trainRows, trainCounts }) => popularityScorer(trainCounts ?? itemCounts(data, trainRows)),
  },
  {
    name: 'random',
    kind: 'count',
    label: 'Random',
    shortLabel: 'Random',
    colour: '#5b6470',
    dash: '2 4',
    validationColumns: [],
    comparison: { label: 'vs random', question: 'Has it learned anything?', order: 6 },
    build: ({ data, seed }) => randomScorer(data.itemIds.length, seed),
  },
  {
    name: 'oracle',
    kind: 'count',
    label: 'Planted oracle (the demo’s truth)',
    shortLabel: 'Oracle',
    colour: '#1b2330',
    dash: '1 3',
    validationColumns: [],
    comparison: { label: 'vs the planted oracle', question: 'How far from the truth?', order: 7 },
    build: ({ truth }) => truth ?? null,
  },
] as const satisfies readonly ((CountScorerSpec | TrainedScorerSpec) & { name: string })[]

type BaselineEntry = (typeof BASELINES)[number]
export type BaselineName = BaselineEntry['name']
export type CountScorerName = Extract<BaselineEntry, { kind: 'count' }>['name']
export type TrainedScorerName = Extract<BaselineEntry, { kind: 'trained' }>['name']
export type BaselineSpec = (CountScorerSpec | TrainedScorerSpec) & { name: BaselineName }

export const BASELINE_NAMES: BaselineName[] = BASELINES.map((b) => b.name)
export const COUNT_SCORERS = BASELINES.filter(
  (b): b is Extract<BaselineEntry, { kind: 'count' }> => b.kind === 'count',
)
export const TRAINED_SCORERS = BASELINES.filter(
  (b): b is Extract<BaselineEntry, { kind: 'trained' }> => b.kind === 'trained',
)
export const TRAINED_SCORER_NAMES: TrainedScorerName[] = TRAINED_SCORERS.map((b) => b.name)

/** Each count scorer's validation metrics (computed once, before training). Old run files may lack some. */
export type CountScorerMetrics = Partial<Record<CountScorerName, RankingMetrics>>

/** The registry entry of a baseline name (`undefined` for a name this page does not know, e.g. from a newer run file). */
export function baselineSpec(name: string): BaselineSpec | undefined {
  return (BASELINES as readonly BaselineSpec[]).find((b) => b.name === name)
}

/** The baselines in the order the model's comparisons are listed (the order a data scientist asks). */
export const COMPARISON_ORDER: BaselineName[] = [...BASELINES]
  .sort((a, b) => a.comparison.order - b.comparison.order)
  .map((b) => b.name)
