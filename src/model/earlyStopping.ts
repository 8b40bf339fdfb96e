/**
 * Tracks validation NDCG@10 epoch by epoch for early stopping, judging each change against its noise.
 *
 * - The best epoch is the one with the highest validation NDCG@10: its weights are the ones kept.
 * - An epoch improves when it beats the best epoch so far by more than one standard error of their
 *   paired per-query difference (the same validation queries are ranked every epoch). The patience
 *   counts epochs since the last improvement, so gains within the noise do not keep a plateaued run going.
 *   One standard error, not two: this is a stopping rule, not a claim in a table; waiting for 95%
 *   certainty would stop a curve that rises slowly but surely.
 * Pure, no tfjs.
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

/** A tracker's whole state, as plain data (a resumed run goes on from it). */
export interface TrackerState {
  first: EpochScore | null
  last: EpochScore | null
  best: (EpochScore & { perQuery: Float64Array }) | null
  previousBest: EpochScore | null
  lastImprovement: number
  lastImproved: boolean
}

export class ValidationTracker {
  private first: EpochScore | null = null
  private last: EpochScore | null = null
  private best: (EpochScore & { perQuery: Float64Array }) | null = null
  private previousBest: EpochScore | null = null
  private lastImprovement = 0
  private lastImproved = false

  /** A tracker that goes on from `state` (of `state()`), or a new one. */
  static from(state?: TrackerState | null): ValidationTracker {
    const tracker = new ValidationTracker()
    if (state) Object.assign(tracker, state)
    return tracker
  }

  state(): TrackerState {
    const { first, last, best, previousBest, lastImprovement, lastImproved } = this
    return { first, last, best, previousBest, lastImprovement, lastImproved }
  }

  /**
   * Records an epoch's validation NDCG@10 (`ndcg`, the mean of `perQuery`, the per-query values in query
   * order). `best`: it is the highest so far (keep its weights); `improved`: it beats the previous best
   * by more than the noise (the patience starts again). The first epoch is both.
   */
  record(epoch: number, ndcg: number, perQuery: Float64Array): { best: boolean; improved: boolean } {
    const score = { epoch, ndcg }
    this.previousBest = this.best ? { epoch: this.best.epoch, ndcg: this.best.ndcg } : null
    const improved = this.best === null || improvesOn(perQuery, this.best.perQuery)
    const best = improved || ndcg > this.best!.ndcg
    if (best) this.best = { ...score, perQuery }
    if (improved) this.lastImprovement = epoch
    this.first ??= score
    this.last = score
    this.lastImproved = improved
    return { best, improved }
  }

  /** The epoch with the highest validation NDCG@10 (0 before any epoch). */
  get bestEpoch(): number {
    return this.best?.epoch ?? 0
  }

  /** Epochs recorded since the last improvement beyond the noise. */
  get epochsSinceImprovement(): number {
    return this.last ? this.last.epoch - this.lastImprovement : 0
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
