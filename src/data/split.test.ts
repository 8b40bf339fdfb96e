import { describe, expect, it } from 'vitest'
import {
  itemsPerUser,
  itemsPerUserInParts,
  MIN_INTERACTIONS_FOR_HOLDOUT,
  rowsByUser,
  splitDataset,
  splitWithOrder,
} from './split'
import { randomInteractions as interactions } from './testing'

describe('splitDataset', () => {
  it('leave-last-out holds out each user’s last and second-to-last rows by time, ties by row order', () => {
    const data = interactions(4000, 700, 90, true)
    const split = splitDataset(data, 1)
    expect(split.kind).toBe('leave-last-out')
    // The same split written the plain way: rows per user sorted by (time, row).
    const byUser = new Map<number, number[]>()
    data.interactionUser.forEach((u, r) => byUser.set(u, [...(byUser.get(u) ?? []), r]))
    const test: number[] = []
    const validation: number[] = []
    const train: number[] = []
    for (const u of [...byUser.keys()].sort((a, b) => a - b)) {
      const rows = byUser.get(u)!.sort((a, b) => data.interactionTime![a] - data.interactionTime![b] || a - b)
      if (rows.length < MIN_INTERACTIONS_FOR_HOLDOUT) train.push(...rows)
      else {
        test.push(rows.at(-1)!)
        validation.push(rows.at(-2)!)
        train.push(...rows.slice(0, -2))
      }
    }
    expect(Array.from(split.test)).toEqual(test)
    expect(Array.from(split.validation)).toEqual(validation)
    expect(Array.from(split.train)).toEqual(train)
    // Every row is in exactly one part; some users are too small to hold anything out.
    expect(split.train.length + split.validation.length + split.test.length).toBe(4000)
    expect(validation.length).toBeLessThan(byUser.size)
  })

  it.each([
    ['whole seconds with ties (the packed sort)', (t: number) => Math.floor(t / 7)],
    ['fractional seconds (the comparator sort)', (t: number) => t / 3],
    ['negative seconds (the comparator sort)', (t: number) => -Math.floor(t / 5)],
    ['seconds past 2^35 (the comparator sort)', (t: number) => 2 ** 35 + Math.floor(t / 5)],
    ['already in order (no sort)', (_: number, r: number) => r],
  ])('the per-user time order it hands on is (time, row), times carried: %s', (_, shape) => {
    const data = interactions(3000, 300, 50, true)
    const time = Float64Array.from(data.interactionTime!, (t, r) => shape(t, r))
    const { inTime } = splitWithOrder({ ...data, interactionTime: time }, 1)
    const { start, order, timeAt } = inTime!
    for (let u = 0; u < data.userIds.length; u++) {
      const rows = data.interactionUser.reduce<number[]>((out, v, r) => (v === u ? [...out, r] : out), [])
      const expected = rows.sort((a, b) => time[a] - time[b] || a - b)
      expect(Array.from(order.subarray(start[u], start[u + 1])), `user ${u}`).toEqual(expected)
      expect(Array.from(timeAt.subarray(start[u], start[u + 1]))).toEqual(expected.map((r) => time[r]))
    }
  })

  it('without timestamps cuts a seeded 80/10/10 permutation of the rows', () => {
    const data = interactions(1000, 50, 30, false)
    const a = splitDataset(data, 7)
    expect(a.kind).toBe('random')
    expect([a.train.length, a.validation.length, a.test.length]).toEqual([800, 100, 100])
    const all = [...a.train, ...a.validation, ...a.test].sort((x, y) => x - y)
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i))
    expect(Array.from(splitDataset(data, 7).test)).toEqual(Array.from(a.test))
    expect(Array.from(splitDataset(data, 8).test)).not.toEqual(Array.from(a.test))
  })
})

describe('rowsByUser and itemsPerUser', () => {
  it('group rows by user in their given order', () => {
    const data = interactions(300, 20, 10, false)
    const rows = Int32Array.from([5, 3, 250, 17, 3, 99])
    const { start, order } = rowsByUser(data, rows)
    for (let u = 0; u < 20; u++)
      expect(Array.from(order.subarray(start[u], start[u + 1]))).toEqual(
        Array.from(rows).filter((r) => data.interactionUser[r] === u),
      )
  })

  it('give each user’s distinct items in ascending order, over several parts', () => {
    const data = interactions(2000, 40, 25, true)
    const split = splitDataset(data, 1)
    const got = itemsPerUser(data, [split.train, split.validation])
    const expected = Array.from({ length: 40 }, () => new Set<number>())
    for (const part of [split.train, split.validation])
      for (const r of part) expected[data.interactionUser[r]].add(data.interactionItem[r])
    expect(got.map((items) => Array.from(items))).toEqual(expected.map((s) => [...s].sort((a, b) => a - b)))
    // Only some users: theirs are the same lists, everyone else's are empty.
    const users = Uint8Array.from({ length: 40 }, (_, u) => (u % 3 === 0 ? 1 : 0))
    const some = itemsPerUser(data, [split.train, split.validation], users)
    some.forEach((items, u) => expect(Array.from(items)).toEqual(u % 3 === 0 ? Array.from(got[u]) : []))
  })

  it('give the items of the first parts and of all parts in one pass, equal to asking for each', () => {
    // 60 rows per user among 300 items: a held-out item is often one the user had not had before.
    const data = interactions(3000, 50, 300, true)
    const split = splitDataset(data, 2)
    const parts = [split.train, split.validation, split.test]
    const users = Uint8Array.from({ length: 50 }, (_, u) => (u % 4 === 1 ? 1 : 0))
    for (const knownParts of [1, 2, 3])
      for (const wanted of [undefined, users]) {
        const { known, all } = itemsPerUserInParts(data, parts, knownParts, wanted)
        const lists = (a: Int32Array[]) => a.map((items) => Array.from(items))
        expect(lists(known)).toEqual(lists(itemsPerUser(data, parts.slice(0, knownParts), wanted)))
        expect(lists(all)).toEqual(lists(itemsPerUser(data, parts, wanted)))
        // Known items are the user's only when they are in the first parts: some users have more.
        if (knownParts < 3) expect(known.some((k, u) => k.length < all[u].length)).toBe(true)
      }
  })
})
