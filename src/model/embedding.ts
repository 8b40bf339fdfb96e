import { gatherRowsInModule } from './ops'
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
      value: gatherRows(source, rows),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.scatterND(tf.expandDims(saved[0], 1), dy, source.shape),
        tf.zerosLike(saved[0]),
      ],
    }
  })
  return lookup(table, ids) as tf.Tensor2D
}

/**
 * `tf.gather(table, rows)` for a 2-D table. On wasm whole rows are copied: the backend's gather kernel
 * works out every output value's source position one by one (13.7 ms for 13,824 rows of 32 on the
 * demo's user tokens, Node 20, 2026-12-01) where copying whole rows in JavaScript took 1.7 ms. Inside
 * the module where it can (`gatherRowsInModule`): the JavaScript copy reads the whole table out and
 * writes the rows back in, which in the isolated page took 1.5 s of a 40 s small-demo run's trainer
 * worker (Chromium 156, CPU profile, 2026-12-02). Other backends gather.
 */
export function gatherRows(table: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  if (tf.getBackend() !== 'wasm') return tf.gather(table, rows)
  const inModule = gatherRowsInModule(table, rows)
  if (inModule) return inModule
  const [height, width] = table.shape
  const values = table.dataSync() as Float32Array
  const ids = rows.dataSync() as Int32Array
  const out = new Float32Array(ids.length * width)
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]
    if (!(id >= 0 && id < height)) throw new RangeError(`gatherRows: row ${id} of a table of ${height}`)
    out.set(values.subarray(id * width, (id + 1) * width), i * width)
  }
  return tf.tensor2d(out, [ids.length, width])
}
