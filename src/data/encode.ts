/**
 * Encoding: tables and a column mapping become the integer arrays the model reads (`EncodedDataset`).
 * Users and items are numbered, every feature column becomes one code per row (categorical values by
 * frequency, numbers by quantile bucket, `encode.buckets.ts`), entity tables' codes are scattered onto
 * their users and items, and multi-valued columns become ragged `MultiField`s.
 *
 * Around it, in files sharing the prefix: reading a cell (missing values, timestamps, numbers) in
 * `encode.values.ts`, numeric buckets in `encode.buckets.ts`, the counts shown to the person in
 * `encode.summary.ts`. Whether the mapping fits the tables is `validateMapping`'s call (`mapping.ts`);
 * this file reports only problems of values, naming file, row and column.
 */
import { bucketLabels, bucketOf, NUMERIC_BUCKETS, quantileBoundaries } from './encode.buckets'
import { isMissing, missingCodes, parseNumber, parseTimestamp } from './encode.values'
import {
  columnNameFacts,
  errorsOf,
  problemOf,
  validateMapping,
  type ColumnMapping,
  type FeatureMapping,
} from './mapping'
import { asDict, cell, codeCounts, columnLength, dictOf, numbersOf, toDictTable } from './table'
import type {
  Column,
  DataResult,
  DatasetTables,
  DictColumn,
  DictTable,
  DictTables,
  EncodedDataset,
  EncodedField,
  MultiField,
  Table,
  FieldTower,
} from './types'

/** Label of code 0 in every vocabulary. */
export const MISSING_LABEL = '(missing)'

/** Maps id strings to dense indices in order of first appearance. */
class IdIndex {
  readonly ids: string[] = []
  private readonly index = new Map<string, number>()
  get(id: string): number | undefined {
    return this.index.get(id)
  }
  add(id: string): number {
    let i = this.index.get(id)
    if (i === undefined) {
      i = this.ids.length
      this.ids.push(id)
      this.index.set(id, i)
    }
    return i
  }
}

/**
 * The values of each dictionary entry of a `multi` column (`a|b|c`): split by the mapping's separator
 * (`|` by default), trimmed, missing parts dropped, each value once, in the order the cell lists them.
 */
function multiValues(column: DictColumn, mapping: FeatureMapping): string[][] {
  const separator = mapping.separator || '|'
  return column.dictionary.map((v) => {
    const values: string[] = []
    for (const part of v.split(separator))
      if (!isMissing(part) && !values.includes(part.trim())) values.push(part.trim())
    return values
  })
}

/**
 * The value a single-valued feature column is encoded from, per dictionary entry. A `multi` column here
 * is one of the interactions table (context), which is read as its first value: a context token is per
 * interaction and the model has multi-valued tokens for users and items only.
 */
function featureDictionary(column: DictColumn, mapping: FeatureMapping): string[] {
  if (mapping.kind !== 'multi') return column.dictionary
  return multiValues(column, mapping).map((values) => values[0] ?? '')
}

/**
 * Categorical vocabulary ordered by frequency (ties by label), so codes do not depend on row order.
 * `labels[c]` are the values of dictionary entry `c` (one for a categorical, any number for a multi).
 */
function categoricalVocabulary(labels: readonly (string | string[])[], countPerCode: Int32Array): string[] {
  const counts = new Map<string, number>()
  for (let c = 0; c < labels.length; c++) {
    if (countPerCode[c] === 0) continue
    const entry = labels[c]
    for (const v of typeof entry === 'string' ? [entry] : entry)
      if (!isMissing(v)) counts.set(v, (counts.get(v) ?? 0) + countPerCode[c])
  }
  const sorted = [...counts.keys()]
  sorted.sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0))
  return [MISSING_LABEL, ...sorted]
}

/** Dictionary code -> entity index of an entity table's id column (-1 for ids not in `index`). */
function entityOfCodes(table: DictTable, idColumn: string, index: IdIndex): Int32Array {
  return Int32Array.from(dictOf(table, idColumn).dictionary, (id) => index.get(id) ?? -1)
}

/**
 * A `multi` column of a users or items table as a ragged `MultiField`. Vocabulary by frequency over the
 * table's rows (a value counts once per row that lists it). As with single-valued fields, an entity
 * without a row has no value and, when an id has several rows, the last one wins.
 */
function encodeMultiColumn(
  table: DictTable,
  idColumn: string,
  index: IdIndex,
  mapping: FeatureMapping,
  tower: MultiField['tower'],
  entityCount: number,
): MultiField {
  const column = dictOf(table, mapping.column)
  const values = multiValues(column, mapping)
  const vocabulary = categoricalVocabulary(values, codeCounts(column))
  const codeOf = new Map(vocabulary.map((label, code) => [label, code]))
  const codesOfEntry = values.map((vs) => Int32Array.from(vs, (v) => codeOf.get(v) ?? 0))
  const entryOfEntity = new Int32Array(entityCount).fill(-1)
  const entityOfCode = entityOfCodes(table, idColumn, index)
  const ids = dictOf(table, idColumn).codes
  for (let r = 0; r < table.rowCount; r++) {
    const e = entityOfCode[ids[r]]
    if (e >= 0) entryOfEntity[e] = column.codes[r]
  }
  const offsets = new Int32Array(entityCount + 1)
  for (let e = 0; e < entityCount; e++)
    offsets[e + 1] = offsets[e] + (entryOfEntity[e] < 0 ? 0 : codesOfEntry[entryOfEntity[e]].length)
  const codes = new Int32Array(offsets[entityCount])
  for (let e = 0; e < entityCount; e++)
    if (entryOfEntity[e] >= 0) codes.set(codesOfEntry[entryOfEntity[e]], offsets[e])
  return { name: mapping.column, tower, vocabulary, offsets, codes }
}

interface EncodedColumn {
  field: EncodedField
  /** One code per row of the source table. */
  codes: Int32Array
}

function encodeColumn(
  input: Column,
  name: string,
  tower: FieldTower,
  mapping: FeatureMapping,
): EncodedColumn {
  const n = columnLength(input)
  const codes = new Int32Array(n)
  if (mapping.kind === 'categorical' || mapping.kind === 'multi') {
    const column = asDict(input)
    const labels = featureDictionary(column, mapping)
    const vocabulary = categoricalVocabulary(labels, codeCounts(column))
    const index = new Map(vocabulary.map((label, code) => [label, code]))
    const codeOfEntry = Int32Array.from(labels, (label) => index.get(label) ?? 0)
    for (let r = 0; r < n; r++) codes[r] = codeOfEntry[column.codes[r]]
    return { field: { name, tower, kind: 'categorical', vocabulary }, codes }
  }
  const numbers = numbersOf(input, parseNumber, 'number')
  const bounds = quantileBoundaries(numbers, NUMERIC_BUCKETS)
  const vocabulary = [MISSING_LABEL, ...bucketLabels(bounds)]
  for (let r = 0; r < n; r++) codes[r] = bucketOf(numbers[r], bounds)
  return { field: { name, tower, kind: 'numeric', vocabulary }, codes }
}

/**
 * Scatters per-row codes of an entity table (users or items) onto entity indices. Entities without a row
 * in the table keep code 0 (missing); when an id has several rows, the last one wins.
 */
function codesPerEntity(
  table: DictTable,
  idColumn: string,
  index: IdIndex,
  columns: EncodedColumn[],
  entityCount: number,
): Int32Array {
  const out = new Int32Array(entityCount * columns.length)
  const ids = dictOf(table, idColumn)
  const entityOfCode = entityOfCodes(table, idColumn, index)
  for (let r = 0; r < table.rowCount; r++) {
    const e = entityOfCode[ids.codes[r]]
    if (e < 0) continue
    for (let f = 0; f < columns.length; f++) out[e * columns.length + f] = columns[f].codes[r]
  }
  return out
}

/** Adds the ids of a column to `index` in row order, skipping missing ones (and those not in `only`). */
function addIds(input: Column, index: IdIndex, only?: Set<string>): void {
  const column = asDict(input)
  const missing = missingCodes(column)
  const seen = new Uint8Array(column.dictionary.length)
  for (let r = 0; r < column.codes.length; r++) {
    const c = column.codes[r]
    if (seen[c]) continue
    seen[c] = 1
    if (!missing[c] && (!only || only.has(column.dictionary[c]))) index.add(column.dictionary[c])
  }
}

/** The distinct present values of a column. */
function idsOf(input: Column): Set<string> {
  const column = asDict(input)
  const counts = codeCounts(column)
  const out = new Set<string>()
  column.dictionary.forEach((v, c) => {
    if (counts[c] > 0 && !isMissing(v)) out.add(v)
  })
  return out
}

/**
 * Per entity: the text of the table's `column` (the last row wins, as for features; `''` without a row),
 * the names a person reads instead of ids.
 */
function labelsPerEntity(
  table: DictTable,
  idColumn: string,
  column: string,
  index: IdIndex,
  entityCount: number,
): string[] {
  const out = new Array<string>(entityCount).fill('')
  const ids = dictOf(table, idColumn)
  const entityOfCode = entityOfCodes(table, idColumn, index)
  const labels = dictOf(table, column)
  for (let r = 0; r < table.rowCount; r++) {
    const e = entityOfCode[ids.codes[r]]
    if (e >= 0) out[e] = labels.dictionary[labels.codes[r]].trim()
  }
  return out
}

function asDictTables(tables: DatasetTables | DictTables): DictTables {
  const convert = (t: Table | DictTable): DictTable => ('coded' in t ? t : toDictTable(t))
  return {
    interactions: convert(tables.interactions),
    users: tables.users && convert(tables.users),
    items: tables.items && convert(tables.items),
  }
}

/**
 * Turns tables and a column mapping into integer arrays the model can consume.
 * Users and items are numbered in order of first appearance: entity tables first, then interactions.
 * Returns a problem (never throws) when the mapping does not fit the tables' columns (`validateMapping`
 * on their names), an id is empty or a timestamp does not parse. Accepts string tables (the demo) and
 * dictionary-coded tables (parsed files); the work per row is a few array reads, the work per distinct
 * value (parsing, hashing) happens once.
 */
export function encodeDataset(
  name: string,
  tables: DatasetTables | DictTables,
  mapping: ColumnMapping,
): DataResult<EncodedDataset> {
  const { interactions, users, items } = asDictTables(tables)
  // The mapping's names are checked here too (the demo and tests call this directly), in the words of
  // `validateMapping`; problems of values are found below, naming the row.
  const [error] = errorsOf(validateMapping(columnNameFacts({ interactions, users, items }), mapping))
  if (error) return problemOf(error)

  const userIndex = new IdIndex()
  const itemIndex = new IdIndex()
  // Users come from the interactions only (a user without any cannot be trained on or evaluated, and
  // counting them would make the page's user counts disagree); the user table first, for a numbering
  // that follows it. Items of the item table without interactions stay in the catalogue: they can be
  // recommended from their features.
  if (users) addIds(users.coded[mapping.userId], userIndex, idsOf(interactions.coded[mapping.userId]))
  if (items) addIds(items.coded[mapping.itemId], itemIndex)

  const n = interactions.rowCount
  const userCol = dictOf(interactions, mapping.userId)
  const itemCol = dictOf(interactions, mapping.itemId)
  const userMissing = missingCodes(userCol)
  const itemMissing = missingCodes(itemCol)
  // Dictionary code -> entity index, filled on first use so numbering follows row order.
  const userOfCode = new Int32Array(userCol.dictionary.length).fill(-1)
  const itemOfCode = new Int32Array(itemCol.dictionary.length).fill(-1)
  for (let r = 0; r < n; r++) {
    const uc = userCol.codes[r]
    const ic = itemCol.codes[r]
    if (userMissing[uc])
      return {
        ok: false,
        reason: 'The user id is empty.',
        file: interactions.name,
        row: r + 1,
        column: mapping.userId,
      }
    if (itemMissing[ic])
      return {
        ok: false,
        reason: 'The item id is empty.',
        file: interactions.name,
        row: r + 1,
        column: mapping.itemId,
      }
    if (userOfCode[uc] < 0) userOfCode[uc] = userIndex.add(userCol.dictionary[uc])
    if (itemOfCode[ic] < 0) itemOfCode[ic] = itemIndex.add(itemCol.dictionary[ic])
  }
  const interactionUser = entitiesOfRows(userCol.codes, userOfCode)
  const interactionItem = entitiesOfRows(itemCol.codes, itemOfCode)

  let interactionTime: Float64Array | null = null
  if (mapping.timestamp) {
    interactionTime = numbersOf(interactions.coded[mapping.timestamp], parseTimestamp, 'timestamp')
    for (let r = 0; r < n; r++)
      if (!Number.isFinite(interactionTime[r]))
        return {
          ok: false,
          reason: `"${cell(interactions, mapping.timestamp, r)}" is not a timestamp (expected epoch seconds, epoch milliseconds or an ISO date).`,
          file: interactions.name,
          row: r + 1,
          column: mapping.timestamp,
        }
  }

  const idField = (fieldName: string, tower: FieldTower, ids: string[]): EncodedField => ({
    name: fieldName,
    tower,
    kind: 'id',
    vocabulary: [MISSING_LABEL, ...ids],
  })
  // Multi-valued columns of the users and items tables become multi fields; the rest one code per row.
  const single = (role: FeatureMapping['table']) =>
    mapping.features.filter((f) => f.table === role && (f.kind !== 'multi' || role === 'interactions'))
  const multi = (role: 'users' | 'items') =>
    mapping.features.filter((f) => f.table === role && f.kind === 'multi')
  const encodeFeatures = (role: FeatureMapping['table'], table: DictTable | undefined): EncodedColumn[] =>
    table ? single(role).map((f) => encodeColumn(table.coded[f.column], f.column, f.tower, f)) : []

  const userColumns = encodeFeatures('users', users)
  const itemColumns = encodeFeatures('items', items)
  const contextColumns = encodeFeatures('interactions', interactions)

  // Id tokens come first: code = index + 1.
  const nUsers = userIndex.ids.length
  const nItems = itemIndex.ids.length
  const userFields = [idField(mapping.userId, 'user', userIndex.ids), ...userColumns.map((c) => c.field)]
  const itemFields = [idField(mapping.itemId, 'item', itemIndex.ids), ...itemColumns.map((c) => c.field)]
  const userFeatureCodes = users
    ? codesPerEntity(users, mapping.userId, userIndex, userColumns, nUsers)
    : null
  const itemFeatureCodes = items
    ? codesPerEntity(items, mapping.itemId, itemIndex, itemColumns, nItems)
    : null
  const userCodes = withIdColumn(nUsers, userColumns.length, userFeatureCodes)
  const itemCodes = withIdColumn(nItems, itemColumns.length, itemFeatureCodes)
  const multiUser = users
    ? multi('users').map((f) => encodeMultiColumn(users, mapping.userId, userIndex, f, 'user', nUsers))
    : []
  const multiItem = items
    ? multi('items').map((f) => encodeMultiColumn(items, mapping.itemId, itemIndex, f, 'item', nItems))
    : []

  const itemLabels =
    items && mapping.itemLabel && items.coded[mapping.itemLabel]
      ? labelsPerEntity(items, mapping.itemId, mapping.itemLabel, itemIndex, nItems)
      : null
  const userLabels =
    users && mapping.userLabel && users.coded[mapping.userLabel]
      ? labelsPerEntity(users, mapping.userId, mapping.userLabel, userIndex, nUsers)
      : null

  const nContext = contextColumns.length
  const contextCodes = new Int32Array(n * nContext)
  for (let f = 0; f < nContext; f++) {
    const codes = contextColumns[f].codes
    for (let r = 0; r < n; r++) contextCodes[r * nContext + f] = codes[r]
  }

  return {
    ok: true,
    data: {
      name,
      userIds: userIndex.ids,
      itemIds: itemIndex.ids,
      userFields,
      userCodes,
      itemFields,
      itemCodes,
      contextFields: contextColumns.map((c) => c.field),
      contextCodes,
      interactionUser,
      interactionItem,
      interactionTime,
      // Only present when used, so datasets without multi-valued fields look exactly as before.
      ...(multiUser.length > 0 ? { multiUser } : {}),
      ...(multiItem.length > 0 ? { multiItem } : {}),
      ...(itemLabels ? { itemLabels } : {}),
      ...(userLabels ? { userLabels } : {}),
    },
  }
}

/**
 * Each row's entity index (`entityOfCode` of its dictionary code). When that numbering is the
 * dictionary's own (a parsed file's ids, numbered in order of first appearance, with no entity table
 * and no cleaning that removed a whole id), this is `codes` itself: only read from here on, it is
 * shared rather than copied (two 38 MB arrays at 10,000,000 rows).
 */
function entitiesOfRows(codes: Int32Array, entityOfCode: Int32Array): Int32Array {
  let same = true
  for (let c = 0; c < entityOfCode.length && same; c++) same = entityOfCode[c] === c
  if (same) return codes
  const out = new Int32Array(codes.length)
  for (let r = 0; r < codes.length; r++) out[r] = entityOfCode[codes[r]]
  return out
}

/** Prepends the id token (index + 1) to each entity's feature codes. */
function withIdColumn(count: number, featureCount: number, features: Int32Array | null): Int32Array {
  const width = featureCount + 1
  const out = new Int32Array(count * width)
  for (let e = 0; e < count; e++) {
    out[e * width] = e + 1
    for (let f = 0; f < featureCount; f++)
      out[e * width + 1 + f] = features ? features[e * featureCount + f] : 0
  }
  return out
}
