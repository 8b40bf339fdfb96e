/**
 * Ready-made chart rows for the EDA panel, from the worker's plain `EdaReport`. Pure, so the charts
 * only draw and the shaping is tested in Node.
 */
import type { Bin, CategoricalStats, EdaReport, LogBin, MissingStats } from '../../data/eda'

/** Longest category label drawn on an axis before it is cut with an ellipsis. */
export const MAX_LABEL_CHARS = 16
/** Most bars in a rating chart; beyond it values are grouped into equal-width ranges. */
export const MAX_RATING_BARS = 24

/** 1234 -> "1.2k", 2500000 -> "2.5M": short tick labels that do not overlap. */
export function compactNumber(n: number): string {
  const a = Math.abs(n)
  if (a >= 1e9) return `${+(n / 1e9).toFixed(1)}B`
  if (a >= 1e6) return `${+(n / 1e6).toFixed(1)}M`
  if (a >= 1e4) return `${+(n / 1e3).toFixed(1)}k`
  // Four-digit values (years, prices) keep their digits: "1995", not "2k".
  if (a >= 1e3) return String(Math.round(n))
  if (a === 0 || a >= 1) return String(+n.toFixed(a >= 100 ? 0 : 2))
  return String(+n.toPrecision(2))
}

export function shortLabel(label: string, max = MAX_LABEL_CHARS): string {
  return label.length <= max ? label : `${label.slice(0, max - 1)}…`
}

export interface CountRow {
  label: string
  /** Null where a log-scale chart would have to draw log(0). */
  count: number | null
}

/** Doubling bins as "1", "2–3", "4–7", ...; empty bins become null so a log axis never sees 0. */
export function logBinRows(bins: readonly LogBin[]): CountRow[] {
  return bins.map((b) => ({
    label:
      b.upper - 1 === b.lower
        ? compactNumber(b.lower)
        : `${compactNumber(b.lower)}–${compactNumber(b.upper - 1)}`,
    count: b.count > 0 ? b.count : null,
  }))
}

/** Top values, then the rest summed as "(other)". */
export function categoryRows(stats: CategoricalStats): { label: string; full: string; count: number }[] {
  const rows = stats.top.map((t) => ({
    label: shortLabel(t.value || '(empty)'),
    full: t.value,
    count: t.count,
  }))
  if (stats.otherCount > 0)
    rows.push({
      label: `(${stats.distinct - stats.top.length} other)`,
      full: 'other values',
      count: stats.otherCount,
    })
  return rows
}

/** Histogram bars labelled by their lower edge; `range` is for the tooltip. */
export function histogramRows(histogram: readonly Bin[]): { label: string; range: string; count: number }[] {
  return histogram.map((b) => ({
    label: compactNumber(b.lower),
    range: `${compactNumber(b.lower)} to ${compactNumber(b.upper)}`,
    count: b.count,
  }))
}

/** Columns with missing values, worst first, as percentages. */
export function missingRows(
  missing: readonly MissingStats[],
): { label: string; full: string; percent: number }[] {
  return missing
    .filter((m) => m.missing > 0 && m.rows > 0)
    .map((m) => ({
      label: shortLabel(m.column),
      full: `${m.column} (${m.file})`,
      percent: (100 * m.missing) / m.rows,
    }))
    .sort((a, b) => b.percent - a.percent)
}

/** Epoch seconds -> "2024-01-31" (UTC). */
export function isoDay(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10)
}

export function timeRows(overTime: NonNullable<EdaReport['overTime']>): { start: number; count: number }[] {
  return overTime.points.map((p) => ({ start: p.start, count: p.count }))
}

/** Rating values as bars; many distinct (continuous) values are grouped into equal-width ranges. */
export function ratingRows(ratings: NonNullable<EdaReport['ratings']>): { label: string; count: number }[] {
  if (ratings.length <= MAX_RATING_BARS || ratings.some((r) => !Number.isFinite(Number(r.value))))
    return ratings.slice(0, 100).map((r) => ({ label: shortLabel(r.value, 8), count: r.count }))
  const values = ratings.map((r) => Number(r.value))
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  const width = (hi - lo) / MAX_RATING_BARS
  const rows = Array.from({ length: MAX_RATING_BARS }, (_, b) => ({
    label: compactNumber(lo + b * width),
    count: 0,
  }))
  for (const r of ratings)
    rows[Math.min(MAX_RATING_BARS - 1, Math.floor((Number(r.value) - lo) / width))].count += r.count
  return rows
}
