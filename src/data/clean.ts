/**
 * Cleaning steps between parsed tables and encoding. Each step is pure: it reads tables and a row mask
 * and returns a new mask or new columns, never changing its input, so the UI can switch a step off and
 * re-run from the parsed tables (that is what "reversible" means here). Each step reports what it did.
 *
 * Order, chosen so later steps see the earlier results: id format -> rows with missing ids -> rows with
 * unknown ids -> duplicates -> outlier clipping -> k-core (which depends on every removal before it).
 */
import { type DataResult } from './types'
import { isMissing, missingCodes } from './encode.values'
import {
  codeCounts,
  dictOf,
  filterRows,
  isNumberColumn,
  mapDictionary,
  presentSorted,
  withColumn,
} from './table'
import type { ColumnMapping, FeatureMapping } from './mapping'
import type { Column, DictColumn, DictTable, DictTables, TableRole } from './types'

export interface CleaningOptions {
  /** Read `21148.0` as `21148` in id columns (ids written by a float column of pandas). */
  normalizeFloatIds: boolean
  /** Drop interactions whose user or item is not in the user or item table (when one is given). */
  dropUnknownIds: boolean
  /** Drop repeated (user, item[, timestamp]) rows, keeping the first. */
  dropDuplicates: boolean
  /** Clip numeric features to these quantiles; null leaves them as they are. */
  clipQuantiles: { lower: number; upper: number } | null
  /** k-core: keep users and items with at least this many interactions, repeated to a fixed point. 1 = off. */
  minInteractionsPerUser: number
  minInteractionsPerItem: number
}

export const DEFAULT_CLEANING: CleaningOptions = {
  normalizeFloatIds: true,
  dropUnknownIds: false,
  dropDuplicates: true,
  clipQuantiles: null,
  minInteractionsPerUser: 1,
  minInteractionsPerItem: 1,
}

export type CleaningStepName =
  'float-ids' | 'missing-ids' | 'unknown-ids' | 'duplicates' | 'missing-features' | 'clip-outliers' | 'k-core'

/** What one step did: rows removed from the interactions, cells changed, and a sentence for the person. */
export interface CleaningStep {
  step: CleaningStepName
  rowsBefore: number
  rowsAfter: number
  /** Cells changed without removing rows (normalised ids, clipped values, missing features filled). */
  cellsChanged: number
  message: string
}

export interface CleanedTables {
  tables: DictTables
  steps: CleaningStep[]
}

const count = (mask: Uint8Array) => mask.reduce((s, v) => s + v, 0)
const fmt = (n: number) => n.toLocaleString('en-US')

/** Float-looking integers: `21148.0`, `-3.00`. */
const FLOAT_INTEGER = /^(-?\d+)\.0+$/

/**
 * The id column with `21148.0` read as `21148`; `changed` counts rows whose text changed. A number
 * column holds shortest-form numbers only, so it never has such ids.
 */
export function normalizeFloatIds(input: Column): { column: Column; changed: number } {
  if (isNumberColumn(input)) return { column: input, changed: 0 }
  const column = input
  const perCode = codeCounts(column)
  let changed = 0
  column.dictionary.forEach((v, c) => {
    if (FLOAT_INTEGER.test(v)) changed += perCode[c]
  })
  if (changed === 0) return { column, changed }
  return { column: mapDictionary(column, (v) => v.replace(FLOAT_INTEGER, '$1')), changed }
}

/** Rows (of `keep`) whose ids are present. */
export function missingIdMask(interactions: DictTable, mapping: ColumnMapping, keep: Uint8Array): Uint8Array {
  const out = Uint8Array.from(keep)
  for (const id of [mapping.userId, mapping.itemId]) {
    const col = dictOf(interactions, id)
    const missing = missingCodes(col)
    for (let r = 0; r < out.length; r++) if (missing[col.codes[r]]) out[r] = 0
  }
  return out
}

/** Per dictionary code of the interactions' id column: is that id in the entity table? */
function knownCodes(column: DictColumn, entities: DictColumn): Uint8Array {
  const known = new Set(entities.dictionary)
  return Uint8Array.from(column.dictionary, (v) => (known.has(v) ? 1 : 0))
}

/** Rows whose user (item) id is in the user (item) table, when that table is given. */
export function unknownIdMask(tables: DictTables, mapping: ColumnMapping, keep: Uint8Array): Uint8Array {
  const out = Uint8Array.from(keep)
  const checks: [string, DictTable | undefined][] = [
    [mapping.userId, tables.users],
    [mapping.itemId, tables.items],
  ]
  for (const [id, entities] of checks) {
    if (!entities?.coded[id]) continue
    const col = dictOf(tables.interactions, id)
    const known = knownCodes(col, dictOf(entities, id))
    for (let r = 0; r < out.length; r++) if (!known[col.codes[r]]) out[r] = 0
  }
  return out
}

/**
 * A copy of `values` with NaN (an empty cell) as -Infinity, so that empty equals empty. A loop, not
 * `Float64Array.from(values, f)`, which gathers boxed numbers first: ~550 MB of garbage at 10,000,000
 * rows (Node), for an array of 76 MB.
 */
function missingAsLowest(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length)
  for (let r = 0; r < values.length; r++) out[r] = Number.isNaN(values[r]) ? -Infinity : values[r]
  return out
}

/**
 * Rows that are not a repeat of an earlier kept (user, item[, timestamp]) row. Rows are grouped by user
 * with a counting sort, each user's rows sorted by (item, time, row) and compared with their neighbour,
 * so memory is a few typed arrays, not one key per row (a Set of a million string keys cost ~100 MB).
 * Missing times are equal to each other.
 */
export function duplicateMask(interactions: DictTable, mapping: ColumnMapping, keep: Uint8Array): Uint8Array {
  const out = Uint8Array.from(keep)
  const users = dictOf(interactions, mapping.userId)
  const items = dictOf(interactions, mapping.itemId).codes
  const timeColumn = mapping.timestamp ? interactions.coded[mapping.timestamp] : null
  const times = !timeColumn
    ? new Float64Array(out.length)
    : isNumberColumn(timeColumn)
      ? missingAsLowest(timeColumn.values)
      : Float64Array.from(timeColumn.codes)
  const nUsers = users.dictionary.length
  const start = new Int32Array(nUsers + 1)
  for (let r = 0; r < out.length; r++) if (out[r]) start[users.codes[r] + 1]++
  for (let u = 0; u < nUsers; u++) start[u + 1] += start[u]
  const order = new Int32Array(start[nUsers])
  const fill = start.slice(0, nUsers)
  for (let r = 0; r < out.length; r++) if (out[r]) order[fill[users.codes[r]]++] = r
  const byItemTimeRow = (a: number, b: number) => items[a] - items[b] || times[a] - times[b] || a - b
  for (let u = 0; u < nUsers; u++) {
    const rows = order.subarray(start[u], start[u + 1])
    if (rows.length < 2) continue
    rows.sort(byItemTimeRow)
    for (let k = 1; k < rows.length; k++)
      if (items[rows[k]] === items[rows[k - 1]] && times[rows[k]] === times[rows[k - 1]]) out[rows[k]] = 0
  }
  return out
}

/**
 * k-core: repeatedly drops rows of users with fewer than `minPerUser` and items with fewer than
 * `minPerItem` kept rows, until nothing changes (dropping an item can push a user below the minimum).
 */
export function kCoreMask(
  interactions: DictTable,
  mapping: ColumnMapping,
  keep: Uint8Array,
  minPerUser: number,
  minPerItem: number,
): { keep: Uint8Array; rounds: number } {
  const out = Uint8Array.from(keep)
  const users = dictOf(interactions, mapping.userId)
  const items = dictOf(interactions, mapping.itemId)
  let rounds = 0
  for (;;) {
    const perUser = codeCounts(users, out)
    const perItem = codeCounts(items, out)
    let removed = 0
    for (let r = 0; r < out.length; r++)
      if (out[r] && (perUser[users.codes[r]] < minPerUser || perItem[items.codes[r]] < minPerItem)) {
        out[r] = 0
        removed++
      }
    if (removed === 0) return { keep: out, rounds }
    rounds++
  }
}

/** Value at quantile q of the numbers of a column (rows of `keep`, or all rows), by counting per code. */
function quantileOf(values: Float64Array, perCode: Int32Array, q: number): number {
  const order = Array.from(values.keys()).filter((c) => perCode[c] > 0 && Number.isFinite(values[c]))
  order.sort((a, b) => values[a] - values[b])
  let total = 0
  for (const c of order) total += perCode[c]
  const target = q * (total - 1)
  let seen = 0
  for (const c of order) {
    seen += perCode[c]
    if (seen - 1 >= target) return values[c]
  }
  return NaN
}

/** Cells that are missing (rows of `keep`, or all rows). */
export function missingCount(column: Column, keep?: Uint8Array): number {
  let missing = 0
  if (isNumberColumn(column)) {
    column.values.forEach((x, r) => (missing += Number.isNaN(x) && (!keep || keep[r]) ? 1 : 0))
    return missing
  }
  const flags = missingCodes(column)
  codeCounts(column, keep).forEach((k, c) => (missing += flags[c] ? k : 0))
  return missing
}

/**
 * The column with finite numbers clipped to [quantile lower, quantile upper] of the rows in `keep`.
 * A dictionary column stays one (clipped values are written back as text); a number column stays one.
 */
export function clipColumn(
  input: Column,
  lower: number,
  upper: number,
  keep?: Uint8Array,
): { column: Column; changed: number; low: number; high: number } {
  if (isNumberColumn(input))
    // Dates are not numbers to clip (as text they read as NaN).
    return input.format
      ? { column: input, changed: 0, low: NaN, high: NaN }
      : clipNumbers(input.values, lower, upper, keep)
  const column = input
  const values = Float64Array.from(column.dictionary, (v) => (isMissing(v) ? NaN : Number(v)))
  const perCode = codeCounts(column, keep)
  const low = quantileOf(values, perCode, lower)
  const high = quantileOf(values, perCode, upper)
  if (!Number.isFinite(low) || !Number.isFinite(high)) return { column, changed: 0, low, high }
  let changed = 0
  values.forEach((x, c) => {
    if (Number.isFinite(x) && (x < low || x > high)) changed += perCode[c]
  })
  if (changed === 0) return { column, changed, low, high }
  const clipped = mapDictionary(column, (v) => {
    const x = isMissing(v) ? NaN : Number(v)
    if (!Number.isFinite(x)) return v
    return x < low ? String(low) : x > high ? String(high) : v
  })
  return { column: clipped, changed, low, high }
}

function clipNumbers(
  values: Float64Array,
  lower: number,
  upper: number,
  keep?: Uint8Array,
): { column: Column; changed: number; low: number; high: number } {
  const present = presentSorted(values, keep)
  const at = (q: number) => (present.length ? present[Math.ceil(q * (present.length - 1))] : NaN)
  const low = at(lower)
  const high = at(upper)
  if (!Number.isFinite(low) || !Number.isFinite(high)) return { column: { values }, changed: 0, low, high }
  let changed = 0
  const clipped = values.map((x, r) => {
    if (!(x < low || x > high)) return x
    if (!keep || keep[r] === 1) changed++
    return x < low ? low : high
  })
  return { column: changed ? { values: clipped } : { values }, changed, low, high }
}

function tableFor(tables: DictTables, role: TableRole): DictTable | undefined {
  return role === 'interactions' ? tables.interactions : role === 'users' ? tables.users : tables.items
}

function setTable(tables: DictTables, role: TableRole, table: DictTable): DictTables {
  return role === 'interactions'
    ? { ...tables, interactions: table }
    : role === 'users'
      ? { ...tables, users: table }
      : { ...tables, items: table }
}

/**
 * Checks that an entity table shares ids with the interactions at all. An item table none of whose ids
 * appears in the interactions is almost always a wrong id column or a different id format.
 */
export function checkIdsMatch(tables: DictTables, mapping: ColumnMapping): DataResult<null> {
  const checks: [string, 'user' | 'item', DictTable | undefined][] = [
    [mapping.userId, 'user', tables.users],
    [mapping.itemId, 'item', tables.items],
  ]
  for (const [id, what, entities] of checks) {
    if (!entities?.coded[id] || entities.rowCount === 0) continue
    const interactionIds = dictOf(tables.interactions, id)
    const entityIds = dictOf(entities, id)
    const known = knownCodes(interactionIds, entityIds)
    const perCode = codeCounts(interactionIds)
    if (!known.some((k, c) => k === 1 && perCode[c] > 0))
      return {
        ok: false,
        reason:
          `None of the ${what} ids in ${entities.name} matches any ${what} id of ${tables.interactions.name} ` +
          `(e.g. "${entityIds.dictionary[entityIds.codes[0]]}" vs ` +
          `"${interactionIds.dictionary[0]}"). Check the id column or its format.`,
        file: entities.name,
        column: id,
      }
  }
  return { ok: true, data: null }
}

/**
 * Runs the chosen steps and returns new tables plus a report per step. A problem (never an exception)
 * when an entity table matches nothing or no interaction is left, naming the step that emptied it.
 */
export function cleanDataset(
  input: DictTables,
  mapping: ColumnMapping,
  options: CleaningOptions = DEFAULT_CLEANING,
): DataResult<CleanedTables> {
  let tables = input
  const steps: CleaningStep[] = []
  const n = tables.interactions.rowCount
  const file = tables.interactions.name

  if (options.normalizeFloatIds) {
    let changed = 0
    for (const role of ['interactions', 'users', 'items'] as const) {
      for (const id of [mapping.userId, mapping.itemId]) {
        // Read again per id: the user id's normalised column must stay when the item id's is set.
        const table = tableFor(tables, role)
        if (!table?.coded[id]) continue
        const result = normalizeFloatIds(table.coded[id])
        changed += result.changed
        if (result.changed > 0) tables = setTable(tables, role, withColumn(table, id, result.column))
      }
    }
    steps.push({
      step: 'float-ids',
      rowsBefore: n,
      rowsAfter: n,
      cellsChanged: changed,
      message: changed
        ? `Read ${fmt(changed)} float-looking id(s) such as 21148.0 as integers.`
        : 'No float-looking ids.',
    })
  }

  const matched = checkIdsMatch(tables, mapping)
  if (!matched.ok) return matched

  let keep: Uint8Array = new Uint8Array(n).fill(1)
  const removeStep = (step: CleaningStepName, next: Uint8Array, what: string): DataResult<null> => {
    const before = count(keep)
    const after = count(next)
    keep = next
    steps.push({
      step,
      rowsBefore: before,
      rowsAfter: after,
      cellsChanged: 0,
      message: before === after ? `No ${what}.` : `Removed ${fmt(before - after)} ${what}.`,
    })
    if (after === 0 && before > 0)
      return {
        ok: false,
        reason: `No interactions are left after removing ${what} (${fmt(before)} before). Relax this cleaning step or check the column mapping.`,
        file,
      }
    return { ok: true, data: null }
  }

  let result = removeStep(
    'missing-ids',
    missingIdMask(tables.interactions, mapping, keep),
    'rows with a missing user or item id',
  )
  if (!result.ok) return result
  if (options.dropUnknownIds && (tables.users || tables.items)) {
    result = removeStep(
      'unknown-ids',
      unknownIdMask(tables, mapping, keep),
      'rows whose user or item is not in its table',
    )
    if (!result.ok) return result
  }
  if (options.dropDuplicates) {
    result = removeStep(
      'duplicates',
      duplicateMask(tables.interactions, mapping, keep),
      'duplicate interactions',
    )
    if (!result.ok) return result
  }

  let missingFeatures = 0
  for (const f of mapping.features) {
    const table = tableFor(tables, f.table)
    if (!table?.coded[f.column]) continue
    missingFeatures += missingCount(table.coded[f.column], f.table === 'interactions' ? keep : undefined)
  }
  steps.push({
    step: 'missing-features',
    rowsBefore: count(keep),
    rowsAfter: count(keep),
    cellsChanged: missingFeatures,
    message: missingFeatures
      ? `${fmt(missingFeatures)} missing feature value(s) are kept as the "(missing)" code.`
      : 'No missing feature values.',
  })

  if (options.clipQuantiles) {
    const { lower, upper } = options.clipQuantiles
    let changed = 0
    const parts: string[] = []
    for (const f of mapping.features.filter((m: FeatureMapping) => m.kind === 'numeric')) {
      const table = tableFor(tables, f.table)
      if (!table?.coded[f.column]) continue
      const clipped = clipColumn(
        table.coded[f.column],
        lower,
        upper,
        f.table === 'interactions' ? keep : undefined,
      )
      if (clipped.changed === 0) continue
      changed += clipped.changed
      parts.push(`${f.column} to [${clipped.low}, ${clipped.high}]`)
      tables = setTable(tables, f.table, withColumn(table, f.column, clipped.column))
    }
    steps.push({
      step: 'clip-outliers',
      rowsBefore: count(keep),
      rowsAfter: count(keep),
      cellsChanged: changed,
      message: changed
        ? `Clipped ${fmt(changed)} value(s): ${parts.join('; ')}.`
        : 'No values outside the quantiles.',
    })
  }

  if (options.minInteractionsPerUser > 1 || options.minInteractionsPerItem > 1) {
    const core = kCoreMask(
      tables.interactions,
      mapping,
      keep,
      options.minInteractionsPerUser,
      options.minInteractionsPerItem,
    )
    result = removeStep(
      'k-core',
      core.keep,
      `rows of users with < ${options.minInteractionsPerUser} or items with < ${options.minInteractionsPerItem} interactions`,
    )
    if (!result.ok) return result
  }

  return {
    ok: true,
    data: { tables: { ...tables, interactions: filterRows(tables.interactions, keep) }, steps },
  }
}
