import { MISSING_LABEL } from '../data/encode'
import { deriveSeed, mulberry32, randInt } from '../data/random'
import type { EncodedDataset, EncodedField } from '../data/types'

/** Values of each categorical feature of a synthetic dataset (besides the missing-value code). */
const FEATURE_VALUES = 8

export interface SyntheticShape {
  /** Fields of each tower, its id included (default 2: the id and one feature). */
  userFields?: number
  itemFields?: number
  /** Random timestamps (whole seconds, ties possible), so a run uses history tokens; none by default. */
  timestamps?: boolean
}

/**
 * A featureless dataset of uniform random interactions with an arbitrary catalogue size and number of
 * fields: used to time training steps at very different item vocabularies and field counts (the demo
 * world's sampling cost grows with the catalogue, this does not), and to warm up a training step of a
 * given shape (model/warmUp.ts). Each side's fields past its id are categorical features of
 * `FEATURE_VALUES` values, so both towers' attention stays busy.
 */
export function syntheticDataset(
  users: number,
  items: number,
  interactions: number,
  seed: number,
  shape: SyntheticShape = {},
): EncodedDataset {
  const { userFields = 2, itemFields = 2 } = shape
  for (const fields of [userFields, itemFields])
    if (!Number.isInteger(fields) || fields < 1)
      throw new Error(`each tower of a synthetic dataset needs its id field, not ${fields} fields`)
  const rng = mulberry32(deriveSeed(seed, 'synthetic'))
  const labels = (prefix: string, n: number) => [
    MISSING_LABEL,
    ...Array.from({ length: n }, (_, i) => prefix + i),
  ]
  /** One side's fields (its id first) and codes: row r's field f at r × width + f. */
  const side = (tower: EncodedField['tower'], rows: number, width: number) => {
    const [idName, idPrefix, featureName, featurePrefix] =
      tower === 'user' ? ['user_id', 'u', 'segment', 's'] : ['item_id', 'i', 'kind', 'k']
    const features = labels(featurePrefix, FEATURE_VALUES)
    const sideFields: EncodedField[] = [
      { name: idName, tower, kind: 'id', vocabulary: labels(idPrefix, rows) },
      ...Array.from({ length: width - 1 }, (_, f) => ({
        name: f === 0 ? featureName : `${featureName}_${f + 1}`,
        tower,
        kind: 'categorical' as const,
        vocabulary: features,
      })),
    ]
    const codes = new Int32Array(rows * width)
    for (let r = 0; r < rows; r++) {
      codes[r * width] = r + 1
      for (let f = 1; f < width; f++) codes[r * width + f] = 1 + randInt(rng, FEATURE_VALUES)
    }
    return { fields: sideFields, codes }
  }
  const user = side('user', users, userFields)
  const item = side('item', items, itemFields)
  const interactionUser = Int32Array.from({ length: interactions }, () => randInt(rng, users))
  const interactionItem = Int32Array.from({ length: interactions }, () => randInt(rng, items))
  const fields = userFields + itemFields
  return {
    name: `synthetic ${users}×${items}${fields === 4 ? '' : `, ${fields} fields`}`,
    userIds: labels('u', users).slice(1),
    itemIds: labels('i', items).slice(1),
    userFields: user.fields,
    userCodes: user.codes,
    itemFields: item.fields,
    itemCodes: item.codes,
    contextFields: [],
    contextCodes: new Int32Array(0),
    interactionUser,
    interactionItem,
    // About a year of seconds from 2021, so some of a heavy user's rows share a second.
    interactionTime: shape.timestamps
      ? Float64Array.from({ length: interactions }, () => 1_609_459_200 + randInt(rng, 31_536_000))
      : null,
  }
}
