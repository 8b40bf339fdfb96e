/**
 * Known public dataset layouts, recognised by file names and column counts and mapped without
 * questions: MovieLens 100K, MovieLens 1M, MovieLens "latest" (and -small) and TheLook e-commerce.
 * Anything else goes through `infer.ts`.
 */
import type { ParseOptions } from './parse'
import {
  dictOf,
  filterRows,
  foldOneHot,
  mapDictionary,
  renameColumns,
  withColumn,
  withoutColumns,
} from './table'
import type {
  Column,
  ColumnMapping,
  DictColumn,
  DictTable,
  DictTables,
  FeatureMapping,
  TableRole,
} from './types'

export type KnownFormat = 'movielens-100k' | 'movielens-1m' | 'movielens-latest' | 'thelook'

export const FORMAT_LABELS: Record<KnownFormat, string> = {
  'movielens-100k': 'MovieLens 100K',
  'movielens-1m': 'MovieLens 1M',
  'movielens-latest': 'MovieLens (latest)',
  thelook: 'TheLook e-commerce',
}

/** What a dropped file is used for; `unused` files are listed so the person sees they were read. */
export interface FileRole {
  file: string
  role: TableRole | 'unused'
  note?: string
}

export interface FormatMatch {
  format: KnownFormat
  label: string
  /** The tables with canonical column names and derived columns (genres, year). */
  tables: DictTables
  mapping: ColumnMapping
  roles: FileRole[]
}

/** The 19 genre flags at the end of MovieLens 100K's `u.item`, in file order. */
export const ML100K_GENRES = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
]

const RATING_COLUMNS = ['user_id', 'item_id', 'rating', 'timestamp']
const ML100K_USER_COLUMNS = ['user_id', 'age', 'gender', 'occupation', 'zip_code']
const ML100K_ITEM_COLUMNS = [
  'item_id',
  'title',
  'release_date',
  'video_release_date',
  'imdb_url',
  ...ML100K_GENRES.map((g) => `genre_${g}`),
]
const ML1M_USER_COLUMNS = ['user_id', 'gender', 'age', 'occupation', 'zip_code']
const ML1M_MOVIE_COLUMNS = ['item_id', 'title', 'genres']

/**
 * Column names of MovieLens files by file name. These files have no header, and their fields contain
 * bare quotes (titles such as `"Great Performances" Cats`), so quoting is off.
 */
const HEADERLESS: Record<string, { delimiter: string; columns: string[] }> = {
  'u.data': { delimiter: '\t', columns: RATING_COLUMNS },
  'u.user': { delimiter: '|', columns: ML100K_USER_COLUMNS },
  'u.item': { delimiter: '|', columns: ML100K_ITEM_COLUMNS },
  'ratings.dat': { delimiter: '::', columns: RATING_COLUMNS },
  'users.dat': { delimiter: '::', columns: ML1M_USER_COLUMNS },
  'movies.dat': { delimiter: '::', columns: ML1M_MOVIE_COLUMNS },
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).toLowerCase()
}

/** Parse options a known file needs (MovieLens 100K/1M), or undefined to detect everything. */
export function knownParseOptions(fileName: string): ParseOptions | undefined {
  const known = HEADERLESS[baseName(fileName)]
  if (!known) return undefined
  return { delimiter: known.delimiter, header: false, quoting: false, columnNames: known.columns }
}

/** The table as the known layout names it: positional names when its column count matches. */
function withNames(table: DictTable, columns: readonly string[]): DictTable | null {
  if (table.columns.length !== columns.length) return null
  const names: Record<string, string> = {}
  table.columns.forEach((c, j) => (names[c] = columns[j]))
  return renameColumns(table, names)
}

/** A numeric year column from text ending in four digits or `(1995)`. */
function yearColumn(column: Column, pattern: RegExp): DictColumn {
  return mapDictionary(column, (v) => pattern.exec(v)?.[1] ?? '')
}
const YEAR_IN_TITLE = /\((\d{4})\)\s*$/
const YEAR_AT_END = /(\d{4})\s*$/

const feature = (table: TableRole, column: string, kind: FeatureMapping['kind']): FeatureMapping => ({
  table,
  column,
  kind,
  tower: table === 'users' ? 'user' : table === 'items' ? 'item' : 'context',
})

function unusedRoles(files: DictTable[], used: DictTable[], note: (file: string) => string): FileRole[] {
  return files
    .filter((f) => !used.includes(f))
    .map((f) => ({ file: f.name, role: 'unused', note: note(f.name) }))
}

function byName(files: DictTable[], name: string): DictTable | undefined {
  return files.find((f) => baseName(f.name) === name)
}

/**
 * Recognises a known dataset among the parsed files (any order, other files allowed) and returns its
 * tables, mapping and file roles; null when none matches, so the caller falls back to inference.
 */
export function recognizeFormat(files: DictTable[]): FormatMatch | null {
  return movieLens100k(files) ?? movieLens1m(files) ?? movieLensLatest(files) ?? theLook(files)
}

function movieLens100k(files: DictTable[]): FormatMatch | null {
  const data = byName(files, 'u.data')
  const interactions = data && withNames(data, RATING_COLUMNS)
  if (!data || !interactions) return null
  const userFile = byName(files, 'u.user')
  const itemFile = byName(files, 'u.item')
  const users = userFile && withNames(userFile, ML100K_USER_COLUMNS)
  let items = itemFile && withNames(itemFile, ML100K_ITEM_COLUMNS)
  if (items) {
    const flags = ML100K_GENRES.map((g) => `genre_${g}`)
    items = withColumn(items, 'genres', foldOneHot(items, flags, ML100K_GENRES))
    items = withColumn(items, 'year', yearColumn(items.coded.release_date, YEAR_AT_END))
    items = withoutColumns(items, flags)
  }
  const features: FeatureMapping[] = []
  if (users)
    features.push(
      feature('users', 'age', 'numeric'),
      feature('users', 'gender', 'categorical'),
      feature('users', 'occupation', 'categorical'),
    )
  if (items)
    features.push(
      { ...feature('items', 'genres', 'multi'), separator: '|' },
      feature('items', 'year', 'numeric'),
    )
  const used = [data, ...(users ? [userFile!] : []), ...(items ? [itemFile!] : [])]
  return {
    format: 'movielens-100k',
    label: FORMAT_LABELS['movielens-100k'],
    tables: { interactions, users: users ?? undefined, items: items ?? undefined },
    mapping: { userId: 'user_id', itemId: 'item_id', timestamp: 'timestamp', rating: 'rating', features },
    roles: [
      { file: data.name, role: 'interactions' },
      ...(users ? [{ file: userFile!.name, role: 'users' as const }] : []),
      ...(items
        ? [
            {
              file: itemFile!.name,
              role: 'items' as const,
              note: '19 genre flags folded into one "genres" field',
            },
          ]
        : []),
      ...unusedRoles(files, used, () => 'not part of MovieLens 100K ratings, users or items'),
    ],
  }
}

function movieLens1m(files: DictTable[]): FormatMatch | null {
  const ratingFile = byName(files, 'ratings.dat')
  const interactions = ratingFile && withNames(ratingFile, RATING_COLUMNS)
  if (!ratingFile || !interactions) return null
  const userFile = byName(files, 'users.dat')
  const movieFile = byName(files, 'movies.dat')
  const users = userFile && withNames(userFile, ML1M_USER_COLUMNS)
  let items = movieFile && withNames(movieFile, ML1M_MOVIE_COLUMNS)
  if (items) items = withColumn(items, 'year', yearColumn(items.coded.title, YEAR_IN_TITLE))
  const features: FeatureMapping[] = []
  // Age in MovieLens 1M is a band code (1, 18, 25, ...) and occupation a code: both categorical.
  if (users)
    features.push(
      feature('users', 'gender', 'categorical'),
      feature('users', 'age', 'categorical'),
      feature('users', 'occupation', 'categorical'),
    )
  if (items)
    features.push(
      { ...feature('items', 'genres', 'multi'), separator: '|' },
      feature('items', 'year', 'numeric'),
    )
  const used = [ratingFile, ...(users ? [userFile!] : []), ...(items ? [movieFile!] : [])]
  return {
    format: 'movielens-1m',
    label: FORMAT_LABELS['movielens-1m'],
    tables: { interactions, users: users ?? undefined, items: items ?? undefined },
    mapping: { userId: 'user_id', itemId: 'item_id', timestamp: 'timestamp', rating: 'rating', features },
    roles: [
      { file: ratingFile.name, role: 'interactions' },
      ...(users ? [{ file: userFile!.name, role: 'users' as const }] : []),
      ...(items ? [{ file: movieFile!.name, role: 'items' as const }] : []),
      ...unusedRoles(files, used, () => 'not part of MovieLens 1M ratings, users or movies'),
    ],
  }
}

const hasColumns = (t: DictTable | undefined, columns: string[]): t is DictTable =>
  t !== undefined && columns.every((c) => t.columns.includes(c))

function movieLensLatest(files: DictTable[]): FormatMatch | null {
  const interactions = byName(files, 'ratings.csv')
  if (!hasColumns(interactions, ['userId', 'movieId', 'rating', 'timestamp'])) return null
  const movieFile = byName(files, 'movies.csv')
  let items = hasColumns(movieFile, ['movieId', 'title', 'genres']) ? movieFile : undefined
  if (items) {
    const genres = mapDictionary(items.coded.genres, (v) => (v === '(no genres listed)' ? '' : v))
    items = withColumn(
      withColumn(items, 'genres', genres),
      'year',
      yearColumn(items.coded.title, YEAR_IN_TITLE),
    )
  }
  const features: FeatureMapping[] = items
    ? [{ ...feature('items', 'genres', 'multi'), separator: '|' }, feature('items', 'year', 'numeric')]
    : []
  const used = [interactions, ...(items ? [movieFile!] : [])]
  return {
    format: 'movielens-latest',
    label: FORMAT_LABELS['movielens-latest'],
    tables: { interactions, items },
    mapping: { userId: 'userId', itemId: 'movieId', timestamp: 'timestamp', rating: 'rating', features },
    roles: [
      { file: interactions.name, role: 'interactions' },
      ...(items ? [{ file: movieFile!.name, role: 'items' as const }] : []),
      ...unusedRoles(files, used, (f) =>
        /tags|links/i.test(f)
          ? 'tags and links are not model inputs yet'
          : 'not a MovieLens ratings or movies file',
      ),
    ],
  }
}

/** A product page in TheLook's web events: `/product/12345`. */
const PRODUCT_URI = /^\/product\/([^/?#]+)\/?$/

/**
 * TheLook's web events as interactions: the product page views (`uri` = `/product/<id>`) of signed-in
 * users, with the product id read from the uri into a `product_id` column. Null when there are none.
 */
function theLookProductViews(events: DictTable | undefined): DictTable | null {
  if (!hasColumns(events, ['user_id', 'uri', 'created_at'])) return null
  const productId = mapDictionary(events.coded.uri, (uri) => PRODUCT_URI.exec(uri.trim())?.[1] ?? '')
  const users = dictOf(events, 'user_id')
  const keep = new Uint8Array(events.rowCount)
  let kept = 0
  for (let r = 0; r < events.rowCount; r++)
    if (productId.dictionary[productId.codes[r]] !== '' && users.dictionary[users.codes[r]].trim() !== '')
      kept += keep[r] = 1
  return kept === 0 ? null : filterRows(withColumn(events, 'product_id', productId), keep)
}

function theLook(files: DictTable[]): FormatMatch | null {
  const orderItems = byName(files, 'order_items.csv')
  const eventFile = byName(files, 'events.csv')
  const purchases = hasColumns(orderItems, ['user_id', 'product_id', 'created_at']) ? orderItems : null
  // Purchases are the stronger signal; product views stand in when there are no order items.
  const views = purchases ? null : theLookProductViews(eventFile)
  const interactions = purchases ?? views
  if (!interactions) return null
  const userFile = byName(files, 'users.csv')
  const productFile = byName(files, 'products.csv')
  // TheLook's entity tables call their key `id`; the mapping needs the interactions' names.
  const users = hasColumns(userFile, ['id']) ? renameColumns(userFile, { id: 'user_id' }) : undefined
  const items = hasColumns(productFile, ['id']) ? renameColumns(productFile, { id: 'product_id' }) : undefined
  const features: FeatureMapping[] = []
  const add = (
    role: TableRole,
    table: DictTable | undefined,
    kinds: Record<string, FeatureMapping['kind']>,
  ) => {
    for (const [column, kind] of Object.entries(kinds))
      if (table?.columns.includes(column)) features.push(feature(role, column, kind))
  }
  add('users', users, {
    age: 'numeric',
    gender: 'categorical',
    country: 'categorical',
    traffic_source: 'categorical',
  })
  add('items', items, {
    category: 'categorical',
    brand: 'categorical',
    department: 'categorical',
    retail_price: 'numeric',
    distribution_center_id: 'categorical',
  })
  if (views) add('interactions', views, { traffic_source: 'categorical', browser: 'categorical' })
  const used = [
    purchases ? orderItems! : eventFile!,
    ...(users ? [userFile!] : []),
    ...(items ? [productFile!] : []),
  ]
  const kept = interactions.rowCount.toLocaleString('en-US')
  return {
    format: 'thelook',
    label: FORMAT_LABELS.thelook,
    tables: { interactions, users, items },
    mapping: { userId: 'user_id', itemId: 'product_id', timestamp: 'created_at', features },
    roles: [
      {
        file: interactions.name,
        role: 'interactions',
        note: purchases
          ? 'each order item is one interaction'
          : `each product page view of a signed-in user is one interaction (${kept} of ${eventFile!.rowCount.toLocaleString('en-US')} events; product id read from the uri)`,
      },
      ...(users ? [{ file: userFile!.name, role: 'users' as const, note: '"id" read as user_id' }] : []),
      ...(items
        ? [{ file: productFile!.name, role: 'items' as const, note: '"id" read as product_id' }]
        : []),
      ...unusedRoles(files, used, (f) =>
        /events/i.test(f)
          ? 'product views are not used while order_items.csv gives purchases; drop events.csv without it to train on views'
          : 'not needed for the TheLook interactions',
      ),
    ],
  }
}
