/**
 * The first mapping a person sees for dropped files: a known format's (`recognizeFormat`), else the
 * inferred one (`inferSchema`); and the mapping again once the person has said which file plays which
 * role (`proposeWithRoles`). Pure: the worker calls these and posts the result.
 */
import { recognizeFormat, type FileRole } from './formats'
import { inferSchema, labelColumn, profileColumn, proposeKind } from './infer'
import type { DataResult } from './types'
import { TOWER_OF_ROLE, type ColumnMapping, type ColumnProposal, type SchemaProposal } from './mapping'
import { foldOneHotGroups, joinColumn } from './mapping.join'
import { renameColumns } from './table'
import type { DictTable, DictTables, TableRole } from './types'

/** A proposal and the known format it comes from (null when inferred). */
export interface MappingProposal extends SchemaProposal {
  format: string | null
}

/** An entity table's own key column, when it is not named like the interactions' id. */
const ENTITY_KEY = /^(id|key)$/i

/** The tables present, with their roles, the interactions first. */
export function tablesOf(tables: DictTables): [TableRole, DictTable][] {
  const out: [TableRole, DictTable][] = [['interactions', tables.interactions]]
  if (tables.users) out.push(['users', tables.users])
  if (tables.items) out.push(['items', tables.items])
  return out
}

/** Column proposals for a known format's mapping: mapped columns as mapped, the rest ignored. */
export function columnsFromMapping(tables: DictTables, mapping: ColumnMapping): ColumnProposal[] {
  const columns: ColumnProposal[] = []
  for (const [role, table] of tablesOf(tables))
    for (const column of table.columns) {
      const base = { file: table.name, column }
      const feature = mapping.features.find((f) => f.table === role && f.column === column)
      if (column === mapping.userId || column === mapping.itemId)
        columns.push({ ...base, kind: 'id', tower: null, reason: 'id of the known format' })
      else if (role === 'interactions' && column === mapping.timestamp)
        columns.push({ ...base, kind: 'timestamp', tower: null, reason: 'interaction time' })
      else if (role === 'interactions' && column === mapping.rating)
        columns.push({ ...base, kind: 'numeric', tower: null, reason: 'rating or label' })
      else if (
        (role === 'items' && column === mapping.itemLabel) ||
        (role === 'users' && column === mapping.userLabel)
      )
        columns.push({ ...base, kind: 'ignore', tower: null, reason: 'the name shown for each entry' })
      else if (feature)
        columns.push({ ...base, kind: feature.kind, tower: feature.tower, reason: 'known format' })
      else columns.push({ ...base, kind: 'ignore', tower: null, reason: 'not used by the known format' })
    }
  return columns
}

/** Recognises a known format, else infers a schema. */
export function proposeMapping(files: DictTable[]): DataResult<MappingProposal> {
  const known = recognizeFormat(files)
  if (known)
    return {
      ok: true,
      data: {
        format: known.label,
        roles: known.roles,
        tables: known.tables,
        mapping: known.mapping,
        columns: columnsFromMapping(known.tables, known.mapping),
        notes: [`Recognised ${known.label}; mapped without questions (change anything below).`],
      },
    }
  const inferred = inferSchema(files)
  if (!inferred.ok) return inferred
  return { ok: true, data: { format: null, ...inferred.data } }
}

/**
 * Proposal with roles the person chose: the interactions file is inferred on its own, each chosen
 * entity file gets its id column renamed to the interactions' id (a column of that name, else `id` or
 * `key`, else the first column) and its other columns proposed by their values.
 */
export function proposeWithRoles(files: DictTable[], roles: FileRole[]): DataResult<MappingProposal> {
  const fileFor = (role: TableRole) =>
    files.find((f) => roles.some((r) => r.file === f.name && r.role === role))
  const interactionsFile = fileFor('interactions')
  if (!interactionsFile) return { ok: false, reason: 'Choose which file holds the interactions.' }
  const base = inferSchema([interactionsFile])
  if (!base.ok) return base
  let { tables, mapping, columns } = base.data
  const notes = [...base.data.notes]
  for (const role of ['users', 'items'] as const) {
    const file = fileFor(role)
    if (!file) continue
    const id = role === 'users' ? mapping.userId : mapping.itemId
    const { table: folded } = foldOneHotGroups(file)
    const key = folded.columns.includes(id)
      ? id
      : (folded.columns.find((c) => ENTITY_KEY.test(c)) ?? folded.columns[0])
    let table = key === id ? folded : renameColumns(folded, { [key]: id })
    if (key !== id) notes.push(`Column "${key}" of ${file.name} is read as ${id}.`)
    // Columns inferred per entity from the interactions stay, joined onto the chosen table.
    const lifted = tables[role]
    if (lifted)
      for (const c of lifted.columns)
        if (c !== id && !table.columns.includes(c)) table = joinColumn(table, lifted, id, c)
    const tower = TOWER_OF_ROLE[role]
    mapping = { ...mapping, features: mapping.features.filter((f) => f.table !== role) }
    columns = columns.filter((c) => !lifted || c.file !== lifted.name)
    for (const c of table.columns) {
      if (c === id) continue
      const { kind, reason } = proposeKind(c, profileColumn(table.coded[c]))
      const isFeature = kind === 'categorical' || kind === 'numeric' || kind === 'multi'
      columns.push({ file: table.name, column: c, kind, tower: isFeature ? tower : null, reason })
      if (isFeature)
        mapping.features.push({
          table: role,
          column: c,
          kind,
          tower,
          ...(kind === 'multi' ? { separator: '|' } : {}),
        })
    }
    tables = { ...tables, [role]: table }
    const label = labelColumn(table, id)
    if (label) {
      mapping = { ...mapping, [role === 'users' ? 'userLabel' : 'itemLabel']: label }
      const entry = columns.find((c) => c.file === table.name && c.column === label)
      if (entry)
        Object.assign(entry, { kind: 'ignore', tower: null, reason: 'the name shown for each entry' })
      mapping.features = mapping.features.filter((f) => !(f.table === role && f.column === label))
    }
  }
  const used = new Set(tablesOf(tables).map(([, t]) => t.name))
  const outRoles: FileRole[] = files.map((f) => {
    const chosen = roles.find((r) => r.file === f.name)
    return chosen && chosen.role !== 'unused' && used.has(f.name)
      ? { file: f.name, role: chosen.role }
      : { file: f.name, role: 'unused' }
  })
  return { ok: true, data: { format: null, roles: outRoles, tables, mapping, columns, notes } }
}
