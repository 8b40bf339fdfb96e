import { deriveSeed, mulberry32, randInt, shuffleInPlace } from '../data/random'
import type { Split } from '../data/split'
import { indices, itemsPerUserInParts } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { MAX_EVAL_QUERIES } from './config'
import {
  MetricAccumulator,
  METRIC_KS,
  rowRanking,
  type BatchScorer,
  type DirectRanking,
  type MeanMetricName,
  type RankingMetrics,
} from './metrics'
import type { BaselineName, TestResult } from './results'
import { valuesNow } from './ops'
import * as tf from './tf'
import type { TwoTowerModel } from './twoTower'
import type { FieldOverride } from './twoTower.rows'
import { COVERAGE_RESAMPLES, pairedDifference, type PairedDifference } from './uncertainty'

/** Held-out interactions to rank against the full catalogue. */
export interface EvalQueries {
  /** Interaction row of each query (gives the user and the context). */
  rows: Int32Array
  /** The held-out item of each query. */
  targets: Int32Array
  /** Per query: sorted item indices the user already has, excluded from the ranking. */
  excluded: Int32Array[]
  /** Per query: one item the user never interacted with, the negative of the balanced pair set. */
  negatives: Int32Array
}

/**
 * The held-out rows of `part` that are ranked: all of them up to `max`, else a seeded sample of `max`
 * kept in split order (so queries stay grouped by user).
 */
export function evaluationRows(
  split: Split,
  part: 'validation' | 'test',
  seed: number,
  max = MAX_EVAL_QUERIES,
): Int32Array {
  const rows = split[part]
  if (rows.length <= max) return rows
  const picked = shuffleInPlace(mulberry32(deriveSeed(seed, `queries-${part}`)), indices(rows.length))
  return Int32Array.from(picked.subarray(0, max).sort(), (i) => rows[i])
}

/**
 * Queries for the validation or the test part (at most `max`, see `evaluationRows`). Validation excludes
 * the user's training items; test excludes training and validation items (both are known history then).
 */
export function buildQueries(
  data: EncodedDataset,
  split: Split,
  part: 'validation' | 'test',
  seed = 0,
  max = MAX_EVAL_QUERIES,
): EvalQueries {
  const rows = evaluationRows(split, part, seed, max)
  // Only the queries' users are read (a sample of a big log leaves most users out).
  const users = new Uint8Array(data.userIds.length)
  for (const r of rows) users[data.interactionUser[r]] = 1
  const { known, all: everything } = itemsPerUserInParts(
    data,
    [split.train, split.validation, split.test],
    part === 'validation' ? 1 : 2,
    users,
  )
  const rng = mulberry32(deriveSeed(seed, `negatives-${part}`))
  const nItems = data.itemIds.length
  const negatives = Int32Array.from(rows, (r) => {
    const own = everything[data.interactionUser[r]]
    if (own.length >= nItems) return -1
    for (;;) {
      const candidate = randInt(rng, nItems)
      if (!binaryHas(own, candidate)) return candidate
    }
  })
  return {
    rows,
    targets: Int32Array.from(rows, (r) => data.interactionItem[r]),
    excluded: Array.from(rows, (r) => known[data.interactionUser[r]]),
    negatives,
  }
}

function binaryHas(sorted: Int32Array, value: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (sorted[mid] === value) return true
    if (sorted[mid] < value) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

/** The first `max` queries (queries are in user order, so this is a deterministic user subset). */
export function firstQueries(queries: EvalQueries, max: number): EvalQueries {
  if (queries.rows.length <= max) return queries
  return {
    rows: queries.rows.subarray(0, max),
    targets: queries.targets.subarray(0, max),
    excluded: queries.excluded.slice(0, max),
    negatives: queries.negatives.subarray(0, max),
  }
}

export type { BatchScorer } from './metrics'

export interface RankingOptions {
  /** Also compute the balanced pair metrics, with logits = (score - median score) / temperature. */
  pairTemperature?: number
  /** Queries scored at once (default `rankingBatch(itemCount)`). */
  batchSize?: number
  /** Keep every query's top-100 list, for coverage's standard error (test evaluation). */
  keepRecommendations?: boolean
  /**
   * Awaited every `CHECK_EVERY` queries (a run's pause/stop checkpoint): 'stop' ends the ranking with
   * `RankingStopped`, so a Stop is seen within a batch of queries, not after the whole ranking.
   */
  checkpoint?: () => Promise<'continue' | 'stop'>
  /** Hears how many queries are ranked, every `CHECK_EVERY` queries or so and at the end. */
  onProgress?: (queriesDone: number) => void
}

/** Queries ranked between two checkpoints. */
const CHECK_EVERY = 256

/** Scores a batch of queries gets at most (16 MB of floats), unless one query alone is more. */
const SCORE_BLOCK = 1 << 22

/**
 * Queries scored at once, by default: 256, or fewer on a big catalogue, so the block of scores stays
 * near 16 MB. A 256-query block of a 100,000-item catalogue is 102 MB: reading it out of wasm took
 * 1.1 ms a query, against 0.14 ms in blocks of 64 (a fresh 100 MB array per batch is slow to allocate
 * and fill, and the block no longer fits any cache), with the product itself 0.19 ms either way
 * (Node 20, one thread, 2026-12-01). It also bounds the memory a ranking takes.
 */
export function rankingBatch(itemCount: number): number {
  return Math.max(1, Math.min(256, Math.floor(SCORE_BLOCK / Math.max(1, itemCount))))
}

/** Thrown by `rankQueries` when its checkpoint says stop: the ranking is not finished. */
export class RankingStopped extends Error {
  constructor() {
    super('The ranking was stopped.')
    this.name = 'RankingStopped'
  }
}

/**
 * Ranks the full catalogue for every query. Returns the accumulator, which holds the per-query values
 * behind the averages (for standard errors and paired comparisons); call `result()` for the metrics.
 */
export async function rankQueries(
  scorer: BatchScorer,
  queries: EvalQueries,
  itemCount: number,
  options: RankingOptions = {},
): Promise<MetricAccumulator> {
  const batchSize = options.batchSize ?? rankingBatch(itemCount)
  const acc = new MetricAccumulator(itemCount, options.pairTemperature ?? 0, {
    keepRecommendations: options.keepRecommendations,
  })
  const longest = METRIC_KS[METRIC_KS.length - 1]
  const addQuery = (ranking: DirectRanking, q: number) => {
    acc.add(ranking.targetRank(queries.targets[q], queries.excluded[q]))
    acc.addRecommendations(ranking.topK(queries.excluded[q], longest))
    const negative = queries.negatives[q]
    if (options.pairTemperature && negative >= 0)
      acc.addPair(
        ranking.score(queries.targets[q]) / options.pairTemperature,
        ranking.score(negative) / options.pairTemperature,
      )
  }
  const checkpoint = async () => {
    if (options.checkpoint && (await options.checkpoint()) === 'stop') throw new RankingStopped()
  }
  if (scorer.ranking) {
    const rankingOf = scorer.ranking()
    for (let q = 0; q < queries.rows.length; q++) {
      if (q % CHECK_EVERY === CHECK_EVERY - 1) {
        options.onProgress?.(q)
        await checkpoint()
      }
      addQuery(rankingOf(queries.rows[q]), q)
    }
    options.onProgress?.(queries.rows.length)
    return acc
  }
  for (let start = 0; start < queries.rows.length; start += batchSize) {
    if (start > 0) await checkpoint()
    const end = Math.min(queries.rows.length, start + batchSize)
    const scores = await scorer(queries.rows.subarray(start, end))
    // A view of wasm memory that grew meanwhile reads as empty: never rank what is not there.
    if (scores.length !== (end - start) * itemCount)
      throw new Error(
        `A scorer gave ${scores.length} scores for ${end - start} queries of ${itemCount} items.`,
      )
    for (let q = start; q < end; q++)
      addQuery(rowRanking(scores.subarray((q - start) * itemCount, (q - start + 1) * itemCount)), q)
    options.onProgress?.(end)
  }
  if (queries.rows.length === 0) options.onProgress?.(0)
  return acc
}

/** Ranks the full catalogue for every query and averages the metrics (coverage included). */
export async function evaluateRanking(
  scorer: BatchScorer,
  queries: EvalQueries,
  itemCount: number,
  options: RankingOptions = {},
): Promise<RankingMetrics> {
  return (await rankQueries(scorer, queries, itemCount, options)).result()
}

/** Metrics compared between the model and a baseline: every per-query mean (coverage is no quality). */
export const COMPARED_METRICS: MeanMetricName[] = [
  ...METRIC_KS.flatMap((k) => [`recall@${k}`, `ndcg@${k}`, `hitrate@${k}`, `precision@${k}`] as const),
  'mrr',
  'pairLoss',
  'pairAccuracy',
]

/**
 * The test result of the model and the baselines, all ranked on the same queries: the metrics, each
 * one's standard error, and model − baseline per metric paired over queries. Only these summary numbers
 * leave the worker; the per-query values stay in the accumulators. `seed` fixes the coverage bootstrap.
 */
export function summarizeTest(
  model: MetricAccumulator,
  baselines: Partial<Record<BaselineName, MetricAccumulator>>,
  seed: number,
): TestResult {
  const test: TestResult = {
    model: model.result(),
    baselines: {},
    uncertainty: {
      model: model.standardErrors(seed),
      baselines: {},
      differences: {},
      coverageResamples: COVERAGE_RESAMPLES,
    },
  }
  const uncertainty = test.uncertainty!
  for (const [name, acc] of Object.entries(baselines) as [BaselineName, MetricAccumulator][]) {
    test.baselines[name] = acc.result()
    uncertainty.baselines[name] = acc.standardErrors(seed)
    const differences: Partial<Record<MeanMetricName, PairedDifference>> = {}
    for (const metric of COMPARED_METRICS) {
      const a = model.perQuery(metric)
      const b = acc.perQuery(metric)
      if (a && b && a.length === b.length && a.length > 0) differences[metric] = pairedDifference(a, b)
    }
    uncertainty.differences[name] = differences
  }
  return test
}

/** Item embeddings of the whole catalogue, [items, dim]. The caller disposes the result. */
export function embedCatalogue(
  model: TwoTowerModel,
  itemCount: number,
  override?: FieldOverride,
  batchSize = 1024,
): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = []
    for (let start = 0; start < itemCount; start += batchSize) {
      const items = Int32Array.from({ length: Math.min(batchSize, itemCount - start) }, (_, i) => start + i)
      parts.push(model.embedItems(items, override).embedding)
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0)
  })
}

/**
 * A scorer that ranks with the trained towers. Holds the catalogue embeddings until `dispose`.
 * Scores are cosine similarities (the temperature does not change the order). `override` pins one field
 * to one code for every query or item (drop-field importance).
 */
export function modelScorer(
  model: TwoTowerModel,
  itemCount: number,
  override?: FieldOverride,
): { score: BatchScorer; dispose: () => void } {
  // Held as [dim, items]: a product with a transposed operand takes wasm's slow loop (see ops.ts).
  const catalogue = tf.tidy(() => tf.transpose(embedCatalogue(model, itemCount, override)))
  // The last batch's scores, read where they lie (see `valuesNow`): kept until the next batch.
  let last: tf.Tensor | null = null
  return {
    score: async (rows) => {
      last?.dispose()
      last = tf.tidy(() => tf.matMul(model.embedQueries(rows, override).embedding, catalogue))
      return valuesNow(last)
    },
    dispose: () => {
      last?.dispose()
      catalogue.dispose()
    },
  }
}
