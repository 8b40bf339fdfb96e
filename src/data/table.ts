import type { DictColumn, DictTable, Table } from './types'

/** Rows a column builder has room for before its first doubling. */
const INITIAL_CAPACITY_ROWS = 1024

/**
 * Builds one dictionary-coded column while rows stream in. The code array grows by doubling (capped at
 * `maxRows`), so appending is amortised O(1) and peak memory is at most twice the final array.
 */
export class ColumnBuilder {
  readonly dictionary: string[] = []
  private readonly index = new Map<string, number>()
  private codes: Int32Array
  private length = 0

  constructor(private readonly maxRows = Number.MAX_SAFE_INTEGER) {
    this.codes = new Int32Array(Math.min(INITIAL_CAPACITY_ROWS, Math.max(1, maxRows)))
  }

  get rowCount(): number {
    return this.length
  }

  /** The code of `value`, adding it to the dictionary if new. */
  codeOf(value: string): number {
    let code = this.index.get(value)
    if (code === undefined) {
      code = this.dictionary.length
      this.dictionary.push(value)
      this.index.set(value, code)
    }
    return code
  }

  push(value: string): void {
    this.pushCode(this.codeOf(value))
  }

  pushCode(code: number): void {
    if (this.length === this.codes.length) {
      const grown = new Int32Array(Math.min(this.maxRows, this.codes.length * 2))
      grown.set(this.codes)
      this.codes = grown
    }
    this.codes[this.length++] = code
  }

  /** The finished column; its code array is trimmed to the row count. The builder must not be reused. */
  finish(): DictColumn {
    return { codes: this.codes.slice(0, this.length), dictionary: this.dictionary }
  }
}

/** A column from plain strings. */
export function dictColumn(values: readonly string[]): DictColumn {
  const builder = new ColumnBuilder(Math.max(1, values.length))
  for (const v of values) builder.push(v)
  return builder.finish()
}

/** The dictionary-coded form of a string table (used for the demo and for small test tables). */
export function toDictTable(table: Table): DictTable {
  const coded: Record<string, DictColumn> = {}
  for (const c of table.columns) coded[c] = dictColumn(table.data[c])
  return { name: table.name, columns: [...table.columns], coded, rowCount: table.rowCount }
}

/** A small table from rows of strings, for tests and derived tables. */
export function dictTableFromRows(name: string, columns: string[], rows: readonly string[][]): DictTable {
  const coded: Record<string, DictColumn> = {}
  columns.forEach((c, j) => (coded[c] = dictColumn(rows.map((row) => row[j] ?? ''))))
  return { name, columns: [...columns], coded, rowCount: rows.length }
}

/** The text of one cell. */
export function cell(table: DictTable, column: string, row: number): string {
  const col = table.coded[column]
  return col.dictionary[col.codes[row]]
}

/** All cells of a column as strings (materialises the column: for small tables and tests). */
export function columnValues(table: DictTable, column: string): string[] {
  const col = table.coded[column]
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

/** A new table with only the rows whose `keep` flag is set. Dictionaries are shared, not copied. */
export function filterRows(table: DictTable, keep: Uint8Array): DictTable {
  let kept = 0
  for (let r = 0; r < table.rowCount; r++) if (keep[r]) kept++
  const coded: Record<string, DictColumn> = {}
  for (const c of table.columns) {
    const src = table.coded[c].codes
    const codes = new Int32Array(kept)
    let k = 0
    for (let r = 0; r < table.rowCount; r++) if (keep[r]) codes[k++] = src[r]
    coded[c] = { codes, dictionary: table.coded[c].dictionary }
  }
  return { name: table.name, columns: [...table.columns], coded, rowCount: kept }
}

/** A new table with columns renamed by `names` (old -> new); other columns keep their names. */
export function renameColumns(table: DictTable, names: Record<string, string>): DictTable {
  const columns = table.columns.map((c) => names[c] ?? c)
  const coded: Record<string, DictColumn> = {}
  table.columns.forEach((c, j) => (coded[columns[j]] = table.coded[c]))
  return { ...table, columns, coded }
}

/** A new table with `column` added (or replaced). */
export function withColumn(table: DictTable, name: string, column: DictColumn): DictTable {
  const columns = table.columns.includes(name) ? [...table.columns] : [...table.columns, name]
  return { ...table, columns, coded: { ...table.coded, [name]: column } }
}

/** A new table without the named columns. */
export function withoutColumns(table: DictTable, drop: readonly string[]): DictTable {
  const gone = new Set(drop)
  const columns = table.columns.filter((c) => !gone.has(c))
  const coded: Record<string, DictColumn> = {}
  for (const c of columns) coded[c] = table.coded[c]
  return { ...table, columns, coded }
}

/**
 * A new column whose dictionary entries are rewritten by `f` (codes stay). Entries that become equal are
 * merged, so the result is still a proper dictionary. Cost is per distinct value, not per row.
 */
export function mapDictionary(column: DictColumn, f: (value: string) => string): DictColumn {
  const builder = new ColumnBuilder(1)
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
    const col = table.coded[c]
    return { codes: col.codes, on: Uint8Array.from(col.dictionary, (v) => (isOne(v) ? 1 : 0)) }
  })
  const builder = new ColumnBuilder(Math.max(1, table.rowCount))
  const parts: string[] = []
  for (let r = 0; r < table.rowCount; r++) {
    parts.length = 0
    for (let j = 0; j < isSet.length; j++) if (isSet[j].on[isSet[j].codes[r]]) parts.push(labels[j])
    builder.push(parts.join(separator))
  }
  return builder.finish()
}

/** One-hot "set" cells: `1`, `1.0`, `true`, `yes`. */
export function isOne(value: string): boolean {
  const v = value.trim().toLowerCase()
  return v === '1' || v === '1.0' || v === 'true' || v === 'yes'
}
