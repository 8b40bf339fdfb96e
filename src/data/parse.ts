/**
 * Streaming parse of one delimited text file into a dictionary-coded table.
 *
 * Bytes are pushed in chunks of any size (as `File.stream()` or fflate deliver them); nothing ever holds
 * the whole file as one string. The first `SNIFF_CHARS` of text decide delimiter and header (unless
 * given), then text goes through papaparse's RFC 4180 parser (quotes, quoted newlines, `""`) chunk by
 * chunk, each time keeping the unfinished last row for the next chunk. MovieLens `::` files and files
 * with `quoting: false` are split literally instead, because their fields contain bare `"`.
 *
 * Policies, chosen so a person sees what was kept:
 * - Blank lines are skipped silently.
 * - Ragged rows (a field count other than the header's) are skipped and counted, with the first few
 *   named in the report. A row that only has extra empty fields (a trailing delimiter) is kept. When more
 *   than `MAX_RAGGED_SHARE` of the rows are ragged the file is refused instead: the delimiter or the
 *   header is probably wrong, and dropping most of a file silently would mislead.
 * - Cells are trimmed of surrounding white space (`" 42"` and `"42"` are the same id).
 * - Duplicate or empty header names are renamed (`x`, `x_2`; `column_3`) and reported.
 */
import Papa from 'papaparse'
import type { DataProblem, DataResult } from './types'
import { StreamDecoder, binaryReason, type TextEncoding } from './decode'
import {
  detectDelimiter,
  detectHeader,
  detectNewline,
  sampleRows,
  type Delimiter,
  type Newline,
} from './sniff'
import { ColumnBuilder } from './table'
import type { DictTable } from './types'

/** Characters of text read before guessing delimiter and header. */
export const SNIFF_CHARS = 64 * 1024
/** Default limit on data rows per file; beyond it the file is refused, not truncated. */
export const MAX_ROWS = 10_000_000
/**
 * Default limit on cells (rows × columns) per file: 4 bytes each in dictionary columns, 8 in number
 * columns, so 240 to 480 MB of column arrays at most.
 */
export const MAX_CELLS = 60_000_000
/**
 * Default limit on distinct values per file, summed over dictionary columns. Each costs about 100 bytes
 * of heap (string, dictionary slot, hash entry: measured ~130 MB for 1M unique timestamps), so 3M stays
 * well inside a tab's memory. Numbers that are nearly unique per row (epoch timestamps, amounts, event
 * ids) are stored as number columns instead (8 bytes a row) and do not count; unique text (ISO dates,
 * UUIDs) does.
 */
export const MAX_DISTINCT_VALUES = 3_000_000
/** A row longer than this is refused: almost always a quote that is never closed. */
export const MAX_ROW_CHARS = 1_000_000
/** Share of ragged rows above which a file is refused rather than cleaned. */
export const MAX_RAGGED_SHARE = 0.1
/** Excel's first line naming the delimiter: `sep=,` (any one character, `\t` included). */
const EXCEL_SEPARATOR_LINE = /^sep=([^\r\n])\r?\n/i
/** Ragged rows named one by one in the report. */
const RAGGED_EXAMPLES = 5
/** Text gathered before each call into papaparse; bigger batches amortise its per-call set-up. */
const BATCH_CHARS = 256 * 1024

export interface ParseOptions {
  encoding?: TextEncoding | 'auto'
  /** A detected or named delimiter; any other string is used as given. */
  delimiter?: Delimiter | 'auto' | (string & {})
  header?: boolean | 'auto'
  /** RFC 4180 quotes; false splits every line literally (MovieLens). Default true. */
  quoting?: boolean
  /** Column names to use when the file has no header. */
  columnNames?: string[]
  maxRows?: number
  maxCells?: number
  maxDistinctValues?: number
  /** Store high-cardinality numeric columns as numbers (`NumberColumn`); default true. */
  numberColumns?: boolean
}

/** What the parser decided and what it dropped, for the person to check. */
export interface ParseReport {
  file: string
  encoding: TextEncoding
  /** The delimiter used; null when none was found and the file was read as one column. */
  delimiter: string | null
  header: boolean
  quoting: boolean
  newline: Newline
  bytesRead: number
  /** Data rows kept (header excluded). */
  rows: number
  blankLines: number
  raggedRows: number
  /** The first ragged rows: 1-based data row number (header excluded) and their field count. */
  raggedExamples: { row: number; expected: number; found: number }[]
  renamedColumns: { from: string; to: string }[]
  /** Characters that were not valid in the chosen encoding (shown as U+FFFD). */
  replacementChars: number
  /** Sentences for the person, one per thing worth knowing. */
  warnings: string[]
}

export interface ParsedFile {
  table: DictTable
  report: ParseReport
}

export interface ParseProgress {
  file: string
  bytesRead: number
  /** Total bytes of the input when known (the file's size, compressed if it is compressed). */
  totalBytes?: number
  rows: number
}

/**
 * Parses one text file pushed in byte chunks. Never throws on user data: problems are returned by
 * `push` (the first one sticks) and by `finish`.
 */
export class StreamingTableParser {
  private readonly decoder: StreamDecoder
  private maxRows: number
  private readonly maxCells: number
  /** What the row limit comes from, for the message: the row limit itself or the cell limit. */
  private rowLimitBy: 'rows' | 'cells' = 'rows'
  private problem: DataProblem | null = null
  private bytesRead = 0
  private sniffBuffer = ''
  private sniffed = false
  private pending = ''
  private delimiter: string | null = null
  private newline: Newline = '\n'
  private header = false
  private quoting: boolean
  private papa: Papa.Parser | null = null
  private columns: string[] | null = null
  private builders: ColumnBuilder[] = []
  private headerPending = false
  /** Data rows seen, kept or not (the row number in messages). */
  private rowNumber = 0
  private kept = 0
  private blankLines = 0
  private raggedRows = 0
  private readonly raggedExamples: ParseReport['raggedExamples'] = []
  private readonly renamedColumns: ParseReport['renamedColumns'] = []
  private readonly warnings: string[] = []

  constructor(
    readonly name: string,
    private readonly options: ParseOptions = {},
  ) {
    this.decoder = new StreamDecoder(options.encoding ?? 'auto')
    this.maxRows = options.maxRows ?? MAX_ROWS
    this.maxCells = options.maxCells ?? MAX_CELLS
    this.quoting = options.quoting ?? true
  }

  get rows(): number {
    return this.kept
  }

  /** True once the input turned out to be empty or binary (a zip skips such entries instead of failing). */
  notText = false

  /** Adds bytes; returns the problem that stops parsing, if any. */
  push(bytes: Uint8Array): DataProblem | null {
    if (this.problem) return this.problem
    if (this.bytesRead === 0 && bytes.length > 0) {
      const binary = binaryReason(bytes)
      if (binary) {
        this.notText = true
        return this.fail(`${this.name} cannot be read: ${binary}`)
      }
    }
    this.bytesRead += bytes.length
    this.addText(this.decoder.decode(bytes), false)
    return this.problem
  }

  /** Ends the input and returns the table, or the problem that stopped it. */
  finish(): DataResult<ParsedFile> {
    if (!this.problem) this.addText(this.decoder.end(), true)
    if (this.problem) return this.problem
    if (this.bytesRead === 0 || (this.columns === null && this.kept === 0)) {
      this.notText = true
      return this.fail(`${this.name} is empty.`)
    }
    const columns = this.columns ?? []
    if (this.kept === 0 && this.raggedRows === 0)
      return this.fail(
        `${this.name} has a header (${columns.slice(0, 5).join(', ')}${columns.length > 5 ? ', …' : ''}) but no data rows.`,
      )
    if (this.raggedRows > 0) {
      const total = this.kept + this.raggedRows
      const first = this.raggedExamples[0]
      if (this.raggedRows / total > MAX_RAGGED_SHARE)
        return this.fail(
          `${this.raggedRows.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} rows of ${this.name} do not have ` +
            `${columns.length} fields like the header (row ${first.row} has ${first.found}). The delimiter ` +
            `(${describeDelimiter(this.delimiter)}) or the header choice is probably wrong.`,
          first.row,
        )
      this.warnings.push(
        `Skipped ${this.raggedRows.toLocaleString('en-US')} ragged row(s) with a field count other than ${columns.length}, ` +
          `e.g. ${this.raggedExamples.map((e) => `row ${e.row} (${e.found} fields)`).join(', ')}.`,
      )
    }
    if (this.decoder.replacementChars > 0)
      this.warnings.push(
        `${this.decoder.replacementChars} character(s) are not valid UTF-8 and show as �; if the file is Latin-1, pick that encoding.`,
      )
    if (this.delimiter === null && columns.length === 1)
      this.warnings.push(
        `${this.name} has a single column: no , tab ; | or :: delimiter was found. Pick the delimiter if it is another one.`,
      )
    const coded: DictTable['coded'] = {}
    columns.forEach((c, j) => (coded[c] = this.builders[j].finish()))
    return {
      ok: true,
      data: {
        table: { name: this.name, columns, coded, rowCount: this.kept },
        report: {
          file: this.name,
          encoding: this.decoder.encoding,
          delimiter: this.delimiter,
          header: this.header,
          quoting: this.quoting,
          newline: this.newline,
          bytesRead: this.bytesRead,
          rows: this.kept,
          blankLines: this.blankLines,
          raggedRows: this.raggedRows,
          raggedExamples: this.raggedExamples,
          renamedColumns: this.renamedColumns,
          replacementChars: this.decoder.replacementChars,
          warnings: this.warnings,
        },
      },
    }
  }

  private fail(reason: string, row?: number, column?: string): DataProblem {
    this.problem = { ok: false, reason, file: this.name, row, column }
    return this.problem
  }

  private addText(text: string, final: boolean): void {
    if (!this.sniffed) {
      this.sniffBuffer += text
      if (this.sniffBuffer.length < SNIFF_CHARS && !final) return
      text = this.sniff(this.sniffBuffer, final)
      this.sniffBuffer = ''
    }
    this.pending += text
    if (this.pending.length < BATCH_CHARS && !final) return
    const input = this.pending
    this.pending = ''
    if (this.quoting && this.delimiter !== '::') this.parseQuoted(input, final)
    else this.parseLiteral(input, final)
    this.checkDistinct()
    if (!final && this.pending.length > MAX_ROW_CHARS)
      this.fail(
        `Row ${this.rowNumber + 1} of ${this.name} is longer than ${MAX_ROW_CHARS.toLocaleString('en-US')} characters; ` +
          'a quote (") is probably never closed.',
        this.rowNumber + 1,
      )
  }

  /** Refuses a file whose dictionaries outgrow the memory budget, naming the column with the most values. */
  private checkDistinct(): void {
    if (this.problem || !this.columns) return
    const limit = this.options.maxDistinctValues ?? MAX_DISTINCT_VALUES
    let total = 0
    let worst = 0
    this.builders.forEach((b, j) => {
      total += b.distinctCount
      if (b.distinctCount > this.builders[worst].distinctCount) worst = j
    })
    if (total > limit)
      this.fail(
        `${this.name} has more than ${limit.toLocaleString('en-US')} distinct values by row ${this.rowNumber.toLocaleString('en-US')} ` +
          `(most in "${this.columns[worst]}"), more than this page can hold. Use a sample of the file or drop that column.`,
        this.rowNumber,
        this.columns[worst],
      )
  }

  /** Decides newline, delimiter and header from the first text; returns the text left to parse. */
  private sniff(text: string, complete: boolean): string {
    this.sniffed = true
    // Excel writes `sep=;` as a first line to name the delimiter: honour it, and it is not a row.
    const excel = EXCEL_SEPARATOR_LINE.exec(text)
    const sample = excel ? text.slice(excel[0].length) : text
    if (excel)
      this.warnings.push(
        `${this.name} starts with Excel's "${excel[0].trim()}" line; it names the delimiter and is not a row.`,
      )
    this.newline = detectNewline(sample)
    const asked = this.options.delimiter ?? (excel ? excel[1] : 'auto')
    this.delimiter = asked === 'auto' ? detectDelimiter(sample, this.newline, complete).delimiter : asked
    if (this.delimiter === '::') this.quoting = false
    const asKnown = this.options.header ?? 'auto'
    // A file read as one column gets a header only when told so: a lone column of names is ambiguous.
    this.header =
      asKnown === 'auto'
        ? this.delimiter !== null &&
          detectHeader(sampleRows(sample, this.delimiter, this.newline, this.quoting, complete))
        : asKnown
    this.headerPending = this.header
    if (this.quoting && this.delimiter !== '::')
      this.papa = new Papa.Parser({ delimiter: this.delimiter ?? '\u0000', newline: this.newline })
    return sample
  }

  /** Text through papaparse; the unfinished last row is kept in `pending` for the next call. */
  private parseQuoted(input: string, final: boolean): void {
    const result = this.papa!.parse(input, 0, !final) as {
      data: string[][]
      errors: { code: string; row: number }[]
      meta: { cursor: number }
    }
    const rows = result.data
    if (!final) this.pending = input.substring(result.meta.cursor)
    if (final) {
      const unclosed = result.errors.find((e) => e.code === 'MissingQuotes')
      if (unclosed) {
        this.fail(
          `A quote (") opened in row ${this.rowNumber + unclosed.row + (this.headerPending ? 0 : 1)} of ${this.name} is never closed.`,
          this.rowNumber + unclosed.row + (this.headerPending ? 0 : 1),
        )
        return
      }
    }
    for (const row of rows) if (!this.addRow(row)) return
  }

  /** Text split literally by lines and the delimiter (no quotes). */
  private parseLiteral(input: string, final: boolean): void {
    const lines = input.split(this.newline === '\r' ? '\r' : '\n')
    if (!final) this.pending = lines.pop() ?? ''
    const delimiter = this.delimiter
    for (let line of lines) {
      if (this.newline === '\r\n' && line.endsWith('\r')) line = line.slice(0, -1)
      if (!this.addRow(delimiter === null ? [line] : line.split(delimiter))) return
    }
  }

  /** Takes one parsed row; false when parsing must stop. */
  private addRow(raw: string[]): boolean {
    if (raw.length === 1 && raw[0].trim() === '') {
      this.blankLines++
      return true
    }
    if (this.columns === null) {
      if (this.headerPending) {
        this.headerPending = false
        const names = raw.map((c) => c.trim())
        // A trailing delimiter after the last name is an empty name, not a column.
        while (names.length > 1 && names[names.length - 1] === '') names.pop()
        this.setColumns(names)
        return true
      }
      const names = this.options.columnNames
      this.setColumns(raw.map((_, j) => names?.[j] ?? `column_${j + 1}`))
    }
    this.rowNumber++
    const width = this.columns!.length
    if (raw.length !== width && !(raw.length > width && raw.slice(width).every((c) => c.trim() === ''))) {
      this.raggedRows++
      if (this.raggedExamples.length < RAGGED_EXAMPLES)
        this.raggedExamples.push({ row: this.rowNumber, expected: width, found: raw.length })
      return true
    }
    if (this.kept >= this.maxRows) {
      const limit =
        this.rowLimitBy === 'rows'
          ? `${this.maxRows.toLocaleString('en-US')} rows`
          : `${this.maxRows.toLocaleString('en-US')} rows at ${width} columns (${this.maxCells.toLocaleString('en-US')} cells)`
      this.fail(
        `${this.name} has more than ${limit}, the most this page loads. ` +
          'Use a sample of the file (for example its first or a random part), or fewer columns.',
        this.rowNumber,
      )
      return false
    }
    for (let j = 0; j < width; j++) this.builders[j].push(raw[j].trim())
    this.kept++
    return true
  }

  private setColumns(names: string[]): void {
    const width = names.length
    const used = new Set<string>()
    const columns = names.map((name, j) => {
      const base = name === '' ? `column_${j + 1}` : name
      let unique = base
      for (let k = 2; used.has(unique); k++) unique = `${base}_${k}`
      used.add(unique)
      if (unique !== name) this.renamedColumns.push({ from: name, to: unique })
      return unique
    })
    if (this.renamedColumns.length > 0)
      this.warnings.push(
        `Renamed columns of ${this.name}: ${this.renamedColumns.map((r) => `"${r.from}" → "${r.to}"`).join(', ')}.`,
      )
    this.columns = columns
    // Row capacity is capped so that rows × columns stays under the cell limit.
    const rowCap = Math.max(1, Math.min(this.maxRows, Math.floor(this.maxCells / width)))
    if (rowCap < this.maxRows) {
      this.maxRows = rowCap
      this.rowLimitBy = 'cells'
    }
    this.builders = columns.map(() => new ColumnBuilder(rowCap, this.options.numberColumns ?? true))
  }
}

function describeDelimiter(d: string | null): string {
  if (d === null) return 'none found'
  if (d === '\t') return 'tab'
  return `"${d}"`
}

/** Parses a whole byte array (tests, small files). */
export function parseBytes(name: string, bytes: Uint8Array, options?: ParseOptions): DataResult<ParsedFile> {
  const parser = new StreamingTableParser(name, options)
  const problem = parser.push(bytes)
  return problem ?? parser.finish()
}
