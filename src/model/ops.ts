import * as tf from './tf'

/**
 * Matrix products whose gradients never use matMul's transpose flags.
 *
 * tfjs's wasm backend sends a 2-D matMul to XNNPACK only when neither operand is transposed; with
 * `transposeA` or `transposeB` it falls back to a plain loop 5–8× slower (measured 2026-12-01, Chromium
 * 150: [13824, 32] × [32, 32] in 2.1 ms, the same with `transposeB` in 12.2 ms, an explicit
 * `transpose` then the product in 2.1 ms). The stock matMul gradient is written with those flags, so
 * the backward pass of every projection took the slow loop. Here the transposes are explicit copies,
 * which every backend does in one cheap pass. Same values and gradients as `tf.matMul`.
 */

/** x · w for 2-D x [n, k] and w [k, m]. */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return linearOp(x, w) as tf.Tensor2D
}

const linearOp = tf.customGrad((x, w, save) => {
  ;(save as tf.GradSaveFunc)([x as tf.Tensor2D, w as tf.Tensor2D])
  return {
    value: tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, [a, b]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(b as tf.Tensor2D)),
      tf.matMul(tf.transpose(a as tf.Tensor2D), dy as tf.Tensor2D),
    ],
  }
})

/** a · bᵀ for 2-D a [n, k] and b [m, k]: every row of a against every row of b. */
export function matMulTransposed(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return transposedOp(a, b) as tf.Tensor2D
}

const transposedOp = tf.customGrad((a, b, save) => {
  ;(save as tf.GradSaveFunc)([a as tf.Tensor2D, b as tf.Tensor2D])
  return {
    value: tf.matMul(a as tf.Tensor2D, tf.transpose(b as tf.Tensor2D)),
    gradFunc: (dy: tf.Tensor, [x, y]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, y as tf.Tensor2D),
      tf.matMul(tf.transpose(dy as tf.Tensor2D), x as tf.Tensor2D),
    ],
  }
})
