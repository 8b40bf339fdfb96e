import { constant, scalar } from './constants'
import { matMulTransposed } from './ops'
import * as tf from './tf'

/** Logit given to an accidental hit: far below any real logit, so its softmax weight is 0. */
const ACCIDENTAL_HIT_LOGIT = -1e9

/**
 * A TensorFlow.js flag (see `BenchmarkPlan.flags`): off, the [batch, batch] masks of backends other than
 * wasm (the accidental hits, the identity) are made in JavaScript and uploaded every step, as before.
 * On a GPU that upload was 3·batch² floats a step (48 MB at batch 2048) and made larger batches slower
 * (H200, 2026-12-04: webgl 13,244 examples/s at batch 512, 12,078 at 2048, 8,452 at 4096); on, they are
 * computed on the device from the batch's item ids and a range.
 */
export const MASKS_ON_DEVICE_FLAG = 'PLAYGROUND_MASKS_ON_DEVICE'
tf.env().registerFlag(MASKS_ON_DEVICE_FLAG, () => true)

/** Whether the [batch, batch] masks are computed by the backend (not wasm, which has its own way). */
const masksOnDevice = () => tf.getBackend() !== 'wasm' && tf.env().getBool(MASKS_ON_DEVICE_FLAG)

/** [batch, batch] bool, true on the diagonal, computed on the device (no array of batch² uploaded). */
function diagonalMask(batch: number): tf.Tensor2D {
  const positions = tf.range(0, batch, 1, 'int32')
  return tf.equal(tf.expandDims(positions, 1), tf.expandDims(positions, 0)) as tf.Tensor2D
}

/** [batch, batch] bool, false on the diagonal only; made once while a trainer holds constants. */
const offDiagonal = (batch: number) =>
  constant(`off-diagonal ${batch}`, () => tf.logicalNot(diagonalMask(batch)) as tf.Tensor2D)

/**
 * In-batch sampled softmax: row i's positive is item i, every other item in the batch is a negative.
 *
 * - logits[i, j] = <u_i, v_j> / temperature - logQ[j]   (logQ: log sampling probability of item j, or 0)
 * - accidental hits: where item j equals item i (j != i) the logit is masked to -1e9, so a user's own
 *   positive never counts as a negative. The mask is made on the host from the item ids (an `equal`
 *   of [batch, 1] against [1, batch] took 16 ms on wasm, a tenth of a step).
 * Returns the mean cross-entropy over the batch (a scalar). Runs inside the caller's tidy/gradient scope.
 */
export function inBatchSoftmaxLoss(
  userEmbeddings: tf.Tensor2D,
  itemEmbeddings: tf.Tensor2D,
  items: ArrayLike<number>,
  temperature: number,
  logQ: tf.Tensor1D | null,
): tf.Scalar {
  let logits: tf.Tensor2D = tf.mul(matMulTransposed(userEmbeddings, itemEmbeddings), scalar(1 / temperature))
  if (logQ) logits = tf.sub(logits, tf.expandDims(logQ, 0))
  const hits = accidentalHits(items)
  if (hits) logits = tf.add(logits, hits)
  return diagonalCrossEntropy(logits) as tf.Scalar
}

/**
 * [batch, batch] additive mask of accidental hits, or null when the batch's items are all distinct. On
 * wasm the mask is a `scatterND` of the hits into zeros inside the module (0.5 ms in Node): a
 * [batch, batch] array filled in JavaScript and copied in took 7.7 ms there, and 2.8 s of a 40 s
 * small-demo run's two workers in the isolated page (Chromium 156, CPU profile, 2026-12-02). Other
 * backends compute it on the device from the item ids (`MASKS_ON_DEVICE_FLAG`; a scatter on WebGL loops
 * over every cell for every update).
 */
function accidentalHits(items: ArrayLike<number>): tf.Tensor2D | null {
  const batch = items.length
  const firstAt = new Map<number, number[]>()
  for (let i = 0; i < batch; i++) {
    const same = firstAt.get(items[i])
    if (same) same.push(i)
    else firstAt.set(items[i], [i])
  }
  if (firstAt.size === batch) return null
  if (masksOnDevice()) {
    // The same mask from the batch's ids on the device: item i is item j, and i is not j.
    const ids = tf.tensor1d(Int32Array.from(items), 'int32')
    const same = tf.equal(tf.expandDims(ids, 1), tf.expandDims(ids, 0))
    const hit = tf.logicalAnd(same, offDiagonal(batch))
    return tf.mul(tf.cast(hit, 'float32'), scalar(ACCIDENTAL_HIT_LOGIT)) as tf.Tensor2D
  }
  const hits: number[] = [] // [i, j] pairs, flat
  for (const rows of firstAt.values()) {
    if (rows.length < 2) continue
    for (const i of rows) for (const j of rows) if (i !== j) hits.push(i, j)
  }
  const count = hits.length / 2
  if (tf.getBackend() === 'wasm')
    return tf.scatterND(tf.tensor2d(hits, [count, 2], 'int32'), tf.fill([count], ACCIDENTAL_HIT_LOGIT), [
      batch,
      batch,
    ]) as tf.Tensor2D
  const mask = new Float32Array(batch * batch)
  for (let h = 0; h < hits.length; h += 2) mask[hits[h] * batch + hits[h + 1]] = ACCIDENTAL_HIT_LOGIT
  return tf.tensor2d(mask, [batch, batch])
}

/**
 * Mean over rows of logsumexp(row) − row[i] (row i's positive is column i), with the gradient written
 * out, (softmax − identity) / batch, instead of tfjs's through `max` (an `equal` per backward pass).
 *
 * Both come from one `softmax`, which the gradient keeps: a row's logsumexp is its max plus log Σ
 * exp(x − max), and where the row is at its max the softmax is 1 / Σ exp(x − max), so logsumexp =
 * max − log(max of the row's softmax). On wasm the `Exp` kernel is a scalar loop (2.1–2.3 ms for
 * [512, 512] in Node, 2026-12-03) where `Softmax` runs XNNPACK's vector code (0.33 ms), and the loss
 * took two of those exps a step (`logSumExp` forward, the softmax again backward).
 */
const diagonalCrossEntropy = tf.customGrad((x, save) => {
  const logits = x as tf.Tensor2D
  const batch = logits.shape[0]
  const probabilities = tf.softmax(logits)
  const lse = tf.sub(tf.max(logits, 1, true), tf.log(tf.max(probabilities, 1, true)))
  ;(save as tf.GradSaveFunc)([probabilities])
  return {
    value: tf.mean(tf.sub(lse, diagonalOf(logits))),
    gradFunc: (dy: tf.Tensor, [p]: tf.Tensor[]) =>
      tf.mul(minusIdentity(p as tf.Tensor2D), tf.div(dy, scalar(batch))),
  }
})

/**
 * On wasm the identity matrix is not made: `tf.eye` fills a [batch, batch] array in JavaScript and
 * copies it into the module's memory, which in the isolated page (shared memory) took ~30 ms a step
 * for the two of them (Chromium 156, CPU profile, 2026-12-02). There the diagonal is gathered and
 * written over instead; the same numbers to the bit (x·0 adds nothing to a row's sum, x − 0 is x).
 * Other backends multiply by the identity (a scatter on WebGL loops over every cell for every update),
 * computed on the device (`identity`).
 */
const diagonalOnly = () => tf.getBackend() === 'wasm'

/** [batch, 1]: each row's own column, logits[i, i]. */
function diagonalOf(logits: tf.Tensor2D): tf.Tensor2D {
  const batch = logits.shape[0]
  if (!diagonalOnly()) return tf.sum(tf.mul(logits, identity(batch)), 1, true)
  return tf.reshape(tf.gather(tf.reshape(logits, [-1]), diagonalPositions(batch)), [batch, 1])
}

/** x − identity for a square x. */
function minusIdentity(x: tf.Tensor2D): tf.Tensor2D {
  const batch = x.shape[0]
  if (!diagonalOnly()) return tf.sub(x, identity(batch))
  const flat = tf.reshape(x, [-1])
  const at = diagonalPositions(batch)
  const diagonal = tf.sub(tf.gather(flat, at), scalar(1))
  return tf.reshape(tf.tensorScatterUpdate(flat, tf.reshape(at, [batch, 1]), diagonal), [batch, batch])
}

/**
 * The [batch, batch] identity: computed on the device (once while a trainer holds constants), or
 * `tf.eye` (filled in JavaScript every step) with the flag off.
 */
function identity(batch: number): tf.Tensor2D {
  if (!masksOnDevice()) return tf.eye(batch)
  return constant(`identity ${batch}`, () => tf.cast(diagonalMask(batch), 'float32') as tf.Tensor2D)
}

/** Flat positions of the diagonal of a [batch, batch] matrix. */
const diagonalPositions = (batch: number) =>
  constant(`diagonal positions ${batch}`, () => tf.range(0, batch * batch, batch + 1, 'int32'))
