import { describe, expect, it } from 'vitest'
import {
  categoryRows,
  compactNumber,
  histogramRows,
  isoDay,
  logBinRows,
  MAX_RATING_BARS,
  missingRows,
  ratingRows,
  shortLabel,
} from './edaRows'

describe('edaRows', () => {
  it('formats tick numbers compactly without losing four-digit values', () => {
    expect([0, 0.5, 3, 23.85, 1995, 12_500, 2_500_000].map(compactNumber)).toEqual([
      '0',
      '0.5',
      '3',
      '23.85',
      '1995',
      '12.5k',
      '2.5M',
    ])
    expect(shortLabel('video_release_date', 8)).toBe('video_r…')
  })

  it('labels doubling bins and hides empty ones from the log axis', () => {
    expect(
      logBinRows([
        { lower: 1, upper: 2, count: 5 },
        { lower: 2, upper: 4, count: 0 },
        { lower: 4, upper: 8, count: 2 },
      ]),
    ).toEqual([
      { label: '1', count: 5 },
      { label: '2–3', count: null },
      { label: '4–7', count: 2 },
    ])
  })

  it('adds the rest of a categorical column as one bar', () => {
    const rows = categoryRows({
      table: 'users',
      file: 'u.user',
      column: 'occupation',
      distinct: 5,
      top: [
        { value: 'writer', count: 4 },
        { value: '', count: 1 },
      ],
      otherCount: 7,
    })
    expect(rows.map((r) => r.label)).toEqual(['writer', '(empty)', '(3 other)'])
  })

  it('shapes histograms, missing values and time', () => {
    expect(histogramRows([{ lower: 0, upper: 2.5, count: 3 }])).toEqual([
      { label: '0', range: '0 to 2.5', count: 3 },
    ])
    expect(
      missingRows([
        { table: 'users', file: 'a', column: 'x', missing: 1, rows: 4 },
        { table: 'users', file: 'a', column: 'y', missing: 0, rows: 4 },
        { table: 'users', file: 'a', column: 'z', missing: 3, rows: 4 },
      ]).map((r) => [r.label, r.percent]),
    ).toEqual([
      ['z', 75],
      ['x', 25],
    ])
    expect(isoDay(86_400 * 365)).toBe('1971-01-01')
  })

  it('groups a continuous rating into ranges', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ value: String(i / 10), count: 1 }))
    const rows = ratingRows(many)
    expect(rows).toHaveLength(MAX_RATING_BARS)
    expect(rows.reduce((s, r) => s + r.count, 0)).toBe(100)
    expect(ratingRows([{ value: '4', count: 2 }])).toEqual([{ label: '4', count: 2 }])
  })
})
