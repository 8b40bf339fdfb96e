import * as tf from './tf'

/**
 * Rows `ids` of `table`, with a gradient that costs O(ids × dim) instead of O(vocabulary × ids).
 *
 * The stock gradient of `tf.gather` is an `unsortedSegmentSum` over the whole vocabulary (and is not
 * registered on the wasm backend at all). `scatterND` writes each row's gradient into a zero table and
 * sums duplicate ids, which is exactly the gradient of a gather.
 *
 * `ids` is an input of the custom gradient (and saved) rather than captured: tensors made inside the
 * forward function are disposed before the backward pass runs.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor1D): tf.Tensor2D {
  const lookup = tf.customGrad((t, i, save) => {
    const rows = i as tf.Tensor1D
    const source = t as tf.Tensor2D
    ;(save as tf.GradSaveFunc)([rows])
    return {
      value: tf.gather(source, rows),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.scatterND(tf.expandDims(saved[0], 1), dy, source.shape),
        tf.zerosLike(saved[0]),
      ],
    }
  })
  return lookup(table, ids) as tf.Tensor2D
}
