import { describe, expect, it } from 'vitest'
import {
  DEFAULT_CLEANING,
  cleanDataset,
  clipColumn,
  duplicateMask,
  kCoreMask,
  normalizeFloatIds,
} from './clean'
import { encodeDataset } from './encode'
import { asDict, columnValues, dictColumn, dictTableFromRows } from './table'
import type { ColumnMapping } from './mapping'
import type { DictTables } from './types'

const MAPPING: ColumnMapping = {
  userId: 'user',
  itemId: 'item',
  timestamp: 'ts',
  features: [
    { table: 'interactions', column: 'amount', kind: 'numeric', tower: 'context' },
    { table: 'items', column: 'colour', kind: 'categorical', tower: 'item' },
  ],
}

function tables(): DictTables {
  return {
    interactions: dictTableFromRows(
      'clicks.csv',
      ['user', 'item', 'ts', 'amount'],
      [
        ['u1', 'A', '1', '10'],
        ['u1', 'A', '1', '10'], // exact duplicate
        ['u1', 'B', '2', '12'],
        ['u2', 'A', '3', '11'],
        ['u2', '', '4', '9'], // missing item id
        ['u3', 'Z', '5', '1000'], // unknown item, outlier amount
        ['21148.0', 'B', '6', ''],
      ],
    ),
    items: dictTableFromRows(
      'items.csv',
      ['item', 'colour'],
      [
        ['A', 'red'],
        ['B', ''],
      ],
    ),
    users: dictTableFromRows('users.csv', ['user'], [['u1'], ['u2'], ['u3'], ['21148']]),
  }
}

describe('cleanDataset', () => {
  it('runs the default steps, reports each and leaves the input untouched', () => {
    const input = tables()
    const before = columnValues(input.interactions, 'user')
    const result = cleanDataset(input, MAPPING)
    if (!result.ok) throw new Error(result.reason)
    const { steps, tables: out } = result.data
    expect(steps.map((s) => [s.step, s.rowsBefore, s.rowsAfter, s.cellsChanged])).toEqual([
      ['float-ids', 7, 7, 1],
      ['missing-ids', 7, 6, 0],
      ['duplicates', 6, 5, 0],
      ['missing-features', 5, 5, 2],
    ])
    expect(steps[1].message).toBe('Removed 1 rows with a missing user or item id.')
    expect(columnValues(out.interactions, 'user')).toEqual(['u1', 'u1', 'u2', 'u3', '21148'])
    expect(columnValues(input.interactions, 'user')).toEqual(before)
    expect(encodeDataset('x', out, MAPPING).ok).toBe(true)
  })

  it('drops unknown ids, clips outliers and applies a k-core when asked', () => {
    const result = cleanDataset(tables(), MAPPING, {
      ...DEFAULT_CLEANING,
      dropUnknownIds: true,
      clipQuantiles: { lower: 0, upper: 0.5 },
      minInteractionsPerUser: 2,
      minInteractionsPerItem: 1,
    })
    if (!result.ok) throw new Error(result.reason)
    const byStep = Object.fromEntries(result.data.steps.map((s) => [s.step, s]))
    expect(byStep['unknown-ids'].rowsAfter).toBe(byStep['unknown-ids'].rowsBefore - 1)
    // Amounts left when clipping: 10, 12, 11 (the 1000 went with the unknown item Z) and a missing one.
    // Their median is 11, so only the 12 changes.
    expect(byStep['clip-outliers'].cellsChanged).toBe(1)
    expect(columnValues(result.data.tables.interactions, 'user')).toEqual(['u1', 'u1'])
    expect(columnValues(result.data.tables.interactions, 'amount')).toEqual(['10', '11'])
  })

  it('normalises float-looking user and item ids of the same table alike', () => {
    const interactions = dictTableFromRows(
      'c.csv',
      ['user', 'item'],
      [
        ['1.0', '2.0'],
        ['3', '4'],
      ],
    )
    const result = cleanDataset({ interactions }, { userId: 'user', itemId: 'item', features: [] })
    if (!result.ok) throw new Error(result.reason)
    expect(columnValues(result.data.tables.interactions, 'user')).toEqual(['1', '3'])
    expect(columnValues(result.data.tables.interactions, 'item')).toEqual(['2', '4'])
  })

  it('refuses when no interaction is left, naming the step', () => {
    const result = cleanDataset(tables(), MAPPING, { ...DEFAULT_CLEANING, minInteractionsPerUser: 50 })
    expect(result).toMatchObject({ ok: false, file: 'clicks.csv' })
    if (!result.ok)
      expect(result.reason).toMatch(/^No interactions are left after removing rows of users with < 50/)
  })

  it('refuses an item table whose ids match nothing', () => {
    const t = tables()
    t.items = dictTableFromRows('items.csv', ['item', 'colour'], [['X1', 'red']])
    const result = cleanDataset(t, MAPPING)
    expect(result).toMatchObject({ ok: false, file: 'items.csv', column: 'item' })
    if (!result.ok)
      expect(result.reason).toMatch(/None of the item ids in items.csv matches any item id of clicks.csv/)
  })
})

describe('steps', () => {
  it('normalizeFloatIds reads 21148.0 as 21148 and merges it with 21148', () => {
    const { column, changed } = normalizeFloatIds(dictColumn(['21148.0', '21148', '7.00', '3.5']))
    expect(changed).toBe(2)
    expect(asDict(column).dictionary).toEqual(['21148', '7', '3.5'])
  })

  it('duplicateMask keeps repeats at different times', () => {
    const t = dictTableFromRows(
      'c',
      ['user', 'item', 'ts'],
      [
        ['u', 'i', '1'],
        ['u', 'i', '2'],
        ['u', 'i', '1'],
      ],
    )
    expect(
      Array.from(
        duplicateMask(
          t,
          { userId: 'user', itemId: 'item', timestamp: 'ts', features: [] },
          new Uint8Array(3).fill(1),
        ),
      ),
    ).toEqual([1, 1, 0])
  })

  it('duplicateMask keeps the first kept occurrence of each (user, item, time), as a per-row scan would', () => {
    let seed = 7
    const next = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0), seed % n)
    const rows = Array.from({ length: 3000 }, () => [`u${next(40)}`, `i${next(15)}`, String(next(4))])
    const t = dictTableFromRows('c', ['user', 'item', 'ts'], rows)
    const keep = Uint8Array.from(rows, () => (next(5) === 0 ? 0 : 1))
    const seen = new Set<string>()
    const expected = rows.map((row, r) => {
      if (!keep[r]) return 0
      const key = row.join('\u0000')
      if (seen.has(key)) return 0
      seen.add(key)
      return 1
    })
    const mapping = { userId: 'user', itemId: 'item', timestamp: 'ts', features: [] }
    const got = duplicateMask(t, mapping, keep)
    expect(Array.from(got)).toEqual(expected)
    expect(expected.filter((k) => k === 0).length).toBeGreaterThan(1000)
    // Without a timestamp the pair alone decides.
    const noTime = duplicateMask(t, { ...mapping, timestamp: undefined }, keep)
    const pairs = new Set(rows.filter((_, r) => keep[r]).map(([u, i]) => `${u}|${i}`))
    expect(noTime.reduce((s, k) => s + k, 0)).toBe(pairs.size)
  })

  it('kCoreMask iterates to a fixed point', () => {
    // Item C has 1 interaction; dropping it leaves u3 with 1, which then drops too.
    const rows = [
      ['u1', 'A'],
      ['u1', 'B'],
      ['u2', 'A'],
      ['u2', 'B'],
      ['u3', 'A'],
      ['u3', 'C'],
    ]
    const t = dictTableFromRows('c', ['user', 'item'], rows)
    const { keep, rounds } = kCoreMask(
      t,
      { userId: 'user', itemId: 'item', features: [] },
      new Uint8Array(6).fill(1),
      2,
      2,
    )
    expect(Array.from(keep)).toEqual([1, 1, 1, 1, 0, 0])
    expect(rounds).toBe(2)
  })

  it('clipColumn clips finite values to quantiles and leaves missing ones', () => {
    const { column, changed, low, high } = clipColumn(
      dictColumn(['1', '2', '3', '4', '100', '', 'NaN']),
      0,
      0.75,
    )
    expect([low, high, changed]).toEqual([1, 4, 1])
    const clipped = asDict(column)
    expect(Array.from(clipped.codes, (c) => clipped.dictionary[c])).toEqual([
      '1',
      '2',
      '3',
      '4',
      '4',
      '',
      'NaN',
    ])
  })
})
