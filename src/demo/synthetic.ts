import { MISSING_LABEL } from '../data/encode'
import { deriveSeed, mulberry32, randInt } from '../data/random'
import type { EncodedDataset, EncodedField } from '../data/types'

/** Values of each categorical feature of a synthetic dataset (besides the missing-value code). */
const FEATURE_VALUES = 8

/**
 * A featureless dataset of uniform random interactions with an arbitrary catalogue size and number of
 * fields: used to time training steps at very different item vocabularies and field counts (the demo
 * world's sampling cost grows with the catalogue, this does not). `fields` counts every field of both
 * towers, the two ids included (at least 2): the user tower gets the larger half, each side's fields
 * past its id are categorical features of `FEATURE_VALUES` values, so both towers' attention stays busy.
 */
export function syntheticDataset(
  users: number,
  items: number,
  interactions: number,
  seed: number,
  fields = 4,
): EncodedDataset {
  if (!Number.isInteger(fields) || fields < 2)
    throw new Error(`a synthetic dataset needs at least its 2 id fields, not ${fields}`)
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
  const user = side('user', users, Math.ceil(fields / 2))
  const item = side('item', items, Math.floor(fields / 2))
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
    interactionUser: Int32Array.from({ length: interactions }, () => randInt(rng, users)),
    interactionItem: Int32Array.from({ length: interactions }, () => randInt(rng, items)),
    interactionTime: null,
  }
}
