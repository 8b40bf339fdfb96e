import { describe, expect, it } from 'vitest'
import { cleanDataset } from './clean'
import { encodeDataset } from './encode'
import { constantPer, foldOneHotGroups, inferSchema, profileColumn, proposeKind } from './infer'
import { parseBytes } from './parse'
import { columnValues, dictColumn, dictTableFromRows } from './table'
import { utf8 } from './testing'
import type { DictTable } from './types'

function parse(name: string, text: string): DictTable {
  const result = parseBytes(name, utf8(text))
  if (!result.ok) throw new Error(result.reason)
  return result.data.table
}

/** Purchases where `segment` is constant per customer and `brand` constant per product. */
function purchases(): string {
  const lines = ['order_no,customer_id,product_id,bought_at,segment,brand,channel,qty']
  for (let r = 0; r < 120; r++) {
    const c = r % 12
    const p = (r * 7) % 15
    const day = String(1 + (r % 28)).padStart(2, '0')
    lines.push(
      `${1000 + r},${c}.0,P${p},2024-03-${day}T10:00:00Z,${c % 3 === 0 ? 'gold' : 'basic'},B${p % 4},${Math.floor(r / 12) % 2 ? 'web' : 'app'},${1 + (Math.floor(r / 12) % 3)}`,
    )
  }
  return lines.join('\n')
}

describe('inferSchema', () => {
  const customers = parse(
    'customers.csv',
    'id,age,gender_F,gender_M,gender_X,bio\n' +
      Array.from(
        { length: 12 },
        (_, c) =>
          `${c},${20 + c},${c % 2 ? 1 : 0},${c % 2 ? 0 : 1},0,"Customer ${c} who likes long walks on the beach and coffee"`,
      ).join('\n'),
  )
  const proposal = inferSchema([customers, parse('purchases.csv', purchases())])
  if (!proposal.ok) throw new Error(proposal.reason)
  const { mapping, roles, columns, tables, notes } = proposal.data

  it('finds the interactions file and its id, time and feature columns', () => {
    expect(roles).toEqual([
      { file: 'purchases.csv', role: 'interactions' },
      { file: 'customers.csv', role: 'users', note: '"id" read as customer_id' },
    ])
    expect(mapping).toMatchObject({ userId: 'customer_id', itemId: 'product_id', timestamp: 'bought_at' })
  })

  it('flags float-looking ids and a column unique per row', () => {
    expect(notes.join(' ')).toMatch(/"customer_id" has float-looking ids/)
    expect(columns.find((c) => c.column === 'order_no')).toMatchObject({ kind: 'ignore', tower: null })
  })

  it('folds one-hot groups and ignores free text', () => {
    expect(columns.find((c) => c.column === 'gender')).toMatchObject({ kind: 'categorical', tower: 'user' })
    expect(columnValues(tables.users!, 'gender').slice(0, 2)).toEqual(['M', 'F'])
    expect(columns.find((c) => c.column === 'bio')?.kind).toBe('text')
  })

  it('lifts columns constant per user or item into that tower', () => {
    expect(tables.users!.columns).toContain('segment')
    expect(tables.items!.columns).toEqual(['product_id', 'brand'])
    expect(tables.interactions.columns).not.toContain('segment')
    expect(mapping.features).toEqual(
      expect.arrayContaining([
        { table: 'users', column: 'segment', kind: 'categorical', tower: 'user' },
        { table: 'items', column: 'brand', kind: 'categorical', tower: 'item' },
        { table: 'interactions', column: 'channel', kind: 'categorical', tower: 'context' },
        { table: 'interactions', column: 'qty', kind: 'categorical', tower: 'context' },
        { table: 'users', column: 'age', kind: 'numeric', tower: 'user' },
      ]),
    )
  })

  it('proposes a mapping that cleans and encodes', () => {
    const cleaned = cleanDataset(tables, mapping)
    if (!cleaned.ok) throw new Error(cleaned.reason)
    const encoded = encodeDataset('shop', cleaned.data.tables, mapping)
    expect(encoded.ok).toBe(true)
    if (encoded.ok)
      expect(encoded.data.userFields.map((f) => f.name)).toEqual(
        expect.arrayContaining(['customer_id', 'gender', 'segment']),
      )
  })

  it('refuses a single-column file with a clear message', () => {
    const result = inferSchema([parse('ids.txt', 'a\nb\nc\n')])
    expect(result).toMatchObject({ ok: false, file: 'ids.txt' })
    if (!result.ok)
      expect(result.reason).toMatch(
        /single column; an interactions file needs at least a user id and an item id/,
      )
  })

  it('falls back to id-like columns by shape when names say nothing', () => {
    const rows = Array.from({ length: 40 }, (_, r) => `U${r % 5},O${r % 8},${r % 2 ? 'x' : 'y'}`).join('\n')
    const result = inferSchema([parse('data.csv', `a,b,c\n${rows}`)])
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.mapping).toMatchObject({ userId: 'a', itemId: 'b' })
  })
})

describe('column helpers', () => {
  it('profileColumn and proposeKind read timestamps, multi-values and codes', () => {
    expect(
      proposeKind('ts', profileColumn(dictColumn(['1700000000', '1700000100', '1700000200']))).kind,
    ).toBe('timestamp')
    expect(proposeKind('genres', profileColumn(dictColumn(['a|b', 'b', 'a|c']))).kind).toBe('multi')
    expect(proposeKind('level', profileColumn(dictColumn('123123123123123'.split('')))).kind).toBe(
      'categorical',
    )
    expect(proposeKind('price', profileColumn(dictColumn(['1.5', '2.25', '3', 'NaN']))).kind).toBe('numeric')
    expect(proposeKind('empty', profileColumn(dictColumn(['', '', '']))).kind).toBe('ignore')
  })

  it('foldOneHotGroups makes a multi field when several flags are set', () => {
    const t = dictTableFromRows(
      'm',
      ['id', 'genre_a', 'genre_b'],
      [
        ['1', '1', '1'],
        ['2', '0', '1'],
      ],
    )
    const { table, folded } = foldOneHotGroups(t)
    expect(folded).toEqual([{ column: 'genre', from: ['genre_a', 'genre_b'], kind: 'multi' }])
    expect(columnValues(table, 'genre')).toEqual(['a|b', 'b'])
  })

  it('constantPer needs repeated entities as evidence', () => {
    expect(constantPer(dictColumn(['u1', 'u1', 'u2', 'u2']), dictColumn(['a', 'a', 'b', 'b']))).toBe(true)
    expect(constantPer(dictColumn(['u1', 'u1', 'u2', 'u2']), dictColumn(['a', 'b', 'b', 'b']))).toBe(false)
    expect(constantPer(dictColumn(['u1', 'u2']), dictColumn(['a', 'b']))).toBe(false)
  })
})
