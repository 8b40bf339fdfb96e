import { describe, expect, it } from 'vitest'
import { isMissing, parseNumber, parseTimestamp } from './encode.values'

describe('cell values', () => {
  it('parses TheLook-style timestamps', () => {
    expect(parseTimestamp('2022-03-05 10:21:00 UTC')).toBe(Date.UTC(2022, 2, 5, 10, 21) / 1000)
  })

  it('reads epoch seconds and milliseconds as seconds, and missing tokens as missing', () => {
    expect(parseTimestamp('1614556800')).toBe(1614556800)
    expect(parseTimestamp('1614556800000')).toBe(1614556800)
    expect(parseTimestamp('  ')).toBeNaN()
    expect(['', ' NA ', 'null', '?', 'n/a'].every(isMissing)).toBe(true)
    expect(isMissing('0')).toBe(false)
    expect([parseNumber('3.5'), parseNumber('NaN'), parseNumber('Infinity'), parseNumber('na')]).toEqual([
      3.5,
      NaN,
      NaN,
      NaN,
    ])
  })
})
