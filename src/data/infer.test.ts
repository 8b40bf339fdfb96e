import { describe, expect, it } from 'vitest'
import { cleanDataset } from './clean'
import { encodeDataset } from './encode'
import { inferSchema, profileColumn, proposeKind } from './infer'
import { parseBytes } from './parse'
import { columnValues, dictColumn } from './table'
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
        { table: 'users', column: 'age', kind: 'numeric', tower: 'user' },
      ]),
    )
  })

  it('proposes no column of the interactions as an input, and says why next to it', () => {
    expect(mapping.features.filter((f) => f.table === 'interactions')).toEqual([])
    for (const column of ['channel', 'qty'])
      expect(columns.find((c) => c.column === column)).toMatchObject({
        kind: 'categorical',
        tower: null,
        reason: 'known when recommending? a rating is not',
      })
    // qty has three levels, but a quantity is not a rating.
    expect(mapping.rating).toBeUndefined()
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
})

/** A deterministic pseudo-random sequence in [0, 1). */
function rng(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

/**
 * A headerless ratings log shaped like MovieLens 100K's `u.data` (user, item, rating 1–5, epoch
 * seconds), under a name the known formats do not recognise: 60 users of very different activity, each
 * rating in a few bursts (equal seconds included), the rows shuffled as u.data's are.
 */
function headerlessRatings(): string {
  const r = rng(5)
  const rows: string[] = []
  for (let u = 1; u <= 60; u++) {
    const n = 20 + Math.floor(200 * r() ** 3)
    let t = 874_724_710 + Math.floor(r() * 15_000_000)
    for (let k = 0; k < n; k++) {
      if (r() < 0.1) t += 86_400 * Math.floor(1 + r() * 20)
      else if (r() < 0.7) t += Math.floor(r() * 120)
      const item = 1 + Math.floor(400 * r() ** 2)
      const rating = [1, 2, 3, 3, 4, 4, 4, 5, 5][Math.floor(r() * 9)]
      rows.push(`${u}\t${item}\t${rating}\t${t}`)
    }
  }
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1))
    ;[rows[i], rows[j]] = [rows[j], rows[i]]
  }
  return rows.join('\n') + '\n'
}

describe('inferSchema on real file shapes', () => {
  it('finds epoch seconds and a 1–5 rating by their values in a headerless u.data', () => {
    const result = inferSchema([parse('ratings.tsv', headerlessRatings())])
    if (!result.ok) throw new Error(result.reason)
    const { mapping, columns, notes } = result.data
    expect(mapping).toMatchObject({
      userId: 'column_1',
      itemId: 'column_2',
      rating: 'column_3',
      timestamp: 'column_4',
      features: [],
    })
    expect(notes.join(' ')).toMatch(/"column_4" holds epoch seconds \(1997-.* to 1998-/)
    expect(notes.join(' ')).toMatch(/"column_3" looks like a rating \(values 1–5\)/)
    expect(columns.find((c) => c.column === 'column_3')).toMatchObject({ kind: 'numeric', tower: null })
  })

  it('recognises a rating named in another language, and ISO times by their values', () => {
    const r = rng(9)
    const lines = ['nutzer;film;bewertung;zeit']
    for (let k = 0; k < 400; k++) {
      const day = String(1 + (k % 28)).padStart(2, '0')
      lines.push(
        `n${k % 40};f${Math.floor(60 * r() ** 2)};${1 + Math.floor(r() * 5)};2021-03-${day} 12:${String(k % 60).padStart(2, '0')}:00`,
      )
    }
    const result = inferSchema([parse('bewertungen.csv', lines.join('\n'))])
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.mapping).toMatchObject({
      userId: 'nutzer',
      itemId: 'film',
      rating: 'bewertung',
      timestamp: 'zeit',
      features: [],
    })
  })

  it('does not take an hour, a day of the week or a quantity for a rating, nor scattered big ids for times', () => {
    const r = rng(3)
    const lines = ['visitor,sku,hour,weekday,num_items,ref']
    for (let k = 0; k < 600; k++)
      lines.push(
        `v${k % 50},s${Math.floor(80 * r())},${Math.floor(r() * 24)},${Math.floor(r() * 7)},${1 + Math.floor(r() * 4)},${900_000_000 + Math.floor(r() * 900_000_000)}`,
      )
    const result = inferSchema([parse('clicks.csv', lines.join('\n'))])
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.mapping).toMatchObject({ userId: 'visitor', itemId: 'sku' })
    expect(result.data.mapping.rating).toBeUndefined()
    // ref is in the epoch range but every visitor's values span the whole range: not a time.
    expect(result.data.mapping.timestamp).toBeUndefined()
  })

  it('does not take big scattered numbers for times because most users have a single row', () => {
    const r = rng(8)
    const lines = ['customer_id,product_id,ref']
    const ref = () => 900_000_000 + Math.floor(r() * 900_000_000)
    for (let u = 0; u < 400; u++) lines.push(`c${u},p${Math.floor(50 * r())},${ref()}`)
    for (let k = 0; k < 400; k++) lines.push(`h${k % 20},p${Math.floor(50 * r())},${ref()}`)
    const result = inferSchema([parse('baskets.csv', lines.join('\n'))])
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.mapping.timestamp).toBeUndefined()
  })

  it('refuses an orders file alone: a status with five values is not an item id', () => {
    const statuses = ['Complete', 'Shipped', 'Processing', 'Cancelled', 'Returned']
    const lines = ['order_id,user_id,status,gender,created_at,num_of_item']
    for (let k = 0; k < 2000; k++)
      lines.push(
        `${k + 1},${1 + (k % 700)},${statuses[k % 5]},${k % 2 ? 'F' : 'M'},2023-01-0${1 + (k % 9)} 10:00:00 UTC,${1 + (k % 3)}`,
      )
    const result = inferSchema([parse('orders_final.csv', lines.join('\n'))])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.file).toBe('orders_final.csv')
      expect(result.reason).toMatch(/no column that can be an item id/)
      expect(result.reason).toMatch(/"status": it has only 5 distinct values .*a category, not an id/)
      expect(result.reason).toMatch(/"order_id" is different in every row/)
      expect(result.reason).toMatch(/drop that file too/)
    }
  })

  it('does not take a sequence number for the item of an event log', () => {
    const lines = ['id,user_id,sequence_number,session_id,created_at,uri,event_type']
    for (let k = 0; k < 1500; k++)
      lines.push(
        `${k},${k % 120},${1 + (k % 4)},s${Math.floor(k / 4)},2023-02-01 10:00:0${k % 10} UTC,/product/${k % 90},product`,
      )
    const result = inferSchema([parse('events_final.csv', lines.join('\n'))])
    if (result.ok) expect(result.data.mapping.itemId).not.toBe('sequence_number')
    else expect(result.reason).toMatch(/"sequence_number": it has only 4 distinct values/)
  })

  it('refuses a lone movies.dat: one row per movie is an item table, titles are not user ids', () => {
    const lines = Array.from(
      { length: 300 },
      (_, i) =>
        `${i + 1}::Movie number ${i} (19${50 + (i % 50)})::${['Drama', 'Comedy|Romance', "Children's|Animation"][i % 3]}`,
    )
    const parsed = parseBytes('movies.dat', utf8(lines.join('\n')), {
      delimiter: '::',
      header: false,
      quoting: false,
      columnNames: ['item_id', 'title', 'genres'],
    })
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = inferSchema([parsed.data.table])
    expect(result.ok).toBe(false)
    if (!result.ok) {
      expect(result.reason).toMatch(/"title": it looks like free text/)
      expect(result.reason).toMatch(/a table of items \(one row per "item_id"\)/)
    }
  })

  it('does not take an event log for the user table: a side table needs one row per key', () => {
    const orderItems = ['id,order_id,user_id,product_id,created_at,sale_price']
    const events = ['id,user_id,session_id,created_at,uri,event_type']
    const users = ['id,age,gender,country']
    for (let k = 0; k < 900; k++) {
      orderItems.push(
        `${k},${Math.floor(k / 2)},${k % 150},${k % 70},2023-03-0${1 + (k % 9)} 10:00:00 UTC,${(10 + (k % 70)).toFixed(2)}`,
      )
      events.push(`${k},${k % 180},s${k},2023-03-0${1 + (k % 9)} 09:00:00 UTC,/product/${k % 70},product`)
    }
    for (let u = 0; u < 180; u++) users.push(`${u},${18 + (u % 50)},${u % 2 ? 'F' : 'M'},C${u % 7}`)
    const result = inferSchema([
      parse('events_final.csv', events.join('\n')),
      parse('order_items_final.csv', orderItems.join('\n')),
      parse('users_final.csv', users.join('\n')),
    ])
    if (!result.ok) throw new Error(result.reason)
    const { roles, tables } = result.data
    expect(roles).toEqual([
      { file: 'order_items_final.csv', role: 'interactions' },
      {
        file: 'events_final.csv',
        role: 'unused',
        note: expect.stringMatching(/not a user table: "user_id" repeats \(900 rows, 180 distinct\)/),
      },
      { file: 'users_final.csv', role: 'users', note: '"id" read as user_id' },
    ])
    expect(tables.users!.rowCount).toBe(180)
  })

  it("proposes a title column of the item table as the items' names, not as an input", () => {
    const ratings = ['user_id,movie_id,rating']
    for (let k = 0; k < 300; k++) ratings.push(`${k % 30},${k % 25},${1 + (k % 5)}`)
    const movies = ['id,title,genre']
    for (let i = 0; i < 25; i++) movies.push(`${i},Film ${i},${['Drama', 'Comedy'][i % 2]}`)
    const result = inferSchema([
      parse('ratings.csv', ratings.join('\n')),
      parse('movies.csv', movies.join('\n')),
    ])
    if (!result.ok) throw new Error(result.reason)
    expect(result.data.mapping.itemLabel).toBe('title')
    expect(result.data.mapping.features.map((f) => f.column)).toEqual(['genre'])
    expect(result.data.columns.find((c) => c.column === 'title')).toMatchObject({
      kind: 'ignore',
      tower: null,
    })
  })
})
