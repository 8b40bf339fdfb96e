/**
 * Builders shared by the model tests: a small MovieLens-like dataset with multi-valued fields, made the
 * way an upload is (string tables -> `encodeDataset`), so the model sees exactly what it would in the app.
 */
import { encodeDataset } from '../data/encode'
import { mulberry32, randInt } from '../data/random'
import type { EncodedDataset, Table } from '../data/types'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'

/** A model small enough to train in a moment in tests: 8-wide tokens, two history items, no comparisons. */
export const TINY_CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  batchSize: 64,
  dim: 8,
  mlpHidden: 16,
  learningRate: 0.01,
  historyLength: 2,
  compareBaselines: false,
}

export const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'SciFi']

function table(name: string, columns: string[], rows: string[][]): Table {
  const data: Record<string, string[]> = {}
  columns.forEach((c, j) => (data[c] = rows.map((r) => r[j])))
  return { name, columns, data, rowCount: rows.length }
}

/**
 * Users with a favourite genre watch items of that genre (and sometimes anything). Items list 1–3
 * genres (`Action|Comedy`), except `m0` with none and `m1` whose only genre, `Western`, nobody else has.
 * Users have a multi-valued `likes` field (their favourite, sometimes a second genre; `u0` none) and a
 * categorical `age`; items a categorical `decade`. Interactions are timestamped in row order.
 */
export function multiValuedDataset(
  seed = 1,
  size = { users: 80, items: 40, interactions: 2400 },
): EncodedDataset {
  const rng = mulberry32(seed)
  const itemGenres: string[][] = Array.from({ length: size.items }, (_, i) => {
    if (i === 0) return []
    if (i === 1) return ['Western']
    const chosen = new Set<string>()
    const count = 1 + randInt(rng, 3)
    while (chosen.size < count) chosen.add(GENRES[randInt(rng, GENRES.length)])
    return [...chosen]
  })
  const favourite = Array.from({ length: size.users }, () => GENRES[randInt(rng, GENRES.length)])
  const users = table(
    'users.csv',
    ['user', 'age', 'likes'],
    favourite.map((g, u) => [
      `u${u}`,
      ['young', 'middle', 'old'][randInt(rng, 3)],
      u === 0 ? '' : rng() < 0.5 ? g : `${g}|${GENRES[randInt(rng, GENRES.length)]}`,
    ]),
  )
  const items = table(
    'movies.csv',
    ['item', 'decade', 'genres'],
    itemGenres.map((gs, i) => [`m${i}`, ['1980s', '1990s', '2000s'][i % 3], gs.join('|')]),
  )
  const rows: string[][] = []
  for (let r = 0; r < size.interactions; r++) {
    const u = randInt(rng, size.users)
    let i = randInt(rng, size.items)
    // Retry until the item has the favourite genre, or give up sometimes (noise).
    for (let tries = 0; tries < 20 && !itemGenres[i].includes(favourite[u]) && rng() > 0.1; tries++)
      i = randInt(rng, size.items)
    if (r % 40 === 0) i = 0 // so the item without genres is seen in training
    rows.push([`u${u}`, `m${i}`, String(1_000_000 + r)])
  }
  const encoded = encodeDataset(
    'multi',
    { interactions: table('ratings.csv', ['user', 'item', 'time'], rows), users, items },
    {
      userId: 'user',
      itemId: 'item',
      timestamp: 'time',
      features: [
        { table: 'users', column: 'age', kind: 'categorical', tower: 'user' },
        { table: 'users', column: 'likes', kind: 'multi', tower: 'user', separator: '|' },
        { table: 'items', column: 'decade', kind: 'categorical', tower: 'item' },
        { table: 'items', column: 'genres', kind: 'multi', tower: 'item', separator: '|' },
      ],
    },
  )
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.data
}
