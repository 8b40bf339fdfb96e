import { deriveSeed, mulberry32, shuffleInPlace } from './random'
import type { EncodedDataset } from './types'

/**
 * - `leave-last-out`: per user, ordered by time: the last interaction is test, the second-to-last
 *   validation, the rest train. Users with fewer than 3 interactions stay wholly in train.
 * - `random`: interactions shuffled with the seed and cut 80/10/10 (used when there is no timestamp).
 */
export type SplitKind = 'leave-last-out' | 'random'

/** Interaction row indices per part. */
export interface Split {
  kind: SplitKind
  train: Int32Array
  validation: Int32Array
  test: Int32Array
}

/** Minimum interactions a user needs before one is held out for validation and one for test. */
export const MIN_INTERACTIONS_FOR_HOLDOUT = 3

export function splitDataset(data: EncodedDataset, seed: number): Split {
  return data.interactionTime ? leaveLastOut(data, data.interactionTime) : randomSplit(data, seed)
}

function leaveLastOut(data: EncodedDataset, time: Float64Array): Split {
  const n = data.interactionUser.length
  const byUser: number[][] = Array.from({ length: data.userIds.length }, () => [])
  for (let r = 0; r < n; r++) byUser[data.interactionUser[r]].push(r)
  const train: number[] = []
  const validation: number[] = []
  const test: number[] = []
  for (const rows of byUser) {
    // Ties in time are broken by row order, so the split is deterministic.
    rows.sort((a, b) => time[a] - time[b] || a - b)
    if (rows.length < MIN_INTERACTIONS_FOR_HOLDOUT) {
      train.push(...rows)
      continue
    }
    test.push(rows[rows.length - 1])
    validation.push(rows[rows.length - 2])
    for (let i = 0; i < rows.length - 2; i++) train.push(rows[i])
  }
  return {
    kind: 'leave-last-out',
    train: Int32Array.from(train),
    validation: Int32Array.from(validation),
    test: Int32Array.from(test),
  }
}

function randomSplit(data: EncodedDataset, seed: number): Split {
  const n = data.interactionUser.length
  const order = shuffleInPlace(
    mulberry32(deriveSeed(seed, 'split')),
    Int32Array.from({ length: n }, (_, i) => i),
  )
  const nTrain = Math.round(n * 0.8)
  const nValidation = Math.round(n * 0.1)
  return {
    kind: 'random',
    train: order.slice(0, nTrain),
    validation: order.slice(nTrain, nTrain + nValidation),
    test: order.slice(nTrain + nValidation),
  }
}

/**
 * Items each user interacted with in the given rows, as sorted unique item indices per user.
 * Used to exclude already-known items when ranking the full catalogue.
 */
export function itemsPerUser(data: EncodedDataset, rows: ArrayLike<number>[]): Int32Array[] {
  const sets: Set<number>[] = Array.from({ length: data.userIds.length }, () => new Set<number>())
  for (const part of rows)
    for (let i = 0; i < part.length; i++)
      sets[data.interactionUser[part[i]]].add(data.interactionItem[part[i]])
  return sets.map((s) => Int32Array.from(s).sort())
}
