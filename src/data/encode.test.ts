import { describe, expect, it } from 'vitest'
import { DEMO_MAPPING, generateCardOffers } from '../demo/cardOffers'
import { encodeDataset, parseTimestamp } from './encode'
import { dictTableFromRows, toDictTable } from './table'
import type { ColumnMapping, Table } from './types'

function stringTable(name: string, columns: string[], rows: string[][]): Table {
  const data: Record<string, string[]> = {}
  columns.forEach((c, j) => (data[c] = rows.map((r) => r[j])))
  return { name, columns, data, rowCount: rows.length }
}

const MAPPING: ColumnMapping = { userId: 'u', itemId: 'i', timestamp: 't', features: [] }

describe('encodeDataset', () => {
  it('gives the same dataset from string tables and dictionary tables', () => {
    const world = generateCardOffers(3, { users: 60, items: 20, interactions: 600 })
    const { interactions, users, items } = world.tables
    const fromStrings = encodeDataset('demo', world.tables, DEMO_MAPPING)
    const fromDict = encodeDataset(
      'demo',
      { interactions: toDictTable(interactions), users: toDictTable(users!), items: toDictTable(items!) },
      DEMO_MAPPING,
    )
    expect(fromDict).toEqual(fromStrings)
  })

  it('names the file, row and column of an empty id or a bad timestamp', () => {
    const rows = [
      ['a', 'x', '1'],
      ['b', '', '2'],
    ]
    expect(
      encodeDataset('d', { interactions: dictTableFromRows('c.csv', ['u', 'i', 't'], rows) }, MAPPING),
    ).toEqual({
      ok: false,
      reason: 'The item id is empty.',
      file: 'c.csv',
      row: 2,
      column: 'i',
    })
    const bad = dictTableFromRows('c.csv', ['u', 'i', 't'], [['a', 'x', 'soon']])
    expect(encodeDataset('d', { interactions: bad }, MAPPING)).toMatchObject({
      ok: false,
      row: 1,
      column: 't',
    })
  })

  it('refuses a mapping naming a missing column', () => {
    const t = stringTable('c.csv', ['u', 'i'], [['a', 'x']])
    expect(encodeDataset('d', { interactions: t }, MAPPING)).toMatchObject({
      ok: false,
      reason: 'Column "t" is not in c.csv (its columns are: u, i).',
      column: 't',
    })
  })

  it('encodes a multi-valued field by its first value and NaN/Infinity numbers as missing', () => {
    const interactions = dictTableFromRows(
      'c.csv',
      ['u', 'i'],
      [
        ['a', 'x'],
        ['a', 'y'],
        ['b', 'z'],
      ],
    )
    const items = dictTableFromRows(
      'items.csv',
      ['i', 'genres', 'price'],
      [
        ['x', 'Drama|Comedy', '1'],
        ['y', 'Comedy', 'Infinity'],
        ['z', '', 'NaN'],
      ],
    )
    const result = encodeDataset(
      'd',
      { interactions, items },
      {
        userId: 'u',
        itemId: 'i',
        features: [
          { table: 'items', column: 'genres', kind: 'multi', tower: 'item' },
          { table: 'items', column: 'price', kind: 'numeric', tower: 'item' },
        ],
      },
    )
    if (!result.ok) throw new Error(result.reason)
    const genres = result.data.itemFields[1]
    expect(genres.kind).toBe('categorical')
    expect(genres.vocabulary).toEqual(['(missing)', 'Comedy', 'Drama'])
    // Rows: [id, genres, price] per item; z has no genre and no finite price.
    expect(Array.from(result.data.itemCodes)).toEqual([1, 2, 2, 2, 1, 0, 3, 0, 0])
  })

  it('parses TheLook-style timestamps', () => {
    expect(parseTimestamp('2022-03-05 10:21:00 UTC')).toBe(Date.UTC(2022, 2, 5, 10, 21) / 1000)
  })
})
