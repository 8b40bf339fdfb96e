import { describe, expect, it } from 'vitest'
import {
  ColumnBuilder,
  columnValues,
  dictTableFromRows,
  filterRows,
  foldOneHot,
  mapDictionary,
  renameColumns,
  toDictTable,
} from './table'

describe('ColumnBuilder', () => {
  it('grows past its initial capacity and trims on finish', () => {
    const builder = new ColumnBuilder()
    for (let r = 0; r < 5000; r++) builder.push(`v${r % 3}`)
    const column = builder.finish()
    expect(column.codes.length).toBe(5000)
    expect(column.dictionary).toEqual(['v0', 'v1', 'v2'])
    expect(column.codes[4999]).toBe(4999 % 3)
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
