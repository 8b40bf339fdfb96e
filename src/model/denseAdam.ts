import { registerWasmKernels, WASM_ADAM_KERNEL } from './ops'
import * as tf from './tf'
import { wasmLoops } from './wasmProducts'

/** What `DenseAdam` reads of tfjs's Adam (private in its types). */
interface AdamInternals {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  incrementIterations(): void
}

/**
 * tfjs's Adam (`tf.train.adam(learningRate)`: beta1 0.9, beta2 0.999, the backend's epsilon), with each
 * weight's update in one kernel on wasm: the `adam` loop of `wasmProducts.ts`, which does tfjs's
 * arithmetic operation for operation in float32, so the same numbers to the bit. tfjs's own update is
 * 13 kernels a weight (each a dispatch through the engine, and a pass over the weight's memory): the
 * demo model's 33 dense weights took ~430 of the ~1,100 kernels of a training step. State, saving and
 * loading are tfjs's (`getWeights`, `setWeights`, the running products). Other backends, gradients
 * given as a list, and weights whose size is not a multiple of 4 take tfjs's update.
 */
export class DenseAdam extends tf.AdamOptimizer {
  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999)
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const names = Array.isArray(variableGradients) ? [] : Object.keys(variableGradients)
    const variables = names.map((name) => tf.engine().registeredVariables[name])
    const fits =
      !Array.isArray(variableGradients) &&
      tf.getBackend() === 'wasm' &&
      wasmLoops(tf.backend()) !== null &&
      variables.every((v) => v.dtype === 'float32' && v.size > 0 && v.size % 4 === 0)
    if (!fits) return super.applyGradients(variableGradients)
    const self = this as unknown as AdamInternals
    registerWasmKernels()
    tf.tidy(() => {
      const [bias1, bias2] = [tf.sub(1, self.accBeta1), tf.sub(1, self.accBeta2)].map((t) => t.dataSync()[0])
      const { beta1, beta2 } = self
      // Rounded to float32 as tfjs's scalars are: its `mul(m, beta1)`, `mul(g, 1 - beta1)`, ...
      const constants = tf.tensor1d([
        beta1,
        1 - beta1,
        beta2,
        1 - beta2,
        bias1,
        bias2,
        self.epsilon,
        -self.learningRate,
      ])
      names.forEach((name, i) => {
        const value = variables[i]
        const moment = (list: AdamInternals['accumulatedFirstMoment'], suffix: string) =>
          (list[i] ??= {
            originalName: `${name}/${suffix}`,
            variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
          }).variable
        const m = moment(self.accumulatedFirstMoment, 'm')
        const v = moment(self.accumulatedSecondMoment, 'v')
        const g = variableGradients[name]
        if (g == null) return
        const [newValue, newM, newV] = tf
          .engine()
          .runKernel(WASM_ADAM_KERNEL, { value, m, v, g, constants }) as tf.Tensor[]
        m.assign(newM)
        v.assign(newV)
        value.assign(newValue)
      })
      self.accBeta1.assign(tf.mul(self.accBeta1, beta1))
      self.accBeta2.assign(tf.mul(self.accBeta2, beta2))
    })
    self.incrementIterations()
  }
}
