import { MISSING_LABEL } from '../data/encode'
import { deriveSeed, mulberry32, randInt } from '../data/random'
import type { EncodedDataset, EncodedField } from '../data/types'

/**
 * A featureless dataset of uniform random interactions with an arbitrary catalogue size: used to time
 * training steps at very different item vocabularies (the demo world's sampling cost grows with the
 * catalogue, this does not). One categorical feature per side keeps both towers' attention busy.
 */
export function syntheticDataset(
  users: number,
  items: number,
  interactions: number,
  seed: number,
): EncodedDataset {
  const rng = mulberry32(deriveSeed(seed, 'synthetic'))
  const labels = (prefix: string, n: number) => [
    MISSING_LABEL,
    ...Array.from({ length: n }, (_, i) => prefix + i),
  ]
  const field = (
    name: string,
    tower: EncodedField['tower'],
    kind: EncodedField['kind'],
    vocab: string[],
  ) => ({
    name,
    tower,
    kind,
    vocabulary: vocab,
  })
  const userIds = labels('u', users).slice(1)
  const itemIds = labels('i', items).slice(1)
  const userCodes = new Int32Array(users * 2)
  for (let u = 0; u < users; u++) {
    userCodes[u * 2] = u + 1
    userCodes[u * 2 + 1] = 1 + randInt(rng, 8)
  }
  const itemCodes = new Int32Array(items * 2)
  for (let i = 0; i < items; i++) {
    itemCodes[i * 2] = i + 1
    itemCodes[i * 2 + 1] = 1 + randInt(rng, 8)
  }
  return {
    name: `synthetic ${users}×${items}`,
    userIds,
    itemIds,
    userFields: [
      field('user_id', 'user', 'id', labels('u', users)),
      field('segment', 'user', 'categorical', labels('s', 8)),
    ],
    userCodes,
    itemFields: [
      field('item_id', 'item', 'id', labels('i', items)),
      field('kind', 'item', 'categorical', labels('k', 8)),
    ],
    itemCodes,
    contextFields: [],
    contextCodes: new Int32Array(0),
    interactionUser: Int32Array.from({ length: interactions }, () => randInt(rng, users)),
    interactionItem: Int32Array.from({ length: interactions }, () => randInt(rng, items)),
    interactionTime: null,
  }
}
