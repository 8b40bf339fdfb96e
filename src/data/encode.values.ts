/**
 * Reading one cell's value, the same way everywhere (schema inference, cleaning, EDA, encoding): what
 * counts as missing (`''`, `NA`, `null`, `?`...), a timestamp as epoch seconds, a numeric cell as a
 * number. Pure functions of the text; per-dictionary helpers work once per distinct value.
 */
import { parseDate } from './datetime'
import { epochSeconds } from './table'
import type { DictColumn } from './types'

/** Cell texts (trimmed, lower case) that mean "no value". */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?'])

/** Whether a cell is missing: empty or one of `MISSING_TOKENS`, whatever its case and spaces. */
export function isMissing(value: string): boolean {
  return MISSING_TOKENS.has(value.trim().toLowerCase())
}

/**
 * Parses a timestamp cell into epoch seconds. Numbers above 1e11 are taken as milliseconds (1e11 s is
 * the year 5138, 1e11 ms is 1973), other numbers as seconds; ISO date-times as written (UTC when they
 * name no zone, like a date alone), anything else as `Date.parse` reads it.
 */
export function parseTimestamp(value: string): number {
  const trimmed = value.trim()
  if (trimmed === '') return NaN
  const asNumber = Number(trimmed)
  if (Number.isFinite(asNumber)) return epochSeconds(asNumber)
  const iso = parseDate(trimmed)
  if (iso) return iso.ms / 1000
  const ms = Date.parse(trimmed)
  return Number.isFinite(ms) ? ms / 1000 : NaN
}

/** Per dictionary code: is the value a missing token? Computed once per distinct value, not per row. */
export function missingCodes(column: DictColumn): Uint8Array {
  return Uint8Array.from(column.dictionary, (v) => (isMissing(v) ? 1 : 0))
}

/** A numeric cell as a number: NaN when missing or not a number (so NaN/Infinity text become missing). */
export function parseNumber(value: string): number {
  if (isMissing(value)) return NaN
  const x = Number(value)
  return Number.isFinite(x) ? x : NaN
}
