/**
 * Reshaping tables for a column mapping, pure functions over `DictTable`s: fold one-hot groups back into
 * one column, tell which interaction columns are constant per user or item, lift such columns into one
 * row per entity, and join columns onto an entity table. `inferSchema` uses them to propose a mapping,
 * `proposeWithRoles` to honour the roles a person chose, and the worker's Apply (`liftToTowers`) to move
 * interaction columns the person sent to the user or item tower into that entity's table.
 */
import {
  asDict,
  cell,
  ColumnBuilder,
  dictOf,
  foldOneHot,
  isNumberColumn,
  isOne,
  takeRows,
  withColumn,
  withoutColumns,
} from './table'
import type { ColumnMapping, FeatureMapping } from './mapping'
import type { Column, DictTable, DictTables, FieldTower } from './types'

/** A one-hot column's name: a prefix and a label joined by `_`, `=` or `.` (`gender_F`, `genre=Drama`). */
export const ONE_HOT_NAME = /^(.+?)[_=.]([^_=.]+)$/
/** Interaction-file columns whose value changes within an entity in at most this share of rows are constant per entity. */
const CONSTANT_MISMATCH_SHARE = 0.01
const ROLE_OF_TOWER: Record<Exclude<FieldTower, 'context'>, 'users' | 'items'> = {
  user: 'users',
  item: 'items',
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
export function joinColumns(table: DictTable, extra: DictTable, id: string): DictTable {
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

/**
 * Values of `column` of `from` (keyed by its `id` column) added to `to` (keyed by its `id` column): the
 * first row of `from` per id, ids compared as written; rows of `to` without a match get `''`.
 */
export function joinColumn(to: DictTable, from: DictTable, id: string, column: string): DictTable {
  const fromIds = dictOf(from, id)
  const rowOf = new Map<string, number>()
  for (let r = 0; r < from.rowCount; r++) {
    const key = fromIds.dictionary[fromIds.codes[r]]
    if (!rowOf.has(key)) rowOf.set(key, r)
  }
  const ids = dictOf(to, id)
  const builder = new ColumnBuilder(Math.max(1, to.rowCount))
  for (let r = 0; r < to.rowCount; r++) {
    const er = rowOf.get(ids.dictionary[ids.codes[r]])
    builder.push(er === undefined ? '' : cell(from, column, er))
  }
  return withColumn(to, column, builder.finish())
}

/**
 * Moves interaction columns the person sent to the user or item tower into that entity's table (the
 * first value seen per entity), so they feed the tower once per entity. Returns new tables and mapping.
 */
export function liftToTowers(
  tables: DictTables,
  mapping: ColumnMapping,
): { tables: DictTables; mapping: ColumnMapping } {
  let out = tables
  const features: FeatureMapping[] = []
  for (const f of mapping.features) {
    if (f.table !== 'interactions' || f.tower === 'context') {
      features.push(f)
      continue
    }
    const role = ROLE_OF_TOWER[f.tower]
    const id = role === 'users' ? mapping.userId : mapping.itemId
    const lifted = liftColumns(out.interactions, id, [f.column], `${out.interactions.name} (per ${id})`)
    const existing = out[role]
    const table = existing?.coded[id] ? joinColumn(existing, lifted, id, f.column) : existing ? null : lifted
    if (!table) {
      features.push({ ...f, tower: 'context' })
      continue
    }
    out = {
      ...out,
      [role]: existing ? table : { ...table, name: `${out.interactions.name} (per ${f.tower})` },
    }
    features.push({ ...f, table: role })
  }
  // A table built only from lifted columns gathers them all.
  return { tables: out, mapping: { ...mapping, features } }
}
