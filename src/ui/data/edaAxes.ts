import { COLORS } from '../shared/theme'

/** Axis titles of the EDA charts, in one place so every chart labels its axes alike. */
export function bottomLabel(value: string) {
  return { value, position: 'insideBottom' as const, offset: -14, fill: COLORS.axis, fontSize: 12 }
}

/**
 * Width of the value (y) axis: room for ticks such as `165k` or `3200` and, left of them, the rotated
 * title without the two overlapping (at 44 px they did).
 */
export const VALUE_AXIS_WIDTH = 58

export function leftLabel(value: string) {
  return {
    value,
    angle: -90,
    position: 'insideLeft' as const,
    offset: 4,
    fill: COLORS.axis,
    fontSize: 12,
    dy: 36,
  }
}

/** Props of the category (x) axis of the EDA bar charts: bucket labels, the first and last always shown. */
export function categoryAxis(title: string, minTickGap = 8) {
  return {
    dataKey: 'label',
    stroke: COLORS.axis,
    tick: { fontSize: 11 },
    interval: 'preserveStartEnd' as const,
    minTickGap,
    label: bottomLabel(title),
  }
}
