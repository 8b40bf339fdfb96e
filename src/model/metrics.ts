/**
 * Full-catalogue ranking metrics. Each evaluation query has exactly one held-out item (its target); the
 * items the user already has are excluded from the ranking. Ties are broken at random, and the metrics
 * are the exact expectations over that tie-break, so a constant scorer gets the random baseline's
 * numbers rather than a lucky or unlucky order.
 */

export const METRIC_KS = [10, 50, 100] as const
export type MetricK = (typeof METRIC_KS)[number]
export type RankMetricName = `${'recall' | 'ndcg' | 'hitrate' | 'precision'}@${MetricK}` | 'mrr'
export type RankingMetrics = Record<RankMetricName, number> & { queries: number }

/**
 * Where the target lands among the candidates: `greater` candidates score strictly higher, `ties` others
 * score exactly the same. Excluded items are not candidates; the target never is excluded.
 */
export interface TargetRank {
  greater: number
  ties: number
}

/**
 * Rank of `target` within one row of scores, skipping `excluded` (sorted ascending item indices).
 * NaN scores rank below everything.
 */
export function targetRank(
  scores: ArrayLike<number>,
  target: number,
  excluded: ArrayLike<number>,
): TargetRank {
  const t = scores[target]
  let greater = 0
  let ties = 0
  let e = 0
  for (let i = 0; i < scores.length; i++) {
    while (e < excluded.length && excluded[e] < i) e++
    if (e < excluded.length && excluded[e] === i) continue
    if (i === target) continue
    const s = scores[i]
    if (s > t || (Number.isNaN(t) && !Number.isNaN(s))) greater++
    else if (s === t || (Number.isNaN(s) && Number.isNaN(t))) ties++
  }
  return { greater, ties }
}

/** Expected hit@K when the target is placed uniformly among its ties. */
function expectedHit(r: TargetRank, k: number): number {
  const positions = r.ties + 1
  return Math.max(0, Math.min(k, r.greater + positions) - r.greater) / positions
}

function expectedNdcg(r: TargetRank, k: number): number {
  const positions = r.ties + 1
  let sum = 0
  for (let p = r.greater; p < Math.min(k, r.greater + positions); p++) sum += 1 / Math.log2(p + 2)
  return sum / positions
}

function expectedReciprocalRank(r: TargetRank): number {
  let sum = 0
  for (let p = r.greater; p < r.greater + r.ties + 1; p++) sum += 1 / (p + 1)
  return sum / (r.ties + 1)
}

/** Accumulates per-query ranks into averaged metrics. */
export class MetricAccumulator {
  private sums = new Map<RankMetricName, number>()
  private count = 0

  add(rank: TargetRank): void {
    this.count++
    const add = (name: RankMetricName, value: number) =>
      this.sums.set(name, (this.sums.get(name) ?? 0) + value)
    for (const k of METRIC_KS) {
      const hit = expectedHit(rank, k)
      // One relevant item per query: recall@K and hit rate@K coincide; precision@K is hit / K.
      add(`recall@${k}`, hit)
      add(`hitrate@${k}`, hit)
      add(`precision@${k}`, hit / k)
      add(`ndcg@${k}`, expectedNdcg(rank, k))
    }
    add('mrr', expectedReciprocalRank(rank))
  }

  result(): RankingMetrics {
    const out = { queries: this.count } as RankingMetrics
    const names: RankMetricName[] = ['mrr']
    for (const k of METRIC_KS) names.push(`recall@${k}`, `ndcg@${k}`, `hitrate@${k}`, `precision@${k}`)
    for (const name of names) out[name] = this.count === 0 ? 0 : (this.sums.get(name) ?? 0) / this.count
    return out
  }
}
