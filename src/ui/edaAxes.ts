import { COLORS } from './theme'

/** Axis titles of the EDA charts, in one place so every chart labels its axes alike. */
export function bottomLabel(value: string) {
  return { value, position: 'insideBottom' as const, offset: -14, fill: COLORS.axis, fontSize: 12 }
}

export function leftLabel(value: string) {
  return {
    value,
    angle: -90,
    position: 'insideLeft' as const,
    offset: 10,
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
