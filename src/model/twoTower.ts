import type { EncodedDataset, MultiField } from '../data/types'
import type { TrainConfig } from './config'
import type { Histories } from './history'
import * as tf from './tf'
import { Tower, type TowerOutput, type TowerShape } from './tower'

/**
 * Largest embedding table slice per field. Values beyond it share rows (codes are ordered by frequency,
 * so it is the rare tail that is folded together).
 */
export const MAX_ROWS_PER_FIELD = 200_000

/**
 * Most values of a multi-valued field one token averages (the first ones the cell lists; the rest are
 * ignored). Fixes the shape of a batch, so a batch costs batch × fields × this many rows at most.
 */
export const MAX_VALUES_PER_MULTI = 8

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

/**
 * A field's codes replaced by one constant, for drop-field importance. `field` is a token name. A
 * multi-valued field pinned to a code becomes that single value (code 0: "missing"). `tower` names the
 * tower whose token is pinned: a user column and an item column may share a name (`country`); without
 * it, a token of that name is pinned in both towers.
 */
export interface FieldOverride {
  field: string
  code: number
  tower?: 'user' | 'item'
}

/** Index of the overridden token among `tokens` of `tower`, or -1 when the override is not for it. */
function pinnedToken(override: FieldOverride | undefined, tower: 'user' | 'item', tokens: string[]): number {
  if (!override || (override.tower !== undefined && override.tower !== tower)) return -1
  return tokens.indexOf(override.field)
}

/**
 * Table rows of one tower's own tokens for a batch. Per example, `rows` holds one row per single-valued
 * field, then `multiWidth` rows per multi-valued field. Per example and multi field, `weights` holds
 * `multiWidth` weights: 1/count for each of its (up to `multiWidth`) values, 0 for padding (padding
 * repeats the first value's row, so it adds no row to a batch). A field with no value is the row of
 * code 0 with weight 1. `weights` is empty when the tower has no multi-valued field.
 */
export interface TokenRows {
  rows: Int32Array
  weights: Float32Array
}

/**
 * The two-tower model: a query tower over user fields, interaction context and the user's recent items,
 * and an item tower over item fields. Score of (query, item) = cosine of their embeddings / temperature.
 *
 * Token layout. User tower: [user fields..., context fields..., multi-valued user fields...,
 * history_1..history_N]; the history tokens are rows of the ITEM table's id slice (shared item-id
 * embedding). Item tower: [item fields..., multi-valued item fields...]. A multi-valued field is one
 * token, the mean of its values' embeddings (rows of its own slice of the tower's table).
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
  /** Multi-valued fields this variant uses (none for id-only). */
  private readonly multiUser: MultiField[]
  private readonly multiItem: MultiField[]
  /** Value rows per multi-valued token of each tower (the most any entity needs, at most the cap). */
  readonly userMultiWidth: number
  readonly itemMultiWidth: number

  constructor(data: EncodedDataset, config: TrainConfig, variant: ModelVariant, histories: Histories) {
    this.data = data
    this.variant = variant
    const idOnly = variant === 'id-only'
    const all = (n: number) => Array.from({ length: n }, (_, i) => i)
    this.userFieldIndex = idOnly ? [0] : all(data.userFields.length)
    this.contextFieldIndex = idOnly ? [] : all(data.contextFields.length)
    this.itemFieldIndex = idOnly ? [0] : all(data.itemFields.length)
    this.histories = idOnly ? { length: 0, items: new Int32Array(0) } : histories
    this.multiUser = idOnly ? [] : (data.multiUser ?? [])
    this.multiItem = idOnly ? [] : (data.multiItem ?? [])
    this.userMultiWidth = multiWidth(this.multiUser)
    this.itemMultiWidth = multiWidth(this.multiItem)
    const userOwn = [
      ...this.userFieldIndex.map((f) => data.userFields[f]),
      ...this.contextFieldIndex.map((f) => data.contextFields[f]),
      ...this.multiUser,
    ]
    const itemOwn = [...this.itemFieldIndex.map((f) => data.itemFields[f]), ...this.multiItem]
    const historyTokens = Array.from({ length: this.histories.length }, (_, k) => `history_${k + 1}`)
    const attention = variant === 'attention'
    const shape = (
      name: 'user' | 'item',
      own: { name: string; vocabulary: string[] }[],
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

  /** Single-valued tokens per query: user fields and context fields. */
  get userSingleCount(): number {
    return this.userFieldIndex.length + this.contextFieldIndex.length
  }
  /** Own user-table tokens per query: single-valued and multi-valued (history tokens excluded). */
  get userTokenCount(): number {
    return this.userSingleCount + this.multiUser.length
  }
  get itemSingleCount(): number {
    return this.itemFieldIndex.length
  }
  get itemTokenCount(): number {
    return this.itemSingleCount + this.multiItem.length
  }
  /** Table rows per query of `queryRows(...).rows`. */
  get userRowWidth(): number {
    return this.userSingleCount + this.multiUser.length * this.userMultiWidth
  }
  /** Table rows per item of `itemRows(...).rows`. */
  get itemRowWidth(): number {
    return this.itemSingleCount + this.multiItem.length * this.itemMultiWidth
  }

  /**
   * User-table rows for interaction rows (the user's fields + that interaction's context + the user's
   * multi-valued fields), `userRowWidth` per query (layout: `TokenRows`). `override` pins one field.
   */
  queryRows(interactionRows: ArrayLike<number>, override?: FieldOverride): TokenRows {
    const { data, userFieldIndex, contextFieldIndex } = this
    const singles = this.userSingleCount
    const width = this.userRowWidth
    const batch = interactionRows.length
    const out = new Int32Array(batch * width)
    const weights = new Float32Array(batch * this.multiUser.length * this.userMultiWidth)
    const { offsets, shape } = this.user
    const nUser = data.userFields.length
    const nContext = data.contextFields.length
    const pinned = pinnedToken(override, 'user', shape.tokens)
    for (let b = 0; b < batch; b++) {
      const r = interactionRows[b]
      const u = data.interactionUser[r]
      for (let t = 0; t < singles; t++) {
        const code =
          t === pinned
            ? override!.code
            : t < userFieldIndex.length
              ? data.userCodes[u * nUser + userFieldIndex[t]]
              : data.contextCodes[r * nContext + contextFieldIndex[t - userFieldIndex.length]]
        out[b * width + t] = offsets[t] + foldCode(code, shape.vocabSizes[t])
      }
    }
    this.fillMulti(
      this.user,
      this.multiUser,
      this.userMultiWidth,
      singles,
      width,
      out,
      weights,
      (b) => data.interactionUser[interactionRows[b]],
      pinned,
      override,
    )
    return { rows: out, weights }
  }

  /**
   * Writes the value rows and weights of the multi-valued tokens (tower tokens `singles`, `singles + 1`,
   * ...) of every example into `rows` (after its `singles` single-field rows) and `weights`.
   */
  private fillMulti(
    tower: Tower,
    fields: MultiField[],
    valueWidth: number,
    singles: number,
    width: number,
    rows: Int32Array,
    weights: Float32Array,
    entityOf: (b: number) => number,
    pinned: number,
    override: FieldOverride | undefined,
  ): void {
    if (fields.length === 0) return
    const batch = rows.length / width
    const { offsets, shape } = tower
    for (let b = 0; b < batch; b++) {
      const e = entityOf(b)
      for (let m = 0; m < fields.length; m++) {
        const t = singles + m
        const field = fields[m]
        const at = b * width + singles + m * valueWidth
        const wAt = (b * fields.length + m) * valueWidth
        const row = (code: number) => offsets[t] + foldCode(code, shape.vocabSizes[t])
        const start = field.offsets[e]
        const count = t === pinned ? 0 : Math.min(field.offsets[e + 1] - start, valueWidth)
        if (count === 0) {
          // No value, or pinned: one row (code 0 = missing, or the pinned code) with weight 1.
          rows.fill(row(t === pinned ? override!.code : 0), at, at + valueWidth)
          weights[wAt] = 1
          continue
        }
        for (let k = 0; k < valueWidth; k++) {
          rows[at + k] = row(field.codes[start + (k < count ? k : 0)])
          weights[wAt + k] = k < count ? 1 / count : 0
        }
      }
    }
  }

  /** Item-table rows of the history tokens of interaction rows, [queries × historyLength] row-major. */
  historyRows(interactionRows: ArrayLike<number>, override?: FieldOverride): Int32Array {
    const n = this.histories.length
    const out = new Int32Array(interactionRows.length * n)
    const idRows = this.item.shape.vocabSizes[0]
    const token = pinnedToken(override, 'user', this.user.shape.tokens)
    const pinned = token < 0 ? -1 : token - this.userTokenCount
    for (let b = 0; b < interactionRows.length; b++)
      for (let k = 0; k < n; k++) {
        const code = k === pinned ? override!.code : this.histories.items[interactionRows[b] * n + k]
        // The item id field is the item table's first slice (offset 0).
        out[b * n + k] = foldCode(code, idRows)
      }
    return out
  }

  /** Item-table rows for item indices, `itemRowWidth` per item (layout: `TokenRows`). */
  itemRows(items: ArrayLike<number>, override?: FieldOverride): TokenRows {
    const { data, itemFieldIndex } = this
    const singles = this.itemSingleCount
    const width = this.itemRowWidth
    const nItem = data.itemFields.length
    const out = new Int32Array(items.length * width)
    const weights = new Float32Array(items.length * this.multiItem.length * this.itemMultiWidth)
    const { offsets, shape } = this.item
    const pinned = pinnedToken(override, 'item', shape.tokens)
    for (let b = 0; b < items.length; b++)
      for (let t = 0; t < singles; t++) {
        const code = t === pinned ? override!.code : data.itemCodes[items[b] * nItem + itemFieldIndex[t]]
        out[b * width + t] = offsets[t] + foldCode(code, shape.vocabSizes[t])
      }
    this.fillMulti(
      this.item,
      this.multiItem,
      this.itemMultiWidth,
      singles,
      width,
      out,
      weights,
      (b) => items[b],
      pinned,
      override,
    )
    return { rows: out, weights }
  }

  /**
   * The weights of `queryRows` / `itemRows` as the tensor `applyQueries` / `applyItems` take:
   * [batch, multi fields, width, 1], or null when the tower has no multi-valued field.
   */
  multiWeights(tower: 'user' | 'item', weights: Float32Array, batch: number): tf.Tensor4D | null {
    const fields = tower === 'user' ? this.multiUser.length : this.multiItem.length
    if (fields === 0) return null
    const width = tower === 'user' ? this.userMultiWidth : this.itemMultiWidth
    return tf.tensor4d(weights, [batch, fields, width, 1])
  }

  /**
   * Query tower on looked-up rows: `userRows` [batch × userRowWidth, dim] from the user table (the
   * rows of `queryRows`), `weights` from `multiWeights('user', ...)`, `historyTokens`
   * [batch × historyLength, dim] from the item table (null when history is off).
   */
  applyQueries(
    userRows: tf.Tensor2D,
    weights: tf.Tensor4D | null,
    historyTokens: tf.Tensor2D | null,
    batch: number,
  ): TowerOutput {
    const dim = this.user.shape.dim
    const history = historyTokens && this.histories.length > 0
    if (!history && !weights) return this.user.apply(userRows, batch)
    const own = ownTokens(userRows, weights, batch, this.userSingleCount, this.multiUser.length, dim)
    const grid = history
      ? tf.concat([own, tf.reshape(historyTokens, [batch, this.histories.length, dim])], 1)
      : own
    return this.user.apply(tf.reshape(grid, [batch * this.user.shape.tokens.length, dim]), batch)
  }

  /** Item tower on looked-up rows: `itemRows` [batch × itemRowWidth, dim], `weights` as for queries. */
  applyItems(itemRows: tf.Tensor2D, weights: tf.Tensor4D | null, batch: number): TowerOutput {
    if (!weights) return this.item.apply(itemRows, batch)
    const dim = this.item.shape.dim
    const own = ownTokens(itemRows, weights, batch, this.itemSingleCount, this.multiItem.length, dim)
    return this.item.apply(tf.reshape(own, [batch * this.itemTokenCount, dim]), batch)
  }

  /** Query embeddings straight from the tables (no gradient bookkeeping): for evaluation. */
  embedQueries(interactionRows: ArrayLike<number>, override?: FieldOverride): TowerOutput {
    const batch = interactionRows.length
    const { rows, weights } = this.queryRows(interactionRows, override)
    const userRows = tf.gather(this.user.table, tf.tensor1d(rows, 'int32')) as tf.Tensor2D
    const historyTokens =
      this.histories.length > 0
        ? tf.gather(this.item.table, tf.tensor1d(this.historyRows(interactionRows, override), 'int32'))
        : null
    return this.applyQueries(
      userRows,
      this.multiWeights('user', weights, batch),
      historyTokens as tf.Tensor2D | null,
      batch,
    )
  }

  /** Item embeddings straight from the tables: for evaluation. */
  embedItems(items: ArrayLike<number>, override?: FieldOverride): TowerOutput {
    const { rows, weights } = this.itemRows(items, override)
    const itemRows = tf.gather(this.item.table, tf.tensor1d(rows, 'int32')) as tf.Tensor2D
    return this.applyItems(itemRows, this.multiWeights('item', weights, items.length), items.length)
  }

  dispose(): void {
    this.user.dispose()
    this.item.dispose()
  }
}

/** Value rows per multi-valued token: the most values any entity has, capped; at least 1. */
function multiWidth(fields: MultiField[]): number {
  let most = 1
  for (const { offsets } of fields)
    for (let e = 0; e + 1 < offsets.length; e++) most = Math.max(most, offsets[e + 1] - offsets[e])
  return Math.min(most, MAX_VALUES_PER_MULTI)
}

/**
 * A tower's own tokens from its looked-up rows (layout of `TokenRows`): [batch, singles + multis, dim].
 * Multi-valued token = sum over its value rows of weight × row, i.e. the mean of its values'
 * embeddings. Differentiable with respect to `rows`; runs inside the caller's tidy or gradient scope.
 */
function ownTokens(
  rows: tf.Tensor2D,
  weights: tf.Tensor4D | null,
  batch: number,
  singles: number,
  multis: number,
  dim: number,
): tf.Tensor3D {
  if (!weights || multis === 0) return tf.reshape(rows, [batch, singles, dim])
  const width = weights.shape[2]
  const grid = tf.reshape(rows, [batch, singles + multis * width, dim])
  const values = tf.reshape(tf.slice(grid, [0, singles, 0], [batch, multis * width, dim]), [
    batch,
    multis,
    width,
    dim,
  ])
  const pooled = tf.sum(tf.mul(values, weights), 2) as tf.Tensor3D
  if (singles === 0) return pooled
  return tf.concat([tf.slice(grid, [0, 0, 0], [batch, singles, dim]), pooled], 1) as tf.Tensor3D
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
