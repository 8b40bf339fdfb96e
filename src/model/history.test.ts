import { describe, expect, it } from 'vitest'
import { mulberry32, randInt, shuffleInPlace } from '../data/random'
import { splitDataset, splitWithOrder, type Split } from '../data/split'
import { interactionsDataset } from '../data/testing'
import type { EncodedDataset } from '../data/types'
import {
  buildHistories,
  historiesInSlices,
  historyLengthFor,
  historyRowsOf,
  rowParts,
  type Histories,
} from './history'

/**
 * A log with many ties: each user rates 3–40 distinct items (so a token names exactly one source row
 * of that user), at whole "seconds" 0..11, and the file's rows are shuffled.
 */
function tiedLog(seed: number, withTime = true): EncodedDataset {
  const rng = mulberry32(seed)
  const users = 50
  const items = 60
  const user: number[] = []
  const item: number[] = []
  const time: number[] = []
  for (let u = 0; u < users; u++) {
    const own = shuffleInPlace(
      rng,
      Int32Array.from({ length: items }, (_, i) => i),
    )
    const count = 3 + randInt(rng, 38)
    for (let k = 0; k < count; k++) {
      user.push(u)
      item.push(own[k])
      time.push(randInt(rng, 12))
    }
  }
  const order = shuffleInPlace(
    rng,
    Int32Array.from(user, (_, r) => r),
  )
  return interactionsDataset(
    users,
    items,
    Int32Array.from(order, (r) => user[r]),
    Int32Array.from(order, (r) => item[r]),
    withTime ? Float64Array.from(order, (r) => time[r]) : null,
  )
}

const PARTS = ['train', 'validation', 'test'] as const
type Part = (typeof PARTS)[number]

/** What a row of each part may know, written out here rather than taken from history.ts. */
const KNOWS: Record<Part, Part[]> = { train: ['train'], validation: ['train'], test: ['train', 'validation'] }

function partOf(split: Split): Map<number, Part> {
  const out = new Map<number, Part>()
  for (const p of PARTS) split[p].forEach((r) => out.set(r, p))
  return out
}

/** The row's history tokens as items (padding dropped). */
function tokens(histories: Histories, row: number): number[] {
  const out: number[] = []
  for (let k = 0; k < histories.length; k++) {
    const code = histories.code(row, k)
    if (code > 0) out.push(code - 1)
  }
  return out
}

/** The user's row that rated `item` (unique in `tiedLog`). */
function sourceRow(data: EncodedDataset, user: number, item: number): number {
  const rows: number[] = []
  data.interactionUser.forEach((u, r) => {
    if (u === user && data.interactionItem[r] === item) rows.push(r)
  })
  expect(rows).toHaveLength(1)
  return rows[0]
}

describe('buildHistories never leaks the future', () => {
  it.each([1, 2, 3, 4, 5])('on a log with many same-second rows (seed %i)', (seed) => {
    const data = tiedLog(seed)
    const time = data.interactionTime!
    const { split, inTime } = splitWithOrder(data, seed)
    const part = partOf(split)
    const length = 8
    const histories = buildHistories(data, split, length)
    // A run hands the split's time order over, so histories only re-sort ties: the same tokens.
    const fromSplitOrder = buildHistories(data, split, length, inTime)
    // A run builds them in slices (here of 7 rows, so every pass stops often): the same tokens again.
    let slices = 0
    const inSlices = historiesInSlices(data, split, length, inTime, 7)
    let next = inSlices.next()
    for (; !next.done; next = inSlices.next()) slices++
    const sliced = next.value
    expect(slices).toBeGreaterThan((4 * data.interactionUser.length) / 7)
    let checked = 0
    let tiedRows = 0
    for (let r = 0; r < data.interactionUser.length; r++) {
      const user = data.interactionUser[r]
      const seen = tokens(histories, r)
      expect(tokens(fromSplitOrder, r)).toEqual(seen)
      expect(tokens(sliced, r)).toEqual(seen)
      // Every token's source row is strictly earlier and of a part this row may know.
      for (const item of seen) {
        const s = sourceRow(data, user, item)
        expect(time[s]).toBeLessThan(time[r])
        expect(KNOWS[part.get(r)!]).toContain(part.get(s))
        checked++
      }
      // Never the row's own item, nor anything the user rated in the same second.
      for (let s = 0; s < data.interactionUser.length; s++)
        if (data.interactionUser[s] === user && time[s] === time[r]) {
          expect(seen).not.toContain(data.interactionItem[s])
          if (s !== r) tiedRows++
        }
      // Nothing is missing: the `length` most recent known rows, newest first (one second's items by
      // item index).
      const known: number[] = []
      for (let s = 0; s < data.interactionUser.length; s++)
        if (
          data.interactionUser[s] === user &&
          time[s] < time[r] &&
          KNOWS[part.get(r)!].includes(part.get(s)!)
        )
          known.push(s)
      known.sort((a, b) => time[b] - time[a] || data.interactionItem[b] - data.interactionItem[a])
      expect(seen).toEqual(known.slice(0, length).map((s) => data.interactionItem[s]))
    }
    // The log exercises what it should: tokens to check, same-second rows, held-out rows.
    expect(checked).toBeGreaterThan(2000)
    expect(tiedRows).toBeGreaterThan(1000)
    expect(split.test.length).toBe(50)
  })

  it('without timestamps: only rows earlier in the file, of the parts the row may know', () => {
    const data = tiedLog(6, false)
    const split = splitDataset(data, 6)
    expect(split.kind).toBe('random')
    const part = partOf(split)
    const histories = buildHistories(data, split, 5)
    let checked = 0
    for (let r = 0; r < data.interactionUser.length; r++)
      for (const item of tokens(histories, r)) {
        const s = sourceRow(data, data.interactionUser[r], item)
        expect(s).toBeLessThan(r)
        expect(KNOWS[part.get(r)!]).toContain(part.get(s))
        checked++
      }
    expect(checked).toBeGreaterThan(1000)
  })

  it('the explorer’s rule (historyRowsOf) gives the same history as training and evaluation', () => {
    const data = tiedLog(7)
    const split = splitDataset(data, 7)
    const parts = rowParts(split, data.interactionUser.length)
    const histories = buildHistories(data, split, 6)
    const userRows = Array.from({ length: data.userIds.length }, () => [] as number[])
    data.interactionUser.forEach((u, r) => userRows[u].push(r))
    for (let r = 0; r < data.interactionUser.length; r++) {
      const rows = historyRowsOf(data, parts, r, userRows[data.interactionUser[r]]).slice(0, 6)
      expect(tokens(histories, r)).toEqual(rows.map((s) => data.interactionItem[s]))
    }
  })
})

/** One user's rows as (time, item), in file order. */
function oneUser(rows: [number, number][]): EncodedDataset {
  return interactionsDataset(
    1,
    20,
    new Int32Array(rows.length),
    Int32Array.from(rows, ([, item]) => item),
    Float64Array.from(rows, ([time]) => time),
  )
}

/** Histories keyed by the row's item (items are distinct here). */
function byItem(data: EncodedDataset, length: number): Map<number, number[]> {
  const split = splitDataset(data, 0)
  const histories = buildHistories(data, split, length)
  return new Map(Array.from(data.interactionItem, (item, r) => [item, tokens(histories, r)]))
}

describe('buildHistories, by hand', () => {
  it('rows rated in the same second do not see each other, whatever their order in the file', () => {
    // Items 2 and 3 share second 20. Before the strict rule, the one later in the file saw the other
    // (ties were broken by row order), so the two file orders gave different histories; and later rows
    // listed the two in file order rather than by item.
    const log: [number, number][] = [
      [10, 1],
      [20, 2],
      [20, 3],
      [30, 4],
      [40, 5],
      [50, 6],
    ]
    const swapped = [log[0], log[2], log[1], ...log.slice(3)]
    const a = byItem(oneUser(log), 4)
    const b = byItem(oneUser(swapped), 4)
    expect(a).toEqual(b)
    expect(a.get(2)).toEqual([1])
    expect(a.get(3)).toEqual([1])
    expect(a.get(4)).toEqual([3, 2, 1])
  })

  it('pads short histories with 0 and caps long ones to the most recent, newest first', () => {
    const data = oneUser([
      [1, 11],
      [2, 12],
      [3, 13],
      [4, 14],
      [5, 15],
      [6, 16],
      [7, 17],
      [8, 18],
    ])
    const split = splitDataset(data, 0)
    const histories = buildHistories(data, split, 3)
    const row = (item: number) => data.interactionItem.indexOf(item)
    const raw = (item: number) => [0, 1, 2].map((k) => histories.code(row(item), k))
    // Codes are item + 1; 0 is padding.
    expect(raw(11)).toEqual([0, 0, 0])
    expect(raw(13)).toEqual([13, 12, 0])
    expect(raw(16)).toEqual([16, 15, 14])
    // Validation (item 17) sees training rows; test (item 18) sees the validation item too.
    expect(Array.from(split.validation)).toEqual([row(17)])
    expect(raw(17)).toEqual([17, 16, 15])
    expect(raw(18)).toEqual([18, 17, 16])
  })

  it('test rows see the validation item only when it is strictly earlier', () => {
    // Validation and test share second 9 (the split breaks the tie by row order): the test row may not
    // see the validation item, nor the training row of that second.
    const data = oneUser([
      [1, 1],
      [2, 2],
      [9, 3],
      [9, 4],
      [9, 5],
    ])
    const split = splitDataset(data, 0)
    expect([split.validation[0], split.test[0]]).toEqual([3, 4])
    const h = byItem(data, 4)
    expect(h.get(5)).toEqual([2, 1])
    expect(h.get(4)).toEqual([2, 1])
  })

  it('history length 0 gives no tokens', () => {
    const data = tiedLog(8)
    const histories = buildHistories(data, splitDataset(data, 8), 0)
    expect(histories.length).toBe(0)
    expect(histories.code(5, 0)).toBe(0)
  })
})

describe('leave-last-out split with ties', () => {
  it('never puts a training row after its user’s validation row, nor validation after test', () => {
    const data = tiedLog(9)
    const time = data.interactionTime!
    const split = splitDataset(data, 9)
    const validationTime = new Map<number, number>()
    const testTime = new Map<number, number>()
    split.validation.forEach((r) => validationTime.set(data.interactionUser[r], time[r]))
    split.test.forEach((r) => testTime.set(data.interactionUser[r], time[r]))
    let sameSecond = 0
    for (const r of split.train) {
      const u = data.interactionUser[r]
      if (!validationTime.has(u)) continue
      expect(time[r]).toBeLessThanOrEqual(validationTime.get(u)!)
      if (time[r] === validationTime.get(u)) sameSecond++
    }
    for (const [u, t] of validationTime) expect(t).toBeLessThanOrEqual(testTime.get(u)!)
    // Ties at the boundary do happen: a training row in the validation row's second. It is trained
    // on (its target is a training positive) but is not in the validation row's history.
    expect(sameSecond).toBeGreaterThan(0)
  })
})

describe('historyLengthFor', () => {
  it('keeps the setting with timestamps and turns history off without them (file order is not time)', () => {
    expect(historyLengthFor(tiedLog(1), 20)).toBe(20)
    expect(historyLengthFor(tiedLog(1), 0)).toBe(0)
    expect(historyLengthFor(tiedLog(1, false), 20)).toBe(0)
  })
})
