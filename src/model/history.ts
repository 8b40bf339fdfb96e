import { SLICE_ROWS, slicesOf, touchInSlices, userSlices, whole, type Sliced } from '../data/slices'
import { rowsByUserInSlices, type RowsInTime, type Split } from '../data/split'
import type { EncodedDataset } from '../data/types'

/**
 * The user's most recent items before each interaction, as history tokens for the query tower.
 *
 * `code(row, k)` is (item index + 1) of the k-th most recent item the row may know, 0 for padding. The
 * rule, the same for every part and for the explorer (`historyRowsOf`), is `mayKnow`:
 * - a source row is the same user's, and strictly earlier: its timestamp is strictly less than the
 *   row's (items rated in the same second are not known before each other, whatever their order in
 *   the file), or, when the data has no timestamps, it comes earlier in the file;
 * - a training row knows the user's training rows; a validation row knows training rows; a test row
 *   knows training and validation rows. As in the SASRec protocol (Kang & McAuley 2018), the
 *   validation item is history at test time when it precedes the test row.
 * The most recent come first (items of one second by item index, so the file's order does not matter);
 * with more than `length` known items, the oldest are dropped.
 */
export interface Histories {
  length: number
  code(row: number, k: number): number
}

/** No history tokens (data without timestamps, the id-only model). */
export const NO_HISTORIES: Histories = { length: 0, code: () => 0 }

/**
 * History tokens a run on `data` uses: the setting when the data has a timestamp column, none without
 * one. File order is not a time (exports are often sorted by user or by item), and a history in the
 * wrong order would still be fed to the model as "the user's last N items", silently.
 */
export function historyLengthFor(data: EncodedDataset, requested: number): number {
  return data.interactionTime ? requested : 0
}

/** Part of every interaction row, as `rowParts` writes it. */
export const TRAIN = 0
export const VALIDATION = 1
export const TEST = 2
/** Rows in no part (none at present; kept apart so they are never history). */
export const UNUSED = 3

export function rowParts(split: Split, rowCount: number): Uint8Array {
  const part = new Uint8Array(rowCount).fill(UNUSED)
  // Indexed loops: `forEach` took 0.2-0.37 s for a 10,000,000-row split here, these 0.055 s.
  const mark = (rows: Int32Array, value: number) => {
    for (let i = 0; i < rows.length; i++) part[rows[i]] = value
  }
  mark(split.train, TRAIN)
  mark(split.validation, VALIDATION)
  mark(split.test, TEST)
  return part
}

/** Whether a row of part `rowPart` may see a source row of part `sourcePart` (time aside). */
export function partMayKnow(rowPart: number, sourcePart: number): boolean {
  if (sourcePart === TRAIN) return rowPart !== UNUSED
  return sourcePart === VALIDATION && rowPart === TEST
}

/** Whether `source` is strictly before `row`: by timestamp, or by row order without timestamps. */
export function strictlyBefore(time: Float64Array | null, source: number, row: number): boolean {
  return time ? time[source] < time[row] : source < row
}

/** The rule: `row`'s history may hold `source` (same user, strictly earlier, a part it may know). */
export function mayKnow(data: EncodedDataset, part: Uint8Array, source: number, row: number): boolean {
  return (
    data.interactionUser[source] === data.interactionUser[row] &&
    strictlyBefore(data.interactionTime, source, row) &&
    partMayKnow(part[row], part[source])
  )
}

/**
 * Rows in the order history reads them: by time, and items of the same second by item index (then row),
 * so a history does not depend on the order of the file; row order alone without time.
 */
function byTime(data: EncodedDataset): (a: number, b: number) => number {
  const time = data.interactionTime
  const item = data.interactionItem
  return time ? (a, b) => time[a] - time[b] || item[a] - item[b] || a - b : (a, b) => a - b
}

/**
 * Re-sorts each run of rows with the same time by item, then row. `rows` is in time order and `timeAt`
 * holds their times in that order (a run of equal times keeps its times when re-sorted).
 */
function sortTies(rows: Int32Array, timeAt: Float64Array, item: Int32Array): void {
  for (let g = 0; g < rows.length;) {
    let last = g + 1
    while (last < rows.length && timeAt[last] === timeAt[g]) last++
    if (last - g > 1) rows.subarray(g, last).sort((a, b) => item[a] - item[b] || a - b)
    g = last
  }
}

/** `values[order[i]]` for every i: one pass of independent reads, so later loops read in sequence. */
function* gathered<T extends Int32Array | Uint8Array | Float64Array>(
  values: T,
  order: Int32Array,
  sliceRows: number,
): Sliced<T> {
  const out = new (values.constructor as new (n: number) => T)(order.length)
  for (const [from, to] of slicesOf(order.length, sliceRows)) {
    gatherRange(values, order, out, from, to)
    yield
  }
  return out
}

/*
 * The loops of `historiesInSlices`, as plain functions over a range (rows or users) that the generator
 * calls slice by slice: see `swapDown` in random.ts for why.
 */

function gatherRange<T extends Int32Array | Uint8Array | Float64Array>(
  values: T,
  order: Int32Array,
  out: T,
  from: number,
  to: number,
): void {
  for (let i = from; i < to; i++) out[i] = values[order[i]]
}

/** `into[order[i]] = values[i]` for i in `from` … `to` − 1. */
function scatter(order: Int32Array, values: Int32Array, into: Int32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) into[order[i]] = values[i]
}

/** Puts the rows of users `from` … `to` − 1 in the order histories read them. */
function sortForHistories(
  data: EncodedDataset,
  start: Int32Array,
  order: Int32Array,
  timeAt: Float64Array | null,
  [from, to]: [number, number],
): void {
  for (let u = from; u < to; u++) {
    const rows = order.subarray(start[u], start[u + 1])
    if (timeAt) sortTies(rows, timeAt.subarray(start[u], start[u + 1]), data.interactionItem)
    else rows.sort(byTime(data))
  }
}

/** Part, item and time of each row in history order, and where its known items end (written here). */
interface InOrder {
  partAt: Uint8Array
  itemAt: Int32Array
  groupTime: Float64Array | null
  endAt: Int32Array
}

/** A list of known items in time order, user by user, and where each user's items start. */
interface KnownList {
  items: Int32Array
  start: Int32Array
}

/**
 * Users `from` … `to` − 1 of the one pass: each group of rows of the same second reads where the items
 * its part may know end, then adds its own. `ends` carries the lists' ends from one range to the next.
 */
function fillLists(
  start: Int32Array,
  { partAt, itemAt, groupTime, endAt }: InOrder,
  train: KnownList,
  known: KnownList,
  ends: { train: number; known: number },
  [from, to]: [number, number],
): void {
  let trainEnd = ends.train
  let knownEnd = ends.known
  for (let u = from; u < to; u++) {
    const first = start[u]
    const stop = start[u + 1]
    train.start[u] = trainEnd
    known.start[u] = knownEnd
    for (let g = first; g < stop;) {
      let last = g + 1
      // One group: rows of the same second (each row alone without timestamps).
      if (groupTime) while (last < stop && groupTime[last] === groupTime[g]) last++
      for (let i = g; i < last; i++) {
        const p = partAt[i]
        endAt[i] = p === TEST ? knownEnd : p === UNUSED ? known.start[u] : trainEnd
      }
      for (let i = g; i < last; i++) {
        const p = partAt[i]
        if (p === TRAIN) train.items[trainEnd++] = itemAt[i]
        if (partMayKnow(TEST, p)) known.items[knownEnd++] = itemAt[i]
      }
      g = last
    }
  }
  ends.train = trainEnd
  ends.known = knownEnd
}

/**
 * The rows among `candidates` (say, the user's rows) that `row` may know (`mayKnow`), most recent
 * first, all of them: for one row at a time (the explorer), so a plain scan.
 */
export function historyRowsOf(
  data: EncodedDataset,
  part: Uint8Array,
  row: number,
  candidates: ArrayLike<number>,
): number[] {
  const out: number[] = []
  for (let i = 0; i < candidates.length; i++)
    if (mayKnow(data, part, candidates[i], row)) out.push(candidates[i])
  return out.sort(byTime(data)).reverse()
}

/**
 * All rows' histories in one pass per user: the user's rows in time order, taken a group of equal
 * timestamps at a time (one row per group without timestamps); each row of a group reads the rows its
 * part may know from the groups before, and only then is the group added. Equal to filtering with
 * `mayKnow` (the tests check this), in time linear in the rows.
 *
 * Nothing is copied per row: each user's known items are kept once, in time order, in two lists (the
 * training rows', which training and validation rows read; training and validation rows', which test
 * rows read), and a row keeps only where its known items end in its list. 10,000,000 rows take 120 MB
 * so, against 800 MB for 20 tokens written out per row.
 *
 * `inTime`, the order a leave-last-out split was cut from (`splitWithOrder`), saves sorting every
 * user's rows again; it is taken over (its ties are re-sorted in place).
 */
export function buildHistories(
  data: EncodedDataset,
  split: Split,
  length: number,
  inTime: RowsInTime | null = null,
): Histories {
  return whole(historiesInSlices(data, split, length, inTime))
}

/**
 * `buildHistories` in slices of about `sliceRows` rows (see `slices.ts`): a run awaits a Stop between
 * them, since on a 10,000,000-row log the histories take 1.2-1.7 s.
 */
export function* historiesInSlices(
  data: EncodedDataset,
  split: Split,
  length: number,
  inTime: RowsInTime | null = null,
  sliceRows = SLICE_ROWS,
): Sliced<Histories> {
  if (length === 0) return NO_HISTORIES
  const n = data.interactionUser.length
  const part = rowParts(split, n)
  const time = data.interactionTime
  const presorted = time !== null && inTime !== null
  const { start, order } = presorted
    ? inTime
    : yield* rowsByUserInSlices(data, undefined, undefined, sliceRows)
  // Per list: the items in time order, user by user; where each user's items start; for each row,
  // where the items it knows end (exclusive).
  const train: KnownList = {
    items: new Int32Array(split.train.length),
    start: new Int32Array(data.userIds.length),
  }
  const known: KnownList = {
    items: new Int32Array(split.train.length + split.validation.length),
    start: new Int32Array(data.userIds.length),
  }
  // Each user's rows in the order histories read them. With a presorted order only runs of one second
  // are sorted again (by item), on the times gathered in that order.
  const timeAt = presorted ? inTime.timeAt : null
  for (const range of userSlices(start, sliceRows)) {
    sortForHistories(data, start, order, timeAt, range)
    yield
  }
  // Then one pass in that order over gathered copies: reading part, item and time at random rows of a
  // 10,000,000-row log cost 2 s here (cache misses), in sequence a fraction of it.
  const inOrder: InOrder = {
    partAt: yield* gathered(part, order, sliceRows),
    itemAt: yield* gathered(data.interactionItem, order, sliceRows),
    groupTime: timeAt ?? (time ? yield* gathered(time, order, sliceRows) : null),
    // Where each row's known items end, written in that order too, and put in row order by one tight
    // loop at the end: written at random rows inside the loop, it took 1.3-1.4 s at 10,000,000 rows
    // here, against 0.55 s plus 0.19-0.23 s apart (Node, one run each).
    endAt: new Int32Array(n),
  }
  const ends = { train: 0, known: 0 }
  for (const range of userSlices(start, sliceRows)) {
    fillLists(start, inOrder, train, known, ends, range)
    yield
  }
  const end = new Int32Array(n)
  yield* touchInSlices([end], sliceRows)
  for (const [from, to] of slicesOf(n, sliceRows)) {
    scatter(order, inOrder.endAt, end, from, to)
    yield
  }
  const user = data.interactionUser
  return {
    length,
    code(row, k) {
      if (k >= length) return 0
      const list = part[row] === TEST || part[row] === UNUSED ? known : train
      const at = end[row] - 1 - k
      return at >= list.start[user[row]] ? list.items[at] + 1 : 0
    },
  }
}
