import { describe, expect, it } from 'vitest'
import { columnNameFacts, mappingFacts, repeatedKeys, validateMapping, type MappingIssue } from './mapping'
import { dictTableFromRows } from './table'
import type { ColumnMapping } from './mapping'
import type { DictTables } from './types'

const STATUSES = ['Complete', 'Shipped', 'Processing', 'Cancelled', 'Returned']

/** An orders export in TheLook's shape: one row per order, a status, a user id, a quantity. */
const orders = dictTableFromRows(
  'orders_final.csv',
  ['order_id', 'user_id', 'status', 'num_of_item', 'product_id'],
  Array.from({ length: 2000 }, (_, k) => [
    String(k + 1),
    String(1 + (k % 700)),
    STATUSES[k % 5],
    String(1 + (k % 4)),
    String(1 + ((k * 7) % 300)),
  ]),
)

const check = (tables: DictTables, mapping: ColumnMapping): MappingIssue[] =>
  validateMapping(mappingFacts(tables, mapping), mapping)

describe('validateMapping', () => {
  it('refuses an id with a handful of values, naming it and a column that could be the id', () => {
    const issues = check({ interactions: orders }, { userId: 'user_id', itemId: 'status', features: [] })
    expect(issues).toEqual([
      {
        severity: 'error',
        message:
          '"status" cannot be the item id: it has only 5 distinct values (Complete, Shipped, Processing, …): a category, not an id. "product_id" (300 distinct values) could be.',
        file: 'orders_final.csv',
        column: 'status',
      },
    ])
    expect(
      check({ interactions: orders }, { userId: 'order_id', itemId: 'status', features: [] })[0].message,
    ).toMatch(/"order_id" cannot be the user id: it is different in every row \(2,000 of 2,000\)/)
    expect(
      check({ interactions: orders }, { userId: 'user_id', itemId: 'product_id', features: [] }),
    ).toEqual([])
  })

  it('warns that free text makes an odd id, and that a rating fed as context leaks', () => {
    const log = dictTableFromRows(
      'reviews.csv',
      ['reviewer', 'movie', 'stars'],
      Array.from({ length: 300 }, (_, k) => [`Reviewer Number ${k % 40}`, `m${k % 50}`, String(1 + (k % 5))]),
    )
    const issues = check(
      { interactions: log },
      {
        userId: 'reviewer',
        itemId: 'movie',
        features: [{ table: 'interactions', column: 'stars', kind: 'categorical', tower: 'context' }],
      },
    )
    expect(issues.map((i) => [i.severity, i.column])).toEqual([
      ['warning', 'reviewer'],
      ['warning', 'stars'],
    ])
    expect(issues[1].message).toMatch(/^Known when recommending\? "stars" looks like a rating \(values 1–5\)/)
    // The rating itself cannot also be an input.
    const twice = check(
      { interactions: log },
      {
        userId: 'reviewer',
        itemId: 'movie',
        rating: 'stars',
        features: [{ table: 'interactions', column: 'stars', kind: 'categorical', tower: 'context' }],
      },
    )
    expect(twice.filter((i) => i.severity === 'error').map((i) => i.message)).toEqual([
      'Column "stars" is the rating; it cannot also be a model input.',
    ])
  })

  it('refuses a side table whose key repeats with different rows, naming two of them', () => {
    const interactions = dictTableFromRows(
      'order_items.csv',
      ['user_id', 'product_id'],
      Array.from({ length: 60 }, (_, k) => [String(k % 12), String(k % 20)]),
    )
    const events = dictTableFromRows(
      'events.csv',
      ['user_id', 'browser'],
      [
        ['1', 'Chrome'],
        ['2', 'Safari'],
        ['1', 'Firefox'],
      ],
    )
    const mapping: ColumnMapping = {
      userId: 'user_id',
      itemId: 'product_id',
      features: [{ table: 'users', column: 'browser', kind: 'categorical', tower: 'user' }],
    }
    expect(check({ interactions, users: events }, mapping)).toEqual([
      {
        severity: 'error',
        message:
          'events.csv is not a user table: 1 user_id value(s) are on several rows that disagree (e.g. 1 on rows 1 and 3). A user table has one row per user; if this file is a log of events, mark it "not used".',
        file: 'events.csv',
        column: 'user_id',
      },
    ])
    // Rows repeated exactly are only a warning: nothing is ambiguous.
    const copies = dictTableFromRows(
      'users.csv',
      ['user_id', 'browser'],
      [
        ['1', 'Chrome'],
        ['2', 'Safari'],
        ['1', 'Chrome'],
      ],
    )
    expect(check({ interactions, users: copies }, mapping)).toMatchObject([
      {
        severity: 'warning',
        message: expect.stringMatching(
          /1 user_id value\(s\) of users.csv are listed on more than one identical row/,
        ),
      },
    ])
  })

  it('names missing columns and tables, and labels that are not there', () => {
    const interactions = dictTableFromRows(
      'log.csv',
      ['u', 'i'],
      [
        ['a', 'x'],
        ['b', 'y'],
      ],
    )
    expect(
      check({ interactions }, { userId: 'u', itemId: 'i', itemLabel: 'title', features: [] }).map(
        (i) => i.message,
      ),
    ).toEqual(['The item names come from a items table, but no file has that role.'])
    expect(
      check({ interactions }, { userId: 'u', itemId: 'gone', features: [] }).map((i) => i.message),
    ).toEqual(['Column "gone" is not in log.csv (its columns are: u, i).'])
    expect(check({ interactions }, { userId: 'u', itemId: 'gone', features: [] })).toMatchObject([
      { severity: 'error', file: 'log.csv', column: 'gone' },
    ])
    expect(check({ interactions }, { userId: 'u', itemId: 'i', features: [] })).toEqual([])
  })

  it('checks names alone over columnNameFacts: missing columns yes, what values say no', () => {
    const byName = (mapping: ColumnMapping) =>
      validateMapping(columnNameFacts({ interactions: orders }), mapping)
    // "status" has five values (an error over measured facts), but only its name is known here.
    expect(byName({ userId: 'user_id', itemId: 'status', features: [] })).toEqual([])
    expect(byName({ userId: 'user_id', itemId: 'sku', features: [] })).toMatchObject([
      { severity: 'error', file: 'orders_final.csv', column: 'sku' },
    ])
    expect(byName({ userId: 'user_id', itemId: 'user_id', features: [] }).map((i) => i.message)).toEqual([
      'The user id and the item id are the same column ("user_id"); choose two different columns.',
    ])
  })
})

describe('repeatedKeys', () => {
  it('counts keys on several rows and those whose rows disagree, with number columns too', () => {
    const table = dictTableFromRows(
      'items.csv',
      ['id', 'price'],
      [
        ['a', '1.5'],
        ['b', '2'],
        ['a', '1.5'],
        ['b', '3'],
        ['', '9'],
        ['', '8'],
      ],
    )
    expect(repeatedKeys(table, 'id')).toEqual({
      column: 'id',
      keys: 2,
      conflicting: 1,
      example: { key: 'b', rows: [2, 4] },
    })
    expect(repeatedKeys(dictTableFromRows('t', ['id'], [['a'], ['b']]), 'id')).toBeNull()
  })
})
