import { describe, expect, it } from 'vitest'
import { formatBytes, formatHalfWidth, formatSigned, formatTimes, valueAxisTicks } from './format'

describe('value axis ticks', () => {
  it('tell ticks apart for values around 0.002 (no "0.00" at every tick)', () => {
    const axis = valueAxisTicks([0.0012, 0.0021, 0.0018])
    expect(axis.ticks).toEqual([0, 0.001, 0.002, 0.003])
    const labels = axis.ticks.map(axis.format)
    expect(labels).toEqual(['0.000', '0.001', '0.002', '0.003'])
    expect(valueAxisTicks([0.0019]).ticks.map(valueAxisTicks([0.0019]).format)).toEqual([
      '0.0000',
      '0.0005',
      '0.0010',
      '0.0015',
      '0.0020',
    ])
    expect(new Set(labels).size).toBe(labels.length)
  })

  it('use one decimal for recall-sized values and cover the largest value', () => {
    const axis = valueAxisTicks([0.14, 0.39, 0.023])
    expect(axis.ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4])
    expect(axis.ticks.map(axis.format)).toEqual(['0.0', '0.1', '0.2', '0.3', '0.4'])
  })

  it('add a decimal for 2.5 steps, and fall back to 0–1 without data', () => {
    const axis = valueAxisTicks([0.95])
    expect(axis.ticks).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(axis.format(0.25)).toBe('0.25')
    expect(valueAxisTicks([]).ticks).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(valueAxisTicks([null, NaN, 0]).ticks.at(-1)).toBe(1)
  })

  it('give distinct labels whatever the scale', () => {
    for (const max of [3e-6, 0.00042, 0.0071, 0.052, 0.6, 7, 1234]) {
      const axis = valueAxisTicks([max])
      const labels = axis.ticks.map(axis.format)
      expect(new Set(labels).size, `max ${max}: ${labels.join(' ')}`).toBe(labels.length)
      expect(axis.ticks.at(-1)!).toBeGreaterThanOrEqual(max)
      expect(axis.ticks.length).toBeLessThanOrEqual(7)
    }
  })
})

describe('signed differences and interval half-widths', () => {
  it('write a true minus, a plus for gains, and no sign for zero', () => {
    expect(formatSigned(0.01234)).toBe('+0.0123')
    expect(formatSigned(-0.004)).toBe('−0.0040')
    expect(formatSigned(-0.00001)).toBe('0.0000')
    expect(formatSigned(NaN)).toBe('—')
    expect(formatHalfWidth(0.0135)).toBe('±0.0135')
    expect(formatHalfWidth(undefined)).toBe('± —')
    expect(formatHalfWidth(null)).toBe('± —')
    expect(formatTimes(2.834)).toBe('2.8×')
    expect(formatTimes(1.011)).toBe('1.01×')
    expect(formatTimes(0.95)).toBe('0.95×')
  })
})

describe('sizes in bytes', () => {
  it('pick the unit by powers of 1,024', () => {
    expect(formatBytes(1023)).toBe('1023 B')
    expect(formatBytes(1024)).toBe('1.0 KB')
    expect(formatBytes(181.1 * 1024)).toBe('181.1 KB')
    expect(formatBytes(5 * 1024 ** 2)).toBe('5.0 MB')
    expect(formatBytes(1024 ** 3 - 1)).toBe('1024.0 MB')
    expect(formatBytes(300 * 1024 ** 3)).toBe('300.0 GB')
  })
})
