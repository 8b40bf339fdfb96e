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
