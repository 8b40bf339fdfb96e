import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import type { Histories } from './history'
import * as tf from './tf'
import { AttentionTower, type TowerOutput, type TowerShape } from './tower'
import {
  historyPresence,
  historyRows,
  itemRows,
  queryRows,
  tokenLayout,
  type FieldOverride,
  type ModelVariant,
  type TokenLayout,
  type TokenRows,
  type TowerLayout,
} from './twoTower.rows'

/**
 * The two-tower model: a query tower over user fields, interaction context and the user's recent items,
 * and an item tower over item fields. Score of (query, item) = cosine of their embeddings / temperature.
 *
 * Token layout: see `TokenLayout` (the tables' rows of a batch are assembled there, without tfjs). A
 * multi-valued field is one token, the mean of its values' embeddings (rows of its own slice of the
 * tower's table).
 */
export class TwoTowerModel {
  readonly variant: ModelVariant
  readonly user: AttentionTower
  readonly item: AttentionTower
  readonly histories: Histories
  /** Which fields each tower uses and where their rows lie in the tables. */
  readonly layout: TokenLayout
  /** Value rows per multi-valued token of each tower (the most any entity needs, at most the cap). */
  readonly userMultiWidth: number
  readonly itemMultiWidth: number

  constructor(data: EncodedDataset, config: TrainConfig, variant: ModelVariant, histories: Histories) {
    this.variant = variant
    this.layout = tokenLayout(data, variant, histories)
    this.histories = this.layout.histories
    this.userMultiWidth = this.layout.user.multiWidth
    this.itemMultiWidth = this.layout.item.multiWidth
    const attention = variant === 'attention' || variant === 'sequence'
    const shape = (name: 'user' | 'item', tower: TowerLayout): TowerShape => ({
      name,
      tokens: tower.tokens,
      vocabSizes: tower.vocabSizes,
      dim: config.dim,
      heads: config.heads,
      // SASRec's item side is the item embedding alone: no layers over a single token.
      layers: attention && !(variant === 'sequence' && name === 'item') ? config.layers : 0,
      mlpHidden: config.mlpHidden,
      attentionPooling: attention,
      // Positions only where attention can read them: a mean of position vectors says nothing of order,
      // only how many items there are, so the mean-pooling ablation keeps the plain item tokens.
      positionTokens: name === 'user' && attention ? this.histories.length : 0,
      sequential: name === 'user' && variant === 'sequence',
    })
    this.user = new AttentionTower(shape('user', this.layout.user), config.seed * 1000 + 1)
    this.item = new AttentionTower(shape('item', this.layout.item), config.seed * 1000 + 501)
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
    return this.layout.user.singles
  }
  /** Own user-table tokens per query: single-valued and multi-valued (history tokens excluded). */
  get userTokenCount(): number {
    return this.userSingleCount + this.layout.user.multi.length
  }
  get itemSingleCount(): number {
    return this.layout.item.singles
  }
  get itemTokenCount(): number {
    return this.itemSingleCount + this.layout.item.multi.length
  }
  /** Table rows per query of `queryRows(...).rows`. */
  get userRowWidth(): number {
    return this.layout.user.rowWidth
  }
  /** Table rows per item of `itemRows(...).rows`. */
  get itemRowWidth(): number {
    return this.layout.item.rowWidth
  }

  /** User-table rows for interaction rows (see `queryRows` in twoTower.rows). `override` pins one field. */
  queryRows(interactionRows: ArrayLike<number>, override?: FieldOverride): TokenRows {
    return queryRows(this.layout, interactionRows, override)
  }

  /** Item-table rows of the history tokens of interaction rows, [queries × historyLength] row-major. */
  historyRows(interactionRows: ArrayLike<number>, override?: FieldOverride): Int32Array {
    return historyRows(this.layout, interactionRows, override)
  }

  /** Item-table rows for item indices, `itemRowWidth` per item (layout: `TokenRows`). */
  itemRows(items: ArrayLike<number>, override?: FieldOverride): TokenRows {
    return itemRows(this.layout, items, override)
  }

  /**
   * The weights of `queryRows` / `itemRows` as the tensor `applyQueries` / `applyItems` take:
   * [batch, multi fields, width, 1], or null when the tower has no multi-valued field.
   */
  multiWeights(tower: 'user' | 'item', weights: Float32Array, batch: number): tf.Tensor4D | null {
    const fields = tower === 'user' ? this.layout.user.multi.length : this.layout.item.multi.length
    if (fields === 0) return null
    const width = tower === 'user' ? this.userMultiWidth : this.itemMultiWidth
    return tf.tensor4d(weights, [batch, fields, width, 1])
  }

  /**
   * Query tower on looked-up rows: `userRows` [batch × userRowWidth, dim] from the user table (the
   * rows of `queryRows`), `weights` from `multiWeights('user', ...)`, `history` the history tokens
   * [batch × historyLength, dim] looked up from the item table with the `historyRows` they came from
   * (row 0, the missing item, is padding: an absent token), or null when history is off.
   */
  applyQueries(
    userRows: tf.Tensor2D,
    weights: tf.Tensor4D | null,
    history: { tokens: tf.Tensor2D; rows: Int32Array } | null,
    batch: number,
  ): TowerOutput {
    const dim = this.user.shape.dim
    const n = this.histories.length
    const withHistory = history !== null && n > 0
    if (!withHistory && !weights) return this.user.apply(userRows, batch)
    // The sequence variant has no own token: the history is the whole query.
    const own =
      this.userTokenCount > 0
        ? ownTokens(userRows, weights, batch, this.userSingleCount, this.layout.user.multi.length, dim)
        : null
    if (!withHistory) return this.user.apply(tf.reshape(own!, [batch * this.userTokenCount, dim]), batch)
    const historyGrid = tf.reshape(history.tokens, [batch, n, dim])
    const historyPresent = tf.tensor2d(historyPresence(history.rows), [batch, n])
    const grid = own ? tf.concat([own, historyGrid], 1) : historyGrid
    const present = (
      own ? tf.concat([tf.ones([batch, this.userTokenCount]), historyPresent], 1) : historyPresent
    ) as tf.Tensor2D
    return this.user.apply(tf.reshape(grid, [batch * this.user.shape.tokens.length, dim]), batch, present)
  }

  /** Item tower on looked-up rows: `itemRows` [batch × itemRowWidth, dim], `weights` as for queries. */
  applyItems(itemRows: tf.Tensor2D, weights: tf.Tensor4D | null, batch: number): TowerOutput {
    if (!weights) return this.item.apply(itemRows, batch)
    const dim = this.item.shape.dim
    const own = ownTokens(itemRows, weights, batch, this.itemSingleCount, this.layout.item.multi.length, dim)
    return this.item.apply(tf.reshape(own, [batch * this.itemTokenCount, dim]), batch)
  }

  /** Query embeddings straight from the tables (no gradient bookkeeping): for evaluation. */
  embedQueries(interactionRows: ArrayLike<number>, override?: FieldOverride): TowerOutput {
    const batch = interactionRows.length
    const { rows, weights } = this.queryRows(interactionRows, override)
    const userRows = tf.gather(this.user.table, tf.tensor1d(rows, 'int32')) as tf.Tensor2D
    const history = this.lookUpHistory(this.historyRows(interactionRows, override))
    return this.applyQueries(userRows, this.multiWeights('user', weights, batch), history, batch)
  }

  /** History tokens of `rows` (from `historyRows`) looked up in the item table; null when history is off. */
  lookUpHistory(rows: Int32Array): { tokens: tf.Tensor2D; rows: Int32Array } | null {
    if (this.histories.length === 0) return null
    return { tokens: tf.gather(this.item.table, tf.tensor1d(rows, 'int32')) as tf.Tensor2D, rows }
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
