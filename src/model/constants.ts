/**
 * Tensors a training step needs with the same values every time — the scalars it multiplies and adds
 * by, small tensors of ones, the loss's identity matrix — made once while a trainer holds them, not
 * once a step.
 *
 * Every number given to a tfjs op becomes a new tensor: on a GPU backend an upload, and on WebGL a draw
 * more to pack it (`EncodeMatrixPackedProgram`), since packed programs take no uniforms: 48 of the
 * default model's 815 WebGL draws a step at batch 512 were such scalars (SwiftShader, 2026-12-04), and
 * the loss made its [batch, batch] identity and diagonal mask from `range`s three times a step. Kept
 * here, each is uploaded once per backend: 815 → 764 draws and 863 → 846 kernels a step (the same
 * count; WebGPU 460 → 456 dispatches at batch 64), and 48 uploads fewer; the worker's host time per
 * step showed no difference there (40–62 ms either way: SwiftShader shares the CPU with it).
 *
 * Outside a hold (`holdConstants`) each call makes a fresh tensor, as a plain number would, disposed
 * by the caller's tidy: code that runs without a trainer (a restored model's ranking, a test) keeps
 * its tensor count. Inside a hold, the tensors are kept and go when the last hold is released, so a
 * trainer's life leaves the tensor count where it found it. Values are float32, as tfjs makes a
 * number given to an op, so results are the same to the bit.
 */
// tfjs-core itself, not './tf': `reductionGradients`, which './tf' loads, takes its constants from here.
import * as tf from '@tensorflow/tfjs-core'

/**
 * A TensorFlow.js flag (see `BenchmarkPlan.flags`): off, every call makes a fresh tensor even inside a
 * hold, as a number given to an op did before, so a GPU's benchmark can time both ways in one run.
 */
export const KEEP_CONSTANTS_FLAG = 'PLAYGROUND_KEEP_CONSTANTS'
tf.env().registerFlag(KEEP_CONSTANTS_FLAG, () => true)

let holds = 0
/** Kept tensors by backend, then by key. */
const kept = new Map<string, Map<string, tf.Tensor>>()

/**
 * Holds the constants until the returned release is called (each at most once). Holds nest: the
 * constants go with the last release.
 */
export function holdConstants(): () => void {
  holds++
  let released = false
  return () => {
    if (released) return
    released = true
    if (--holds > 0) return
    for (const byKey of kept.values()) for (const t of byKey.values()) t.dispose()
    kept.clear()
  }
}

/** The tensor `make` gives, kept under `key` on the current backend while a hold lasts. */
export function constant<T extends tf.Tensor>(key: string, make: () => T): T {
  if (holds === 0 || !tf.env().getBool(KEEP_CONSTANTS_FLAG)) return make()
  const backend = tf.getBackend()
  let byKey = kept.get(backend)
  if (!byKey) kept.set(backend, (byKey = new Map()))
  let tensor = byKey.get(key)
  if (!tensor || tensor.isDisposed) {
    tensor = tf.keep(tf.tidy(make))
    byKey.set(key, tensor)
  }
  return tensor as T
}

/** `value` as text that tells every double apart, −0 from 0 included. */
const keyOf = (value: number) => (Object.is(value, -0) ? '-0' : String(value))

/** A float32 scalar, as tfjs makes from a number given to an op. */
export const scalar = (value: number): tf.Scalar => constant(`scalar ${keyOf(value)}`, () => tf.scalar(value))

/** A float32 tensor of `shape` filled with `value`. */
export const filled = (shape: number[], value: number): tf.Tensor =>
  constant(`filled ${shape.join('x')} ${keyOf(value)}`, () => tf.fill(shape, value, 'float32'))

/** How many tensors are kept now (for tests). */
export function keptConstants(): number {
  let count = 0
  for (const byKey of kept.values()) count += byKey.size
  return count
}
