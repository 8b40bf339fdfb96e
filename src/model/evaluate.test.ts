import { describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { randomInteractions } from '../data/testing'
import { MAX_EVAL_QUERIES } from './config'
import { buildQueries, evaluationRows } from './evaluate'

describe('evaluation queries', () => {
  const data = randomInteractions(150_000, 3000, 400, false, 11)
  const split = splitDataset(data, 1)

  it('rank every held-out row of a split up to the cap', () => {
    expect(split.validation.length).toBe(15_000)
    expect(Array.from(evaluationRows(split, 'validation', 1, 20_000))).toEqual(Array.from(split.validation))
  })

  it('above the cap, rank a seeded sample that keeps split order and is the same for the same seed', () => {
    expect(MAX_EVAL_QUERIES).toBeLessThan(split.validation.length)
    const rows = evaluationRows(split, 'validation', 1)
    expect(rows.length).toBe(MAX_EVAL_QUERIES)
    const position = new Map(Array.from(split.validation, (r, i) => [r, i]))
    const positions = Array.from(rows, (r) => position.get(r)!)
    expect(positions.every((p) => p !== undefined)).toBe(true)
    expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true)
    expect(Array.from(evaluationRows(split, 'validation', 1))).toEqual(Array.from(rows))
    expect(Array.from(evaluationRows(split, 'validation', 2))).not.toEqual(Array.from(rows))
    // Not just the first rows: the sample reaches the end of the split.
    expect(positions.at(-1)!).toBeGreaterThan(split.validation.length * 0.9)
    const queries = buildQueries(data, split, 'validation', 1)
    expect(Array.from(queries.rows)).toEqual(Array.from(rows))
    expect(Array.from(queries.targets)).toEqual(Array.from(rows, (r) => data.interactionItem[r]))
  })
})
