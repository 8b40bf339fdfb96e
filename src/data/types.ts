/**
 * The shapes data takes on its way from files to the model.
 *
 *   Table (strings, column-oriented)      --encodeDataset(mapping)-->  EncodedDataset (typed arrays + vocabularies)
 *   DictTable (dictionary-coded columns)  --encodeDataset(mapping)-->  EncodedDataset
 *
 * The demo generator produces Tables (small, easy to read and write). Parsers of uploaded files produce
 * DictTables, because a million-row file as arrays of JS strings costs hundreds of MB: a DictTable keeps
 * one Int32 code per cell and each distinct string once, or, for columns of nearly unique numbers or
 * date-times, one Float64 per cell (`NumberColumn`). Both take exactly the same path to the model.
 */
import type { DateFormat } from './datetime'

/** Which tower a field feeds. Context fields describe the interaction (device, hour) and feed the user (query) tower. */
export type FieldTower = 'user' | 'item' | 'context'

/**
 * How a column becomes a token.
 * - `id`: the user or item identifier itself (one embedding row per id).
 * - `categorical`: one embedding row per distinct value.
 * - `numeric`: bucketed into quantiles, one embedding row per bucket.
 */
export type FieldKind = 'id' | 'categorical' | 'numeric'

/** A parsed file: column names and, per column, one string per row. IDs stay strings (`00123` is not `123`). */
export interface Table {
  name: string
  columns: string[]
  /** Column name -> cell values, all of length `rowCount`. Missing cells are empty strings. */
  data: Record<string, string[]>
  rowCount: number
}

/**
 * One column as dictionary codes: the cell in row `r` is `dictionary[codes[r]]`. Each distinct string
 * (after trimming) is stored once; missing cells are whatever text the file had (often `''`).
 */
export interface DictColumn {
  codes: Int32Array
  dictionary: string[]
}

/**
 * A column stored as one number per row. Its cell in row `r` is `String(values[r])` (numbers written in
 * their shortest form: `1614556800`, `3.5`), or, with a `format`, the date-time of epoch milliseconds
 * `values[r]` written in that format (`2024-03-01 06:15:00`); `''` where `values[r]` is NaN (an empty
 * cell). The parser stores a column this way instead of a dictionary once it has tens of thousands of
 * distinct values that all read back exactly (see `ColumnBuilder`): unique-per-row timestamps then cost
 * 8 bytes a row instead of a string, a dictionary slot and a hash entry each. Text such as `00123`,
 * `1.50` or dates written in mixed ways never becomes a number column.
 */
export interface NumberColumn {
  values: Float64Array
  format?: DateFormat
}

export type Column = DictColumn | NumberColumn

/** A parsed file in column form: every column has `rowCount` rows. */
export interface DictTable {
  name: string
  columns: string[]
  coded: Record<string, Column>
  rowCount: number
}

/** Which table a feature column lives in. */
export type TableRole = 'interactions' | 'users' | 'items'

export interface DatasetTables {
  interactions: Table
  users?: Table
  items?: Table
}

/** The same three roles, as parsed from files. */
export interface DictTables {
  interactions: DictTable
  users?: DictTable
  items?: DictTable
}

/** One model input field after encoding. Code 0 always means "missing or unknown". */
export interface EncodedField {
  name: string
  tower: FieldTower
  kind: FieldKind
  /** code -> human-readable label; `vocabulary[0]` is the missing/unknown label. */
  vocabulary: string[]
}

/**
 * A multi-valued categorical field of users or items (MovieLens genres `Action|Comedy`), ragged: the
 * value codes of entity `e` are `codes[offsets[e]]` up to (excluding) `codes[offsets[e + 1]]`, in the
 * order the cell lists them, each value once. An entity with no value (missing cell, no row) has none.
 */
export interface MultiField {
  name: string
  tower: 'user' | 'item'
  /** code -> label, ordered by frequency; `vocabulary[0]` is the missing label (an entity with no value). */
  vocabulary: string[]
  /** Length entities + 1. */
  offsets: Int32Array
  codes: Int32Array
}

/**
 * A dataset ready for the model: every user, item and interaction is an integer, every field value a code.
 * Code arrays are row-major: `userCodes[u * userFields.length + f]`. Multi-valued fields of users and
 * items live beside them in `multiUser` / `multiItem` (absent or empty when there are none).
 */
export interface EncodedDataset {
  name: string
  userIds: string[]
  itemIds: string[]
  userFields: EncodedField[]
  userCodes: Int32Array
  itemFields: EncodedField[]
  itemCodes: Int32Array
  contextFields: EncodedField[]
  /** Per interaction: `contextCodes[row * contextFields.length + f]`. */
  contextCodes: Int32Array
  interactionUser: Int32Array
  interactionItem: Int32Array
  /** Epoch seconds per interaction, or null when the data has no timestamp. */
  interactionTime: Float64Array | null
  multiUser?: MultiField[]
  multiItem?: MultiField[]
  /**
   * What a person reads for each item / user instead of its bare id: the value of a display column the
   * mapping chose (a movie title, a product name), per entity index. Absent when none was chosen; an
   * entity without a value has `''`. Display only: never a model input.
   */
  itemLabels?: string[]
  userLabels?: string[]
}

/** Counts shown to the person and stored in the run file. */
export interface DatasetSummary {
  name: string
  interactions: number
  /** Users with at least one interaction (only they are trained on and evaluated). */
  users: number
  /** The catalogue ranked: every item of the interactions and of the item table. */
  items: number
  /** Catalogue items that come only from the item table (no interaction); absent when none. */
  itemsWithoutInteractions?: number
  /** Fraction of the user×item matrix that is empty, in [0, 1]. */
  sparsity: number
  fields: { name: string; tower: FieldTower; kind: FieldKind | 'multi'; cardinality: number }[]
  hasTimestamps: boolean
}

/** A failure a person can act on: which file, which row (1-based, header excluded) and which column. */
export interface DataProblem {
  ok: false
  reason: string
  file?: string
  row?: number
  column?: string
  /** Set when the person cancelled: not an error to show in red. */
  cancelled?: true
}
export type DataResult<T> = { ok: true; data: T } | DataProblem
