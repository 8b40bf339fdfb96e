/**
 * Tracks validation NDCG@10 epoch by epoch for early stopping, judging each change against its noise.
 * An epoch improves when it beats the best epoch so far by more than one standard error of their paired
 * per-query difference (the same validation queries are ranked every epoch). One standard error, not
 * two: this is a stopping rule, not a claim in a table; waiting for 95% certainty would stop a curve
 * that rises slowly but surely, while any positive wobble resetting the patience (no threshold) would
 * let noise keep a plateaued run going. Pure, no tfjs.
 */
import type { EpochScore, ValidationTrend } from './results'
import { pairedDifference } from './uncertainty'

/** An epoch improves when it beats the best so far by more than this many paired standard errors. */
export const IMPROVEMENT_STANDARD_ERRORS = 1

/** Whether `current` beats `best` (per-query values on the same queries) by more than the noise. */
export function improvesOn(current: ArrayLike<number>, best: ArrayLike<number>): boolean {
  const d = pairedDifference(current, best)
  const noise = Number.isFinite(d.standardError) ? d.standardError : 0
  return d.difference > 0 && d.difference > IMPROVEMENT_STANDARD_ERRORS * noise
}

export class ValidationTracker {
  private first: EpochScore | null = null
  private last: EpochScore | null = null
  private best: (EpochScore & { perQuery: Float64Array }) | null = null
  private previousBest: EpochScore | null = null
  private lastImproved = false

  /**
   * Records an epoch's validation NDCG@10 (`ndcg`, the mean of `perQuery`, the per-query values in query
   * order). Returns whether the epoch improves on the best so far; the first epoch always does.
   */
  record(epoch: number, ndcg: number, perQuery: Float64Array): boolean {
    const score = { epoch, ndcg }
    this.previousBest = this.best ? { epoch: this.best.epoch, ndcg: this.best.ndcg } : null
    const improved = this.best === null || improvesOn(perQuery, this.best.perQuery)
    if (improved) this.best = { ...score, perQuery }
    this.first ??= score
    this.last = score
    this.lastImproved = improved
    return improved
  }

  /** The epoch of the last improvement (0 before any epoch). */
  get bestEpoch(): number {
    return this.best?.epoch ?? 0
  }

  /** Epochs recorded since the last improvement. */
  get epochsSinceBest(): number {
    return this.last && this.best ? this.last.epoch - this.best.epoch : 0
  }

  /** The run's validation trend so far, or null before the first epoch. */
  trend(): ValidationTrend | null {
    if (!this.first || !this.last || !this.best) return null
    return {
      first: this.first,
      best: { epoch: this.best.epoch, ndcg: this.best.ndcg },
      last: this.last,
      previousBest: this.previousBest,
      stillRising: this.lastImproved && this.previousBest !== null,
    }
  }
}
