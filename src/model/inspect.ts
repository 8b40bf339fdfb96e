/**
 * What the trained model attends to, read from the model itself: the same forward pass that scores
 * users and items produces these weights, so what is shown cannot disagree with what was used.
 */
import type { EncodedDataset } from '../data/types'
import type { EvalQueries } from './evaluate'
import type { FieldImportance, TowerAttention } from './results'
import * as tf from './tf'
import type { TowerOutput } from './tower'
import type { Trainer } from './train'

/**
 * Mean pooling weights and mean self-attention matrices of one tower over a batch. A token's attention
 * row is averaged over the examples where the token is present (an absent token's row is all zero, a
 * present one's sums to 1), so a history slot that few users fill is not shown paler for it; the
 * pooling weights are averaged over all examples (an absent token's weight really is 0).
 */
async function meanAttention(output: TowerOutput, tokens: string[]): Promise<TowerAttention> {
  const pooling = tf.mean(output.poolWeights, 0)
  const layers = output.attention.map((a) =>
    tf.tidy(() => {
      const total = tf.sum(a, 0) // [heads, tokens, tokens]
      const present = tf.sum(total, -1, true) // per row: how many examples have that token
      return tf.div(total, tf.maximum(present, 1e-9))
    }),
  )
  const poolingValues = Array.from(await pooling.data())
  const layerValues: number[][][] = []
  for (const layer of layers) {
    const [heads] = layer.shape
    const values = await layer.data()
    const size = tokens.length * tokens.length
    layerValues.push(
      Array.from({ length: heads }, (_, h) => Array.from(values.subarray(h * size, (h + 1) * size))),
    )
  }
  tf.dispose([pooling, ...layers])
  return { tokens, pooling: poolingValues, layers: layerValues }
}

/**
 * Attention of both towers averaged over the given queries (user tower) and over the first
 * `maxItems` items of the catalogue (item tower).
 */
export async function summarizeAttention(
  trainer: Trainer,
  queryRows: Int32Array,
  maxItems = 1000,
): Promise<{ user: TowerAttention; item: TowerAttention }> {
  const { model } = trainer
  const users = tf.tidy(() => {
    const out = model.embedQueries(queryRows)
    return { embedding: out.embedding, poolWeights: out.poolWeights, attention: out.attention }
  })
  const itemCount = Math.min(maxItems, trainer.data.itemIds.length)
  const items = tf.tidy(() => {
    const out = model.embedItems(Int32Array.from({ length: itemCount }, (_, i) => i))
    return { embedding: out.embedding, poolWeights: out.poolWeights, attention: out.attention }
  })
  try {
    return {
      user: await meanAttention(users, model.user.shape.tokens),
      item: await meanAttention(items, model.item.shape.tokens),
    }
  } finally {
    tf.dispose([users.embedding, users.poolWeights, ...users.attention])
    tf.dispose([items.embedding, items.poolWeights, ...items.attention])
  }
}

/**
 * Most common code of each field, keyed by `modeKey` (a user column and an item column may share a
 * name): over users, interactions (context) or items. For a multi-valued field, its most common single
 * value (code 1, vocabularies are frequency-ordered), which the token then holds alone for every user or
 * item.
 */
function modeCodes(data: EncodedDataset): Map<string, number> {
  const modes = new Map<string, number>()
  const mode = (codes: Int32Array, width: number, f: number, count: number) => {
    const tally = new Map<number, number>()
    for (let e = 0; e < count; e++) {
      const c = codes[e * width + f]
      tally.set(c, (tally.get(c) ?? 0) + 1)
    }
    let best = 0
    let bestCount = -1
    for (const [c, n] of tally) if (n > bestCount || (n === bestCount && c < best)) [best, bestCount] = [c, n]
    return best
  }
  data.userFields.forEach((field, f) =>
    modes.set(
      modeKey('user', field.name),
      mode(data.userCodes, data.userFields.length, f, data.userIds.length),
    ),
  )
  data.contextFields.forEach((field, f) =>
    modes.set(
      modeKey('user', field.name),
      mode(data.contextCodes, data.contextFields.length, f, data.interactionUser.length),
    ),
  )
  data.itemFields.forEach((field, f) =>
    modes.set(
      modeKey('item', field.name),
      mode(data.itemCodes, data.itemFields.length, f, data.itemIds.length),
    ),
  )
  for (const [tower, fields] of [
    ['user', data.multiUser ?? []],
    ['item', data.multiItem ?? []],
  ] as const)
    for (const field of fields) modes.set(modeKey(tower, field.name), field.vocabulary.length > 1 ? 1 : 0)
  return modes
}

const modeKey = (tower: 'user' | 'item', field: string) => `${tower}:${field}`

/**
 * Drop-field (permutation-style) importance: validation NDCG@10 with each token pinned to its most
 * common value (history tokens to "no item"), subtracted from the unperturbed NDCG@10. A positive
 * drop means the model relies on the field. `pooling` gives each token's mean attention weight, for
 * the side-by-side view.
 */
export async function dropFieldImportance(
  trainer: Trainer,
  queries: EvalQueries,
  pooling: { user: TowerAttention; item: TowerAttention },
  onProgress?: (done: number, total: number) => void,
): Promise<FieldImportance[]> {
  const { model, data } = trainer
  const modes = modeCodes(data)
  const base = (await trainer.evaluateModel(queries))['ndcg@10']
  const towers = [
    { tower: 'user' as const, attention: pooling.user },
    { tower: 'item' as const, attention: pooling.item },
  ]
  const total = model.user.shape.tokens.length + model.item.shape.tokens.length
  const out: FieldImportance[] = []
  for (const { tower, attention } of towers) {
    const tokens = (tower === 'user' ? model.user : model.item).shape.tokens
    for (let t = 0; t < tokens.length; t++) {
      const field = tokens[t]
      const code = modes.get(modeKey(tower, field)) ?? 0
      const ndcg = (await trainer.evaluateModel(queries, { field, code, tower }))['ndcg@10']
      out.push({
        field,
        tower,
        attentionWeight: attention.pooling[t] ?? 0,
        ndcgWithout: ndcg,
        drop: base - ndcg,
      })
      onProgress?.(out.length, total)
    }
  }
  return out
}
