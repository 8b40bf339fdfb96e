import { describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { buildHistories } from './history'
import { multiValuedDataset } from './testing'
import { historyRows, itemRows, queryRows, tableOffsets, tokenLayout } from './twoTower.rows'

const data = multiValuedDataset()
const histories = buildHistories(data, splitDataset(data, 1), 2)

describe('token layout', () => {
  it('puts each field slice right after the previous one', () => {
    expect(Array.from(tableOffsets([3, 5, 2]))).toEqual([0, 3, 8])
    expect(Array.from(tableOffsets([]))).toEqual([])
  })

  it('lists single, then multi-valued, then history tokens; id-only keeps just the ids', () => {
    const layout = tokenLayout(data, 'attention', histories)
    expect(layout.user.tokens).toEqual(['user', 'age', 'likes', 'history_1', 'history_2'])
    expect(layout.item.tokens).toEqual(['item', 'decade', 'genres'])
    expect(layout.item.rowWidth).toBe(layout.item.singles + layout.item.multi.length * layout.item.multiWidth)
    const idOnly = tokenLayout(data, 'id-only', histories)
    expect(idOnly.user.tokens).toEqual(['user'])
    expect(idOnly.item.tokens).toEqual(['item'])
    expect(idOnly.histories.length).toBe(0)
    expect(idOnly.user.rowWidth).toBe(1)
  })
})

describe('batch rows', () => {
  const layout = tokenLayout(data, 'attention', histories)
  const interactions = [0, 5, 17]

  it('reads each single-valued field at its own slice, and pins only the field it is asked to', () => {
    const { rows } = queryRows(layout, interactions)
    const width = layout.user.rowWidth
    const nUser = data.userFields.length
    interactions.forEach((r, b) => {
      const u = data.interactionUser[r]
      // Token 1 is `age`: its slice starts after the user-id slice.
      expect(rows[b * width + 1]).toBe(layout.user.offsets[1] + data.userCodes[u * nUser + 1])
    })
    const pinned = queryRows(layout, interactions, { field: 'age', code: 0 }).rows
    interactions.forEach((_, b) => {
      expect(pinned[b * width + 1]).toBe(layout.user.offsets[1])
      expect(pinned[b * width]).toBe(rows[b * width])
    })
    // An override meant for the other tower leaves this one alone.
    expect(queryRows(layout, interactions, { field: 'age', code: 0, tower: 'item' }).rows).toEqual(rows)
  })

  it('weighs the values of a multi-valued token equally, summing to 1 with padding at 0', () => {
    const items = Array.from({ length: data.itemCodes.length / data.itemFields.length }, (_, i) => i)
    const { weights } = itemRows(layout, items)
    const width = layout.item.multiWidth
    const genres = data.multiItem![0]
    items.forEach((i) => {
      const w = Array.from(weights.subarray(i * width, (i + 1) * width))
      const count = Math.min(genres.offsets[i + 1] - genres.offsets[i], width)
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6)
      expect(w.filter((x) => x > 0)).toHaveLength(Math.max(1, count))
    })
  })

  it('pins one history slot to the given item and keeps the others', () => {
    const plain = historyRows(layout, interactions)
    const pinned = historyRows(layout, interactions, { field: 'history_2', code: 3 })
    interactions.forEach((_, b) => {
      expect(pinned[b * 2]).toBe(plain[b * 2])
      expect(pinned[b * 2 + 1]).toBe(3)
    })
  })
})
