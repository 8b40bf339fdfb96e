/**
 * The column mapping — how the columns of the dropped files feed the model — and what makes one usable,
 * said once.
 *
 * Its shapes, in the order data meets them: `ColumnProposal`s (what each column looks like, from
 * `infer.ts` or a known format) and a `ColumnMapping` make a `SchemaProposal` (`mapping.propose.ts`);
 * the UI edits it as a `MappingDraft` (ui/datasetState.ts: empty strings for "none", one row per
 * column) and sends back a `ColumnMapping`; the worker applies it after `liftToTowers`
 * (`mapping.join.ts`), and that mapping "as applied" is what `encodeDataset` reads.
 *
 * The worker measures `MappingFacts` of the parsed tables (plain numbers, small enough to post), the
 * mapper checks the person's draft against them as they edit, and the worker checks the same mapping
 * with the same function before it cleans anything — one rule set, one wording. `encodeDataset` asks
 * the part of it that needs only column names (`mappingColumnIssues`).
 *
 * Errors block Apply: a missing or doubled key, an id that cannot be one (a handful of values, a column
 * different in every row, dates, fractions), a side table whose key repeats with different rows.
 * Warnings do not: an id that looks like free text, a rating-like column fed to the query as context,
 * side-table rows repeated exactly.
 */
import { idObjection, profileColumn, ratingScale } from './infer'
import { dictOf, isNumberColumn } from './table'
import type { FileRole } from './formats'
import type { DataProblem, DictTable, DictTables, FieldKind, TableRole, FieldTower } from './types'

/**
 * How a mapped feature column is read. `multi` is a multi-valued categorical (`a|b|c`): in a users or
 * items table it becomes a `MultiField` (one token = the mean of its values' embeddings); in the
 * interactions table (context) it is encoded as a categorical of its first value (see `encode.ts`).
 */
export type FeatureKind = Exclude<FieldKind, 'id'> | 'multi'

export interface FeatureMapping {
  table: TableRole
  column: string
  kind: FeatureKind
  tower: FieldTower
  /** Separator of a `multi` column's values; `|` when absent. */
  separator?: string
}

/** How the columns of the tables map onto the model's inputs. */
export interface ColumnMapping {
  userId: string
  itemId: string
  /** Epoch seconds, epoch milliseconds or ISO dates; absent means random splits. */
  timestamp?: string
  /**
   * A rating, label or weight column of the interactions. Not a model input (yet): EDA charts it and
   * cleaning can filter on it.
   */
  rating?: string
  /** A column of the items (users) table shown as each item's (user's) name; display only, never an input. */
  itemLabel?: string
  userLabel?: string
  features: FeatureMapping[]
}

/** What a column looks like to the schema inference (`id`, `timestamp`, `text` are not feature kinds). */
export type ColumnKind = 'id' | 'categorical' | 'numeric' | 'multi' | 'timestamp' | 'text' | 'ignore'

/** One column of a proposal: its proposed kind and tower, and why, for the mapper to show. */
export interface ColumnProposal {
  file: string
  column: string
  kind: ColumnKind
  /** The tower a feature feeds; null for ids, the timestamp, the rating and columns that are not inputs. */
  tower: FieldTower | null
  /** Why this kind was proposed, in a few words for the person. */
  reason: string
}

/** A mapping proposed for parsed files, with the tables it refers to. */
export interface SchemaProposal {
  roles: FileRole[]
  /** Tables after folding one-hot groups, renaming entity ids and lifting per-entity columns. */
  tables: DictTables
  mapping: ColumnMapping
  columns: ColumnProposal[]
  notes: string[]
}

/** The tower each table's features feed (interaction columns feed the query as context). */
export const TOWER_OF_ROLE: Record<TableRole, FieldTower> = {
  interactions: 'context',
  users: 'user',
  items: 'item',
}

export interface ColumnFacts {
  column: string
  /** Cells that are not missing. */
  present: number
  distinct: number
  /** Why the column cannot be an entity id (`idObjection`), or null. */
  idObjection: string | null
  /** The rating scale its values look like ("values 1–5"), or null. */
  ratingScale: string | null
}

/** Keys of a side table that appear on more than one row. */
export interface RepeatedKeys {
  column: string
  /** Distinct keys on more than one row. */
  keys: number
  /** Of those, keys whose rows differ in some other column. */
  conflicting: number
  /** One conflicting (else repeated) key and two of its 1-based rows. */
  example: { key: string; rows: [number, number] } | null
}

export interface TableFacts {
  role: TableRole
  file: string
  rows: number
  columns: ColumnFacts[]
  /** Side tables only: repeats of the key the mapping names (absent when every key is on one row). */
  repeated?: RepeatedKeys
  /** Set when only the column names are known (`columnNameFacts`): the checks of values are skipped. */
  namesOnly?: true
}

export interface MappingFacts {
  tables: TableFacts[]
}

export interface MappingIssue {
  severity: 'error' | 'warning'
  message: string
  file?: string
  column?: string
}

const KEY_OF_ROLE = { users: 'userId', items: 'itemId' } as const
const count = (n: number) => n.toLocaleString('en-US')

/**
 * Facts of every column of every table, and the key repeats of the side tables under `mapping`. Column
 * facts do not depend on the mapping: pass the facts measured before (`known`, of the same tables) and
 * only the key repeats are measured again, and only for a key that changed.
 */
export function mappingFacts(tables: DictTables, mapping: ColumnMapping, known?: MappingFacts): MappingFacts {
  const out: TableFacts[] = []
  for (const role of ['interactions', 'users', 'items'] as const) {
    const table = tables[role]
    if (!table) continue
    const before = known?.tables.find((t) => t.role === role && t.file === table.name)
    const columns =
      before?.columns ??
      table.columns.map((column): ColumnFacts => {
        const p = profileColumn(table.coded[column])
        return {
          column,
          present: p.rows - p.missing,
          distinct: p.distinct,
          idObjection: idObjection(p),
          ratingScale: ratingScale(column, p),
        }
      })
    const facts: TableFacts = { role, file: table.name, rows: table.rowCount, columns }
    if (role !== 'interactions') {
      const key = mapping[KEY_OF_ROLE[role]]
      const keyFacts = columns.find((c) => c.column === key)
      // Every key on one row: nothing repeats (the common case, known from the column's counts).
      const repeated =
        !keyFacts || keyFacts.distinct === keyFacts.present
          ? null
          : before?.repeated?.column === key
            ? before.repeated
            : repeatedKeys(table, key)
      if (repeated) facts.repeated = repeated
    }
    out.push(facts)
  }
  return { tables: out }
}

/**
 * Facts that know only the tables' column names; no value is read, so it costs nothing per row. With
 * them `validateMapping` makes the checks that need names alone — both keys chosen, every named column
 * and table there, no column in two roles — in the same words. `encodeDataset` asks this much of any
 * mapping it is given (the demo's, a test's, the worker's after cleaning).
 */
export function columnNameFacts(tables: DictTables): MappingFacts {
  const out: TableFacts[] = []
  for (const role of ['interactions', 'users', 'items'] as const) {
    const table = tables[role]
    if (!table) continue
    const columns = table.columns.map((column): ColumnFacts => ({
      column,
      present: 0,
      distinct: 0,
      idObjection: null,
      ratingScale: null,
    }))
    out.push({ role, file: table.name, rows: table.rowCount, columns, namesOnly: true })
  }
  return { tables: out }
}

/**
 * Keys of `table` on more than one row, and how many of them have rows that disagree on another column.
 * Rows are grouped by key code with a counting sort, then each row is compared with its key's first row.
 */
export function repeatedKeys(table: DictTable, key: string): RepeatedKeys | null {
  const ids = dictOf(table, key)
  const n = table.rowCount
  const rowsPerKey = new Int32Array(ids.dictionary.length)
  for (let r = 0; r < n; r++) rowsPerKey[ids.codes[r]]++
  let keys = 0
  for (let c = 0; c < rowsPerKey.length; c++) if (rowsPerKey[c] > 1 && ids.dictionary[c] !== '') keys++
  if (keys === 0) return null
  const firstRow = new Int32Array(ids.dictionary.length).fill(-1)
  const conflicting = new Uint8Array(ids.dictionary.length)
  let example: RepeatedKeys['example'] = null
  const others = table.columns.filter((c) => c !== key).map((c) => table.coded[c])
  const same = (a: number, b: number) =>
    others.every((col) =>
      isNumberColumn(col) ? Object.is(col.values[a], col.values[b]) : col.codes[a] === col.codes[b],
    )
  for (let r = 0; r < n; r++) {
    const c = ids.codes[r]
    if (ids.dictionary[c] === '') continue
    if (firstRow[c] < 0) {
      firstRow[c] = r
      continue
    }
    if (!example) example = { key: ids.dictionary[c], rows: [firstRow[c] + 1, r + 1] }
    if (!conflicting[c] && !same(firstRow[c], r)) {
      conflicting[c] = 1
      if (!example || !conflicting[ids.codes[example.rows[0] - 1]])
        example = { key: ids.dictionary[c], rows: [firstRow[c] + 1, r + 1] }
    }
  }
  return { column: key, keys, conflicting: conflicting.reduce((s, v) => s + v, 0), example }
}

/** Problems of `mapping` against the tables `facts` describe; empty when it can be applied as it is. */
export function validateMapping(facts: MappingFacts, mapping: ColumnMapping): MappingIssue[] {
  const issues: MappingIssue[] = []
  const error = (message: string, file?: string, column?: string) =>
    issues.push({ severity: 'error', message, file, column })
  const warning = (message: string, file?: string, column?: string) =>
    issues.push({ severity: 'warning', message, file, column })
  const tableOf = (role: TableRole) => facts.tables.find((t) => t.role === role)
  const interactions = tableOf('interactions')
  if (!interactions) {
    error('Choose which file holds the interactions.')
    return issues
  }
  const columnOf = (t: TableFacts, c: string) => t.columns.find((f) => f.column === c)
  const missing = (t: TableFacts, c: string) =>
    error(
      `Column "${c}" is not in ${t.file} (its columns are: ${t.columns.map((f) => f.column).join(', ')}).`,
      t.file,
      c,
    )

  if (!mapping.userId) error('Choose the user id column.', interactions.file)
  if (!mapping.itemId) error('Choose the item id column.', interactions.file)
  if (mapping.userId && mapping.userId === mapping.itemId)
    error(
      `The user id and the item id are the same column ("${mapping.userId}"); choose two different columns.`,
      interactions.file,
      mapping.userId,
    )
  const keys = [
    ['user id', mapping.userId],
    ['item id', mapping.itemId],
    ['timestamp', mapping.timestamp],
    ['rating', mapping.rating],
  ] as const
  const roleOf = new Map<string, string>()
  for (const [role, column] of keys) {
    if (!column) continue
    const other = roleOf.get(column)
    if (other && !(role === 'item id' && other === 'user id'))
      error(`Column "${column}" cannot be both the ${other} and the ${role}.`, interactions.file, column)
    roleOf.set(column, role)
    if (!columnOf(interactions, column)) missing(interactions, column)
  }

  for (const [role, column] of [
    ['user', mapping.userId],
    ['item', mapping.itemId],
  ] as const) {
    const f = column ? columnOf(interactions, column) : undefined
    if (!f || mapping.userId === mapping.itemId || interactions.namesOnly) continue
    if (f.present > 0 && f.distinct === f.present && f.present >= 20)
      error(
        `"${column}" cannot be the ${role} id: it is different in every row (${count(f.distinct)} of ${count(f.present)}), so no ${role} has a second interaction to learn from or to hold out.${suggestion(interactions, mapping)}`,
        interactions.file,
        column,
      )
    else if (f.idObjection?.startsWith('it looks like free text'))
      warning(
        `"${column}" as the ${role} id: ${f.idObjection}. Ids are usually short codes; check that this is the column you mean.`,
        interactions.file,
        column,
      )
    else if (f.idObjection)
      error(
        `"${column}" cannot be the ${role} id: ${f.idObjection}.${suggestion(interactions, mapping)}`,
        interactions.file,
        column,
      )
  }

  for (const role of ['users', 'items'] as const) {
    const t = tableOf(role)
    if (!t) continue
    const key = mapping[KEY_OF_ROLE[role]]
    if (!key) continue
    if (!columnOf(t, key)) {
      missing(t, key)
      continue
    }
    if (t.namesOnly) continue
    const entity = role === 'users' ? 'user' : 'item'
    const r = t.repeated?.column === key ? t.repeated : undefined
    const keyFacts = columnOf(t, key)!
    if (r && r.conflicting > 0)
      error(
        `${t.file} is not a ${entity} table: ${count(r.conflicting)} ${key} value(s) are on several rows that disagree` +
          (r.example
            ? ` (e.g. ${r.example.key} on rows ${count(r.example.rows[0])} and ${count(r.example.rows[1])})`
            : '') +
          `. A ${entity} table has one row per ${entity}; if this file is a log of events, mark it "not used".`,
        t.file,
        key,
      )
    else if (r)
      warning(
        `${count(r.keys)} ${key} value(s) of ${t.file} are listed on more than one identical row; one copy of each is used.`,
        t.file,
        key,
      )
    else if (!t.repeated && keyFacts.distinct < keyFacts.present)
      error(
        `${t.file} is not a ${entity} table: "${key}" repeats (${count(keyFacts.present)} rows, ${count(keyFacts.distinct)} distinct). A ${entity} table has one row per ${entity}.`,
        t.file,
        key,
      )
  }

  for (const [label, role] of [
    [mapping.itemLabel, 'items'],
    [mapping.userLabel, 'users'],
  ] as const) {
    if (!label) continue
    const t = tableOf(role)
    if (!t)
      error(
        `The ${role === 'items' ? 'item' : 'user'} names come from a ${role} table, but no file has that role.`,
      )
    else if (!columnOf(t, label)) missing(t, label)
  }

  for (const f of mapping.features) {
    const t = tableOf(f.table)
    if (!t) {
      error(`The mapping uses a ${f.table} table, but no file has that role.`)
      continue
    }
    const c = columnOf(t, f.column)
    if (!c) {
      missing(t, f.column)
      continue
    }
    if (f.table === 'interactions' && roleOf.has(f.column))
      error(
        `Column "${f.column}" is the ${roleOf.get(f.column)}; it cannot also be a model input.`,
        t.file,
        f.column,
      )
    else if (f.table === 'interactions' && f.tower === 'context' && !t.namesOnly && c.ratingScale)
      warning(
        `Known when recommending? "${f.column}" looks like a rating (${c.ratingScale}). A rating or outcome is only known after the choice: as context it feeds the answer to the model and inflates every metric.`,
        t.file,
        f.column,
      )
  }
  return issues
}

/** " Perhaps X." — the interactions column that could best be an id instead, or advice when none can. */
function suggestion(interactions: TableFacts, mapping: ColumnMapping): string {
  const used = new Set([mapping.userId, mapping.itemId, mapping.timestamp, mapping.rating])
  const best = interactions.columns
    .filter(
      (c) =>
        !used.has(c.column) &&
        c.idObjection === null &&
        c.ratingScale === null &&
        c.distinct < c.present &&
        c.distinct > 1,
    )
    .sort((a, b) => b.distinct - a.distinct)[0]
  return best
    ? ` "${best.column}" (${count(best.distinct)} distinct values) could be.`
    : ' No other column of this file can be; if the ids are in another file (order items, events), drop that file too.'
}

/** The issues that block Apply. */
export const errorsOf = (issues: readonly MappingIssue[]) => issues.filter((i) => i.severity === 'error')

/** An issue as the result a failed apply or encode returns (`{ ok: false, reason, file, column }`). */
export function problemOf(issue: MappingIssue): DataProblem {
  return {
    ok: false,
    reason: issue.message,
    ...(issue.file !== undefined ? { file: issue.file } : {}),
    ...(issue.column !== undefined ? { column: issue.column } : {}),
  }
}
