import type {
  ColumnMapping,
  DatasetSummary,
  DatasetTables,
  EncodedDataset,
  EncodedField,
  FeatureMapping,
  Table,
  Tower,
} from './types'

/** How many quantile buckets a numeric column becomes (plus code 0 for missing). */
export const NUMERIC_BUCKETS = 8
/** Label of code 0 in every vocabulary. */
export const MISSING_LABEL = '(missing)'

/** A failure a person can act on: which file, which row (1-based, header excluded) and which column. */
export interface DataProblem {
  ok: false
  reason: string
  file?: string
  row?: number
  column?: string
}
export type DataResult<T> = { ok: true; data: T } | DataProblem

const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?'])

export function isMissing(value: string): boolean {
  return MISSING_TOKENS.has(value.trim().toLowerCase())
}

/**
 * Parses a timestamp cell into epoch seconds. Numbers above 1e11 are taken as milliseconds (1e11 s is
 * the year 5138, 1e11 ms is 1973), other numbers as seconds, anything else as a date string.
 */
export function parseTimestamp(value: string): number {
  const trimmed = value.trim()
  if (trimmed === '') return NaN
  const asNumber = Number(trimmed)
  if (Number.isFinite(asNumber)) return asNumber > 1e11 ? asNumber / 1000 : asNumber
  const ms = Date.parse(trimmed)
  return Number.isFinite(ms) ? ms / 1000 : NaN
}

function requireColumn(table: Table, column: string): DataProblem | null {
  if (table.columns.includes(column)) return null
  return {
    ok: false,
    reason: `Column "${column}" is not in ${table.name} (its columns are: ${table.columns.join(', ')}).`,
    file: table.name,
    column,
  }
}

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

/** Categorical vocabulary ordered by frequency (ties by label), so codes do not depend on row order. */
function categoricalVocabulary(values: readonly string[]): string[] {
  const counts = new Map<string, number>()
  for (const v of values) if (!isMissing(v)) counts.set(v, (counts.get(v) ?? 0) + 1)
  const labels = [...counts.keys()]
  labels.sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : a > b ? 1 : 0))
  return [MISSING_LABEL, ...labels]
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3)
}

/** Upper bounds of quantile buckets over the finite values, duplicates removed. */
export function quantileBoundaries(values: Float64Array, buckets: number): number[] {
  const finite = values.filter(Number.isFinite).sort()
  if (finite.length === 0) return []
  const bounds: number[] = []
  for (let b = 1; b < buckets; b++) {
    const q = finite[Math.min(finite.length - 1, Math.floor((b * finite.length) / buckets))]
    if (bounds.length === 0 || q > bounds[bounds.length - 1]) bounds.push(q)
  }
  return bounds
}

/** Code of a numeric value: 0 if not finite, else 1 + the number of boundaries it reaches. */
export function bucketOf(value: number, bounds: readonly number[]): number {
  if (!Number.isFinite(value)) return 0
  let b = 0
  while (b < bounds.length && value >= bounds[b]) b++
  return b + 1
}

interface EncodedColumn {
  field: EncodedField
  /** One code per row of the source table. */
  codes: Int32Array
}

function encodeColumn(
  values: readonly string[],
  name: string,
  tower: Tower,
  mapping: FeatureMapping,
): EncodedColumn {
  const codes = new Int32Array(values.length)
  if (mapping.kind === 'categorical') {
    const vocabulary = categoricalVocabulary(values)
    const index = new Map(vocabulary.map((label, code) => [label, code]))
    for (let r = 0; r < values.length; r++) codes[r] = index.get(values[r]) ?? 0
    return { field: { name, tower, kind: 'categorical', vocabulary }, codes }
  }
  const numbers = new Float64Array(values.length)
  for (let r = 0; r < values.length; r++) numbers[r] = isMissing(values[r]) ? NaN : Number(values[r])
  const bounds = quantileBoundaries(numbers, NUMERIC_BUCKETS)
  const vocabulary = [MISSING_LABEL]
  for (let b = 0; b <= bounds.length; b++) {
    if (bounds.length === 0) vocabulary.push('all values')
    else if (b === 0) vocabulary.push(`< ${formatNumber(bounds[0])}`)
    else if (b === bounds.length) vocabulary.push(`≥ ${formatNumber(bounds[b - 1])}`)
    else vocabulary.push(`${formatNumber(bounds[b - 1])} – ${formatNumber(bounds[b])}`)
  }
  for (let r = 0; r < values.length; r++) codes[r] = bucketOf(numbers[r], bounds)
  return { field: { name, tower, kind: 'numeric', vocabulary }, codes }
}

/**
 * Scatters per-row codes of an entity table (users or items) onto entity indices. Entities without a row
 * in the table keep code 0 (missing).
 */
function codesPerEntity(
  table: Table,
  idColumn: string,
  index: IdIndex,
  columns: EncodedColumn[],
  entityCount: number,
): Int32Array {
  const out = new Int32Array(entityCount * columns.length)
  const ids = table.data[idColumn]
  for (let r = 0; r < table.rowCount; r++) {
    const e = index.get(ids[r])
    if (e === undefined) continue
    for (let f = 0; f < columns.length; f++) out[e * columns.length + f] = columns[f].codes[r]
  }
  return out
}

/**
 * Turns tables and a column mapping into integer arrays the model can consume.
 * Users and items are numbered in order of first appearance: entity tables first, then interactions.
 * Returns a problem (never throws) when the mapping names a missing column, an id is empty or a
 * timestamp does not parse.
 */
export function encodeDataset(
  name: string,
  tables: DatasetTables,
  mapping: ColumnMapping,
): DataResult<EncodedDataset> {
  const { interactions, users, items } = tables
  for (const col of [mapping.userId, mapping.itemId, ...(mapping.timestamp ? [mapping.timestamp] : [])]) {
    const problem = requireColumn(interactions, col)
    if (problem) return problem
  }
  const tableOf = { interactions, users, items }
  for (const feature of mapping.features) {
    const table = tableOf[feature.table]
    if (!table) return { ok: false, reason: `The mapping uses a ${feature.table} table, but none was given.` }
    const problem = requireColumn(table, feature.column)
    if (problem) return problem
  }
  if (users) {
    const problem = requireColumn(users, mapping.userId)
    if (problem) return problem
  }
  if (items) {
    const problem = requireColumn(items, mapping.itemId)
    if (problem) return problem
  }

  const userIndex = new IdIndex()
  const itemIndex = new IdIndex()
  if (users) for (const id of users.data[mapping.userId]) if (!isMissing(id)) userIndex.add(id)
  if (items) for (const id of items.data[mapping.itemId]) if (!isMissing(id)) itemIndex.add(id)

  const n = interactions.rowCount
  const interactionUser = new Int32Array(n)
  const interactionItem = new Int32Array(n)
  const userCol = interactions.data[mapping.userId]
  const itemCol = interactions.data[mapping.itemId]
  for (let r = 0; r < n; r++) {
    if (isMissing(userCol[r]))
      return {
        ok: false,
        reason: 'The user id is empty.',
        file: interactions.name,
        row: r + 1,
        column: mapping.userId,
      }
    if (isMissing(itemCol[r]))
      return {
        ok: false,
        reason: 'The item id is empty.',
        file: interactions.name,
        row: r + 1,
        column: mapping.itemId,
      }
    interactionUser[r] = userIndex.add(userCol[r])
    interactionItem[r] = itemIndex.add(itemCol[r])
  }

  let interactionTime: Float64Array | null = null
  if (mapping.timestamp) {
    interactionTime = new Float64Array(n)
    const timeCol = interactions.data[mapping.timestamp]
    for (let r = 0; r < n; r++) {
      const t = parseTimestamp(timeCol[r])
      if (!Number.isFinite(t))
        return {
          ok: false,
          reason: `"${timeCol[r]}" is not a timestamp (expected epoch seconds, epoch milliseconds or an ISO date).`,
          file: interactions.name,
          row: r + 1,
          column: mapping.timestamp,
        }
      interactionTime[r] = t
    }
  }

  const idField = (fieldName: string, tower: Tower, ids: string[]): EncodedField => ({
    name: fieldName,
    tower,
    kind: 'id',
    vocabulary: [MISSING_LABEL, ...ids],
  })
  const encodeFeatures = (role: FeatureMapping['table'], table: Table | undefined): EncodedColumn[] =>
    table
      ? mapping.features
          .filter((f) => f.table === role)
          .map((f) => encodeColumn(table.data[f.column], f.column, f.tower, f))
      : []

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
    },
  }
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

export function summarize(data: EncodedDataset): DatasetSummary {
  const interactions = data.interactionUser.length
  const cells = data.userIds.length * data.itemIds.length
  const fields = [...data.userFields, ...data.contextFields, ...data.itemFields].map((f) => ({
    name: f.name,
    tower: f.tower,
    kind: f.kind,
    cardinality: f.vocabulary.length - 1,
  }))
  return {
    name: data.name,
    interactions,
    users: data.userIds.length,
    items: data.itemIds.length,
    sparsity: cells === 0 ? 1 : 1 - Math.min(1, interactions / cells),
    fields,
    hasTimestamps: data.interactionTime !== null,
  }
}
