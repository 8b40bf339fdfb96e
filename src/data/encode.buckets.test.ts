import { describe, expect, it } from 'vitest'
import { bucketLabels, bucketOf, quantileBoundaries } from './encode.buckets'

describe('numeric buckets', () => {
  it('cuts at quantiles, codes values from 1 and labels each bucket by its bounds', () => {
    const values = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, NaN])
    const bounds = quantileBoundaries(values, 4)
    expect(bounds).toEqual([3, 5, 7])
    expect([0.5, 3, 5.5, 7, 100, NaN].map((x) => bucketOf(x, bounds))).toEqual([1, 2, 3, 4, 4, 0])
    expect(bucketLabels(bounds)).toEqual(['< 3', '3 – 5', '5 – 7', '≥ 7'])
    expect(bucketLabels(quantileBoundaries(Float64Array.from([0.25, 0.25]), 4))).toEqual([
      '< 0.250',
      '≥ 0.250',
    ])
    expect(bucketLabels([])).toEqual(['all values'])
  })
})
