import * as tf from './tf'
import type { Split } from '../data/split'
import { itemsPerUser } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { MetricAccumulator, targetRank, type RankingMetrics } from './metrics'
import type { TwoTowerModel } from './twoTower'

/** Held-out interactions to rank against the full catalogue. */
export interface EvalQueries {
  /** Interaction row of each query (gives the user and the context). */
  rows: Int32Array
  /** The held-out item of each query. */
  targets: Int32Array
  /** Per query: sorted item indices the user already has, excluded from the ranking. */
  excluded: Int32Array[]
}

/**
 * Queries for the validation or the test part. Validation excludes the user's training items; test
 * excludes training and validation items (both are known history by then).
 */
export function buildQueries(data: EncodedDataset, split: Split, part: 'validation' | 'test'): EvalQueries {
  const rows = split[part]
  const known = itemsPerUser(data, part === 'validation' ? [split.train] : [split.train, split.validation])
  return {
    rows,
    targets: Int32Array.from(rows, (r) => data.interactionItem[r]),
    excluded: Array.from(rows, (r) => known[data.interactionUser[r]]),
  }
}

/** Scores every item for each query of a batch: returns [queries × items] row-major. */
export type BatchScorer = (rows: Int32Array) => Float32Array | Promise<Float32Array>

/** Ranks the full catalogue for every query and averages the metrics. */
export async function evaluateRanking(
  scorer: BatchScorer,
  queries: EvalQueries,
  itemCount: number,
  batchSize = 256,
): Promise<RankingMetrics> {
  const acc = new MetricAccumulator()
  for (let start = 0; start < queries.rows.length; start += batchSize) {
    const end = Math.min(queries.rows.length, start + batchSize)
    const scores = await scorer(queries.rows.subarray(start, end))
    for (let q = start; q < end; q++) {
      const row = scores.subarray((q - start) * itemCount, (q - start + 1) * itemCount)
      acc.add(targetRank(row, queries.targets[q], queries.excluded[q]))
    }
  }
  return acc.result()
}

/** Item embeddings of the whole catalogue, [items, dim]. The caller disposes the result. */
export function embedCatalogue(model: TwoTowerModel, itemCount: number, batchSize = 1024): tf.Tensor2D {
  return tf.tidy(() => {
    const parts: tf.Tensor2D[] = []
    for (let start = 0; start < itemCount; start += batchSize) {
      const items = Int32Array.from({ length: Math.min(batchSize, itemCount - start) }, (_, i) => start + i)
      const rows = tf.tensor1d(model.itemRows(items), 'int32')
      parts.push(model.item.apply(rows, items.length).embedding)
    }
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0)
  })
}

/**
 * A scorer that ranks with the trained towers. Holds the catalogue embeddings until `dispose`.
 * Scores are cosine similarities (the temperature does not change the order).
 */
export function modelScorer(
  model: TwoTowerModel,
  itemCount: number,
): { score: BatchScorer; dispose: () => void } {
  const catalogue = embedCatalogue(model, itemCount)
  return {
    score: async (rows) => {
      const scores = tf.tidy(() => {
        const queryRows = tf.tensor1d(model.queryRows(rows), 'int32')
        const users = model.user.apply(queryRows, rows.length).embedding
        return tf.matMul(users, catalogue, false, true)
      })
      const out = (await scores.data()) as Float32Array
      scores.dispose()
      return out
    },
    dispose: () => catalogue.dispose(),
  }
}
