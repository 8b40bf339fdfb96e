import { describe, expect, it } from 'vitest'
import type { EmbeddingMap } from '../../model/explore.types'
import { axisTitle, colourGroups, mapCsvRows, nearestPoint, paddedExtent } from './mapPoints'
import { CATEGORY_PALETTE, OTHER_COLOUR } from '../shared/theme'

describe('colourGroups', () => {
  it('colours every category when there are few, largest first', () => {
    const { groups, groupOf } = colourGroups([2, 1, 2, 2, 1, 3], ['(missing)', 'a', 'b', 'c'])
    expect(groups.map((g) => [g.label, g.count])).toEqual([
      ['b', 3],
      ['a', 2],
      ['c', 1],
    ])
    expect(groups[0].colour).toBe(CATEGORY_PALETTE[0])
    expect(Array.from(groupOf)).toEqual([0, 1, 0, 0, 1, 2])
  })

  it('keeps the top categories and folds the rest into "other"', () => {
    const values = Array.from({ length: 40 }, (_, i) => i % 20)
    const labels = Array.from({ length: 20 }, (_, i) => `v${i}`)
    const { groups, groupOf } = colourGroups(values, labels, 12)
    expect(groups).toHaveLength(12)
    expect(groups[11]).toEqual({ label: 'other (9 values)', count: 18, colour: OTHER_COLOUR })
    expect(groups.reduce((s, g) => s + g.count, 0)).toBe(40)
    expect(groupOf[19]).toBe(11)
    expect(groupOf[0]).toBe(0)
  })
})

describe('geometry', () => {
  it('pads the extent, includes extra points and survives flat or empty data', () => {
    expect(paddedExtent([0, 10])).toEqual([-0.5, 10.5])
    expect(paddedExtent([0, 10], [20])[1]).toBeCloseTo(21)
    expect(paddedExtent([3, 3])).toEqual([2, 4])
    expect(paddedExtent([])).toEqual([-1, 1])
    expect(paddedExtent([Number.NaN, 1, 2])).toEqual([0.95, 2.05])
  })

  it('finds the nearest point within the radius', () => {
    const xs = [0, 10, 20]
    const ys = [0, 0, 0]
    expect(nearestPoint(xs, ys, 9, 1, 5)).toBe(1)
    expect(nearestPoint(xs, ys, 15, 0, 4)).toBe(-1)
  })

  it('titles axes with the explained variance', () => {
    expect(axisTitle(1, 0.3421)).toBe('PC1 · 34.2% of variance')
  })
})

describe('mapCsvRows', () => {
  it('writes one row per item with its id, label, description and the colouring field', () => {
    const map: EmbeddingMap = {
      x: Float32Array.from([1, 2]),
      y: Float32Array.from([3, 4]),
      explained: [0.5, 0.2],
      colourBy: [{ field: 'category', labels: ['(missing)', 'food'], values: [1, 0] }],
      items: [
        { item: 0, id: '1', label: 'Toy Story (1995)', detail: 'food' },
        { item: 1, id: 'o2', label: '', detail: '' },
      ],
    }
    expect(mapCsvRows(map, 'category')).toEqual([
      ['item_id', 'item_label', 'item_detail', 'pc1', 'pc2', 'category'],
      ['1', 'Toy Story (1995)', 'food', 1, 3, 'food'],
      ['o2', '', '', 2, 4, '(missing)'],
    ])
    expect(mapCsvRows(map, null)[0]).toEqual(['item_id', 'item_label', 'item_detail', 'pc1', 'pc2'])
  })
})
