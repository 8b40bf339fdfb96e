import { describe, expect, it } from 'vitest'
import { mulberry32, shuffleInPlace, shuffleInSlices } from './random'
import { slicesOf, userSlices, whole, type Sliced } from './slices'
import { rowsByUser, rowsByUserInSlices, splitInSlices, splitWithOrder } from './split'
import { randomInteractions as interactions } from './testing'

/** Runs sliced work through, counting its slices (the times it yields, plus the last one). */
function counted<T>(work: Sliced<T>): { value: T; slices: number } {
  for (let slices = 1; ; slices++) {
    const next = work.next()
    if (next.done) return { value: next.value, slices }
  }
}

describe('work in slices gives what the whole work gives, in as many slices as its size asks', () => {
  it('slicesOf and userSlices cover every row and user once, in order', () => {
    expect([...slicesOf(10, 4)]).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ])
    expect([...slicesOf(0, 4)]).toEqual([])
    // Users of 3, 0, 5, 1 and 2 rows, slices of at least 4 rows.
    const start = Int32Array.from([0, 3, 3, 8, 9, 11])
    expect([...userSlices(start, 4)]).toEqual([
      [0, 3],
      [3, 5],
    ])
    expect([...userSlices(start, 1)]).toEqual([
      [0, 1],
      [1, 3],
      [3, 4],
      [4, 5],
    ])
  })

  it('a shuffle in slices makes the same swaps as the whole shuffle, at any slice length', () => {
    const whole = shuffleInPlace(
      mulberry32(5),
      Int32Array.from({ length: 1000 }, (_, i) => i),
    )
    for (const length of [1, 7, 999, 1000, 5000]) {
      const { value, slices } = counted(
        shuffleInSlices(
          mulberry32(5),
          Int32Array.from({ length: 1000 }, (_, i) => i),
          length,
        ),
      )
      expect(value).toEqual(whole)
      expect(slices).toBe(Math.ceil(999 / length))
    }
  })

  it('rows by user and the split, with and without timestamps: the same result, a slice per few rows', () => {
    for (const withTime of [true, false]) {
      const data = interactions(5000, 400, 80, withTime)
      const { value: grouped, slices: groupSlices } = counted(
        rowsByUserInSlices(data, undefined, undefined, 100),
      )
      expect(grouped).toEqual(rowsByUser(data))
      // Three passes over the 5,000 rows (count, touch, place), a slice per 100.
      expect(groupSlices).toBeGreaterThanOrEqual(3 * 50)
      const { value, slices } = counted(splitInSlices(data, 3, 100))
      expect(value).toEqual(splitWithOrder(data, 3))
      expect(whole(splitInSlices(data, 3))).toEqual(splitWithOrder(data, 3))
      // Every pass over the rows stops every 100 or so: with time the grouping (3 × 50 slices) and the
      // sort by time (ranges of users of at least 100 rows: a few fewer than 50), without it the shuffle.
      expect(slices).toBeGreaterThanOrEqual(withTime ? 3 * 50 + 40 : 49)
    }
  })
})
