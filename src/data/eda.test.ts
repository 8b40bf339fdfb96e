import { describe, expect, it } from 'vitest'
import { computeEda, logBins, numericStats, splitLeakage } from './eda'
import { encodeDataset } from './encode'
import { splitDataset } from './split'
import { dictColumn, dictTableFromRows } from './table'
import type { ColumnMapping } from './mapping'

const DAY = 86_400

function world() {
  // u1 has 8 interactions, u2 3, u3 and u4 1 each; item A is in most rows.
  const rows: string[][] = []
  const add = (u: string, i: string, day: number, rating: string, device: string) =>
    rows.push([u, i, String(1_700_000_000 + day * DAY), rating, device])
  for (let k = 0; k < 8; k++) add('u1', k < 5 ? 'A' : `B${k}`, k, k % 2 ? '4' : '4.0', 'mobile')
  for (let k = 0; k < 3; k++) add('u2', 'A', 10 + k, '5', k === 0 ? '' : 'desktop')
  add('u3', 'A', 20, '1', 'mobile')
  add('u4', 'C', 21, 'NaN', 'mobile')
  const interactions = dictTableFromRows('clicks.csv', ['user', 'item', 'ts', 'rating', 'device'], rows)
  const users = dictTableFromRows(
    'users.csv',
    ['user', 'age', 'note', 'email'],
    [
      ['u1', '30', '', 'a@x'],
      ['u2', 'Infinity', '', 'b@x'],
      ['u3', '50', '', 'c@x'],
      ['u4', '', '', 'd@x'],
    ],
  )
  const mapping: ColumnMapping = {
    userId: 'user',
    itemId: 'item',
    timestamp: 'ts',
    rating: 'rating',
    features: [
      { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
      { table: 'users', column: 'age', kind: 'numeric', tower: 'user' },
    ],
  }
  return { tables: { interactions, users }, mapping }
}

describe('computeEda', () => {
  const { tables, mapping } = world()
  const eda = computeEda(tables, mapping)

  it('counts rows, users, items and sparsity', () => {
    expect(eda.counts).toEqual({ rows: 13, users: 4, items: 5, sparsity: 1 - 13 / 20 })
  })

  it('bins interactions per user and per item on doubling bins', () => {
    expect(eda.interactionsPerUser).toEqual([
      { lower: 1, upper: 2, count: 2 },
      { lower: 2, upper: 4, count: 1 },
      { lower: 4, upper: 8, count: 0 },
      { lower: 8, upper: 16, count: 1 },
    ])
    expect(eda.interactionsPerItem.map((b) => b.count)).toEqual([4, 0, 0, 1])
  })

  it('lists top categorical values, numeric histograms and missing cells', () => {
    expect(eda.categorical[0]).toMatchObject({
      column: 'device',
      distinct: 2,
      top: [
        { value: 'mobile', count: 10 },
        { value: 'desktop', count: 2 },
      ],
    })
    const age = eda.numeric[0]
    expect(age).toMatchObject({ column: 'age', min: 30, max: 50, mean: 40, nonFinite: 1 })
    expect(age.histogram.reduce((s, b) => s + b.count, 0)).toBe(2)
    expect(eda.missing.find((m) => m.column === 'device')).toMatchObject({ missing: 1, rows: 13 })
  })

  it('bins interactions per day and merges equal ratings', () => {
    expect(eda.overTime!.unit).toBe('day')
    expect(eda.overTime!.points.reduce((s, p) => s + p.count, 0)).toBe(13)
    expect(eda.ratings).toEqual([
      { value: '1', count: 1 },
      { value: '4', count: 8 },
      { value: '5', count: 3 },
    ])
  })

  it('warns about skew, cold-start users, empty columns and NaN/Infinity', () => {
    const codes = eda.warnings.map((w) => w.code)
    expect(codes).toEqual(
      expect.arrayContaining(['popularity-skew', 'cold-start', 'all-missing', 'non-finite']),
    )
    expect(eda.warnings.find((w) => w.code === 'all-missing')).toMatchObject({
      file: 'users.csv',
      column: 'note',
    })
    expect(eda.warnings.find((w) => w.code === 'cold-start')!.message).toMatch(
      /^50% of users have fewer than 3 interactions; the temporal split keeps them in training only, so they are never evaluated/,
    )
  })

  it('says what the split without a timestamp does to light users, not what the temporal one would', () => {
    const random = computeEda(tables, { ...mapping, timestamp: undefined })
    const message = random.warnings.find((w) => w.code === 'cold-start')!.message
    // u3 and u4 have one interaction each: with a random split they can be held out, and are evaluated.
    expect(message).toMatch(
      /^50% of users have a single interaction; without a timestamp the split is random/,
    )
    expect(message).not.toMatch(/never evaluated/)
    // Only users with one interaction count: u2's three rows are enough for any split.
    const heavier = computeEda(
      {
        ...tables,
        interactions: dictTableFromRows(
          'c.csv',
          ['user', 'item'],
          [
            ['a', 'x'],
            ['a', 'y'],
            ['b', 'x'],
            ['b', 'z'],
          ],
        ),
      },
      { userId: 'user', itemId: 'item', features: [] },
    )
    expect(heavier.warnings.map((w) => w.code)).not.toContain('cold-start')
  })

  it('flags a feature column that is an id', () => {
    const rows = Array.from({ length: 60 }, (_, r) => [`u${r % 6}`, `i${r % 9}`, `order-${r}`])
    const interactions = dictTableFromRows('orders.csv', ['u', 'i', 'order'], rows)
    const report = computeEda(
      { interactions },
      {
        userId: 'u',
        itemId: 'i',
        features: [{ table: 'interactions', column: 'order', kind: 'categorical', tower: 'context' }],
      },
    )
    expect(report.warnings.map((w) => w.code)).toContain('id-like-column')
  })
})

describe('helpers', () => {
  it('logBins skips zero counts', () => {
    expect(logBins([0, 1, 3, 3])).toEqual([
      { lower: 1, upper: 2, count: 1 },
      { lower: 2, upper: 4, count: 2 },
    ])
  })

  it('numericStats of a constant column is one bin', () => {
    const stats = numericStats({ table: 'items', file: 'f', column: 'c' }, dictColumn(['2', '2']))
    expect(stats.histogram).toEqual([{ lower: 2, upper: 2, count: 2 }])
  })
})

describe('splitLeakage', () => {
  it('measures how much training data lies after test interactions', () => {
    const { tables, mapping } = world()
    const encoded = encodeDataset('w', tables, { ...mapping, features: [] })
    if (!encoded.ok) throw new Error(encoded.reason)
    const split = splitDataset(encoded.data, 1)
    const leak = splitLeakage(encoded.data, split)!
    // Training days: u1 0-5, u2 10, u3 20, u4 21 (9 rows). u1's test (day 7) has 3 of them after it,
    // u2's test (day 12) 2: the mean share is (3/9 + 2/9) / 2.
    expect(leak.futureTrainShare).toBeCloseTo(5 / 18, 12)
    expect(leak.warning?.code).toBe('timestamp-leakage')
  })
})
