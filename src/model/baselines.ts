import { deriveSeed, mulberry32 } from '../data/random'
import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { sameForEveryQuery, SharedRanking, UniformRanking, type BatchScorer } from './metrics'

/** Training interactions per item. */
export function itemCounts(data: EncodedDataset, trainRows: ArrayLike<number>): Float64Array {
  const counts = new Float64Array(data.itemIds.length)
  for (let i = 0; i < trainRows.length; i++) counts[data.interactionItem[trainRows[i]]]++
  return counts
}

/**
 * `itemCounts` of a split's training rows, read in file order: every row counted, then the held-out
 * rows taken out again. The training rows in their own (per-user) order are random reads: 0.6 s at
 * 10,000,000 rows, against a few tens of milliseconds this way. A split whose parts do not cover the
 * rows exactly once is counted the direct way.
 */
export function trainItemCounts(data: EncodedDataset, split: Split): Float64Array {
  const { train, validation, test } = split
  const items = data.interactionItem
  if (train.length + validation.length + test.length !== items.length) return itemCounts(data, train)
  const counts = new Float64Array(data.itemIds.length)
  for (let r = 0; r < items.length; r++) counts[items[r]]++
  for (const part of [validation, test]) for (let i = 0; i < part.length; i++) counts[items[part[i]]]--
  return counts
}

/** Most-popular baseline: every query gets the items ranked by training count. */
export function popularityScorer(counts: Float64Array): BatchScorer {
  const shared = Float32Array.from(counts)
  const score = (rows: Int32Array) => {
    const out = new Float32Array(rows.length * counts.length)
    for (let q = 0; q < rows.length; q++) out.set(shared, q * counts.length)
    return out
  }
  return Object.assign(score, { ranking: sameForEveryQuery(() => new SharedRanking(shared)) })
}

/**
 * Random baseline: independent uniform scores, reproducible from the seed. Ranked directly it is exact
 * (`UniformRanking`: every candidate equally likely), with no scores for the whole catalogue drawn.
 */
export function randomScorer(itemCount: number, seed: number): BatchScorer {
  const rng = mulberry32(deriveSeed(seed, 'random-baseline'))
  const score = (rows: Int32Array) => Float32Array.from({ length: rows.length * itemCount }, rng)
  return Object.assign(score, { ranking: sameForEveryQuery(() => new UniformRanking(itemCount, rng)) })
}
