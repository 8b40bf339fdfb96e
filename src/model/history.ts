import type { Split } from '../data/split'
import type { EncodedDataset } from '../data/types'

/**
 * The user's most recent items before each interaction, as history tokens for the query tower.
 *
 * `items[row * length + k]` is (item index + 1) of the k-th most recent earlier item, 0 for padding.
 * Only what the model may know at that moment is used, so nothing leaks from the future:
 * - a training row sees the user's earlier training rows;
 * - a validation row sees all of the user's training rows;
 * - a test row sees the user's training and validation rows.
 * "Earlier" is by timestamp (ties by row order), or by row order when the data has no timestamps.
 */
export interface Histories {
  length: number
  items: Int32Array
}

export function buildHistories(data: EncodedDataset, split: Split, length: number): Histories {
  const n = data.interactionUser.length
  const items = new Int32Array(n * length)
  if (length === 0) return { length, items }
  const part = new Uint8Array(n) // 0 train, 1 validation, 2 test, 3 unused
  part.fill(3)
  split.train.forEach((r) => (part[r] = 0))
  split.validation.forEach((r) => (part[r] = 1))
  split.test.forEach((r) => (part[r] = 2))

  const byUser: number[][] = Array.from({ length: data.userIds.length }, () => [])
  for (let r = 0; r < n; r++) byUser[data.interactionUser[r]].push(r)
  const time = data.interactionTime
  const write = (row: number, known: readonly number[]) => {
    for (let k = 0; k < length && k < known.length; k++)
      items[row * length + k] = data.interactionItem[known[known.length - 1 - k]] + 1
  }
  for (const rows of byUser) {
    if (time) rows.sort((a, b) => time[a] - time[b] || a - b)
    const train: number[] = []
    const validation: number[] = []
    for (const r of rows) {
      if (part[r] === 0) {
        write(r, train)
        train.push(r)
      } else if (part[r] === 1) validation.push(r)
    }
    for (const r of rows) {
      if (part[r] === 1) write(r, train)
      else if (part[r] === 2) write(r, mergeByOrder(train, validation, rows))
    }
  }
  return { length, items }
}

/** Rows of `a` and `b` in the order they appear in `order`. */
function mergeByOrder(a: number[], b: number[], order: number[]): number[] {
  if (b.length === 0) return a
  const keep = new Set([...a, ...b])
  return order.filter((r) => keep.has(r))
}
