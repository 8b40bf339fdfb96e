import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import type { Histories } from './history'
import * as tf from './tf'
import { Tower, type TowerOutput, type TowerShape } from './tower'

/**
 * Largest embedding table slice per field. Values beyond it share rows (codes are ordered by frequency,
 * so it is the rare tail that is folded together).
 */
export const MAX_ROWS_PER_FIELD = 200_000

/** Table rows a field of `vocabularySize` codes (including code 0) gets. */
export function fieldRows(vocabularySize: number): number {
  return Math.min(vocabularySize, MAX_ROWS_PER_FIELD)
}

/** Folds a code into a field's row range: codes under the cap keep their own row, the rest are hashed. */
export function foldCode(code: number, rows: number): number {
  return code < rows ? code : 1 + ((code - 1) % (rows - 1))
}

/**
 * - `attention`: every field, self-attention layers and attention pooling (the model of this playground).
 * - `mean-pooling`: the same tokens without attention: no self-attention layers, mean pooling (ablation).
 * - `id-only`: only the user id and item id tokens (matrix factorisation with an MLP on top).
 */
export type ModelVariant = 'attention' | 'mean-pooling' | 'id-only'

/** A field's codes replaced by one constant, for drop-field importance. `field` is a token name. */
export interface FieldOverride {
  field: string
  code: number
}

/**
 * The two-tower model: a query tower over user fields, interaction context and the user's recent items,
 * and an item tower over item fields. Score of (query, item) = cosine of their embeddings / temperature.
 *
 * Token layout. User tower: [user fields..., context fields..., history_1..history_N]; the history
 * tokens are rows of the ITEM table's id slice (shared item-id embedding). Item tower: [item fields...].
 */
export class TwoTowerModel {
  readonly variant: ModelVariant
  readonly user: Tower
  readonly item: Tower
  readonly histories: Histories
  private readonly data: EncodedDataset
  /** Indices into data.userFields / contextFields / itemFields of the fields this variant uses. */
  private readonly userFieldIndex: number[]
  private readonly contextFieldIndex: number[]
  private readonly itemFieldIndex: number[]

  constructor(data: EncodedDataset, config: TrainConfig, variant: ModelVariant, histories: Histories) {
    this.data = data
    this.variant = variant
    const idOnly = variant === 'id-only'
    const all = (n: number) => Array.from({ length: n }, (_, i) => i)
    this.userFieldIndex = idOnly ? [0] : all(data.userFields.length)
    this.contextFieldIndex = idOnly ? [] : all(data.contextFields.length)
    this.itemFieldIndex = idOnly ? [0] : all(data.itemFields.length)
    this.histories = idOnly ? { length: 0, items: new Int32Array(0) } : histories
    const userOwn = [
      ...this.userFieldIndex.map((f) => data.userFields[f]),
      ...this.contextFieldIndex.map((f) => data.contextFields[f]),
    ]
    const itemOwn = this.itemFieldIndex.map((f) => data.itemFields[f])
    const historyTokens = Array.from({ length: this.histories.length }, (_, k) => `history_${k + 1}`)
    const attention = variant === 'attention'
    const shape = (
      name: 'user' | 'item',
      own: EncodedDataset['userFields'],
      extra: string[],
    ): TowerShape => ({
      name,
      tokens: [...own.map((f) => f.name), ...extra],
      vocabSizes: own.map((f) => fieldRows(f.vocabulary.length)),
      dim: config.dim,
      heads: config.heads,
      layers: attention ? config.layers : 0,
      mlpHidden: config.mlpHidden,
      attentionPooling: attention,
    })
    this.user = new Tower(shape('user', userOwn, historyTokens), config.seed * 1000 + 1)
    this.item = new Tower(shape('item', itemOwn, []), config.seed * 1000 + 501)
  }

  get variables(): tf.Variable[] {
    return [...this.user.variables, ...this.item.variables]
  }

  /** Every trainable variable except the two embedding tables. */
  get denseVariables(): tf.Variable[] {
    return [...this.user.denseVariables, ...this.item.denseVariables]
  }

  /** Tokens per query: own user-table tokens and history tokens. */
  get userTokenCount(): number {
    return this.userFieldIndex.length + this.contextFieldIndex.length
  }
  get itemTokenCount(): number {
    return this.itemFieldIndex.length
  }

  /**
   * User-table rows for interaction rows (the user's fields + that interaction's context),
   * [queries × userTokenCount] row-major. `override` pins one field to one code.
   */
  queryRows(interactionRows: ArrayLike<number>, override?: FieldOverride): Int32Array {
    const { data, userFieldIndex, contextFieldIndex } = this
    const width = this.userTokenCount
    const out = new Int32Array(interactionRows.length * width)
    const { offsets, shape } = this.user
    const nUser = data.userFields.length
    const nContext = data.contextFields.length
    const pinned = override ? shape.tokens.indexOf(override.field) : -1
    for (let b = 0; b < interactionRows.length; b++) {
      const r = interactionRows[b]
      const u = data.interactionUser[r]
      for (let t = 0; t < width; t++) {
        const code =
          t === pinned
            ? override!.code
            : t < userFieldIndex.length
              ? data.userCodes[u * nUser + userFieldIndex[t]]
              : data.contextCodes[r * nContext + contextFieldIndex[t - userFieldIndex.length]]
        out[b * width + t] = offsets[t] + foldCode(code, shape.vocabSizes[t])
      }
    }
    return out
  }

  /** Item-table rows of the history tokens of interaction rows, [queries × historyLength] row-major. */
  historyRows(interactionRows: ArrayLike<number>, override?: FieldOverride): Int32Array {
    const n = this.histories.length
    const out = new Int32Array(interactionRows.length * n)
    const idRows = this.item.shape.vocabSizes[0]
    const pinned = override ? this.user.shape.tokens.indexOf(override.field) - this.userTokenCount : -1
    for (let b = 0; b < interactionRows.length; b++)
      for (let k = 0; k < n; k++) {
        const code = k === pinned ? override!.code : this.histories.items[interactionRows[b] * n + k]
        // The item id field is the item table's first slice (offset 0).
        out[b * n + k] = foldCode(code, idRows)
      }
    return out
  }

  /** Item-table rows for item indices, [items × itemTokenCount] row-major. */
  itemRows(items: ArrayLike<number>, override?: FieldOverride): Int32Array {
    const { data, itemFieldIndex } = this
    const width = this.itemTokenCount
    const nItem = data.itemFields.length
    const out = new Int32Array(items.length * width)
    const { offsets, shape } = this.item
    const pinned = override ? shape.tokens.indexOf(override.field) : -1
    for (let b = 0; b < items.length; b++)
      for (let t = 0; t < width; t++) {
        const code = t === pinned ? override!.code : data.itemCodes[items[b] * nItem + itemFieldIndex[t]]
        out[b * width + t] = offsets[t] + foldCode(code, shape.vocabSizes[t])
      }
    return out
  }

  /**
   * Query tower on looked-up tokens: `userTokens` [batch × userTokenCount, dim] from the user table,
   * `historyTokens` [batch × historyLength, dim] from the item table (null when history is off).
   */
  applyQueries(userTokens: tf.Tensor2D, historyTokens: tf.Tensor2D | null, batch: number): TowerOutput {
    const dim = this.user.shape.dim
    let tokens = userTokens
    if (historyTokens && this.histories.length > 0) {
      const grid = tf.concat(
        [
          tf.reshape(userTokens, [batch, this.userTokenCount, dim]),
          tf.reshape(historyTokens, [batch, this.histories.length, dim]),
        ],
        1,
      )
      tokens = tf.reshape(grid, [batch * this.user.shape.tokens.length, dim])
    }
    return this.user.apply(tokens, batch)
  }

  /** Query embeddings straight from the tables (no gradient bookkeeping): for evaluation. */
  embedQueries(interactionRows: ArrayLike<number>, override?: FieldOverride): TowerOutput {
    const batch = interactionRows.length
    const userTokens = tf.gather(
      this.user.table,
      tf.tensor1d(this.queryRows(interactionRows, override), 'int32'),
    )
    const historyTokens =
      this.histories.length > 0
        ? tf.gather(this.item.table, tf.tensor1d(this.historyRows(interactionRows, override), 'int32'))
        : null
    return this.applyQueries(userTokens as tf.Tensor2D, historyTokens as tf.Tensor2D | null, batch)
  }

  /** Item embeddings straight from the tables: for evaluation. */
  embedItems(items: ArrayLike<number>, override?: FieldOverride): TowerOutput {
    const tokens = tf.gather(this.item.table, tf.tensor1d(this.itemRows(items, override), 'int32'))
    return this.item.apply(tokens as tf.Tensor2D, items.length)
  }

  dispose(): void {
    this.user.dispose()
    this.item.dispose()
  }
}

/**
 * In-batch sampled softmax: row i's positive is item i, every other item in the batch is a negative.
 *
 * - logits[i, j] = <u_i, v_j> / temperature - logQ[j]   (logQ: log sampling probability of item j, or 0)
 * - accidental hits: where item j equals item i (j != i) the logit is masked to -1e9, so a user's own
 *   positive never counts as a negative.
 * Returns the mean cross-entropy over the batch (a scalar). Runs inside the caller's tidy/gradient scope.
 */
export function inBatchSoftmaxLoss(
  userEmbeddings: tf.Tensor2D,
  itemEmbeddings: tf.Tensor2D,
  itemIds: tf.Tensor1D,
  temperature: number,
  logQ: tf.Tensor1D | null,
): tf.Scalar {
  const batch = userEmbeddings.shape[0]
  let logits: tf.Tensor2D = tf.mul(tf.matMul(userEmbeddings, itemEmbeddings, false, true), 1 / temperature)
  if (logQ) logits = tf.sub(logits, tf.expandDims(logQ, 0))
  const eye = tf.eye(batch)
  const sameItem = tf.cast(tf.equal(tf.expandDims(itemIds, 1), tf.expandDims(itemIds, 0)), 'float32')
  logits = tf.add(logits, tf.mul(tf.sub(sameItem, eye), -1e9))
  const positive = tf.sum(tf.mul(logits, eye), 1)
  return tf.mean(tf.sub(tf.logSumExp(logits, 1), positive)) as tf.Scalar
}
