import { describe, expect, it } from 'vitest'
import {
  asDict,
  cell,
  ColumnBuilder,
  isNumberColumn,
  NUMBER_COLUMN_MIN_DISTINCT,
  numberOfText,
  columnValues,
  dictTableFromRows,
  filterRows,
  foldOneHot,
  mapDictionary,
  numbersOf,
  presentSorted,
  renameColumns,
  toDictTable,
  toDictTableInSlices,
} from './table'

describe('ColumnBuilder', () => {
  it('grows past its initial capacity and trims on finish', () => {
    const builder = new ColumnBuilder()
    for (let r = 0; r < 5000; r++) builder.push(`v${r % 3}`)
    const column = builder.finish()
    if (isNumberColumn(column)) throw new Error('expected a dictionary column')
    expect(column.codes.length).toBe(5000)
    expect(column.dictionary).toEqual(['v0', 'v1', 'v2'])
    expect(column.codes[4999]).toBe(4999 % 3)
  })
})

/** A column built from `texts`, and the same texts read back cell by cell. */
function roundTrip(texts: string[]) {
  const builder = new ColumnBuilder()
  for (const t of texts) builder.push(t)
  const column = builder.finish()
  const table = { name: 't', columns: ['c'], coded: { c: column }, rowCount: texts.length }
  return { column, back: texts.map((_, r) => cell(table, 'c', r)) }
}

describe('number columns', () => {
  const many = NUMBER_COLUMN_MIN_DISTINCT + 5000
  const timestamps = Array.from({ length: many }, (_, r) => String(1_600_000_000 + r * 7))

  it('reads back exactly the numbers whose text is their shortest form, and nothing else', () => {
    expect(numberOfText('1614556800')).toBe(1614556800)
    expect(numberOfText('3.5')).toBe(3.5)
    expect(numberOfText('-2')).toBe(-2)
    expect(numberOfText('')).toBeNaN()
    for (const text of ['00123', '1.50', '1e3', '-0', ' 7', 'NaN', 'Infinity', '0x10', '1,5', 'abc'])
      expect(numberOfText(text)).toBeNull()
  })

  it('a column of many distinct timestamps is stored as numbers and gives back every cell', () => {
    const texts = [...timestamps]
    texts[17] = ''
    const { column, back } = roundTrip(texts)
    expect(isNumberColumn(column)).toBe(true)
    if (!isNumberColumn(column)) return
    expect(column.values.length).toBe(many)
    expect(back).toEqual(texts)
    // The dictionary form, made on demand, has one entry per distinct text.
    const dict = asDict(column)
    expect(dict.dictionary.length).toBe(many)
    expect(dict.dictionary[dict.codes[17]]).toBe('')
    expect(asDict(column)).toBe(dict)
  })

  it('repetitive numbers (ids, ratings) stay dictionary columns', () => {
    const ids = Array.from({ length: 4 * many }, (_, r) => String(r % 1000))
    expect(isNumberColumn(roundTrip(ids).column)).toBe(false)
  })

  it('a text that is not a number after the switch turns the column back, losing nothing', () => {
    const texts = [...timestamps, '00123', '1614556800', 'n/a']
    const { column, back } = roundTrip(texts)
    expect(isNumberColumn(column)).toBe(false)
    expect(back).toEqual(texts)
  })

  it('ids written with leading zeros never become numbers', () => {
    const texts = Array.from({ length: many }, (_, r) => String(r).padStart(8, '0'))
    const { column, back } = roundTrip(texts)
    expect(isNumberColumn(column)).toBe(false)
    expect(back).toEqual(texts)
  })

  it('a column of many distinct date-times written one way is stored as numbers with that format', () => {
    const texts = Array.from({ length: many }, (_, r) =>
      new Date(Date.UTC(2023, 0, 1) + r * 61_000).toISOString().replace('T', ' ').replace('.000Z', '+00:00'),
    )
    texts[3] = ''
    const { column, back } = roundTrip(texts)
    expect(isNumberColumn(column)).toBe(true)
    if (!isNumberColumn(column)) return
    expect(column.format).toEqual({ separator: ' ', seconds: true, fraction: 0, zone: '+00:00' })
    expect(column.values[1]).toBe(Date.UTC(2023, 0, 1) + 61_000)
    expect(back).toEqual(texts)
  })

  it('date-times written two ways stay text', () => {
    const texts = Array.from({ length: many }, (_, r) =>
      new Date(Date.UTC(2023, 0, 1) + r * 61_000).toISOString(),
    )
    texts.push('2024-01-01 10:00:00')
    const { column, back } = roundTrip(texts)
    expect(isNumberColumn(column)).toBe(false)
    expect(back).toEqual(texts)
  })

  it('filtering rows of a number column keeps it a number column', () => {
    const { column } = roundTrip(timestamps)
    const table = { name: 't', columns: ['c'], coded: { c: column }, rowCount: many }
    const keep = Uint8Array.from({ length: many }, (_, r) => (r % 2 === 0 ? 1 : 0))
    const kept = filterRows(table, keep)
    expect(isNumberColumn(kept.coded.c)).toBe(true)
    expect(columnValues(kept, 'c')).toEqual(timestamps.filter((_, r) => r % 2 === 0))
  })

  it('filtering that keeps every row shares the columns instead of copying them', () => {
    const { column } = roundTrip(timestamps)
    const table = { name: 't', columns: ['c'], coded: { c: column }, rowCount: many }
    const kept = filterRows(table, new Uint8Array(many).fill(1))
    expect(kept).not.toBe(table)
    expect(kept.coded.c).toBe(column)
  })

  it('reads epoch seconds as timestamps from the column itself, and copies only what it converts', () => {
    const { column } = roundTrip(timestamps)
    if (!isNumberColumn(column)) throw new Error('expected a number column')
    expect(numbersOf(column, Number, 'timestamp')).toBe(column.values)
    const millis = { values: column.values.map((x) => x * 1000) }
    const seconds = numbersOf(millis, Number, 'timestamp')
    expect(seconds).not.toBe(millis.values)
    expect(Array.from(seconds)).toEqual(Array.from(column.values))
  })
})

describe('table helpers', () => {
  const t = dictTableFromRows(
    't.csv',
    ['id', 'x'],
    [
      ['1', 'a'],
      ['2', 'b'],
      ['3', 'a'],
    ],
  )

  it('converts string tables and filters rows without touching the input', () => {
    const d = toDictTable({ name: 'n', columns: ['c'], data: { c: ['p', 'q', 'p'] }, rowCount: 3 })
    expect(columnValues(d, 'c')).toEqual(['p', 'q', 'p'])
    const kept = filterRows(t, Uint8Array.from([1, 0, 1]))
    expect(columnValues(kept, 'id')).toEqual(['1', '3'])
    expect(t.rowCount).toBe(3)
  })

  it('converts in slices of rows to the same table, however sliced, stopping within each column', () => {
    const n = 1000
    const data = {
      a: Array.from({ length: n }, (_, i) => `u${(i * 7919) % 97}`),
      b: Array.from({ length: n }, (_, i) => (i % 3 === 0 ? '' : String(i % 11))),
    }
    const table = { name: 'big.csv', columns: ['a', 'b'], data, rowCount: n }
    const once = toDictTable(table)
    for (const sliceRows of [1, 64, 999, 5000]) {
      const work = toDictTableInSlices(table, sliceRows)
      let slices = 0
      let next = work.next()
      for (; !next.done; next = work.next()) slices++
      expect(next.value).toEqual(once)
      // Every column in ceil(n / sliceRows) slices: a caller may look up inside a column, not only between.
      expect(slices).toBe(2 * Math.ceil(n / sliceRows))
    }
    expect(columnValues(once, 'b').slice(0, 4)).toEqual(['', '1', '2', ''])
  })

  it('renames columns and maps dictionaries, merging equal entries', () => {
    expect(renameColumns(t, { id: 'user_id' }).columns).toEqual(['user_id', 'x'])
    const merged = mapDictionary(t.coded.x, () => 'same')
    expect(merged.dictionary).toEqual(['same'])
    expect(Array.from(merged.codes)).toEqual([0, 0, 0])
  })

  it('folds one-hot columns into labels', () => {
    const flags = dictTableFromRows(
      'f',
      ['g_a', 'g_b'],
      [
        ['1', '0'],
        ['1', '1'],
        ['0', '0'],
      ],
    )
    const folded = foldOneHot(flags, ['g_a', 'g_b'], ['A', 'B'])
    expect(Array.from(folded.codes, (c) => folded.dictionary[c])).toEqual(['A', 'A|B', ''])
  })
})

describe('presentSorted', () => {
  it('keeps the numbers that are there (and kept), sorted as numbers', () => {
    const values = Float64Array.from([10, NaN, -2, 3.5, 100, NaN, 3.5, 9])
    // Numeric order, not text order (10 and 100 after 9), NaN left out, repeats kept.
    expect(Array.from(presentSorted(values))).toEqual([-2, 3.5, 3.5, 9, 10, 100])
    const keep = Uint8Array.from([1, 1, 0, 1, 0, 1, 1, 1])
    expect(Array.from(presentSorted(values, keep))).toEqual([3.5, 3.5, 9, 10])
    expect(presentSorted(new Float64Array([NaN]))).toHaveLength(0)
  })
})
