/**
 * Guesses from the first part of a file's text: line ending, delimiter and whether the first row is a
 * header. Each guess can be overridden by the person; these only propose.
 */
import Papa from 'papaparse'

/** Delimiters recognised automatically. `::` is MovieLens 1M's `.dat` format. */
export const DELIMITERS = [',', '\t', ';', '|', '::'] as const
export type Delimiter = (typeof DELIMITERS)[number]
export type Newline = '\n' | '\r\n' | '\r'

/** Lines of the sample used for guessing. */
const SNIFF_LINES = 50
/** Share of sample rows that must have the most common field count for a delimiter to be accepted. */
const MIN_CONSISTENCY = 0.8

/** The first line ending in the text (`\n` when there is none). */
export function detectNewline(text: string): Newline {
  const lf = text.indexOf('\n')
  const cr = text.indexOf('\r')
  if (lf < 0 && cr < 0) return '\n'
  if (lf < 0) return '\r'
  if (cr >= 0 && cr === lf - 1) return '\r\n'
  if (cr >= 0 && cr < lf) return '\r'
  return '\n'
}

/** Complete lines at the start of `sample` (the last one may be cut off by the sample's end). */
function sampleLines(sample: string, newline: Newline, complete: boolean): string[] {
  const lines = sample.split(newline)
  if (!complete && lines.length > 1) lines.pop()
  return lines.filter((l) => l.trim() !== '').slice(0, SNIFF_LINES)
}

/**
 * Rows of the sample parsed with a delimiter. `quoting: false` splits literally, as MovieLens files need
 * (their titles contain bare `"`).
 */
export function sampleRows(
  sample: string,
  delimiter: string,
  newline: Newline,
  quoting: boolean,
  complete: boolean,
): string[][] {
  const lines = sampleLines(sample, newline, complete)
  if (!quoting || delimiter === '::') return lines.map((l) => l.split(delimiter))
  const parsed = Papa.parse<string[]>(lines.join(newline), { delimiter, newline, skipEmptyLines: true })
  return parsed.data
}

export interface DelimiterGuess {
  /** The best delimiter, or null when every candidate gives one column (a single-column file, or a delimiter we do not know). */
  delimiter: Delimiter | null
  /** Field count of most sample rows with that delimiter. */
  fieldCount: number
}

/**
 * Picks the candidate that splits most sample rows into the same number (> 1) of fields; ties go to more
 * fields, then to the order of `DELIMITERS`. `::` is tried first and only when every line has it, since
 * its lines often also contain `|` (MovieLens genres).
 */
export function detectDelimiter(sample: string, newline: Newline, complete: boolean): DelimiterGuess {
  const lines = sampleLines(sample, newline, complete)
  if (lines.length === 0) return { delimiter: null, fieldCount: 1 }
  if (lines.every((l) => l.includes('::'))) {
    const counts = lines.map((l) => l.split('::').length)
    const mode = modeOf(counts)
    if (counts.filter((c) => c === mode.value).length / counts.length >= MIN_CONSISTENCY)
      return { delimiter: '::', fieldCount: mode.value }
  }
  let best: DelimiterGuess & { score: number } = { delimiter: null, fieldCount: 1, score: 0 }
  for (const d of DELIMITERS) {
    if (d === '::') continue
    const rows = sampleRows(sample, d, newline, true, complete)
    if (rows.length === 0) continue
    const mode = modeOf(rows.map((r) => r.length))
    if (mode.value < 2) continue
    const consistency = mode.count / rows.length
    if (consistency < MIN_CONSISTENCY) continue
    const score = consistency * 1000 + Math.min(mode.value, 999)
    if (score > best.score) best = { delimiter: d, fieldCount: mode.value, score }
  }
  return { delimiter: best.delimiter, fieldCount: best.fieldCount }
}

function modeOf(values: number[]): { value: number; count: number } {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  let value = 0
  let count = 0
  for (const [v, c] of counts) if (c > count || (c === count && v > value)) [value, count] = [v, c]
  return { value, count }
}

function isNumeric(value: string): boolean {
  const t = value.trim()
  return t !== '' && Number.isFinite(Number(t))
}

/** Character-class outline of a value: `U00123` -> `a9`, `user_id` -> `a_a`, `2024-01-05` -> `9-9-9`. */
function shapeOf(value: string): string {
  return value
    .trim()
    .replace(/\p{L}+/gu, 'a')
    .replace(/[0-9]+/g, '9')
}

/**
 * Does the first row hold column names? Not when any of its cells is a number. Yes when a column below
 * it is numeric (a text cell on top of numbers is the classic header). Otherwise yes when, in at least
 * half of the columns, the first cell stands out from the cells below it: it has a different shape from
 * most values (`user_id` vs `U00123`), or the column repeats a few values and the first cell is not one
 * of them (`gender` over `F`/`M`).
 */
export function detectHeader(rows: string[][]): boolean {
  if (rows.length === 0) return false
  const [first, ...rest] = rows
  const named = first.map((c) => c.trim()).filter((c) => c !== '')
  if (named.length === 0 || named.some(isNumeric)) return false
  if (rest.length === 0) return true
  let differs = 0
  let judged = 0
  for (let j = 0; j < first.length; j++) {
    const head = first[j].trim()
    const values = rest.map((r) => (r[j] ?? '').trim()).filter((v) => v !== '')
    if (head === '' || values.length === 0) continue
    if (values.filter(isNumeric).length / values.length >= 0.8) return true
    judged++
    const shapes = modeOfStrings(values.map(shapeOf))
    const distinct = new Set(values)
    const repetitive = distinct.size <= values.length / 2
    if ((shapes.share >= 0.5 && shapes.value !== shapeOf(head)) || (repetitive && !distinct.has(head)))
      differs++
  }
  return judged > 0 && differs * 2 >= judged
}

function modeOfStrings(values: string[]): { value: string; share: number } {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  let value = ''
  let count = 0
  for (const [v, c] of counts) if (c > count) [value, count] = [v, c]
  return { value, share: values.length ? count / values.length : 0 }
}
