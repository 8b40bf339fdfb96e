/**
 * `mapping.json`: everything the page did between the dropped files and the encoded dataset, written
 * so that the exported project's `data.py` can do it again on the same files (or on the same files
 * grown). It holds, in the order the page ran them:
 *
 * - `files`: how each file was read (encoding, delimiter, header, quoting, line ends) and the names
 *   its columns got (a header's, renamed where empty or repeated, or the known format's);
 * - `tables`: how the interactions, users and items tables were made from the files: a closed list of
 *   steps (`TableStep`) that the known formats (`formats.ts`), the inference (`infer.ts`) and Apply's
 *   `liftToTowers` (`mapping.join.ts`) take: renamed columns, one-hot flags folded, a year or a product
 *   id read from text, rows kept, interaction columns lifted to an entity;
 * - `mapping`: the column mapping as applied (after `liftToTowers`); `cleaning`: the cleaning options
 *   (null when nothing was cleaned, as for the demo);
 * - `encoding`: the encoder's constants. Vocabularies, buckets and ids are not stored: `data.py`
 *   derives them with the page's rules, so that files that grow get what the page would give them
 *   (the test `src/model/export/data.test.ts` checks that they come out equal).
 *
 * Pure: the worker builds it from its ingestion session, the demo from its tables.
 */
import type { CleaningOptions } from './clean'
import type { TextEncoding } from './decode'
import { MISSING_LABEL } from './encode'
import { NUMERIC_BUCKETS } from './encode.buckets'
import { FORMAT_LABELS, knownParseOptions, ML100K_GENRES, type KnownFormat } from './formats'
import type { ColumnMapping } from './mapping'
import { foldOneHotGroups, liftToTowers, ONE_HOT_NAME } from './mapping.join'
import type { MappingProposal } from './mapping.propose'
import type { ParsedFile } from './parse'
import type { Newline } from './sniff'
import { csvOf, dictOf } from './table'
import type { DataResult, DatasetTables, DictTable, DictTables, Table, TableRole } from './types'

export const MAPPING_FILE_FORMAT = 'attentive-mapping'
export const MAPPING_FILE_VERSION = 1
/** The separator `foldOneHot` joins labels with. */
const ONE_HOT_SEPARATOR = '|'
/** Ids such as `21148.0`: the inference joins them as `21148` (`idKey`), Apply's lifting as written. */
const FLOAT_INTEGER = /^-?\d+\.0+$/

/** How one file was read, as `ParseReport` says, and the names its columns got. */
export interface MappedFile {
  /** The name the page read it under (a zip member's base name; `.gz` dropped). */
  name: string
  encoding: TextEncoding
  /** `,` `\t` `;` `|` `::` or any other string the person gave; null: one column. */
  delimiter: string | null
  header: boolean
  /** RFC 4180 quotes; false: every line split literally at the delimiter. */
  quoting: boolean
  newline: Newline
  /** Column names in file order (the header's after renaming, or given names for headerless files). */
  columns: string[]
}

/**
 * How a text becomes another: a year at the end of a date (`01-Jan-1995`, MovieLens 100K), a year in
 * parentheses at the end of a title (`Toy Story (1995)`), a product id from a page URI
 * (`/product/123`, TheLook), and MovieLens latest's `(no genres listed)` read as no genres.
 */
export type DeriveRule =
  'year-at-end' | 'year-in-parentheses' | 'product-from-uri' | 'no-genres-listed-is-empty'

/** One step that makes a role's table from its file, applied in order. Columns are named after earlier steps. */
export type TableStep =
  /** Old name -> new name. */
  | { op: 'rename'; columns: Record<string, string> }
  /** Per row, the `labels` whose column holds 1 (`1`, `1.0`, `true`, `yes`), joined by `separator`. */
  | { op: 'fold-one-hot'; columns: string[]; labels: string[]; into: string; separator: string }
  /** A column (added or replaced) of `rule` applied to each cell of `from`. */
  | { op: 'derive'; into: string; from: string; rule: DeriveRule }
  /** Only rows whose cells in these columns are not empty. */
  | { op: 'keep-rows-with'; columns: string[] }
  /**
   * Columns of the interactions table (as built) added to this entity table: per row, the value of the
   * first interaction row with the same `id`, `''` when there is none. `integer` compares ids with
   * `21148.0` read as `21148`, and of two ids written both ways the one seen last wins.
   */
  | { op: 'join-per-entity'; id: string; columns: string[]; match: 'as-written' | 'integer' }

export interface TableRecipe {
  /**
   * A file's rows, or one row per distinct `id` of the interactions table (as built), its first, with
   * that row's `columns`, in order of first appearance.
   */
  from: { file: string } | { perEntityOf: 'interactions'; id: string; columns: string[] }
  steps: TableStep[]
}

/** The contents of `mapping.json`. */
export interface MappingFile {
  format: typeof MAPPING_FILE_FORMAT
  formatVersion: typeof MAPPING_FILE_VERSION
  /** The dataset's name on the page. */
  name: string
  files: MappedFile[]
  /** Built in this order: interactions first, since the others may take columns from it. */
  tables: { interactions: TableRecipe; users?: TableRecipe; items?: TableRecipe }
  /** The mapping as applied (after `liftToTowers`), as `encodeDataset` read it. */
  mapping: ColumnMapping
  /** Null when the data was encoded without cleaning (the demo). */
  cleaning: CleaningOptions | null
  encoding: { numericBuckets: number; missingLabel: string }
}

/** What the ingestion session knew when it applied an upload. */
export interface AppliedUpload {
  /** The dataset's name on the page. */
  name: string
  /** Every parsed file of the session (unused ones are left out of the result). */
  files: ParsedFile[]
  proposal: Pick<MappingProposal, 'format' | 'roles' | 'tables'>
  /** The mapping the person applied, before `liftToTowers`. */
  requested: ColumnMapping
  /** The same after `liftToTowers`, when the caller has it (lifting again reads every row). */
  lifted?: ColumnMapping
  cleaning: CleaningOptions
}

type Recipes = MappingFile['tables']
const ROLES = ['interactions', 'users', 'items'] as const

const unsupported = (why: string, file?: string): DataResult<never> => ({
  ok: false,
  reason: `This dataset cannot be exported for data.py yet: ${why}.`,
  ...(file ? { file } : {}),
})

/** Renames of `from` to `to`, position by position, leaving equal names out; null when none differ. */
function renamed(from: readonly string[], to: readonly string[]): TableStep | null {
  const columns: Record<string, string> = {}
  from.forEach((c, j) => {
    if (j < to.length && to[j] !== c) columns[c] = to[j]
  })
  return Object.keys(columns).length > 0 ? { op: 'rename', columns } : null
}

const steps = (...list: (TableStep | null)[]): TableStep[] => list.filter((s): s is TableStep => s !== null)

/** The one-hot groups `foldOneHotGroups` folds in this table, as steps. */
function foldSteps(table: DictTable): TableStep[] {
  return foldOneHotGroups(table).folded.map((g) => ({
    op: 'fold-one-hot',
    columns: g.from,
    labels: g.from.map((c) => ONE_HOT_NAME.exec(c)![2]),
    into: g.column,
    separator: ONE_HOT_SEPARATOR,
  }))
}

/** The recipes of a known format's tables (mirrors `formats.ts`; the test of data.py checks each). */
function knownRecipes(
  format: KnownFormat,
  fileOf: (role: TableRole) => DictTable | undefined,
  tables: DictTables,
): DataResult<Recipes> {
  const out: Partial<Recipes> = {}
  const names = (t: DictTable) => knownParseOptions(t.name)?.columnNames ?? t.columns
  for (const role of ROLES) {
    const file = fileOf(role)
    if (!file || !tables[role]) continue
    const from = { file: file.name }
    switch (format) {
      case 'movielens-100k':
      case 'movielens-1m': {
        const rename = renamed(file.columns, names(file))
        if (role !== 'items') out[role] = { from, steps: steps(rename) }
        else if (format === 'movielens-1m')
          out[role] = {
            from,
            steps: steps(rename, { op: 'derive', into: 'year', from: 'title', rule: 'year-in-parentheses' }),
          }
        else {
          const flags = ML100K_GENRES.map((g) => `genre_${g}`)
          out[role] = {
            from,
            steps: steps(
              rename,
              { op: 'fold-one-hot', columns: flags, labels: ML100K_GENRES, into: 'genres', separator: '|' },
              { op: 'derive', into: 'year', from: 'release_date', rule: 'year-at-end' },
            ),
          }
        }
        break
      }
      case 'movielens-latest':
        out[role] =
          role === 'items'
            ? {
                from,
                steps: [
                  { op: 'derive', into: 'genres', from: 'genres', rule: 'no-genres-listed-is-empty' },
                  { op: 'derive', into: 'year', from: 'title', rule: 'year-in-parentheses' },
                ],
              }
            : { from, steps: [] }
        break
      case 'thelook': {
        const views = role === 'interactions' && !file.columns.includes('product_id')
        const key = role === 'users' ? 'user_id' : 'product_id'
        out[role] = views
          ? {
              from,
              steps: [
                { op: 'derive', into: 'product_id', from: 'uri', rule: 'product-from-uri' },
                { op: 'keep-rows-with', columns: ['product_id', 'user_id'] },
              ],
            }
          : { from, steps: steps(role === 'interactions' ? null : { op: 'rename', columns: { id: key } }) }
        break
      }
      case 'recbole':
        // `name:type` headers lose their type, a side table's key takes the interactions' id name:
        // both renames keep every column in its place.
        out[role] = { from, steps: steps(renamed(file.columns, tables[role]!.columns)) }
        break
    }
  }
  if (!out.interactions) return unsupported('the interactions file of the known format was not found')
  return { ok: true, data: out as Recipes }
}

/** Whether ids of these columns would join differently as written and as integers (`idKey`). */
function hasFloatIds(...columns: { table: DictTable; column: string }[]): boolean {
  return columns.some(
    ({ table, column }) =>
      table.coded[column] !== undefined &&
      dictOf(table, column).dictionary.some((v) => FLOAT_INTEGER.test(v)),
  )
}

/** The recipes of an inferred proposal (mirrors `inferSchema` and `proposeWithRoles`). */
function inferredRecipes(
  fileOf: (role: TableRole) => DictTable | undefined,
  tables: DictTables,
  requested: ColumnMapping,
): DataResult<Recipes> {
  const interactionsFile = fileOf('interactions')
  if (!interactionsFile) return unsupported('no file holds the interactions')
  const out: Partial<Recipes> = {
    interactions: { from: { file: interactionsFile.name }, steps: foldSteps(interactionsFile) },
  }
  for (const role of ['users', 'items'] as const) {
    const table = tables[role]
    if (!table) continue
    const id = role === 'users' ? requested.userId : requested.itemId
    const file = fileOf(role)
    if (!file || file.name !== table.name) {
      // A table made only of interaction columns constant per entity (`liftColumns`).
      out[role] = {
        from: { perEntityOf: 'interactions', id, columns: table.columns.filter((c) => c !== id) },
        steps: [],
      }
      continue
    }
    const folded = foldOneHotGroups(file).table
    const rename = folded.columns.includes(id) ? null : renamed(folded.columns, table.columns)
    const lifted = table.columns.slice(folded.columns.length)
    if (lifted.length > 0 && hasFloatIds({ table: interactionsFile, column: id }, { table, column: id }))
      return unsupported(
        `ids such as 21148.0 joined between ${interactionsFile.name} and ${file.name}`,
        file.name,
      )
    out[role] = {
      from: { file: file.name },
      steps: steps(
        ...foldSteps(file),
        rename,
        lifted.length > 0 ? { op: 'join-per-entity', id, columns: lifted, match: 'as-written' } : null,
      ),
    }
  }
  return { ok: true, data: out as Recipes }
}

/** The recipes after Apply's `liftToTowers`: interaction columns sent to a tower join its table. */
function withLifts(recipes: Recipes, tables: DictTables, requested: ColumnMapping): Recipes {
  const out: Recipes = { ...recipes }
  const hasId: Partial<Record<'users' | 'items', boolean>> = {}
  for (const role of ['users', 'items'] as const) {
    const id = role === 'users' ? requested.userId : requested.itemId
    if (tables[role]) hasId[role] = tables[role].coded[id] !== undefined
  }
  for (const f of requested.features) {
    if (f.table !== 'interactions' || f.tower === 'context') continue
    const role = f.tower === 'user' ? 'users' : 'items'
    const id = role === 'users' ? requested.userId : requested.itemId
    const join: TableStep = { op: 'join-per-entity', id, columns: [f.column], match: 'as-written' }
    if (hasId[role]) out[role] = { ...out[role]!, steps: [...out[role]!.steps, join] }
    else if (hasId[role] === undefined) {
      out[role] = { from: { perEntityOf: 'interactions', id, columns: [f.column] }, steps: [] }
      hasId[role] = true
    }
  }
  return out
}

/** The file entry of a parsed file, from its report. */
function mappedFile(file: ParsedFile): MappedFile {
  const { report, table } = file
  return {
    name: table.name,
    encoding: report.encoding,
    delimiter: report.delimiter,
    header: report.header,
    quoting: report.quoting,
    newline: report.newline,
    columns: [...table.columns],
  }
}

/**
 * `mapping.json` of an applied upload, or a problem when its tables were made in a way data.py cannot
 * repeat yet (the page then offers the export without data.py's dataset).
 */
export function mappingFileOf(upload: AppliedUpload): DataResult<MappingFile> {
  const { proposal, requested } = upload
  const fileOf = (role: TableRole) => {
    const name = proposal.roles.find((r) => r.role === role)?.file
    return upload.files.find((f) => f.table.name === name)?.table
  }
  const format = (Object.keys(FORMAT_LABELS) as KnownFormat[]).find(
    (k) => FORMAT_LABELS[k] === proposal.format,
  )
  if (proposal.format !== null && !format) return unsupported(`the format "${proposal.format}"`)
  const recipes = format
    ? knownRecipes(format, fileOf, proposal.tables)
    : inferredRecipes(fileOf, proposal.tables, requested)
  if (!recipes.ok) return recipes
  const used = new Set(
    Object.values(recipes.data).flatMap((r: TableRecipe) => ('file' in r.from ? [r.from.file] : [])),
  )
  return {
    ok: true,
    data: {
      format: MAPPING_FILE_FORMAT,
      formatVersion: MAPPING_FILE_VERSION,
      name: upload.name,
      files: upload.files.filter((f) => used.has(f.table.name)).map(mappedFile),
      tables: withLifts(recipes.data, proposal.tables, requested),
      mapping: upload.lifted ?? liftToTowers(proposal.tables, requested).mapping,
      cleaning: upload.cleaning,
      encoding: { numericBuckets: NUMERIC_BUCKETS, missingLabel: MISSING_LABEL },
    },
  }
}

/**
 * String tables (the demo's) as CSV files plus their `mapping.json`, for data encoded straight from the
 * tables without cleaning (`encodeDataset(name, tables, mapping)`). Cells must not start or end with
 * white space: reading a file trims them.
 */
export function tablesAsFiles(
  name: string,
  tables: DatasetTables,
  mapping: ColumnMapping,
): { files: { name: string; text: string }[]; mappingFile: MappingFile } {
  const present = ROLES.flatMap((role) => (tables[role] ? [[role, tables[role]] as const] : []))
  const recipe = (table: Table): TableRecipe => ({ from: { file: table.name }, steps: [] })
  const recipes: Recipes = {
    interactions: recipe(tables.interactions),
    ...(tables.users ? { users: recipe(tables.users) } : {}),
    ...(tables.items ? { items: recipe(tables.items) } : {}),
  }
  return {
    files: present.map(([, table]) => ({ name: table.name, text: csvOf(table) })),
    mappingFile: {
      format: MAPPING_FILE_FORMAT,
      formatVersion: MAPPING_FILE_VERSION,
      name,
      files: present.map(([, table]) => ({
        name: table.name,
        encoding: 'utf-8',
        delimiter: ',',
        header: true,
        quoting: true,
        newline: '\n',
        columns: [...table.columns],
      })),
      tables: recipes,
      mapping,
      cleaning: null,
      encoding: { numericBuckets: NUMERIC_BUCKETS, missingLabel: MISSING_LABEL },
    },
  }
}
