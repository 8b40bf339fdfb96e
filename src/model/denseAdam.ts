import { scalar } from './constants'
import { registerWasmKernels, WASM_ADAM_KERNEL } from './ops'
import * as tf from './tf'
import { wasmLoops } from './wasmProducts'

/** A TensorFlow.js flag: off, backends other than wasm take tfjs's own update (see `DenseAdam`). */
export const FUSED_ADAM_FLAG = 'PLAYGROUND_FUSED_ADAM'
tf.env().registerFlag(FUSED_ADAM_FLAG, () => true)

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
 * loading are tfjs's (`getWeights`, `setWeights`, the running products). On wasm, gradients given as a
 * list and weights whose size is not a multiple of 4 take tfjs's update.
 *
 * On every other backend (webgl, webgpu, cpu) all the weights are updated as one: their moments are
 * kept in two flat tensors, the gradients concatenated into one, tfjs's arithmetic run once on it, and
 * the step split back onto each weight. ~3 kernels a weight instead of 13 (on a GPU each kernel is a
 * dispatch: the demo model's step went from ~1,100 kernels to ~800), the same numbers to the bit. The
 * flat moments are laid out per weight again whenever tfjs's state is read or written (`getWeights`,
 * `setWeights`), and the next step flattens them once more. `FUSED_ADAM_FLAG` off gives tfjs's update.
 */
export class DenseAdam extends tf.AdamOptimizer {
  /** The moments of every weight as one tensor each, in `names` order, while the fused update runs. */
  private flat: { names: string[]; m: tf.Variable; v: tf.Variable } | null = null

  constructor(learningRate: number) {
    super(learningRate, 0.9, 0.999)
  }

  override async getWeights(): ReturnType<tf.AdamOptimizer['getWeights']> {
    this.unflatten()
    return super.getWeights()
  }

  /** tfjs's, after freeing the moments held so far (tfjs's own drops them without freeing). */
  override async setWeights(weights: Parameters<tf.AdamOptimizer['setWeights']>[0]): Promise<void> {
    this.disposeFlat()
    const self = this as unknown as AdamInternals
    for (const list of [self.accumulatedFirstMoment, self.accumulatedSecondMoment])
      tf.dispose(list.flatMap((entry) => (entry ? [entry.variable] : [])))
    return super.setWeights(weights)
  }

  override dispose(): void {
    this.disposeFlat()
    super.dispose()
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const names = Array.isArray(variableGradients) ? [] : Object.keys(variableGradients)
    const variables = names.map((name) => tf.engine().registeredVariables[name])
    const fits =
      !Array.isArray(variableGradients) &&
      tf.getBackend() === 'wasm' &&
      wasmLoops(tf.backend()) !== null &&
      variables.every((v) => v.dtype === 'float32' && v.size > 0 && v.size % 4 === 0)
    if (!fits) {
      if (
        !Array.isArray(variableGradients) &&
        tf.getBackend() !== 'wasm' &&
        tf.env().getBool(FUSED_ADAM_FLAG) &&
        variables.every((v) => v.dtype === 'float32') &&
        names.every((name) => variableGradients[name] != null)
      )
        return this.fusedUpdate(names, variables, variableGradients)
      this.unflatten()
      return super.applyGradients(variableGradients)
    }
    this.unflatten()
    const self = this as unknown as AdamInternals
    registerWasmKernels()
    tf.tidy(() => {
      const [bias1, bias2] = [tf.sub(scalar(1), self.accBeta1), tf.sub(scalar(1), self.accBeta2)].map(
        (t) => t.dataSync()[0],
      )
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
      self.accBeta1.assign(tf.mul(self.accBeta1, scalar(beta1)))
      self.accBeta2.assign(tf.mul(self.accBeta2, scalar(beta2)))
    })
    self.incrementIterations()
  }

  /** tfjs's Adam on all the weights at once (see the class comment). */
  private fusedUpdate(names: string[], variables: tf.Variable[], gradients: tf.NamedTensorMap): void {
    const self = this as unknown as AdamInternals
    const flat = this.flatten(names, variables)
    tf.tidy(() => {
      const g = tf.concat(names.map((name) => tf.reshape(gradients[name], [-1])))
      const m = tf.add(tf.mul(flat.m, scalar(self.beta1)), tf.mul(g, scalar(1 - self.beta1)))
      const v = tf.add(tf.mul(flat.v, scalar(self.beta2)), tf.mul(tf.square(g), scalar(1 - self.beta2)))
      const mHat = tf.div(m, tf.sub(scalar(1), self.accBeta1))
      const vHat = tf.div(v, tf.sub(scalar(1), self.accBeta2))
      flat.m.assign(m)
      flat.v.assign(v)
      const step = tf.mul(
        tf.div(mHat, tf.add(tf.sqrt(vHat), scalar(self.epsilon))),
        scalar(-self.learningRate),
      )
      const pieces = tf.split(
        step,
        variables.map((value) => value.size),
      )
      variables.forEach((value, i) => value.assign(tf.add(tf.reshape(pieces[i], value.shape), value)))
      self.accBeta1.assign(tf.mul(self.accBeta1, scalar(self.beta1)))
      self.accBeta2.assign(tf.mul(self.accBeta2, scalar(self.beta2)))
    })
    self.incrementIterations()
  }

  /** The flat moments of `names`, made from tfjs's per-weight ones (zeros where there are none yet). */
  private flatten(names: string[], variables: tf.Variable[]): { m: tf.Variable; v: tf.Variable } {
    if (this.flat && this.flat.names.join('\n') === names.join('\n')) return this.flat
    this.unflatten()
    const self = this as unknown as AdamInternals
    const gather = (list: AdamInternals['accumulatedFirstMoment']) =>
      tf.tidy(() =>
        tf
          .concat(variables.map((value, i) => tf.reshape(list[i]?.variable ?? tf.zerosLike(value), [-1])))
          .variable(false),
      )
    const m = gather(self.accumulatedFirstMoment)
    const v = gather(self.accumulatedSecondMoment)
    for (const list of [self.accumulatedFirstMoment, self.accumulatedSecondMoment]) {
      tf.dispose(list.flatMap((entry) => (entry ? [entry.variable] : [])))
      list.length = 0
    }
    this.flat = { names, m, v }
    return this.flat
  }

  /** Puts the flat moments back as tfjs keeps them, one variable per weight (`${name}/m`, `${name}/v`). */
  private unflatten(): void {
    const flat = this.flat
    if (!flat) return
    const self = this as unknown as AdamInternals
    const variables = flat.names.map((name) => tf.engine().registeredVariables[name])
    const sizes = variables.map((value) => value.size)
    for (const [list, source, suffix] of [
      [self.accumulatedFirstMoment, flat.m, 'm'],
      [self.accumulatedSecondMoment, flat.v, 'v'],
    ] as const) {
      const pieces = tf.split(source, sizes)
      list.length = 0
      flat.names.forEach((name, i) => {
        list.push({
          originalName: `${name}/${suffix}`,
          variable: tf.tidy(() => tf.reshape(pieces[i], variables[i].shape).variable(false)),
        })
      })
      tf.dispose(pieces)
    }
    this.disposeFlat()
  }

  private disposeFlat(): void {
    if (!this.flat) return
    tf.dispose([this.flat.m, this.flat.v])
    this.flat = null
  }
}
