import { describe, expect, it } from 'vitest'
import { syntheticDataset } from './synthetic'

describe('syntheticDataset', () => {
  it('has an id and one feature per side by default', () => {
    const data = syntheticDataset(30, 50, 400, 1)
    expect(data.userFields.map((f) => f.name)).toEqual(['user_id', 'segment'])
    expect(data.itemFields.map((f) => f.name)).toEqual(['item_id', 'kind'])
    expect(data.userCodes.length).toBe(30 * 2)
    expect(data.itemCodes.length).toBe(50 * 2)
    expect(data.interactionUser.length).toBe(400)
    expect(Math.max(...data.interactionItem)).toBeLessThan(50)
  })

  it('has the fields asked for on each tower, and timestamps when asked', () => {
    const data = syntheticDataset(30, 50, 400, 1, { userFields: 4, itemFields: 3 })
    expect(data.interactionTime).toBeNull()
    expect(data.userFields.map((f) => f.name)).toEqual(['user_id', 'segment', 'segment_2', 'segment_3'])
    expect(data.itemFields.map((f) => f.name)).toEqual(['item_id', 'kind', 'kind_2'])
    const check = (codes: Int32Array, rows: number, width: number, vocabularies: number[]) => {
      expect(codes.length).toBe(rows * width)
      for (let r = 0; r < rows; r++) {
        // Each row's id is its own row (code 0 is the missing value); features are known values.
        expect(codes[r * width]).toBe(r + 1)
        for (let f = 1; f < width; f++) {
          expect(codes[r * width + f]).toBeGreaterThan(0)
          expect(codes[r * width + f]).toBeLessThan(vocabularies[f])
        }
      }
    }
    check(
      data.userCodes,
      30,
      4,
      data.userFields.map((f) => f.vocabulary.length),
    )
    check(
      data.itemCodes,
      50,
      3,
      data.itemFields.map((f) => f.vocabulary.length),
    )
    // The features are not constant: they carry something to attend to.
    expect(new Set(Array.from({ length: 30 }, (_, r) => data.userCodes[r * 4 + 3])).size).toBeGreaterThan(1)
  })

  it('draws the same interactions with or without timestamps, and times when asked', () => {
    const plain = syntheticDataset(30, 50, 400, 1)
    const timed = syntheticDataset(30, 50, 400, 1, { timestamps: true })
    expect(timed.interactionUser).toEqual(plain.interactionUser)
    expect(timed.interactionItem).toEqual(plain.interactionItem)
    const times = timed.interactionTime ?? new Float64Array(0)
    expect(times.length).toBe(400)
    for (const t of times) expect(Number.isInteger(t) && t >= 1_609_459_200).toBe(true)
    expect(new Set(times).size).toBeGreaterThan(300)
  })

  it('is the same for the same seed, and needs each id', () => {
    const shape = { userFields: 3, itemFields: 3, timestamps: true }
    expect(syntheticDataset(20, 20, 100, 3, shape)).toEqual(syntheticDataset(20, 20, 100, 3, shape))
    expect(() => syntheticDataset(20, 20, 100, 3, { itemFields: 0 })).toThrow('needs its id field')
  })
})
