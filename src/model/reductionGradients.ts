/**
 * The gradients of `Sum` and `Mean` without a tensor of ones the size of the input, and those of
 * `Square` and `Sqrt` with their constant 2 kept (`./constants`).
 *
 * tfjs's own gradients multiply dy, reshaped to keep the reduced axes as 1s, by `ones(x.shape)`: a
 * tensor as big as the input, filled in JavaScript and copied into the backend. Here dy is multiplied
 * by ones only as big as the reduced axes (1 on every other axis), so the product's broadcast does
 * the rest: the same values to the bit (each is dy · 1), with no big fill. In the isolated page,
 * where a fresh array and the copy into the module's shared memory are slow, tfjs's `ones` took 3.8 s
 * of a 40 s small-demo run's trainer worker (Chromium 156, CPU profile, 2026-12-02); in Node the
 * gradient of a sum over [13824, 32]'s rows took 7–14 ms that way, 0.4–0.7 ms this way (wasm, one
 * thread). Every backend takes these (the registry is global).
 */
// tfjs's gradients first (a module runs once), so that these always replace its own.
import '@tensorflow/tfjs-core/dist/register_all_gradients'
import {
  cast,
  div,
  getGradient,
  Mean,
  mul,
  registerGradient,
  reshape,
  sqrt,
  Sqrt,
  Square,
  Sum,
  util,
  type GradConfig,
  type NamedAttrMap,
  type Tensor,
} from '@tensorflow/tfjs-core'
import { filled, scalar } from './constants'

/** dy (x's shape with the reduced axes dropped or kept as 1) spread back over x's shape. */
export function spreadOver(dy: Tensor, xShape: number[], axis: number | number[]): Tensor {
  const axes = util.parseAxisParam(axis, xShape)
  const reduced = (a: number) => axes.includes(a)
  const kept = reshape(
    dy,
    xShape.map((d, a) => (reduced(a) ? 1 : d)),
  )
  return mul(
    kept,
    filled(
      xShape.map((d, a) => (reduced(a) ? d : 1)),
      1,
    ),
  )
}

const axisOf = (attrs: NamedAttrMap) => (attrs as unknown as { axis: number | number[] }).axis

/** Replaces the gradient registered for `kernelName`, keeping what else its config says. */
function replaceGradient(kernelName: string, gradFunc: GradConfig['gradFunc']): void {
  registerGradient({ ...getGradient(kernelName), kernelName, gradFunc })
}

replaceGradient(Sum, (dy, [x], attrs) => {
  const derX = spreadOver(dy as Tensor, x.shape, axisOf(attrs))
  return { x: () => derX }
})

replaceGradient(Mean, (dy, [x], attrs) => ({
  x: () => {
    const axes = util.parseAxisParam(axisOf(attrs), x.shape)
    const reduceSize = util.sizeFromShape(axes.map((a) => x.shape[a]))
    return div(spreadOver(dy as Tensor, x.shape, axes), scalar(reduceSize))
  },
}))

// tfjs's own two, with their 2 kept while a trainer holds constants (`./constants`) instead of uploaded
// at every backward pass: the same operations in the same order, so the same values to the bit.
replaceGradient(Square, (dy, [x]) => ({ x: () => mul(dy as Tensor, mul(cast(x, 'float32'), scalar(2))) }))
replaceGradient(Sqrt, (dy, [x]) => ({ x: () => div(dy as Tensor, mul(sqrt(cast(x, 'float32')), scalar(2))) }))
