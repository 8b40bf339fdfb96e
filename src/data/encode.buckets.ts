/**
 * Numeric columns as tokens: quantile buckets over a column's finite values, the code of a value, and
 * the label a person reads for each bucket. `encode.ts` turns a numeric feature column into these codes.
 */

/** How many quantile buckets a numeric column becomes (plus code 0 for missing). */
export const NUMERIC_BUCKETS = 8

/** A bound as a person reads it: integers as they are, other numbers to 3 significant digits. */
function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(3)
}

/** Upper bounds of quantile buckets over the finite values, duplicates removed. */
export function quantileBoundaries(values: Float64Array, buckets: number): number[] {
  const finite = values.filter(Number.isFinite).sort()
  if (finite.length === 0) return []
  const bounds: number[] = []
  for (let b = 1; b < buckets; b++) {
    const q = finite[Math.min(finite.length - 1, Math.floor((b * finite.length) / buckets))]
    if (bounds.length === 0 || q > bounds[bounds.length - 1]) bounds.push(q)
  }
  return bounds
}

/** Code of a numeric value: 0 if not finite, else 1 + the number of boundaries it reaches. */
export function bucketOf(value: number, bounds: readonly number[]): number {
  if (!Number.isFinite(value)) return 0
  let b = 0
  while (b < bounds.length && value >= bounds[b]) b++
  return b + 1
}

/** The label of each bucket, code 1 up (`< 2`, `2 – 5`, `≥ 5`; `all values` when there are no bounds). */
export function bucketLabels(bounds: readonly number[]): string[] {
  const labels: string[] = []
  for (let b = 0; b <= bounds.length; b++) {
    if (bounds.length === 0) labels.push('all values')
    else if (b === 0) labels.push(`< ${formatNumber(bounds[0])}`)
    else if (b === bounds.length) labels.push(`≥ ${formatNumber(bounds[b - 1])}`)
    else labels.push(`${formatNumber(bounds[b - 1])} – ${formatNumber(bounds[b])}`)
  }
  return labels
}
