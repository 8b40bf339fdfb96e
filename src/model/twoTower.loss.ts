import * as tf from './tf'

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
