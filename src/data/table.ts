import { formatDate, parseDate, sameFormat, type DateFormat } from './datetime'
import { slicesOf, whole, type Sliced } from './slices'
import type { Column, DictColumn, DictTable, NumberColumn, Table } from './types'

/** Rows a column builder has room for before its first doubling. */
const INITIAL_CAPACITY_ROWS = 1024
/**
 * A column whose distinct values all read back exactly as numbers (or as ISO date-times written one
 * way) becomes a `NumberColumn` once it has this many of them and they are more than
 * `NUMBER_COLUMN_SHARE` of its rows so far: unique timestamps, amounts, event ids. Repetitive columns
 * (ids, categories) stay dictionaries, which are smaller for them.
 */
export const NUMBER_COLUMN_MIN_DISTINCT = 65_536
export const NUMBER_COLUMN_SHARE = 0.5

/** Is `column` stored as numbers? */
export function isNumberColumn(column: Column): column is NumberColumn {
  return 'values' in column
}

/** Rows of a column. */
export function columnLength(column: Column): number {
  return isNumberColumn(column) ? column.values.length : column.codes.length
}

/** The number a plain-number cell holds: NaN for `''`, else a finite number whose text is `value`. */
export function numberOfText(value: string): number | null {
  if (value === '') return NaN
  const x = Number(value)
  return Number.isFinite(x) && String(x) === value ? x : null
}

/** The text of a number column's cell (a date in `format` when the column holds dates). */
export function textOfNumber(x: number, format?: DateFormat): string {
  if (Number.isNaN(x)) return ''
  return format ? formatDate(x, format) : String(x)
}

/** How the cells of a column could be numbers: plain numbers, or date-times written in one format. */
type Codec = { dates: false } | { dates: true; format: DateFormat }

/** The codec a non-empty text suggests, or null when it is neither a number nor an ISO date-time. */
function codecOf(value: string): Codec | null {
  if (numberOfText(value) !== null) return { dates: false }
  const date = parseDate(value)
  return date ? { dates: true, format: date.format } : null
}

/** The number of `value` under `codec` (NaN for `''`), or null when `value` is not written that way. */
function read(value: string, codec: Codec): number | null {
  if (value === '') return NaN
  if (!codec.dates) return numberOfText(value)
  const date = parseDate(value)
  return date && sameFormat(date.format, codec.format) ? date.ms : null
}

/**
 * Builds one column while rows stream in: dictionary codes (each distinct string once), switching to a
 * `NumberColumn` when the distinct values are many, nearly one per row, and all numbers (or date-times
 * in one format) that read back exactly (see `NUMBER_COLUMN_MIN_DISTINCT`); a later cell that is not
 * written that way switches it back. Arrays grow by doubling (capped at `maxRows`), so appending is
 * amortised O(1) and peak memory is at most twice the final array.
 */
export class ColumnBuilder {
  dictionary: string[] = []
  private index = new Map<string, number>()
  private codes: Int32Array
  private values: Float64Array | null = null
  private length = 0
  /** undefined: no non-empty value yet; null: the values cannot be stored as numbers. */
  private codec: Codec | null | undefined

  constructor(
    private readonly maxRows = Number.MAX_SAFE_INTEGER,
    allowNumbers = true,
  ) {
    this.codes = new Int32Array(Math.min(INITIAL_CAPACITY_ROWS, Math.max(1, maxRows)))
    this.codec = allowNumbers ? undefined : null
  }

  get rowCount(): number {
    return this.length
  }

  /** Distinct values held in the dictionary (0 once the column is stored as numbers). */
  get distinctCount(): number {
    return this.dictionary.length
  }

  /** The code of `value`, adding it to the dictionary if new. Only for dictionary columns. */
  codeOf(value: string): number {
    let code = this.index.get(value)
    if (code === undefined) {
      code = this.dictionary.length
      this.dictionary.push(value)
      this.index.set(value, code)
      if (this.codec === undefined && value !== '') this.codec = codecOf(value)
      else if (this.codec && read(value, this.codec) === null) this.codec = null
    }
    return code
  }

  push(value: string): void {
    if (this.values) {
      const x = read(value, this.codec!)
      if (x !== null) return this.pushNumber(x)
      this.toDictionary()
    }
    this.pushCode(this.codeOf(value))
    if (
      this.codec &&
      this.dictionary.length >= NUMBER_COLUMN_MIN_DISTINCT &&
      this.dictionary.length > NUMBER_COLUMN_SHARE * this.length
    )
      this.toNumbers()
  }

  pushCode(code: number): void {
    if (this.length === this.codes.length) {
      const grown = new Int32Array(Math.min(this.maxRows, this.codes.length * 2))
      grown.set(this.codes)
      this.codes = grown
    }
    this.codes[this.length++] = code
  }

  private pushNumber(x: number): void {
    let values = this.values!
    if (this.length === values.length) {
      const grown = new Float64Array(Math.min(this.maxRows, values.length * 2))
      grown.set(values)
      this.values = values = grown
    }
    values[this.length++] = x
  }

  private toNumbers(): void {
    const codec = this.codec!
    const numbers = Float64Array.from(this.dictionary, (v) => read(v, codec)!)
    const values = new Float64Array(this.codes.length)
    for (let r = 0; r < this.length; r++) values[r] = numbers[this.codes[r]]
    this.values = values
    this.codes = new Int32Array(0)
    this.dictionary = []
    this.index = new Map()
  }

  private toDictionary(): void {
    const values = this.values!
    const format = this.codec?.dates ? this.codec.format : undefined
    this.values = null
    this.codec = null
    this.codes = new Int32Array(values.length)
    for (let r = 0; r < this.length; r++) this.codes[r] = this.codeOf(textOfNumber(values[r], format))
  }

  /** The finished column, trimmed to the row count. The builder must not be reused. */
  finish(): Column {
    // Trimmed by a copy only when there is room to give back (a full array is returned as it is).
    const trim = <T extends Int32Array | Float64Array>(a: T): T =>
      a.length === this.length ? a : (a.slice(0, this.length) as T)
    if (this.values) {
      const values = trim(this.values)
      return this.codec?.dates ? { values, format: this.codec.format } : { values }
    }
    return { codes: trim(this.codes), dictionary: this.dictionary }
  }

  /** The finished column as a dictionary column (for builders of derived columns). */
  finishDict(): DictColumn {
    return asDict(this.finish())
  }
}

const dictOfNumbers = new WeakMap<NumberColumn, DictColumn>()

/**
 * The dictionary form of a column (itself when it is one). A number column is converted once and the
 * result kept as long as the column lives, so ids and categories stored as numbers can be used as codes.
 */
export function asDict(column: Column): DictColumn {
  if (!isNumberColumn(column)) return column
  let dict = dictOfNumbers.get(column)
  if (!dict) {
    const builder = new ColumnBuilder(Math.max(1, column.values.length), false)
    for (const x of column.values) builder.push(textOfNumber(x, column.format))
    dict = builder.finish() as DictColumn
    dictOfNumbers.set(column, dict)
  }
  return dict
}

/** A column of `table` in dictionary form (see `asDict`). */
export function dictOf(table: DictTable, column: string): DictColumn {
  return asDict(table.coded[column])
}

/**
 * How numbers are read from cells: `number` as a numeric feature (a date is not a number, so NaN), or
 * `timestamp` as epoch seconds (numbers above 1e11 are milliseconds; dates are their instant).
 */
export type NumberReading = 'number' | 'timestamp'

/** Epoch seconds of a numeric timestamp: milliseconds above 1e11, seconds otherwise. */
export function epochSeconds(x: number): number {
  return x > 1e11 ? x / 1000 : x
}

/**
 * Per-row numbers of a column: `parse` applied once per distinct text of a dictionary column, or the
 * stored numbers of a number column read as `reading` (which is what `parse` gives for their texts).
 * When a number column's numbers are already what is asked for (plain numbers, or epoch seconds read as
 * a timestamp), the result is the column's own array, not a copy: callers only read it, and at
 * 10,000,000 rows a copy of the timestamps is 76 MB held as long as the encoded upload.
 */
export function numbersOf(
  column: Column,
  parse: (text: string) => number,
  reading: NumberReading,
): Float64Array {
  if (!isNumberColumn(column)) {
    const perCode = Float64Array.from(column.dictionary, parse)
    return Float64Array.from(column.codes, (code) => perCode[code])
  }
  const { values, format } = column
  if (reading === 'number') return format ? new Float64Array(values.length).fill(NaN) : values
  if (!format && values.every((x) => !(x > 1e11))) return values
  return values.map((x) => (Number.isNaN(x) ? NaN : format ? x / 1000 : epochSeconds(x)))
}

/** The rows `rows` of a column, in that order. */
export function takeRows(column: Column, rows: ArrayLike<number>): Column {
  if (isNumberColumn(column)) return { ...column, values: Float64Array.from(rows, (r) => column.values[r]) }
  return { codes: Int32Array.from(rows, (r) => column.codes[r]), dictionary: column.dictionary }
}

/** A column from plain strings. */
export function dictColumn(values: readonly string[]): DictColumn {
  return whole(dictColumnInSlices(values, Math.max(1, values.length)))
}

/** `dictColumn` in slices of `sliceRows` rows. */
function* dictColumnInSlices(values: readonly string[], sliceRows: number): Sliced<DictColumn> {
  const builder = new ColumnBuilder(Math.max(1, values.length), false)
  for (const [from, to] of slicesOf(values.length, sliceRows)) {
    for (let r = from; r < to; r++) builder.push(values[r])
    yield
  }
  return builder.finishDict()
}

/** The dictionary-coded form of a string table (used for the demo and for small test tables). */
export function toDictTable(table: Table): DictTable {
  return whole(toDictTableInSlices(table))
}

/**
 * Rows per slice of `toDictTableInSlices`: a string is hashed per row, so 2^17 rows are tens of
 * milliseconds (the demo's 1,000,000-row interactions table is ~0.8 s in all in Node).
 */
const DICT_SLICE_ROWS = 1 << 17

/** `toDictTable` in slices of `sliceRows` rows of one column; the same table however it is sliced. */
export function* toDictTableInSlices(table: Table, sliceRows = DICT_SLICE_ROWS): Sliced<DictTable> {
  const coded: Record<string, Column> = {}
  for (const c of table.columns) coded[c] = yield* dictColumnInSlices(table.data[c], sliceRows)
  return { name: table.name, columns: [...table.columns], coded, rowCount: table.rowCount }
}

/** A small table from rows of strings, for tests and derived tables. */
export function dictTableFromRows(name: string, columns: string[], rows: readonly string[][]): DictTable {
  const coded: Record<string, Column> = {}
  columns.forEach((c, j) => (coded[c] = dictColumn(rows.map((row) => row[j] ?? ''))))
  return { name, columns: [...columns], coded, rowCount: rows.length }
}

/** The text of one cell. */
export function cell(table: DictTable, column: string, row: number): string {
  const col = table.coded[column]
  return isNumberColumn(col) ? textOfNumber(col.values[row], col.format) : col.dictionary[col.codes[row]]
}

/** All cells of a column as strings (materialises the column: for small tables and tests). */
export function columnValues(table: DictTable, column: string): string[] {
  const col = table.coded[column]
  if (isNumberColumn(col)) return Array.from(col.values, (x) => textOfNumber(x, col.format))
  return Array.from(col.codes, (code) => col.dictionary[code])
}

/** How many rows use each dictionary code. */
export function codeCounts(column: DictColumn, rows?: Uint8Array): Int32Array {
  const counts = new Int32Array(column.dictionary.length)
  const { codes } = column
  if (rows) {
    for (let r = 0; r < codes.length; r++) if (rows[r]) counts[codes[r]]++
  } else {
    for (let r = 0; r < codes.length; r++) counts[codes[r]]++
  }
  return counts
}

/**
 * A new table with only the rows whose `keep` flag is set. Dictionaries are shared, not copied; when
 * every row is kept, so are the columns (the same objects: cleaning that removes nothing must not hold a
 * second copy of a 10,000,000-row file, and `asDict`'s conversion of a number column is then reused).
 */
export function filterRows(table: DictTable, keep: Uint8Array): DictTable {
  let kept = 0
  for (let r = 0; r < table.rowCount; r++) if (keep[r]) kept++
  if (kept === table.rowCount) return { ...table, columns: [...table.columns], coded: { ...table.coded } }
  const coded: Record<string, Column> = {}
  for (const c of table.columns) {
    const column = table.coded[c]
    if (isNumberColumn(column)) {
      const values = new Float64Array(kept)
      let k = 0
      for (let r = 0; r < table.rowCount; r++) if (keep[r]) values[k++] = column.values[r]
      coded[c] = { ...column, values }
      continue
    }
    const codes = new Int32Array(kept)
    let k = 0
    for (let r = 0; r < table.rowCount; r++) if (keep[r]) codes[k++] = column.codes[r]
    coded[c] = { codes, dictionary: column.dictionary }
  }
  return { name: table.name, columns: [...table.columns], coded, rowCount: kept }
}

/** A new table with columns renamed by `names` (old -> new); other columns keep their names. */
export function renameColumns(table: DictTable, names: Record<string, string>): DictTable {
  const columns = table.columns.map((c) => names[c] ?? c)
  const coded: Record<string, Column> = {}
  table.columns.forEach((c, j) => (coded[columns[j]] = table.coded[c]))
  return { ...table, columns, coded }
}

/** A new table with `column` added (or replaced). */
export function withColumn(table: DictTable, name: string, column: Column): DictTable {
  const columns = table.columns.includes(name) ? [...table.columns] : [...table.columns, name]
  return { ...table, columns, coded: { ...table.coded, [name]: column } }
}

/** A new table without the named columns. */
export function withoutColumns(table: DictTable, drop: readonly string[]): DictTable {
  const gone = new Set(drop)
  const columns = table.columns.filter((c) => !gone.has(c))
  const coded: Record<string, Column> = {}
  for (const c of columns) coded[c] = table.coded[c]
  return { ...table, columns, coded }
}

/**
 * A new column whose dictionary entries are rewritten by `f` (codes stay). Entries that become equal are
 * merged, so the result is still a proper dictionary. Cost is per distinct value, not per row.
 */
export function mapDictionary(input: Column, f: (value: string) => string): DictColumn {
  const column = asDict(input)
  const builder = new ColumnBuilder(1, false)
  const remap = Int32Array.from(column.dictionary, (v) => builder.codeOf(f(v)))
  const codes = new Int32Array(column.codes.length)
  for (let r = 0; r < codes.length; r++) codes[r] = remap[column.codes[r]]
  return { codes, dictionary: builder.dictionary }
}

/**
 * Folds one-hot columns (`1` where the row has that label) back into one column whose cell is the
 * labels that are set, joined by `separator` (`Action|Comedy`), or `''` when none is set.
 * Cost is per row times the number of columns; the result is a normal dictionary column.
 */
export function foldOneHot(
  table: DictTable,
  columns: readonly string[],
  labels: readonly string[],
  separator = '|',
): DictColumn {
  const isSet = columns.map((c) => {
    const col = dictOf(table, c)
    return { codes: col.codes, on: Uint8Array.from(col.dictionary, (v) => (isOne(v) ? 1 : 0)) }
  })
  const builder = new ColumnBuilder(Math.max(1, table.rowCount), false)
  const parts: string[] = []
  for (let r = 0; r < table.rowCount; r++) {
    parts.length = 0
    for (let j = 0; j < isSet.length; j++) if (isSet[j].on[isSet[j].codes[r]]) parts.push(labels[j])
    builder.push(parts.join(separator))
  }
  return builder.finishDict()
}

/** One-hot "set" cells: `1`, `1.0`, `true`, `yes`. */
export function isOne(value: string): boolean {
  const v = value.trim().toLowerCase()
  return v === '1' || v === '1.0' || v === 'true' || v === 'yes'
}

/** RFC 4180 text of a table: a header, quotes only where needed, LF line ends. */
export function csvOf(table: Table): string {
  const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)
  const lines = [table.columns.map(quote).join(',')]
  for (let r = 0; r < table.rowCount; r++)
    lines.push(table.columns.map((c) => quote(table.data[c][r])).join(','))
  return lines.join('\n') + '\n'
}

/**
 * The numbers of `values` that are not NaN (and, with `keep`, whose row is kept), sorted. Copied by
 * loops into an array of the right size: `values.filter(...)` gathers its result as a list of boxed
 * numbers first, about 580 MB of garbage at 10,000,000 rows (Node), where the result is 76 MB.
 */
export function presentSorted(values: Float64Array, keep?: Uint8Array): Float64Array {
  const taken = (r: number) => !Number.isNaN(values[r]) && (!keep || keep[r] === 1)
  let count = 0
  for (let r = 0; r < values.length; r++) if (taken(r)) count++
  const out = new Float64Array(count)
  for (let r = 0, k = 0; r < values.length; r++) if (taken(r)) out[k++] = values[r]
  return out.sort()
}
