import { describe, expect, it } from 'vitest'
import { formatDate, parseDate } from './datetime'
import { parseTimestamp } from './encode.values'

describe('ISO date-times as numbers', () => {
  it.each([
    ['2024-03-01', Date.UTC(2024, 2, 1)],
    ['2024-03-01 06:15', Date.UTC(2024, 2, 1, 6, 15)],
    ['2024-03-01T06:15:07', Date.UTC(2024, 2, 1, 6, 15, 7)],
    ['2024-03-01T06:15:07Z', Date.UTC(2024, 2, 1, 6, 15, 7)],
    ['2024-03-01 06:15:07 UTC', Date.UTC(2024, 2, 1, 6, 15, 7)],
    ['2024-03-01T06:15:07.5Z', Date.UTC(2024, 2, 1, 6, 15, 7, 500)],
    ['2024-03-01T06:15:07.123+02:00', Date.UTC(2024, 2, 1, 4, 15, 7, 123)],
    ['2024-03-01 00:30:00-0530', Date.UTC(2024, 2, 1, 6, 0, 0)],
    ['1999-12-31T23:59:59.999Z', Date.UTC(1999, 11, 31, 23, 59, 59, 999)],
    ['2023-01-02 08:00:00.123456 UTC', Date.UTC(2023, 0, 2, 8, 0, 0, 123) + 0.456],
    ['1969-12-31 23:59:59.000001', Date.UTC(1969, 11, 31, 23, 59, 59) + 0.001],
  ])('%s is read as its instant and written back exactly', (text, ms) => {
    const parsed = parseDate(text)
    expect(parsed?.ms).toBe(ms)
    expect(formatDate(parsed!.ms, parsed!.format)).toBe(text)
    // The same instant as the timestamp parser gives (a time without a zone is UTC).
    expect(parseTimestamp(text)).toBe(ms / 1000)
  })

  it.each([
    '2024-02-30',
    '2023-02-29',
    '2024-03-01T06:60:00',
    '2024-13-01',
    '2024-03-01T25:00:00',
    '0099-01-01',
    '2024-03-01T06:15:07.1234567Z',
    '2150-03-01 06:15:07.123456',
    '2024-3-1',
    '01-Jan-1995',
    '2024-03-01T06:15:07+2',
    '1614556800',
    '',
  ])('%s is not stored as a date', (text) => {
    expect(parseDate(text)).toBeNull()
  })

  it('writes back every instant it reads, in every format (random instants 1000–9999, µs 1900–2100)', () => {
    let seed = 17
    const next = () => ((seed = (seed * 1664525 + 1013904223) >>> 0), seed / 2 ** 32)
    const formats = [
      '2024-03-01',
      '2024-03-01 06:15',
      '2024-03-01T06:15:07Z',
      '2024-03-01T06:15:07.1+05:30',
      '2024-03-01 06:15:07.12 UTC',
      '2024-03-01T06:15:07.123-0800',
      '2024-03-01 06:15:07.1234 UTC',
      '2024-03-01 06:15:07.123456+01:00',
    ].map((t) => parseDate(t)!.format)
    for (let i = 0; i < 4000; i++) {
      const format = formats[i % formats.length]
      const [lo, hi] =
        format.fraction > 3
          ? [Date.UTC(1900, 0, 1), Date.UTC(2100, 0, 1)]
          : [Date.UTC(1000, 0, 1), Date.UTC(9999, 11, 31)]
      const micros = Math.floor(next() * 1000) / 1000
      const text = formatDate(lo + Math.floor(next() * (hi - lo)) + micros, format)
      const parsed = parseDate(text)
      expect(parsed?.format).toEqual(format)
      expect(formatDate(parsed!.ms, format)).toBe(text)
    }
  })

  it('keeps the way a date-time is written in its format', () => {
    const a = parseDate('2024-03-01T06:15:07.120+02:00')!
    expect(a.format).toEqual({ separator: 'T', seconds: true, fraction: 3, zone: '+02:00' })
    // Another instant in the same format is written the same way, across a month and a year.
    expect(formatDate(Date.UTC(2025, 0, 1, 22, 0, 0, 5), a.format)).toBe('2025-01-02T00:00:00.005+02:00')
  })
})
