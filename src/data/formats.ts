/**
 * Known public dataset layouts, recognised by file names and column counts and mapped without
 * questions: MovieLens 100K, MovieLens 1M, MovieLens "latest" (and -small), TheLook e-commerce and
 * RecBole's atomic files. Anything else goes through `infer.ts`.
 */
import { labelColumn, profileColumn, ratingScale } from './infer'
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
import type { ColumnMapping, FeatureMapping } from './mapping'
import type { Column, DictColumn, DictTable, DictTables, TableRole } from './types'

export type KnownFormat = 'movielens-100k' | 'movielens-1m' | 'movielens-latest' | 'thelook' | 'recbole'

export const FORMAT_LABELS: Record<KnownFormat, string> = {
  'movielens-100k': 'MovieLens 100K',
  'movielens-1m': 'MovieLens 1M',
  'movielens-latest': 'MovieLens (latest)',
  thelook: 'TheLook e-commerce',
  recbole: 'RecBole atomic files',
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

/** RecBole atomic files: tab-separated, a header, and no quoting (titles may start with a bare `"`). */
const RECBOLE_EXTENSION = /\.(inter|user|item)$/

/** Parse options a known file needs (MovieLens 100K/1M, RecBole), or undefined to detect everything. */
export function knownParseOptions(fileName: string): ParseOptions | undefined {
  const known = HEADERLESS[baseName(fileName)]
  // MovieLens 100K's u.user and u.item end like RecBole files: its names win.
  if (!known && RECBOLE_EXTENSION.test(baseName(fileName)))
    return { delimiter: '\t', header: true, quoting: false }
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
  return (
    movieLens100k(files) ?? movieLens1m(files) ?? movieLensLatest(files) ?? theLook(files) ?? recBole(files)
  )
}

/** The mapping of MovieLens 100K and 1M (their files name the columns alike once read). */
function movieLensMapping(withItems: boolean, features: FeatureMapping[]): ColumnMapping {
  return {
    userId: 'user_id',
    itemId: 'item_id',
    timestamp: 'timestamp',
    rating: 'rating',
    ...(withItems ? { itemLabel: 'title' } : {}),
    features,
  }
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
    mapping: movieLensMapping(items !== undefined && items !== null, features),
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
    mapping: movieLensMapping(items !== undefined && items !== null, features),
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
    mapping: {
      userId: 'userId',
      itemId: 'movieId',
      timestamp: 'timestamp',
      rating: 'rating',
      ...(items ? { itemLabel: 'title' } : {}),
      features,
    },
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

/**
 * TheLook's tables by their columns (the export's own headers), whatever the files are called: people
 * save them as `order_items_final.csv` or with pandas' index column in front.
 */
const THELOOK_COLUMNS = {
  orderItems: ['order_id', 'user_id', 'product_id', 'inventory_item_id', 'sale_price', 'created_at'],
  events: ['user_id', 'session_id', 'sequence_number', 'uri', 'event_type', 'created_at'],
  users: ['id', 'first_name', 'last_name', 'email', 'traffic_source'],
  products: ['id', 'cost', 'category', 'name', 'brand', 'retail_price', 'department'],
}

/** The file of that name, else the one (and only one) with all of `columns`. */
function byNameOrColumns(files: DictTable[], name: string, columns: string[]): DictTable | undefined {
  const named = byName(files, name)
  if (named) return named
  const matching = files.filter((f) => hasColumns(f, columns))
  return matching.length === 1 ? matching[0] : undefined
}

function theLook(files: DictTable[]): FormatMatch | null {
  const orderItems = byNameOrColumns(files, 'order_items.csv', THELOOK_COLUMNS.orderItems)
  const eventFile = byNameOrColumns(files, 'events.csv', THELOOK_COLUMNS.events)
  const purchases = hasColumns(orderItems, ['user_id', 'product_id', 'created_at']) ? orderItems : null
  // Purchases are the stronger signal; product views stand in when there are no order items.
  const views = purchases ? null : theLookProductViews(eventFile)
  const interactions = purchases ?? views
  if (!interactions) return null
  const userFile = byNameOrColumns(files, 'users.csv', THELOOK_COLUMNS.users)
  const productFile = byNameOrColumns(files, 'products.csv', THELOOK_COLUMNS.products)
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
    mapping: {
      userId: 'user_id',
      itemId: 'product_id',
      timestamp: 'created_at',
      ...(items?.columns.includes('name') ? { itemLabel: 'name' } : {}),
      features,
    },
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
          ? `product views are not used while ${interactions.name} gives purchases; drop the events without it to train on views`
          : 'not needed for the TheLook interactions',
      ),
    ],
  }
}

/** RecBole's atomic-file header cell: `name:type` (RecBole docs, "Atomic Files"). */
const RECBOLE_FIELD = /^(.+):(token|token_seq|float|float_seq)$/
type RecBoleType = 'token' | 'token_seq' | 'float' | 'float_seq'
/** RecBole's default separator of `token_seq` and `float_seq` values. */
const RECBOLE_SEQ_SEPARATOR = ' '
/** Token columns of a side table with at least this share of distinct values per row are ids, not features. */
const RECBOLE_ID_LIKE_SHARE = 0.5

/** The table with `name:type` headers renamed to `name`, and the type of each column; null if not atomic. */
function recBoleTable(
  table: DictTable | undefined,
): { table: DictTable; types: Map<string, RecBoleType> } | null {
  if (!table || table.columns.length === 0) return null
  const types = new Map<string, RecBoleType>()
  const names: Record<string, string> = {}
  for (const c of table.columns) {
    const m = RECBOLE_FIELD.exec(c)
    if (!m) return null
    names[c] = m[1]
    types.set(m[1], m[2] as RecBoleType)
  }
  return { table: renameColumns(table, names), types }
}

const byExtension = (files: DictTable[], extension: string) =>
  files.find((f) => baseName(f.name).endsWith(extension) && recBoleTable(f) !== null)

/**
 * RecBole atomic files: `.inter` (interactions), `.user` and `.item` (side tables), tab-separated with
 * `name:type` headers. Types say the kinds: `token` a categorical, `token_seq` a multi-valued field of
 * space-separated tokens, `float` a number; `float_seq` is not used. The id fields are RecBole's default
 * names `user_id` and `item_id` (else the token columns named like ids); `rating` and `timestamp` are
 * its default rating and time fields. Other columns of the `.inter` file are not inputs (a label or a
 * rating is not known when recommending).
 */
function recBole(files: DictTable[]): FormatMatch | null {
  const interFile = byExtension(files, '.inter')
  const inter = recBoleTable(interFile)
  if (!interFile || !inter) return null
  const tokens = inter.table.columns.filter((c) => inter.types.get(c) === 'token')
  const userId = tokens.find((c) => c === 'user_id') ?? tokens.find((c) => /user|uid/i.test(c)) ?? tokens[0]
  const itemFile = byExtension(files, '.item')
  const item = recBoleTable(itemFile)
  const itemId =
    tokens.find((c) => c === 'item_id') ??
    tokens.find((c) => c !== userId && item?.table.columns[0] === c) ??
    tokens.find((c) => c !== userId && /item|product|movie|business|book|song|track|poi/i.test(c)) ??
    tokens.find((c) => c !== userId)
  if (!userId || !itemId) return null
  const userFile = byExtension(files, '.user')
  const user = recBoleTable(userFile)
  const side = (
    parsed: ReturnType<typeof recBoleTable>,
    id: string,
    role: 'users' | 'items',
  ): { table: DictTable; features: FeatureMapping[]; label?: string } | null => {
    if (!parsed) return null
    const key = parsed.table.columns.includes(id)
      ? id
      : parsed.table.columns.find((c) => parsed.types.get(c) === 'token')
    if (!key) return null
    const table = key === id ? parsed.table : renameColumns(parsed.table, { [key]: id })
    const label = labelColumn(table, id)
    const features: FeatureMapping[] = []
    for (const c of table.columns) {
      if (c === id || c === label) continue
      const type = parsed.types.get(c === id ? key : c)
      const p = profileColumn(table.coded[c])
      const present = p.rows - p.missing
      if (present === 0 || p.distinct < 2) continue
      if (type === 'float') features.push(feature(role, c, 'numeric'))
      else if (type === 'token_seq')
        features.push({ ...feature(role, c, 'multi'), separator: RECBOLE_SEQ_SEPARATOR })
      else if (type === 'token' && p.distinct < RECBOLE_ID_LIKE_SHARE * present)
        features.push(feature(role, c, 'categorical'))
    }
    return { table, features, ...(label ? { label } : {}) }
  }
  const users = side(user, userId, 'users')
  const items = side(item, itemId, 'items')
  const floats = inter.table.columns.filter((c) => inter.types.get(c) === 'float')
  const timestamp = floats.find((c) => c === 'timestamp')
  const rating =
    floats.find((c) => c === 'rating') ??
    floats.find((c) => c !== timestamp && ratingScale(c, profileColumn(inter.table.coded[c])) !== null)
  const used = [interFile, ...(users ? [userFile!] : []), ...(items ? [itemFile!] : [])]
  const typesNote =
    'types read from the header: token → categorical, token_seq → multi-valued, float → numeric'
  return {
    format: 'recbole',
    label: FORMAT_LABELS.recbole,
    tables: { interactions: inter.table, users: users?.table, items: items?.table },
    mapping: {
      userId,
      itemId,
      ...(timestamp ? { timestamp } : {}),
      ...(rating ? { rating } : {}),
      ...(items?.label ? { itemLabel: items.label } : {}),
      ...(users?.label ? { userLabel: users.label } : {}),
      features: [...(users?.features ?? []), ...(items?.features ?? [])],
    },
    roles: [
      { file: interFile.name, role: 'interactions', note: 'the ":type" suffixes of the header are dropped' },
      ...(users ? [{ file: userFile!.name, role: 'users' as const, note: typesNote }] : []),
      ...(items ? [{ file: itemFile!.name, role: 'items' as const, note: typesNote }] : []),
      ...unusedRoles(files, used, () => 'not a RecBole .inter, .user or .item file'),
    ],
  }
}
