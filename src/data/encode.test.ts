import { describe, expect, it } from 'vitest'
import { DEMO_MAPPING, generateCardOffers } from '../demo/cardOffers'
import { cleanDataset } from './clean'
import { summarize } from './encode.summary'
import { encodeDataset } from './encode'
import { mappingFacts, validateMapping } from './mapping'
import { parseBytes } from './parse'
import { dictOf, dictTableFromRows, isNumberColumn, NUMBER_COLUMN_MIN_DISTINCT, toDictTable } from './table'
import type { ColumnMapping } from './mapping'
import type { Table } from './types'

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

  it('refuses a mapping that does not fit the columns in the words of validateMapping', () => {
    const interactions = dictTableFromRows('c.csv', ['u', 'i'], [['a', 'x']])
    const mapping: ColumnMapping = {
      userId: 'u',
      itemId: 'i',
      features: [{ table: 'users', column: 'age', kind: 'numeric', tower: 'user' }],
    }
    // The worker's check (which also reads the values: one row is no id) says it in the same words.
    const said = validateMapping(mappingFacts({ interactions }, mapping), mapping).map((i) => i.message)
    expect(said).toContain('The mapping uses a users table, but no file has that role.')
    expect(encodeDataset('d', { interactions }, mapping)).toEqual({
      ok: false,
      reason: 'The mapping uses a users table, but no file has that role.',
    })
    const same = { ...mapping, itemId: 'u', features: [] }
    expect(encodeDataset('d', { interactions }, same)).toEqual({
      ok: false,
      reason: 'The user id and the item id are the same column ("u"); choose two different columns.',
      file: 'c.csv',
      column: 'u',
    })
  })

  it('encodes a multi-valued item field as ragged value codes, and NaN/Infinity numbers as missing', () => {
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
    // The multi field is not a single-valued field: items keep [id, price].
    expect(result.data.itemFields.map((f) => f.name)).toEqual(['i', 'price'])
    expect(Array.from(result.data.itemCodes)).toEqual([1, 2, 2, 0, 3, 0])
    expect(result.data.multiUser).toBeUndefined()
    const [genres] = result.data.multiItem!
    expect(genres.name).toBe('genres')
    expect(genres.tower).toBe('item')
    // Comedy is listed twice, Drama once: frequency order.
    expect(genres.vocabulary).toEqual(['(missing)', 'Comedy', 'Drama'])
    // x: Drama, Comedy (listed order); y: Comedy; z: none.
    expect(Array.from(genres.offsets)).toEqual([0, 2, 3, 3])
    expect(Array.from(genres.codes)).toEqual([2, 1, 1])
    expect(summarize(result.data).fields).toContainEqual({
      name: 'genres',
      tower: 'item',
      kind: 'multi',
      cardinality: 2,
    })
  })

  it('splits multi-valued cells by the mapping separator, trims, drops missing parts and repeats', () => {
    const interactions = dictTableFromRows(
      'c.csv',
      ['u', 'i', 'tags'],
      [
        ['a', 'x', 'p;q'],
        ['b', 'y', ''],
        ['c', 'w', 'q'],
      ],
    )
    const users = dictTableFromRows(
      'users.csv',
      ['u', 'likes'],
      [
        ['a', ' jazz ; rock ;; jazz'],
        ['b', 'NA'],
        ['b', 'rock'], // the last row of an id wins
        ['d', 'pop;n/a'], // a user with no interactions
      ],
    )
    const result = encodeDataset(
      'd',
      { interactions, users },
      {
        userId: 'u',
        itemId: 'i',
        features: [
          { table: 'users', column: 'likes', kind: 'multi', tower: 'user', separator: ';' },
          { table: 'interactions', column: 'tags', kind: 'multi', tower: 'context', separator: ';' },
        ],
      },
    )
    if (!result.ok) throw new Error(result.reason)
    const { userIds, multiUser, multiItem, contextFields, contextCodes } = result.data
    // d has a row in users.csv but no interaction: it is not a user of the dataset (nothing to train or
    // evaluate, and counting it would make the page's user counts disagree).
    expect(userIds).toEqual(['a', 'b', 'c'])
    expect(multiItem).toBeUndefined()
    const [likes] = multiUser!
    expect(likes.tower).toBe('user')
    // rock on two rows, jazz and pop on one each (ties by label).
    expect(likes.vocabulary).toEqual(['(missing)', 'rock', 'jazz', 'pop'])
    // a: jazz, rock; b: rock; c: no row in users.csv, so no value. The vocabulary still counts d's pop.
    expect(Array.from(likes.offsets)).toEqual([0, 2, 3, 3])
    expect(Array.from(likes.codes)).toEqual([2, 1, 1])
    // A multi-valued context column stays a categorical of its first value.
    expect(contextFields).toMatchObject([{ name: 'tags', kind: 'categorical' }])
    expect(contextFields[0].vocabulary).toEqual(['(missing)', 'p', 'q'])
    expect(Array.from(contextCodes)).toEqual([1, 0, 2])
  })

  it('counts users with interactions only, items of the whole catalogue, and reads display labels', () => {
    const interactions = dictTableFromRows(
      'r.csv',
      ['u', 'i'],
      [
        ['a', '1'],
        ['b', '2'],
        ['a', '2'],
      ],
    )
    const users = dictTableFromRows(
      'p.csv',
      ['u', 'name'],
      [
        ['a', 'Ann'],
        ['z', 'Zoe'],
        ['b', ' Bob '],
      ],
    )
    const items = dictTableFromRows(
      'm.csv',
      ['i', 'title'],
      [
        ['1', 'Heat'],
        ['2', ''],
        ['3', 'Ran'],
      ],
    )
    const result = encodeDataset(
      'd',
      { interactions, users, items },
      {
        userId: 'u',
        itemId: 'i',
        itemLabel: 'title',
        userLabel: 'name',
        features: [],
      },
    )
    if (!result.ok) throw new Error(result.reason)
    // z is in the user table but never interacted: not a user of the dataset. Item 3 has no interaction
    // but stays in the catalogue (it can be recommended), and the summary says so.
    expect(result.data.userIds).toEqual(['a', 'b'])
    expect(result.data.itemIds).toEqual(['1', '2', '3'])
    expect(summarize(result.data)).toMatchObject({ users: 2, items: 3, itemsWithoutInteractions: 1 })
    expect(result.data.userLabels).toEqual(['Ann', 'Bob'])
    expect(result.data.itemLabels).toEqual(['Heat', '', 'Ran'])
    const plain = encodeDataset('d', { interactions }, { userId: 'u', itemId: 'i', features: [] })
    if (!plain.ok) throw new Error(plain.reason)
    expect(plain.data.itemLabels).toBeUndefined()
    expect(summarize(plain.data).itemsWithoutInteractions).toBeUndefined()
  })

  it("shares a parsed file's id codes and epoch seconds when cleaning removed nothing, instead of copying them", () => {
    // Enough distinct timestamps for a number column, as in a big upload; ids in first-appearance order.
    const rows = NUMBER_COLUMN_MIN_DISTINCT + 1000
    const lines = ['user,item,ts']
    for (let r = 0; r < rows; r++) lines.push(`u${r % 500},i${(r * 7) % 300},${1_600_000_000 + r}`)
    const parsed = parseBytes('big.csv', new TextEncoder().encode(lines.join('\n')))
    if (!parsed.ok) throw new Error(parsed.reason)
    const table = parsed.data.table
    const mapping: ColumnMapping = { userId: 'user', itemId: 'item', timestamp: 'ts', features: [] }
    const cleaned = cleanDataset({ interactions: table }, mapping)
    if (!cleaned.ok) throw new Error(cleaned.reason)
    const encoded = encodeDataset('big', cleaned.data.tables, mapping)
    if (!encoded.ok) throw new Error(encoded.reason)
    const ts = table.coded.ts
    if (!isNumberColumn(ts)) throw new Error('expected a number column')
    expect(encoded.data.interactionTime).toBe(ts.values)
    expect(encoded.data.interactionUser).toBe(dictOf(table, 'user').codes)
    expect(encoded.data.interactionItem).toBe(dictOf(table, 'item').codes)
    expect(encoded.data.interactionUser[501]).toBe(1)
    expect(encoded.data.userIds[1]).toBe('u1')
  })

  it('numbers ids apart from the dictionary when an entity table or an unused entry reorders them', () => {
    // "b" is first in the user table, so user "a" is entity 1 though its dictionary code is 0.
    const interactions = dictTableFromRows(
      'c.csv',
      ['u', 'i'],
      [
        ['a', 'x'],
        ['b', 'y'],
        ['a', 'y'],
      ],
    )
    const users = dictTableFromRows('u.csv', ['u'], [['b'], ['a']])
    const result = encodeDataset('d', { interactions, users }, { userId: 'u', itemId: 'i', features: [] })
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.userIds).toEqual(['b', 'a'])
    expect(Array.from(result.data.interactionUser)).toEqual([1, 0, 1])
    expect(result.data.interactionUser).not.toBe(dictOf(interactions, 'u').codes)
    expect(result.data.interactionItem).toBe(dictOf(interactions, 'i').codes)
    // A dictionary entry no row uses (its rows were cleaned away) shifts the numbering after it.
    const gap = {
      ...interactions,
      coded: {
        ...interactions.coded,
        u: { codes: Int32Array.from([0, 2, 0]), dictionary: ['a', 'gone', 'b'] },
      },
    }
    const shifted = encodeDataset('d', { interactions: gap }, { userId: 'u', itemId: 'i', features: [] })
    if (!shifted.ok) throw new Error(shifted.reason)
    expect(shifted.data.userIds).toEqual(['a', 'b'])
    expect(Array.from(shifted.data.interactionUser)).toEqual([0, 1, 0])
  })
})
