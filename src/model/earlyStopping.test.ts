import { describe, expect, it } from 'vitest'
import { improvesOn, ValidationTracker } from './earlyStopping'

/** Per-query NDCG@10 of 1,000 validation queries: varied difficulty, shifted by `gain` on every query. */
const epochValues = (gain: number, wobble = 0, seed = 0) =>
  Float64Array.from({ length: 1000 }, (_, q) => {
    const base = ((q * 37) % 100) / 200
    // A deterministic ±wobble per query that averages to about zero.
    const noise = wobble * Math.sin(q * 12.9898 + seed * 78.233)
    return base + gain + noise
  })
const mean = (v: Float64Array) => v.reduce((a, b) => a + b, 0) / v.length

describe('improvement judged against the paired noise', () => {
  it('counts a consistent gain, not a wobble whose mean moved by less than its standard error', () => {
    const before = epochValues(0)
    expect(improvesOn(epochValues(0.01), before)).toBe(true)
    // Per-query changes of ±0.2 around a mean shift of 0.001: paired SE ≈ 0.2 / √2 / √1000 ≈ 0.0045.
    expect(improvesOn(epochValues(0.001, 0.2, 1), before)).toBe(false)
    expect(improvesOn(epochValues(-0.01), before)).toBe(false)
    expect(improvesOn(before, before)).toBe(false)
  })
})

describe('ValidationTracker', () => {
  it('keeps the highest epoch, but only a gain beyond the noise restarts the patience', () => {
    const t = new ValidationTracker()
    const epochs = [epochValues(0), epochValues(0.02), epochValues(0.021, 0.2, 3), epochValues(0.015)]
    const marks = epochs.map((v, i) => t.record(i + 1, mean(v), v))
    // Epoch 3 is higher than epoch 2 on average, but by less than the noise: the best, not an improvement.
    expect(mean(epochs[2])).toBeGreaterThan(mean(epochs[1]))
    expect(marks).toEqual([
      { best: true, improved: true },
      { best: true, improved: true },
      { best: true, improved: false },
      { best: false, improved: false },
    ])
    expect(t.bestEpoch).toBe(3)
    expect(t.epochsSinceImprovement).toBe(2)
    const trend = t.trend()!
    expect(trend.best).toEqual({ epoch: 3, ndcg: mean(epochs[2]) })
    expect(trend.first.epoch).toBe(1)
    expect(trend.last.epoch).toBe(4)
    expect(trend.stillRising).toBe(false)
  })

  it('does not let gains within the noise keep a plateau going', () => {
    const t = new ValidationTracker()
    t.record(1, mean(epochValues(0)), epochValues(0))
    // Each epoch a hair higher on average than the best, far inside the noise.
    for (let e = 2; e <= 4; e++) {
      const v = epochValues(0.0002 * e, 0.2, e)
      t.record(e, mean(v), v)
    }
    expect(t.epochsSinceImprovement).toBe(3)
    expect(t.trend()!.stillRising).toBe(false)
  })

  it('says "still rising" when the last epoch improved on the best before it', () => {
    const t = new ValidationTracker()
    ;[0, 0.01, 0.02].forEach((gain, i) => t.record(i + 1, mean(epochValues(gain)), epochValues(gain)))
    const trend = t.trend()!
    expect(trend.stillRising).toBe(true)
    expect(trend.previousBest).toEqual({ epoch: 2, ndcg: mean(epochValues(0.01)) })
    expect(trend.last).toEqual({ epoch: 3, ndcg: mean(epochValues(0.02)) })
  })

  it('cannot tell after a single epoch, and has no trend before one', () => {
    const t = new ValidationTracker()
    expect(t.trend()).toBeNull()
    t.record(1, 0.25, epochValues(0))
    expect(t.trend()!.stillRising).toBe(false)
    expect(t.trend()!.previousBest).toBeNull()
  })
})
