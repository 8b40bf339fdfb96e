/**
 * ISO-style date-times as numbers and back, exactly: `2024-03-01 06:15:00+00:00` is epoch milliseconds
 * plus the way it was written (a `DateFormat`), and writing the number in that format gives the same
 * text again (fractions of a second to the microsecond, as databases export them). Parsed files store a column of such texts as numbers (see `ColumnBuilder`) when every cell
 * round-trips; anything else stays text. A time without a zone is read as UTC (files do not say which
 * local zone they meant; the EDA axis says UTC).
 */

/** How a date-time is written. Two texts with equal formats differ only in the instant they name. */
export interface DateFormat {
  /** `T` or a space between date and time; null for a date alone. */
  separator: 'T' | ' ' | null
  seconds: boolean
  /** Digits after the seconds' decimal point, 0 to 6 (beyond 3 the number has a fraction of a ms). */
  fraction: number
  /** The zone exactly as written: `''`, `Z`, ` UTC`, `+02:00`, `-0530`, ... */
  zone: string
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?(Z| ?UTC|[+-]\d{2}:?\d{2})?$/

/** Minutes east of UTC of a written zone. */
function offsetMinutes(zone: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)
  if (!m) return 0
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]))
}

const pad = (n: number, width: number) => String(n).padStart(width, '0')

/** The text of epoch milliseconds `ms` in `format`. */
export function formatDate(ms: number, format: DateFormat): string {
  const local = ms + offsetMinutes(format.zone) * 60_000
  // With microseconds, all of them as one integer so the sub-millisecond digits come out exactly
  // (exact below 2^53 µs, the year 2255; parseDate keeps µs texts before 2109).
  const micros = format.fraction > 3 ? Math.round(local * 1000) : 0
  const whole = format.fraction > 3 ? Math.floor(micros / 1000) : Math.round(local)
  const d = new Date(whole)
  let text = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`
  if (format.separator === null) return text + format.zone
  text += `${format.separator}${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}`
  if (format.seconds) {
    text += `:${pad(d.getUTCSeconds(), 2)}`
    if (format.fraction > 0) {
      const digits =
        pad(d.getUTCMilliseconds(), 3) + (format.fraction > 3 ? pad(micros - whole * 1000, 3) : '')
      text += `.${digits.slice(0, format.fraction)}`
    }
  }
  return text + format.zone
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0

/**
 * Epoch milliseconds and format of an ISO-style date-time, or null when the text is not one or would
 * not come back exactly when written again (`2024-02-30`, `0099-01-01`, `24:00`, microseconds after
 * 2109, where a double no longer holds them). Every field is checked against its range, so
 * `formatDate(ms, format)` gives `text` back; microsecond texts are also checked by writing them.
 */
export function parseDate(text: string): { ms: number; format: DateFormat } | null {
  const m = PATTERN.exec(text)
  if (!m) return null
  const [, ys, mos, ds, separator, hs, mis, ss, frac, zone = ''] = m
  const year = Number(ys)
  const month = Number(mos)
  const day = Number(ds)
  const hour = Number(hs ?? 0)
  const minute = Number(mis ?? 0)
  const second = Number(ss ?? 0)
  const monthDays = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > monthDays) return null
  if (hour > 23 || minute > 59 || second > 59) return null
  const micros = frac ? Number(frac.padEnd(6, '0')) : 0
  const ms =
    Date.UTC(year, month - 1, day, hour, minute, second, Math.floor(micros / 1000)) +
    (micros % 1000) / 1000 -
    offsetMinutes(zone) * 60_000
  const format: DateFormat = {
    separator: (separator as 'T' | ' ' | undefined) ?? null,
    seconds: ss !== undefined,
    fraction: frac ? frac.length : 0,
    zone,
  }
  if (format.fraction > 3 && (Math.abs(ms) >= 2 ** 42 || formatDate(ms, format) !== text)) return null
  return { ms, format }
}

export function sameFormat(a: DateFormat, b: DateFormat): boolean {
  return (
    a.separator === b.separator && a.seconds === b.seconds && a.fraction === b.fraction && a.zone === b.zone
  )
}
