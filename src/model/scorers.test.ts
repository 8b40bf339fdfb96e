import { describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { loadDemoDataset } from '../demo/demoDataset'
import { itemCounts, trainItemCounts } from './baselines'
import { BASELINES, COMPARISON_ORDER, COUNT_SCORERS, TRAINED_SCORERS } from './scorers'

const { data } = loadDemoDataset(5, { users: 120, items: 40, interactions: 2_000 })
const split = splitDataset(data, 5)

describe('the scorer registry', () => {
  it('gives every baseline its own name, label and colour, and one place in the comparisons', () => {
    for (const key of ['name', 'label', 'colour'] as const)
      expect(new Set(BASELINES.map((b) => b[key])).size, key).toBe(BASELINES.length)
    expect([...COMPARISON_ORDER].sort()).toEqual(BASELINES.map((b) => b.name).sort())
    expect(COUNT_SCORERS.length + TRAINED_SCORERS.length).toBe(BASELINES.length)
  })

  it.each(COUNT_SCORERS.map((s) => [s.name, s] as const))(
    '%s scores every item for every query, from the training rows only',
    async (_, spec) => {
      const queries = split.test.subarray(0, 7)
      // A stand-in for a generated data set's truth (the oracle forwards it; the others ignore it).
      const truth = (rows: Int32Array) =>
        Float32Array.from({ length: rows.length * data.itemIds.length }, (_, k) => (k * 7) % 13)
      const scores = await spec.build({ data, trainRows: split.train, seed: 3, truth })!(queries)
      expect(scores.length).toBe(queries.length * data.itemIds.length)
      expect(scores.every(Number.isFinite)).toBe(true)
      // Scrambling the items of the held-out rows must change nothing: a count scorer that read them
      // would leak the answers into its ranking.
      const leaked = { ...data, interactionItem: data.interactionItem.slice() }
      for (const part of [split.validation, split.test])
        for (const r of part)
          leaked.interactionItem[r] = (leaked.interactionItem[r] + 1) % data.itemIds.length
      const again = await spec.build({ data: leaked, trainRows: split.train, seed: 3, truth })!(queries)
      expect(Array.from(again)).toEqual(Array.from(scores))
    },
  )

  it('has an oracle only where the data has a truth (the demo), and every other count scorer always', () => {
    for (const spec of COUNT_SCORERS) {
      const built = spec.build({ data, trainRows: split.train, seed: 3 })
      if (spec.name === 'oracle') expect(built).toBeNull()
      else expect(built).toBeTypeOf('function')
    }
  })
})

describe('trainItemCounts', () => {
  it('equals counting the training rows, for a timed split, a random one, and parts that do not cover the rows', () => {
    const untimed = { ...data, interactionTime: null }
    for (const [d, s] of [
      [data, split],
      [untimed, splitDataset(untimed, 9)],
    ] as const) {
      expect(Array.from(trainItemCounts(d, s))).toEqual(Array.from(itemCounts(d, s.train)))
      // Held-out rows are taken out: some item has fewer training counts than rows.
      expect(trainItemCounts(d, s).reduce((a, b) => a + b, 0)).toBe(s.train.length)
    }
    const partial = { ...split, test: split.test.subarray(1) }
    expect(Array.from(trainItemCounts(data, partial))).toEqual(Array.from(itemCounts(data, split.train)))
  })
})
