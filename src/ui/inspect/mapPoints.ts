/**
 * Pure helpers of the embedding map: colour groups of an item field, axis ranges, hit testing and CSV
 * rows. No React and no DOM.
 */
import type { EmbeddingMap } from '../../model/explore.types'
import { CATEGORY_PALETTE, OTHER_COLOUR } from '../shared/theme'

/** Most categories coloured apart; the rest share one "other" colour. */
export const MAX_GROUPS = CATEGORY_PALETTE.length

export interface ColourGroup {
  label: string
  count: number
  colour: string
}

export interface ColourGroups {
  /** Index into `groups` for every point. */
  groupOf: Int32Array
  /** Largest categories first; the last is "other" when there were too many. */
  groups: ColourGroup[]
}

/**
 * Groups points by their field code: the `maxGroups` most frequent codes get their own colour (ties by
 * code, so the result does not depend on point order), the rest are "other (k values)".
 */
export function colourGroups(
  values: readonly number[],
  labels: readonly string[],
  maxGroups = MAX_GROUPS,
): ColourGroups {
  const counts = new Map<number, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  const ranked = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])
  const kept = ranked.length > maxGroups ? ranked.slice(0, maxGroups - 1) : ranked
  const index = new Map(kept.map(([code], i) => [code, i]))
  const groups: ColourGroup[] = kept.map(([code, count], i) => ({
    label: labels[code] ?? String(code),
    count,
    colour: CATEGORY_PALETTE[i % CATEGORY_PALETTE.length],
  }))
  const rest = ranked.slice(kept.length)
  if (rest.length > 0)
    groups.push({
      label: `other (${rest.length} values)`,
      count: rest.reduce((s, [, c]) => s + c, 0),
      colour: OTHER_COLOUR,
    })
  const groupOf = Int32Array.from(values, (v) => index.get(v) ?? groups.length - 1)
  return { groupOf, groups }
}

/** [min, max] of the finite values and the extra points, padded by 5% (a unit range when flat). */
export function paddedExtent(values: ArrayLike<number>, extra: readonly number[] = []): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  const see = (v: number) => {
    if (!Number.isFinite(v)) return
    if (v < lo) lo = v
    if (v > hi) hi = v
  }
  for (let i = 0; i < values.length; i++) see(values[i])
  extra.forEach(see)
  if (!Number.isFinite(lo)) return [-1, 1]
  if (hi - lo < 1e-9) return [lo - 1, hi + 1]
  const pad = (hi - lo) * 0.05
  return [lo - pad, hi + pad]
}

/** Index of the point nearest to (px, py) within `radius` (same units), or -1. */
export function nearestPoint(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  px: number,
  py: number,
  radius: number,
): number {
  let best = -1
  let bestD = radius * radius
  for (let i = 0; i < xs.length; i++) {
    const dx = xs[i] - px
    const dy = ys[i] - py
    const d = dx * dx + dy * dy
    if (d <= bestD) {
      best = i
      bestD = d
    }
  }
  return best
}

/** "PC1 · 34.2% of variance". */
export function axisTitle(axis: number, share: number): string {
  return `PC${axis} · ${(share * 100).toFixed(1)}% of variance`
}

/** One row per item: id, display label, description, coordinates and the colouring field's value. */
export function mapCsvRows(map: EmbeddingMap, field: string | null): (string | number)[][] {
  const colour = map.colourBy.find((c) => c.field === field) ?? null
  return [
    ['item_id', 'item_label', 'item_detail', 'pc1', 'pc2', ...(colour ? [colour.field] : [])],
    ...map.items.map((item, i) => [
      item.id,
      item.label,
      item.detail,
      map.x[i],
      map.y[i],
      ...(colour ? [colour.labels[colour.values[i]] ?? ''] : []),
    ]),
  ]
}
