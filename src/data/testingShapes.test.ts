import Papa from 'papaparse'
import { describe, expect, it } from 'vitest'
import { ML100K_GENRES } from './formats'
import {
  SHAPES,
  clickLog,
  excelExport,
  germanRatings,
  headerOnly,
  movieLens100k,
  movieLens100kRenamed,
  movieLens1m,
  movieLensLatestSmall,
  noise,
  onlineRetail,
  recBoleMl100k,
  retailrocket,
  scoreRatings,
  shapeFiles,
  theLook,
  theLookPandas,
  type ShapeFile,
  type ShapeName,
} from './testingShapes'

// Each check below names a property of the real file its generator imitates; a generator that drifts
// from its documented shape (a header, a delimiter, an encoding, a statistic) fails one of them. The
// expected facts are written out here (or taken from formats.ts), never read from the generators.

/** Rating shares 1..5 in MovieLens 100K's u.data (6,110, 11,370, 27,145, 34,174 and 21,201 of 100,000). */
const ML100K_RATING_SHARES = [0.0611, 0.1137, 0.2715, 0.3417, 0.212]
const ML1M_GENRES = ML100K_GENRES.slice(1)
const ML_LATEST_GENRES = [...ML1M_GENRES.map((g) => (g === "Children's" ? 'Children' : g)), 'IMAX']
/** 2003-02-18 00:00 UTC, since when MovieLens offers half stars. */
const HALF_STARS_FROM_SEC = 1045526400
const THELOOK_HEADERS = {
  users:
    'id,first_name,last_name,email,age,gender,state,street_address,postal_code,city,country,latitude,longitude,traffic_source,created_at',
  products: 'id,cost,category,name,brand,retail_price,department,sku,distribution_center_id',
  orders: 'order_id,user_id,status,gender,created_at,returned_at,shipped_at,delivered_at,num_of_item',
  orderItems:
    'id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,delivered_at,returned_at,sale_price',
  events:
    'id,user_id,sequence_number,session_id,created_at,ip_address,city,state,postal_code,browser,traffic_source,uri,event_type',
}
const THELOOK_STATUSES = ['Complete', 'Shipped', 'Processing', 'Cancelled', 'Returned']

function file(files: ShapeFile[], name: string): Uint8Array {
  const found = files.find((f) => f.name === name)
  if (!found) throw new Error(`no ${name} among ${files.map((f) => f.name).join(', ')}`)
  return found.bytes
}

const decode = (bytes: Uint8Array, encoding = 'utf-8') => new TextDecoder(encoding).decode(bytes)

/** Lines of text that ends with a line break (checked), without the empty string after the last. */
function linesOf(text: string, newline = '\n'): string[] {
  expect(text.endsWith(newline)).toBe(true)
  return text.slice(0, -newline.length).split(newline)
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes)
    return true
  } catch {
    return false
  }
}

/** Rows of a CSV (RFC 4180 quoting) as string arrays, header included. */
function csvRows(text: string, delimiter = ','): string[][] {
  const parsed = Papa.parse<string[]>(text, { delimiter, newline: '\n', skipEmptyLines: true })
  expect(parsed.errors).toEqual([])
  return parsed.data
}

function countBy<T>(values: Iterable<T>): Map<T, number> {
  const counts = new Map<T, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return counts
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[sorted.length >> 1]
}

/** Share of all interactions held by the most popular 1% of items (at least one item). */
function topPercentShare(itemOfRow: string[]): number {
  const counts = [...countBy(itemOfRow).values()].sort((a, b) => b - a)
  const top = counts.slice(0, Math.max(1, Math.round(counts.length / 100)))
  return top.reduce((a, b) => a + b, 0) / itemOfRow.length
}

/** Share of rows whose (user, time) pair also belongs to another row: events in the same second. */
function tiedShare(users: string[], times: string[]): number {
  const counts = countBy(users.map((u, r) => `${u} ${times[r]}`))
  let tied = 0
  for (const c of counts.values()) if (c > 1) tied += c
  return tied / users.length
}

/** Share of consecutive rows whose time goes backwards: 0 for a file sorted by time, about 0.5 shuffled. */
function descentShare(times: number[]): number {
  let descents = 0
  for (let r = 1; r < times.length; r++) if (times[r] < times[r - 1]) descents++
  return descents / (times.length - 1)
}

/** Column `j` of split rows. */
const column = (rows: string[][], j: number) => rows.map((r) => r[j])

describe('MovieLens 100K', () => {
  // The default size is the published one; generating it takes well under a second.
  const files = movieLens100k()
  const data = linesOf(decode(file(files, 'u.data'), 'latin1')).map((l) => l.split('\t'))

  it('has u.data as published: 100,000 headerless tab rows by 943 users on 1,682 items', () => {
    expect(data).toHaveLength(100_000)
    expect(data.every((r) => r.length === 4 && r.every((cell) => /^\d+$/.test(cell)))).toBe(true)
    const users = new Set(column(data, 0).map(Number))
    const items = new Set(column(data, 1).map(Number))
    // Consecutive ids from 1, every item rated at least once.
    expect([users.size, Math.min(...users), Math.max(...users)]).toEqual([943, 1, 943])
    expect([items.size, Math.min(...items), Math.max(...items)]).toEqual([1682, 1, 1682])
    expect(decode(file(files, 'u.info'))).toBe('943 users\n1682 items\n100000 ratings\n')
  })

  it('gives every user at least 20 ratings, a few users many more, and items a long tail', () => {
    const perUser = [...countBy(column(data, 0)).values()]
    expect(Math.min(...perUser)).toBe(20)
    // Published: median 65, maximum 737.
    expect(median(perUser)).toBeGreaterThan(45)
    expect(median(perUser)).toBeLessThan(85)
    expect(Math.max(...perUser)).toBeGreaterThan(8 * median(perUser))
    // Published: the top 17 titles hold about 7% of the ratings; 141 titles have a single rating.
    expect(topPercentShare(column(data, 1))).toBeGreaterThan(0.05)
    const perItem = [...countBy(column(data, 1)).values()]
    expect(perItem.filter((c) => c === 1).length).toBeGreaterThan(50)
  })

  it('rates 1-5 in the published shares', () => {
    const shares = countBy(column(data, 2))
    // Thresholds come from a 20,000-rating sample: a share's standard error is below 0.0035.
    for (const [k, share] of ML100K_RATING_SHARES.entries())
      expect(Math.abs(shares.get(String(k + 1))! / data.length - share)).toBeLessThan(0.015)
    expect([...shares.keys()].sort()).toEqual(['1', '2', '3', '4', '5'])
  })

  it('times ratings in epoch seconds inside the published span, in bursts, rows shuffled', () => {
    const times = column(data, 3).map(Number)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(874724710)
    expect(Math.max(...times)).toBeLessThanOrEqual(893286638)
    expect(tiedShare(column(data, 0), column(data, 3))).toBeGreaterThan(0.2)
    expect(descentShare(times)).toBeGreaterThan(0.4)
  })

  it('writes u.user, u.item, u.genre and u.occupation in their pipe layouts', () => {
    const occupations = linesOf(decode(file(files, 'u.occupation')))
    expect(occupations).toHaveLength(21)
    expect(linesOf(decode(file(files, 'u.genre')))).toEqual(ML100K_GENRES.map((g, j) => `${g}|${j}`))
    const users = linesOf(decode(file(files, 'u.user'), 'latin1')).map((l) => l.split('|'))
    expect(users).toHaveLength(943)
    for (const [id, age, gender, occupation, zip] of users) {
      expect(id).toMatch(/^\d+$/)
      expect(Number(age)).toBeGreaterThanOrEqual(7)
      expect(Number(age)).toBeLessThanOrEqual(73)
      expect(['M', 'F']).toContain(gender)
      expect(occupations).toContain(occupation)
      expect(zip).toMatch(/^([0-9]{5}|[A-Z][0-9][A-Z][0-9][A-Z])$/)
    }
    const items = linesOf(decode(file(files, 'u.item'), 'latin1')).map((l) => l.split('|'))
    expect(items).toHaveLength(1682)
    expect(items.every((r) => r.length === 24 && r[3] === '')).toBe(true)
    expect(
      items.every((r) => r.slice(5).every((f) => f === '0' || f === '1') && r.slice(5).includes('1')),
    ).toBe(true)
    const unknown = items.filter((r) => r[1] === 'unknown')
    expect(unknown).toHaveLength(1)
    expect(unknown[0].slice(2, 5)).toEqual(['', '', ''])
    const known = items.filter((r) => r[1] !== 'unknown')
    expect(
      known.every((r) => /^\d{2}-[A-Z][a-z]{2}-\d{4}$/.test(r[2]) && r[1].endsWith(`${r[2].slice(-4)})`)),
    ).toBe(true)
    expect(known.every((r) => r[4].startsWith('http://us.imdb.com/M/title-exact?'))).toBe(true)
    // Titles in MovieLens' conventions: a moved article, commas and quotes inside.
    expect(known.some((r) => /, The \(\d{4}\)$/.test(r[1]))).toBe(true)
    expect(known.some((r) => r[1].includes('"'))).toBe(true)
  })

  it('encodes u.item in Latin-1: accented titles are single bytes that are not UTF-8', () => {
    const bytes = file(files, 'u.item')
    expect(isUtf8(bytes)).toBe(false)
    const accented = linesOf(decode(bytes, 'latin1')).filter((l) => /[\u00c0-\u00ff]/.test(l))
    expect(accented.length).toBeGreaterThan(10)
    // The IMDb URL percent-encodes the Latin-1 byte: é is %E9.
    expect(accented.some((l) => /%[C-F][0-9A-F]/.test(l.split('|')[4]))).toBe(true)
  })

  it('keeps its invariants at a small size', () => {
    const small = linesOf(decode(file(movieLens100k({ size: 3_000 }), 'u.data'))).map((l) => l.split('\t'))
    expect(small).toHaveLength(3_000)
    const perUser = [...countBy(column(small, 0)).values()]
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(20)
    expect(Math.max(...perUser)).toBeGreaterThan(3 * median(perUser))
    expect(tiedShare(column(small, 0), column(small, 3))).toBeGreaterThan(0.2)
  })

  it('has a renamed copy of u.data that no known format claims by name', () => {
    const options = { seed: 5, size: 2_000 }
    const [renamed] = movieLens100kRenamed(options)
    expect(['u.data', 'ratings.dat', 'ratings.csv']).not.toContain(renamed.name)
    expect(renamed.bytes).toEqual(file(movieLens100k(options), 'u.data'))
  })
})

describe('RecBole ml-100k atomic files', () => {
  const options = { seed: 2, size: 3_000 }
  const files = recBoleMl100k(options)
  const tables = Object.fromEntries(
    files.map((f) => [f.name, linesOf(decode(f.bytes)).map((l) => l.split('\t'))]),
  ) as Record<string, string[][]>

  it('has tab-separated files whose header cells are name:type with a RecBole type', () => {
    expect(Object.keys(tables)).toEqual(['ml-100k.inter', 'ml-100k.user', 'ml-100k.item'])
    expect(tables['ml-100k.inter'][0]).toEqual([
      'user_id:token',
      'item_id:token',
      'rating:float',
      'timestamp:float',
    ])
    expect(tables['ml-100k.user'][0]).toEqual([
      'user_id:token',
      'age:token',
      'gender:token',
      'occupation:token',
      'zip_code:token',
    ])
    expect(tables['ml-100k.item'][0]).toEqual([
      'item_id:token',
      'movie_title:token_seq',
      'release_year:token',
      'class:token_seq',
    ])
    for (const rows of Object.values(tables)) {
      expect(rows[0].every((cell) => /^[a-z_]+:(token|token_seq|float|float_seq)$/.test(cell))).toBe(true)
      expect(rows.every((r) => r.length === rows[0].length)).toBe(true)
    }
  })

  it("converts the MovieLens 100K shape as RecSysDatasets' converter does", () => {
    const uData = linesOf(decode(file(movieLens100k(options), 'u.data'))).map((l) => l.split('\t'))
    expect(tables['ml-100k.inter'].slice(1)).toEqual(uData)
    const items = tables['ml-100k.item'].slice(1)
    const genres = new Set<string>(['unkown', ...ML1M_GENRES])
    expect(items.every((r) => r[3].split(' ').every((g) => genres.has(g)))).toBe(true)
    // The title loses its year to release_year; `unknown` goes through the converter's slicing.
    expect(items.filter((r) => r[1] !== 'unkno').every((r) => !/\(\d{4}\)/.test(r[1]))).toBe(true)
    expect(items.filter((r) => /^\d{4}$/.test(r[2])).length).toBeGreaterThan(0.9 * items.length)
    expect(items.find((r) => r[1] === 'unkno')).toEqual([expect.any(String), 'unkno', 'unknow', 'unkown'])
    // UTF-8 here, though the source u.item is Latin-1.
    expect(isUtf8(file(files, 'ml-100k.item'))).toBe(true)
    expect(items.some((r) => /[\u00c0-\u00ff]/.test(r[1]))).toBe(true)
  })
})

describe('MovieLens 1M', () => {
  const files = movieLens1m({ size: 20_000 })
  const ratings = linesOf(decode(file(files, 'ratings.dat'))).map((l) => l.split('::'))
  const movies = linesOf(decode(file(files, 'movies.dat'), 'latin1')).map((l) => l.split('::'))

  it('writes ratings.dat with ::, grouped by user but not sorted by time within a user', () => {
    expect(ratings).toHaveLength(20_000)
    expect(ratings.every((r) => r.length === 4 && ['1', '2', '3', '4', '5'].includes(r[2]))).toBe(true)
    const users = column(ratings, 0).map(Number)
    expect(users.every((u, r) => r === 0 || u >= users[r - 1])).toBe(true)
    expect(Math.min(...countBy(users).values())).toBeGreaterThanOrEqual(20)
    const times = column(ratings, 3).map(Number)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(956703932)
    expect(Math.max(...times)).toBeLessThanOrEqual(1046454590)
    expect(descentShare(times)).toBeGreaterThan(0.3)
  })

  it('writes users.dat with band-coded ages and occupation codes', () => {
    const users = linesOf(decode(file(files, 'users.dat'))).map((l) => l.split('::'))
    expect(users.every((r) => r.length === 5)).toBe(true)
    expect(new Set(column(users, 2))).toEqual(new Set(['1', '18', '25', '35', '45', '50', '56']))
    expect(column(users, 3).every((o) => Number(o) >= 0 && Number(o) <= 20)).toBe(true)
    expect(new Set(column(users, 1))).toEqual(new Set(['M', 'F']))
  })

  it('writes movies.dat in Latin-1 with titles and years, | genres, id gaps and unrated titles', () => {
    expect(isUtf8(file(files, 'movies.dat'))).toBe(false)
    expect(movies.every((r) => r.length === 3 && /\(\d{4}\)$/.test(r[1]))).toBe(true)
    expect(movies.every((r) => r[2].split('|').every((g) => ML1M_GENRES.includes(g)))).toBe(true)
    expect(movies.some((r) => r[1].includes(',')) && movies.some((r) => r[1].includes('"'))).toBe(true)
    const ids = column(movies, 0).map(Number)
    expect(Math.max(...ids)).toBeGreaterThan(ids.length)
    const rated = new Set(column(ratings, 1))
    expect(ids.filter((id) => !rated.has(String(id))).length).toBeGreaterThan(0)
  })
})

describe('MovieLens latest-small', () => {
  const files = movieLensLatestSmall({ size: 12_000 })
  const ratings = csvRows(decode(file(files, 'ratings.csv')))
  const movies = csvRows(decode(file(files, 'movies.csv')))

  it('writes ratings.csv with a header, half stars as 4.0/3.5, sorted by userId then movieId', () => {
    expect(ratings[0]).toEqual(['userId', 'movieId', 'rating', 'timestamp'])
    const rows = ratings.slice(1)
    expect(rows).toHaveLength(12_000)
    const levels = ['0.5', '1.0', '1.5', '2.0', '2.5', '3.0', '3.5', '4.0', '4.5', '5.0']
    expect(new Set(column(rows, 2))).toEqual(new Set(levels))
    const key = (r: string[]) => Number(r[0]) * 1e7 + Number(r[1])
    expect(rows.every((r, k) => k === 0 || key(r) > key(rows[k - 1]))).toBe(true)
    expect(Math.min(...countBy(column(rows, 0)).values())).toBeGreaterThanOrEqual(20)
    // MovieLens offered half stars only from 18 Feb 2003.
    const early = rows.filter((r) => Number(r[3]) < HALF_STARS_FROM_SEC)
    expect(early.length).toBeGreaterThan(100)
    expect(early.every((r) => r[2].endsWith('.0'))).toBe(true)
    expect(topPercentShare(column(rows, 1))).toBeGreaterThan(0.05)
  })

  it('writes movies.csv with quoted titles, (no genres listed) and large id gaps', () => {
    expect(movies[0]).toEqual(['movieId', 'title', 'genres'])
    const rows = movies.slice(1)
    expect(rows.every((r) => r.length === 3)).toBe(true)
    const genres = new Set<string>([...ML_LATEST_GENRES, '(no genres listed)'])
    expect(rows.every((r) => r[2].split('|').every((g) => genres.has(g)))).toBe(true)
    expect(rows.some((r) => r[2] === '(no genres listed)')).toBe(true)
    expect(rows.some((r) => r[1].includes(','))).toBe(true)
    expect(rows.some((r) => !/\(\d{4}\)$/.test(r[1]))).toBe(true)
    expect(decode(file(files, 'movies.csv'))).toMatch(/\n\d+,"[^\n]*, [^\n]*",/)
    const ids = column(rows, 0).map(Number)
    expect(Math.max(...ids)).toBeGreaterThan(5 * ids.length)
    expect(isUtf8(file(files, 'movies.csv'))).toBe(true)
    expect(rows.some((r) => /[\u00c0-\u00ff]/.test(r[1]))).toBe(true)
  })

  it('writes tags.csv and links.csv in their layouts', () => {
    const tags = csvRows(decode(file(files, 'tags.csv')))
    expect(tags[0]).toEqual(['userId', 'movieId', 'tag', 'timestamp'])
    expect(tags.slice(1).some((r) => r[2].includes(','))).toBe(true)
    const links = csvRows(decode(file(files, 'links.csv')))
    expect(links[0]).toEqual(['movieId', 'imdbId', 'tmdbId'])
    expect(links.slice(1).every((r) => /^\d{7}$/.test(r[1]))).toBe(true)
    expect(links.slice(1).some((r) => r[2] === '')).toBe(true)
    expect(column(links.slice(1), 0)).toEqual(column(movies.slice(1), 0))
  })
})

describe('ratings under names nobody recognises', () => {
  it('writes bewertungen.csv with ; and a German header, and its film side table', () => {
    const files = germanRatings({ size: 3_000 })
    const rows = linesOf(decode(file(files, 'bewertungen.csv'))).map((l) => l.split(';'))
    expect(rows[0]).toEqual(['nutzer', 'film', 'bewertung', 'zeit'])
    expect(rows.slice(1)).toHaveLength(3_000)
    expect(new Set(column(rows.slice(1), 2))).toEqual(new Set(['1', '2', '3', '4', '5']))
    expect(rows.slice(1).every((r) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(r[3]))).toBe(true)
    const films = csvRows(decode(file(files, 'filme.csv')), ';')
    expect(films[0]).toEqual(['film', 'titel', 'genre', 'jahr'])
    const known = new Set(column(films.slice(1), 0))
    expect(rows.slice(1).every((r) => known.has(r[1]))).toBe(true)
    expect(films.some((r) => /[äöüß]/.test(r[1]))).toBe(true)
  })

  it('writes reviews.csv with integer scores 0-10, mostly high, and dates that tie', () => {
    const rows = csvRows(decode(file(scoreRatings({ size: 3_000 }), 'reviews.csv')))
    expect(rows[0]).toEqual(['user_id', 'game_id', 'score', 'date'])
    const scores = column(rows.slice(1), 2).map(Number)
    expect(scores.every((s) => Number.isInteger(s) && s >= 0 && s <= 10)).toBe(true)
    expect(new Set(scores).size).toBeGreaterThanOrEqual(9)
    expect(scores.reduce((a, b) => a + b, 0) / scores.length).toBeGreaterThan(6.5)
    expect(rows.slice(1).every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r[3]))).toBe(true)
    expect(tiedShare(column(rows.slice(1), 0), column(rows.slice(1), 3))).toBeGreaterThan(0.2)
  })

  it('writes impressions.csv with 0/1 clicks, position bias and slates sharing their second', () => {
    const rows = csvRows(decode(file(clickLog({ size: 20_000 }), 'impressions.csv')))
    expect(rows[0]).toEqual([
      'impression_id',
      'user_id',
      'item_id',
      'position',
      'device',
      'clicked',
      'timestamp',
    ])
    const body = rows.slice(1)
    expect(new Set(column(body, 5))).toEqual(new Set(['0', '1']))
    const ctr = (keep: (r: string[]) => boolean) => {
      const shown = body.filter(keep)
      return shown.filter((r) => r[5] === '1').length / shown.length
    }
    expect(ctr(() => true)).toBeGreaterThan(0.01)
    expect(ctr(() => true)).toBeLessThan(0.15)
    // 2,000 rows per position: at a 7% rate the standard error is about 0.006.
    expect(ctr((r) => r[3] === '1')).toBeGreaterThan(2 * ctr((r) => Number(r[3]) >= 8))
    expect(new Set(column(body, 0)).size).toBe(body.length)
    for (let s = 0; s < body.length; s += 10)
      expect(new Set(body.slice(s, s + 10).map((r) => r[6])).size).toBe(1)
    expect(body.every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(r[6]))).toBe(true)
  })
})

describe('TheLook e-commerce', () => {
  const files = theLook({ size: 400 })
  const table = (name: string) => {
    const rows = csvRows(decode(file(files, name)))
    return { header: rows[0].join(','), rows: rows.slice(1) }
  }
  const users = table('users.csv')
  const products = table('products.csv')
  const orders = table('orders.csv')
  const orderItems = table('order_items.csv')
  const events = table('events.csv')
  const TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})? UTC$/

  it('has the exported headers and BigQuery timestamps, some without a fraction', () => {
    expect(files.map((f) => f.name)).toEqual([
      'users.csv',
      'products.csv',
      'orders.csv',
      'order_items.csv',
      'events.csv',
    ])
    expect([users.header, products.header, orders.header, orderItems.header, events.header]).toEqual([
      THELOOK_HEADERS.users,
      THELOOK_HEADERS.products,
      THELOOK_HEADERS.orders,
      THELOOK_HEADERS.orderItems,
      THELOOK_HEADERS.events,
    ])
    expect(users.rows).toHaveLength(400)
    const times = [...column(users.rows, 14), ...column(orders.rows, 4), ...column(events.rows, 4)]
    expect(times.every((t) => TIMESTAMP.test(t))).toBe(true)
    expect(times.some((t) => t.includes('.')) && times.some((t) => !t.includes('.'))).toBe(true)
    expect(products.rows.some((r) => r[3] === '')).toBe(true)
    expect(products.rows.some((r) => r[3].includes(','))).toBe(true)
  })

  it('gives orders the five statuses with the dates each implies, and items that match their order', () => {
    expect(new Set(column(orders.rows, 2))).toEqual(new Set(THELOOK_STATUSES))
    for (const [, , status, , created, returned, shipped, delivered] of orders.rows) {
      expect(TIMESTAMP.test(created)).toBe(true)
      expect(shipped !== '').toBe(['Complete', 'Shipped', 'Returned'].includes(status))
      expect(delivered !== '').toBe(['Complete', 'Returned'].includes(status))
      expect(returned !== '').toBe(status === 'Returned')
    }
    const byOrder = new Map(orders.rows.map((r) => [r[0], r]))
    const productIds = new Set(column(products.rows, 0))
    for (const item of orderItems.rows) {
      const order = byOrder.get(item[1])!
      expect([item[2], item[5], item[6]]).toEqual([order[1], order[2], order[4]])
      expect(productIds.has(item[3])).toBe(true)
    }
    const itemsPerOrder = countBy(column(orderItems.rows, 1))
    expect(orders.rows.every((o) => itemsPerOrder.get(o[0]) === Number(o[8]))).toBe(true)
  })

  it('numbers events 1..n within a session, in time order, with anonymous sessions and known uris', () => {
    const sessions = new Map<string, string[][]>()
    for (const e of events.rows) sessions.set(e[3], [...(sessions.get(e[3]) ?? []), e])
    for (const rows of sessions.values()) {
      rows.sort((a, b) => Number(a[2]) - Number(b[2]))
      expect(column(rows, 2)).toEqual(rows.map((_, k) => String(k + 1)))
      expect(new Set(column(rows, 1)).size).toBe(1)
      expect(rows.every((r, k) => k === 0 || r[4] > rows[k - 1][4])).toBe(true)
    }
    expect(events.rows.some((e) => e[1] === '')).toBe(true)
    expect(events.rows.some((e) => e[1] !== '')).toBe(true)
    const productIds = new Set(column(products.rows, 0))
    const URI: Record<string, RegExp> = {
      home: /^\/home$/,
      department: /^\/department\/(men|women)\/category\/[a-z0-9]+\/brand\/[a-z0-9]+$/,
      product: /^\/product\/(\d+)$/,
      cart: /^\/cart$/,
      purchase: /^\/purchase$/,
      cancel: /^\/cancel$/,
    }
    expect(new Set(column(events.rows, 12))).toEqual(new Set(Object.keys(URI)))
    for (const e of events.rows) {
      expect(e[11]).toMatch(URI[e[12]])
      if (e[12] === 'product') expect(productIds.has(e[11].slice('/product/'.length))).toBe(true)
    }
  })

  it('has a pandas variant with index columns, float ids, gaps and +00:00 times', () => {
    const pandas = theLookPandas({ size: 400 })
    expect(pandas.map((f) => f.name)).toEqual([
      'users_final.csv',
      'products_final.csv',
      'orders_final.csv',
      'order_items_final.csv',
      'events_final.csv',
    ])
    const rows = (name: string) => csvRows(decode(file(pandas, name)))
    expect(rows('users_final.csv')[0].join(',')).toBe(`,${THELOOK_HEADERS.users}`)
    expect(rows('products_final.csv')[0].join(',')).toBe(`Unnamed: 0,${THELOOK_HEADERS.products}`)
    const pandasOrders = rows('orders_final.csv')
    expect(pandasOrders[0].join(',')).toBe(`,${THELOOK_HEADERS.orders}`)
    // Cancelled orders were dropped, leaving gaps in the index.
    expect(pandasOrders.slice(1).every((r) => r[3] !== 'Cancelled')).toBe(true)
    const index = column(pandasOrders.slice(1), 0).map(Number)
    expect(index.some((k, j) => j > 0 && k > index[j - 1] + 1)).toBe(true)
    expect(new Set(column(pandasOrders.slice(1), 1))).toEqual(
      new Set(orders.rows.filter((r) => r[2] !== 'Cancelled').map((r) => r[0])),
    )
    const pandasEvents = rows('events_final.csv').slice(1)
    expect(pandasEvents.every((r) => r[2] === '' || /^\d+\.0$/.test(r[2]))).toBe(true)
    expect(pandasEvents.some((r) => r[2] === '')).toBe(true)
    expect(pandasEvents.every((r) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/.test(r[5]))).toBe(
      true,
    )
  })
})

describe('Retailrocket events.csv', () => {
  const rows = csvRows(decode(file(retailrocket({ size: 30_000 }), 'events.csv')))
  const body = rows.slice(1)

  it('has epoch-millisecond times and the published mix of views, carts and transactions', () => {
    expect(rows[0]).toEqual(['timestamp', 'visitorid', 'event', 'itemid', 'transactionid'])
    expect(body).toHaveLength(30_000)
    const times = column(body, 0).map(Number)
    expect(Math.min(...times)).toBeGreaterThanOrEqual(1430622004384)
    expect(Math.max(...times)).toBeLessThanOrEqual(1442545187788)
    expect(descentShare(times)).toBeGreaterThan(0.3)
    // Published about 96.7%, 2.5%, 0.8%; at 30,000 rows a share's standard error is at most 0.001.
    const share = countBy(column(body, 2))
    expect(share.get('view')! / body.length).toBeGreaterThan(0.94)
    expect(share.get('addtocart')! / body.length).toBeGreaterThan(0.015)
    expect(share.get('addtocart')! / body.length).toBeLessThan(0.04)
    expect(share.get('transaction')! / body.length).toBeGreaterThan(0.004)
    expect(share.get('transaction')! / body.length).toBeLessThan(0.015)
  })

  it('gives transaction ids only to transactions, shared by the items bought together', () => {
    expect(body.every((r) => (r[4] !== '') === (r[2] === 'transaction'))).toBe(true)
    const byTransaction = new Map<string, string[][]>()
    for (const r of body.filter((r) => r[2] === 'transaction'))
      byTransaction.set(r[4], [...(byTransaction.get(r[4]) ?? []), r])
    for (const group of byTransaction.values()) {
      expect(new Set(column(group, 0)).size).toBe(1)
      expect(new Set(column(group, 1)).size).toBe(1)
    }
    expect([...byTransaction.values()].some((g) => g.length > 1)).toBe(true)
  })

  it('has mostly one-event visitors and a few heavy ones', () => {
    const perVisitor = [...countBy(column(body, 1)).values()]
    expect(median(perVisitor)).toBe(1)
    expect(Math.max(...perVisitor)).toBeGreaterThan(30)
    expect(topPercentShare(column(body, 3))).toBeGreaterThan(0.05)
  })
})

describe('Online Retail', () => {
  const rows = csvRows(decode(file(onlineRetail({ size: 8_000 }), 'online_retail.csv')))
  const body = rows.slice(1)

  it('has the UCI columns and m/d/yyyy h:mm dates shared by the lines of an invoice, never on Saturday', () => {
    expect(rows[0]).toEqual([
      'InvoiceNo',
      'StockCode',
      'Description',
      'Quantity',
      'InvoiceDate',
      'UnitPrice',
      'CustomerID',
      'Country',
    ])
    expect(body).toHaveLength(8_000)
    expect(body.every((r) => /^\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}$/.test(r[4]))).toBe(true)
    const dayOf = (text: string) => {
      const [m, d, y] = text.split(' ')[0].split('/').map(Number)
      return new Date(Date.UTC(y, m - 1, d)).getUTCDay()
    }
    expect(body.some((r) => dayOf(r[4]) === 6)).toBe(false)
    const byInvoice = new Map<string, string[][]>()
    for (const r of body) byInvoice.set(r[0], [...(byInvoice.get(r[0]) ?? []), r])
    for (const lines of byInvoice.values()) expect(new Set(column(lines, 4)).size).toBe(1)
    const numbers = column(body, 0).map((n) => Number(n.replace('C', '')))
    expect(numbers.every((n, k) => k === 0 || n >= numbers[k - 1])).toBe(true)
  })

  it('has a quarter of lines without a customer and negative quantities only on cancellations or adjustments', () => {
    const missing = body.filter((r) => r[6] === '').length / body.length
    expect(missing).toBeGreaterThan(0.15)
    expect(missing).toBeLessThan(0.35)
    const cancellations = body.filter((r) => r[0].startsWith('C'))
    expect(cancellations.length).toBeGreaterThan(0)
    expect(cancellations.every((r) => Number(r[3]) < 0)).toBe(true)
    expect(body.filter((r) => Number(r[3]) < 0).every((r) => r[0].startsWith('C') || r[2] === '')).toBe(true)
    expect(body.some((r) => r[2] === '' && r[5] === '0')).toBe(true)
    expect(
      body.every((r) => r[1] === 'POST' || r[1] === 'DOT' || r[1] === 'D' || /^\d{5}[A-Z]?$/.test(r[1])),
    ).toBe(true)
  })
})

describe('odd files', () => {
  it('writes an Excel export with a BOM, a sep=, line and CRLF line ends', () => {
    const [book] = excelExport({ size: 200 })
    expect(book.name).toBe('Book1.csv')
    expect([...book.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = decode(book.bytes).replace(/^\uFEFF/, '')
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/)
    const lines = linesOf(text, '\r\n')
    expect(lines.slice(0, 2)).toEqual(['sep=,', 'Customer ID,Product ID,Quantity,Purchase Date,Notes'])
    expect(lines).toHaveLength(202)
    expect(lines.slice(2).filter((l) => l.endsWith(',')).length).toBeGreaterThan(150)
  })

  it('writes a header-only file', () => {
    expect(headerOnly().map((f) => [f.name, decode(f.bytes)])).toEqual([
      ['interactions.csv', 'user_id,item_id,rating,timestamp\n'],
    ])
  })

  it('writes noise without popular items: no item far above the mean count', () => {
    const rows = csvRows(decode(file(noise(), 'noise.csv')))
    expect(rows[0]).toEqual(['user_id', 'item_id', 'timestamp'])
    expect(rows.slice(1)).toHaveLength(500)
    // 100 items at 5 rows each on average: a uniform draw's largest count is about 12 (Poisson).
    const counts = [...countBy(column(rows.slice(1), 1)).values()]
    expect(Math.max(...counts)).toBeLessThan(16)
    expect(countBy(column(rows.slice(1), 0)).size).toBe(50)
  })
})

describe('SHAPES', () => {
  const SMALL: Record<ShapeName, number> = {
    'movielens-100k': 1_000,
    'movielens-100k-renamed': 1_000,
    'recbole-ml-100k': 1_000,
    'movielens-1m': 1_000,
    'movielens-latest-small': 1_000,
    'german-ratings': 500,
    'score-ratings': 500,
    'click-log': 500,
    thelook: 50,
    'thelook-pandas': 50,
    retailrocket: 1_000,
    'online-retail': 1_000,
    'excel-export': 50,
    'header-only': 0,
    noise: 100,
  }

  it('reproduces every shape byte for byte from its seed, and changes with the seed', () => {
    for (const shape of Object.keys(SHAPES) as ShapeName[]) {
      const a = shapeFiles(shape, { seed: 7, size: SMALL[shape] })
      expect(a.length).toBeGreaterThan(0)
      expect(shapeFiles(shape, { seed: 7, size: SMALL[shape] })).toEqual(a)
      if (shape !== 'header-only')
        expect(shapeFiles(shape, { seed: 8, size: SMALL[shape] }).map((f) => f.bytes)).not.toEqual(
          a.map((f) => f.bytes),
        )
    }
  })

  it('documents what each size counts and a default at or below the real size', () => {
    for (const spec of Object.values(SHAPES)) {
      expect(spec.sizeMeans).not.toBe('')
      if (spec.realSize !== null) expect(spec.defaultSize).toBeLessThanOrEqual(spec.realSize)
    }
  })
})
