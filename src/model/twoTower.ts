import * as tf from './tf'
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import { Tower, type TowerShape } from './tower'

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

export interface ModelOptions {
  /** false gives the mean-pooling ablation (same tokens and MLP, no learned pooling query). */
  attentionPooling: boolean
}

/**
 * The two-tower model: a user (query) tower over user fields + interaction context, an item tower over
 * item fields. Score of (query, item) = cosine of their embeddings / temperature.
 */
export class TwoTowerModel {
  readonly user: Tower
  readonly item: Tower
  private readonly data: EncodedDataset
  private readonly userWidth: number
  private readonly contextWidth: number
  private readonly itemWidth: number

  constructor(data: EncodedDataset, config: TrainConfig, options: ModelOptions = { attentionPooling: true }) {
    this.data = data
    this.userWidth = data.userFields.length
    this.contextWidth = data.contextFields.length
    this.itemWidth = data.itemFields.length
    const shape = (name: 'user' | 'item', fields: EncodedDataset['userFields']): TowerShape => ({
      name,
      fields: fields.map((f) => f.name),
      vocabSizes: fields.map((f) => fieldRows(f.vocabulary.length)),
      dim: config.dim,
      heads: config.heads,
      layers: config.layers,
      mlpHidden: config.mlpHidden,
      attentionPooling: options.attentionPooling,
    })
    this.user = new Tower(shape('user', [...data.userFields, ...data.contextFields]), config.seed * 1000 + 1)
    this.item = new Tower(shape('item', data.itemFields), config.seed * 1000 + 501)
  }

  get variables(): tf.Variable[] {
    return [...this.user.variables, ...this.item.variables]
  }

  /** Table rows of the query tower for interaction rows (the user's fields + that interaction's context). */
  queryRows(interactionRows: ArrayLike<number>): Int32Array {
    const width = this.userWidth + this.contextWidth
    const out = new Int32Array(interactionRows.length * width)
    const { offsets, shape } = this.user
    for (let b = 0; b < interactionRows.length; b++) {
      const r = interactionRows[b]
      const u = this.data.interactionUser[r]
      for (let f = 0; f < this.userWidth; f++)
        out[b * width + f] =
          offsets[f] + foldCode(this.data.userCodes[u * this.userWidth + f], shape.vocabSizes[f])
      for (let c = 0; c < this.contextWidth; c++) {
        const f = this.userWidth + c
        out[b * width + f] =
          offsets[f] + foldCode(this.data.contextCodes[r * this.contextWidth + c], shape.vocabSizes[f])
      }
    }
    return out
  }

  /** Table rows of the item tower for item indices. */
  itemRows(items: ArrayLike<number>): Int32Array {
    const width = this.itemWidth
    const out = new Int32Array(items.length * width)
    const { offsets, shape } = this.item
    for (let b = 0; b < items.length; b++)
      for (let f = 0; f < width; f++)
        out[b * width + f] =
          offsets[f] + foldCode(this.data.itemCodes[items[b] * width + f], shape.vocabSizes[f])
    return out
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
