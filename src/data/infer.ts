/**
 * Proposes a mapping for files that are not a known format: which file holds the interactions, users
 * and items; which columns are the ids, the timestamp and the rating; and a kind and tower for every
 * other column. Only a proposal: the person corrects it in the schema mapper.
 *
 * Heuristics, from what real exports look like:
 * - Column names first (`user_id`, `customerId`, `product_id`, `created_at`, `rating`), shapes second.
 * - One-hot groups (`gender_F`, `gender_M`) are folded back into one categorical (or multi-valued) field.
 * - Columns of the interactions file constant per user (or per item) are lifted into the user (item)
 *   table, so they feed that tower once per entity instead of once per interaction.
 * - Float-looking ids (`21148.0`) count as integer ids (cleaning's `float-ids` step rewrites them).
 * - A column unique per row is an id, not a feature: it is ignored and flagged.
 */
import { formatDate } from './datetime'
import { isMissing, parseTimestamp, type DataResult } from './encode'
import type { FileRole } from './formats'
import {
  asDict,
  cell,
  ColumnBuilder,
  codeCounts,
  dictOf,
  foldOneHot,
  isNumberColumn,
  isOne,
  renameColumns,
  takeRows,
  withColumn,
  withoutColumns,
} from './table'
import type {
  Column,
  ColumnMapping,
  DictTable,
  DictTables,
  FeatureMapping,
  NumberColumn,
  TableRole,
  Tower,
} from './types'

export type ColumnKind = 'id' | 'categorical' | 'numeric' | 'multi' | 'timestamp' | 'text' | 'ignore'

const USER_ID =
  /^(user|customer|client|member|account|visitor|person|buyer|reader|viewer)[ _.-]?(id|key|no|number)$|^uid$/i
const ITEM_ID =
  /^(item|product|movie|offer|article|sku|book|track|song|course|video|listing|content|asset|merchant|game|anime|recipe|business)[ _.-]?(id|key|no|number|code)$|^(iid|sku|asin)$/i
const TIME_NAME = /(time|date|created|updated|^ts$|timestamp|_at$|datetime|when)/i
const RATING_NAME = /^(rating|score|label|stars?|weight|clicked|click|target|liked|purchased|response|y)$/i
const ENTITY_ID_NAME = /^(id|key)$/i
/** One-hot column names: `prefix_value`, `prefix=value`, `prefix.value`. */
const ONE_HOT_NAME = /^(.+?)[_=.]([^_=.]+)$/
const FLOAT_INTEGER = /^-?\d+\.0+$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?( ?(Z|UTC|[+-]\d{2}:?\d{2}))?$/

/** Distinct values at or below which a repetitive small-integer column is read as categorical codes. */
const CATEGORICAL_MAX_DISTINCT = 20
/** A column with at least this share of distinct values among its present cells is unique per row. */
const UNIQUE_SHARE = 0.95
/** Interaction-file columns whose value changes within an entity in at most this share of rows are constant per entity. */
const CONSTANT_MISMATCH_SHARE = 0.01
/** Mean text length above which a high-cardinality column is free text. */
const TEXT_MIN_LENGTH = 30

export interface ColumnProfile {
  rows: number
  missing: number
  distinct: number
  /** Shares among present cells, in [0, 1]. */
  numericShare: number
  integerShare: number
  floatIntegerShare: number
  timestampShare: number
  isoDateShare: number
  multiShare: number
  meanLength: number
}

/** Statistics of a column, computed per distinct value and weighted by its row count. */
export function profileColumn(column: Column): ColumnProfile {
  if (isNumberColumn(column)) return profileNumbers(column)
  const perCode = codeCounts(column)
  const p = { numeric: 0, integer: 0, floatInteger: 0, timestamp: 0, iso: 0, multi: 0, length: 0 }
  let missing = 0
  let distinct = 0
  column.dictionary.forEach((v, c) => {
    const n = perCode[c]
    if (n === 0) return
    if (isMissing(v)) {
      missing += n
      return
    }
    distinct++
    const x = Number(v)
    if (Number.isFinite(x)) {
      p.numeric += n
      if (/^-?\d+$/.test(v)) p.integer += n
      if (FLOAT_INTEGER.test(v)) p.floatInteger += n
      // Epoch seconds 1973..2033 or milliseconds in the same span.
      if ((x >= 1e8 && x <= 2e9) || (x >= 1e11 && x <= 2e12)) p.timestamp += n
    } else if (ISO_DATE.test(v) && Number.isFinite(parseTimestamp(v))) {
      p.timestamp += n
      p.iso += n
    }
    if (v.includes('|') && v.split('|').length > 1) p.multi += n
    p.length += v.length * n
  })
  const present = Math.max(1, column.codes.length - missing)
  return {
    rows: column.codes.length,
    missing,
    distinct,
    numericShare: p.numeric / present,
    integerShare: p.integer / present,
    floatIntegerShare: p.floatInteger / present,
    timestampShare: p.timestamp / present,
    isoDateShare: p.iso / present,
    multiShare: p.multi / present,
    meanLength: p.length / present,
  }
}

/**
 * The profile of a number column without making its texts: every present cell is a number in shortest
 * form (so never `21148.0`-style) or an ISO date-time in one format; distinct values counted on a
 * sorted copy.
 */
function profileNumbers(column: NumberColumn): ColumnProfile {
  const { values, format } = column
  const sorted = values.filter((x) => !Number.isNaN(x)).sort()
  const present = Math.max(1, sorted.length)
  let distinct = 0
  let integer = 0
  let timestamp = 0
  let length = 0
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i]
    if (i === 0 || x !== sorted[i - 1]) distinct++
    if (format) {
      length += formatDate(x, format).length
      continue
    }
    if (Number.isInteger(x)) integer++
    if ((x >= 1e8 && x <= 2e9) || (x >= 1e11 && x <= 2e12)) timestamp++
    length += String(x).length
  }
  const dates = format ? sorted.length : 0
  return {
    rows: values.length,
    missing: values.length - sorted.length,
    distinct,
    numericShare: format ? 0 : sorted.length / present,
    integerShare: integer / present,
    floatIntegerShare: 0,
    timestampShare: (timestamp + dates) / present,
    isoDateShare: dates / present,
    multiShare: 0,
    meanLength: length / present,
  }
}

/** An id column: integer, float-integer or text values that repeat across rows. */
function isIdLike(p: ColumnProfile): boolean {
  const present = p.rows - p.missing
  if (present === 0 || p.distinct < 2) return false
  const integral = p.integerShare + p.floatIntegerShare
  return (p.numericShare < 0.5 || integral >= 0.99) && p.isoDateShare < 0.5 && p.meanLength <= TEXT_MIN_LENGTH
}

function isUniquePerRow(p: ColumnProfile): boolean {
  const present = p.rows - p.missing
  return present >= 20 && p.distinct >= UNIQUE_SHARE * present
}

export interface ColumnProposal {
  file: string
  column: string
  kind: ColumnKind
  /** The tower a feature feeds; null for ids, the timestamp, the rating and ignored columns. */
  tower: Tower | null
  /** Why this kind was proposed, in a few words for the person. */
  reason: string
}

export interface SchemaProposal {
  roles: FileRole[]
  /** Tables after folding one-hot groups, renaming entity ids and lifting per-entity columns. */
  tables: DictTables
  mapping: ColumnMapping
  columns: ColumnProposal[]
  notes: string[]
}

/** Kind of a feature column from its profile, with the reason. */
export function proposeKind(name: string, p: ColumnProfile): { kind: ColumnKind; reason: string } {
  const present = p.rows - p.missing
  if (present === 0) return { kind: 'ignore', reason: 'empty in every row' }
  if (p.distinct === 1) return { kind: 'ignore', reason: 'the same value in every row' }
  if (p.isoDateShare >= 0.9 || (TIME_NAME.test(name) && p.timestampShare >= 0.9))
    return { kind: 'timestamp', reason: 'dates or epoch times' }
  if (p.numericShare >= 0.95) {
    if (isUniquePerRow(p) && p.integerShare + p.floatIntegerShare >= 0.99)
      return { kind: 'ignore', reason: 'a different integer in every row: an id' }
    // A few integers that repeat a lot are codes (levels, bands); otherwise integers are quantities.
    const codes = p.distinct <= CATEGORICAL_MAX_DISTINCT && p.distinct * 5 <= present
    if (p.integerShare + p.floatIntegerShare >= 0.99 && codes)
      return { kind: 'categorical', reason: `${p.distinct} integer codes` }
    return { kind: 'numeric', reason: 'numbers' }
  }
  if (p.multiShare >= 0.2) return { kind: 'multi', reason: 'values separated by |' }
  if (p.meanLength > TEXT_MIN_LENGTH && p.distinct > present / 2) return { kind: 'text', reason: 'free text' }
  if (isUniquePerRow(p)) return { kind: 'ignore', reason: 'a different value in every row: an id' }
  return { kind: 'categorical', reason: `${p.distinct} distinct values` }
}

/**
 * Folds one-hot groups of a table: two or more columns sharing a prefix, all of whose cells are 0/1.
 * Exactly one flag per row gives a categorical column named after the prefix; more gives a multi one.
 */
export function foldOneHotGroups(table: DictTable): {
  table: DictTable
  folded: { column: string; from: string[]; kind: 'categorical' | 'multi' }[]
} {
  const groups = new Map<string, { columns: string[]; labels: string[] }>()
  for (const c of table.columns) {
    const m = ONE_HOT_NAME.exec(c)
    if (!m) continue
    const col = table.coded[c]
    // A number column has tens of thousands of distinct values: never a 0/1 flag.
    if (isNumberColumn(col)) continue
    const binary = col.dictionary.every(
      (v) => isOne(v) || ['0', '0.0', 'false', 'no', ''].includes(v.trim().toLowerCase()),
    )
    if (!binary) continue
    const group = groups.get(m[1]) ?? { columns: [], labels: [] }
    group.columns.push(c)
    group.labels.push(m[2])
    groups.set(m[1], group)
  }
  let out = table
  const folded: { column: string; from: string[]; kind: 'categorical' | 'multi' }[] = []
  for (const [prefix, group] of groups) {
    if (group.columns.length < 2) continue
    const column = foldOneHot(out, group.columns, group.labels)
    const kind = column.dictionary.some((v) => v.includes('|')) ? 'multi' : 'categorical'
    const name = out.columns.includes(prefix) && !group.columns.includes(prefix) ? `${prefix}_folded` : prefix
    out = withColumn(withoutColumns(out, group.columns), name, column)
    folded.push({ column: name, from: group.columns, kind })
  }
  return { table: out, folded }
}

/** Whether an interactions column has one value per entity (allowing `CONSTANT_MISMATCH_SHARE` noise). */
export function constantPer(entityColumn: Column, column: Column): boolean {
  const entity = asDict(entityColumn)
  // Codes, or numbers with NaN (an empty cell) read as -Infinity so that empty equals empty.
  const keys = isNumberColumn(column)
    ? column.values.map((x) => (Number.isNaN(x) ? -Infinity : x))
    : column.codes
  const first = new Float64Array(entity.dictionary.length)
  const seen = new Uint8Array(entity.dictionary.length)
  let mismatches = 0
  for (let r = 0; r < keys.length; r++) {
    const e = entity.codes[r]
    if (!seen[e]) {
      seen[e] = 1
      first[e] = keys[r]
    } else if (first[e] !== keys[r]) mismatches++
  }
  const entities = seen.reduce((s, v) => s + v, 0)
  // With about one row per entity every column is trivially constant: no evidence.
  return keys.length >= 1.5 * entities && mismatches <= CONSTANT_MISMATCH_SHARE * keys.length
}

/** One row per entity (its first row in `interactions`) with the lifted columns' values. */
export function liftColumns(
  interactions: DictTable,
  idColumn: string,
  columns: string[],
  name: string,
): DictTable {
  const ids = dictOf(interactions, idColumn)
  const firstRow = new Int32Array(ids.dictionary.length).fill(-1)
  for (let r = 0; r < ids.codes.length; r++) if (firstRow[ids.codes[r]] < 0) firstRow[ids.codes[r]] = r
  const rows = firstRow.filter((r) => r >= 0)
  const coded: DictTable['coded'] = {}
  for (const c of [idColumn, ...columns]) coded[c] = takeRows(interactions.coded[c], rows)
  return { name, columns: [idColumn, ...columns], coded, rowCount: rows.length }
}

/** An id as a join key: `21148.0` and `21148` are the same id (cleaning later rewrites the text too). */
const idKey = (v: string) => v.replace(/^(-?\d+)\.0+$/, '$1')

/** Adds columns of `extra` (keyed by `id`) to `table`; rows without a match get `''`. */
function joinColumns(table: DictTable, extra: DictTable, id: string): DictTable {
  const rowOf = new Map<string, number>()
  for (let r = 0; r < extra.rowCount; r++) rowOf.set(idKey(cell(extra, id, r)), r)
  let out = table
  const ids = dictOf(table, id)
  for (const c of extra.columns) {
    if (c === id || table.columns.includes(c)) continue
    const builder = new ColumnBuilder(Math.max(1, table.rowCount))
    for (let r = 0; r < table.rowCount; r++) {
      const er = rowOf.get(idKey(ids.dictionary[ids.codes[r]]))
      builder.push(er === undefined ? '' : cell(extra, c, er))
    }
    out = withColumn(out, c, builder.finish())
  }
  return out
}

function pickColumn(table: DictTable, name: RegExp, taken: Set<string>): string | null {
  return table.columns.find((c) => !taken.has(c) && name.test(c)) ?? null
}

/**
 * Proposes roles, mapping and column kinds for parsed files. A problem (not an exception) when no file
 * can be the interactions: fewer than two columns, or no two id-like columns.
 */
export function inferSchema(files: DictTable[]): DataResult<SchemaProposal> {
  if (files.length === 0) return { ok: false, reason: 'No file was given.' }
  const notes: string[] = []
  const prepared = files.map((f) => {
    const { table, folded } = foldOneHotGroups(f)
    for (const g of folded)
      notes.push(
        `Folded ${g.from.length} one-hot columns of ${f.name} (${g.from.slice(0, 3).join(', ')}, ...) into "${g.column}".`,
      )
    return table
  })
  const profiles = new Map(
    prepared.map((t) => [t, new Map(t.columns.map((c) => [c, profileColumn(t.coded[c])]))]),
  )

  // Interactions: the file with a user-id and an item-id column by name, else the longest with two id-like columns.
  const candidates = prepared.filter((t) => t.columns.length >= 2)
  if (candidates.length === 0) {
    const f = prepared[0]
    return {
      ok: false,
      reason: `${f.name} has a single column; an interactions file needs at least a user id and an item id column. If it has more, pick its delimiter.`,
      file: f.name,
    }
  }
  const score = (t: DictTable) =>
    (t.columns.some((c) => USER_ID.test(c)) ? 2 : 0) + (t.columns.some((c) => ITEM_ID.test(c)) ? 2 : 0)
  const interactionsFile = [...candidates].sort((a, b) => score(b) - score(a) || b.rowCount - a.rowCount)[0]
  const iProfiles = profiles.get(interactionsFile)!
  const taken = new Set<string>()
  const idLike = interactionsFile.columns.filter(
    (c) => isIdLike(iProfiles.get(c)!) && !isUniquePerRow(iProfiles.get(c)!),
  )
  const userId = pickColumn(interactionsFile, USER_ID, taken) ?? idLike.find((c) => !taken.has(c)) ?? null
  if (userId) taken.add(userId)
  const itemId = pickColumn(interactionsFile, ITEM_ID, taken) ?? idLike.find((c) => !taken.has(c)) ?? null
  if (!userId || !itemId)
    return {
      ok: false,
      reason: `${interactionsFile.name} has no two columns that look like a user id and an item id. Pick them in the mapper.`,
      file: interactionsFile.name,
    }
  taken.add(itemId)
  const timestamp =
    interactionsFile.columns.find(
      (c) => !taken.has(c) && proposeKind(c, iProfiles.get(c)!).kind === 'timestamp',
    ) ?? undefined
  if (timestamp) taken.add(timestamp)
  const rating =
    interactionsFile.columns.find(
      (c) => !taken.has(c) && RATING_NAME.test(c) && iProfiles.get(c)!.numericShare >= 0.95,
    ) ?? undefined
  if (rating) taken.add(rating)
  for (const id of [userId, itemId])
    if (iProfiles.get(id)!.floatIntegerShare > 0)
      notes.push(
        `Column "${id}" has float-looking ids such as 21148.0; the float-ids cleaning step reads them as integers.`,
      )

  // Entity tables: another file holding the id column by name, or an `id` column in a file named after the entity.
  const roles: FileRole[] = [{ file: interactionsFile.name, role: 'interactions' }]
  const entity = (id: string, role: 'users' | 'items', fileName: RegExp): DictTable | undefined => {
    for (const t of prepared) {
      if (t === interactionsFile || roles.some((r) => r.file === t.name)) continue
      if (t.columns.includes(id)) {
        roles.push({ file: t.name, role })
        return t
      }
      const key = t.columns.find((c) => ENTITY_ID_NAME.test(c))
      if (key && fileName.test(t.name)) {
        roles.push({ file: t.name, role, note: `"${key}" read as ${id}` })
        return renameColumns(t, { [key]: id })
      }
    }
    return undefined
  }
  let users = entity(userId, 'users', /user|customer|client|member|account|people|person/i)
  let items = entity(
    itemId,
    'items',
    /item|product|movie|offer|article|book|catalog|track|song|course|video/i,
  )
  for (const t of prepared)
    if (!roles.some((r) => r.file === t.name))
      roles.push({ file: t.name, role: 'unused', note: 'no shared id column found' })

  // Interaction columns constant per user (item) move to the user (item) table.
  const rest = interactionsFile.columns.filter((c) => !taken.has(c))
  const perUser: string[] = []
  const perItem: string[] = []
  for (const c of rest) {
    const kind = proposeKind(c, iProfiles.get(c)!).kind
    if (kind === 'ignore' || kind === 'text' || kind === 'timestamp') continue
    if (constantPer(interactionsFile.coded[userId], interactionsFile.coded[c])) perUser.push(c)
    else if (constantPer(interactionsFile.coded[itemId], interactionsFile.coded[c])) perItem.push(c)
  }
  if (perUser.length) {
    const lifted = liftColumns(interactionsFile, userId, perUser, `${interactionsFile.name} (per user)`)
    users = users ? joinColumns(users, lifted, userId) : lifted
    notes.push(`Columns constant per user moved to the user tower: ${perUser.join(', ')}.`)
  }
  if (perItem.length) {
    const lifted = liftColumns(interactionsFile, itemId, perItem, `${interactionsFile.name} (per item)`)
    items = items ? joinColumns(items, lifted, itemId) : lifted
    notes.push(`Columns constant per item moved to the item tower: ${perItem.join(', ')}.`)
  }
  const interactions = withoutColumns(interactionsFile, [...perUser, ...perItem])

  const columns: ColumnProposal[] = []
  const features: FeatureMapping[] = []
  const propose = (table: DictTable | undefined, role: TableRole, skip: Set<string>) => {
    if (!table) return
    const tower: Tower = role === 'users' ? 'user' : role === 'items' ? 'item' : 'context'
    for (const c of table.columns) {
      if (skip.has(c)) continue
      const profile = role === 'interactions' ? iProfiles.get(c)! : profileColumn(table.coded[c])
      const { kind, reason } = proposeKind(c, profile)
      const isFeature = kind === 'categorical' || kind === 'numeric' || kind === 'multi'
      columns.push({ file: table.name, column: c, kind, tower: isFeature ? tower : null, reason })
      if (isFeature)
        features.push({
          table: role,
          column: c,
          kind,
          tower,
          ...(kind === 'multi' ? { separator: '|' } : {}),
        })
    }
  }
  for (const [c, reason] of [
    [userId, 'user id'],
    [itemId, 'item id'],
  ])
    columns.push({ file: interactions.name, column: c, kind: 'id', tower: null, reason })
  if (timestamp)
    columns.push({
      file: interactions.name,
      column: timestamp,
      kind: 'timestamp',
      tower: null,
      reason: 'interaction time',
    })
  if (rating)
    columns.push({
      file: interactions.name,
      column: rating,
      kind: 'numeric',
      tower: null,
      reason: 'rating or label',
    })
  propose(interactions, 'interactions', taken)
  propose(users, 'users', new Set([userId]))
  propose(items, 'items', new Set([itemId]))

  return {
    ok: true,
    data: {
      roles,
      tables: { interactions, users, items },
      mapping: { userId, itemId, timestamp, rating, features },
      columns,
      notes,
    },
  }
}
