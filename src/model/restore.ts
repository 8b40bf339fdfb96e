/**
 * A trained model's weights out of and back into tfjs variables (plain data in `weights.ts`): for run
 * files with the model, the explorer of an imported run (`Explorer.fromWeights`) and resumable runs.
 */
import * as tf from './tf'
import type { TwoTowerModel } from './twoTower'
import type { ModelWeights, NamedWeight } from './weights'

/**
 * A copy of a tensor's float32 values. A copy, because the cpu backend hands out its own storage, which
 * the lazy Adam's row updates then change in place.
 */
export async function valuesOf(tensor: tf.Tensor): Promise<Float32Array> {
  return ((await tensor.data()) as Float32Array).slice()
}

/** A variable's stable name: tfjs names are global, so the towers append `#instance`. */
export function weightName(variable: tf.Variable): string {
  return variable.name.replace(/#\d+$/, '')
}

/** Reads a model's variables back from the backend (one read per variable). */
export async function readWeights(model: TwoTowerModel): Promise<ModelWeights> {
  const variables: NamedWeight[] = []
  for (const v of model.variables)
    variables.push({ name: weightName(v), shape: [...v.shape], values: await valuesOf(v) })
  return { variables }
}

/**
 * Puts weights into a model whose variables have the same names and shapes in the same order; otherwise
 * names the first difference and changes nothing.
 */
export function assignWeights(model: TwoTowerModel, weights: ModelWeights): string | null {
  const variables = model.variables
  if (variables.length !== weights.variables.length)
    return `the model has ${variables.length} weight tensors and the file ${weights.variables.length}`
  for (let i = 0; i < variables.length; i++) {
    const name = weightName(variables[i])
    const w = weights.variables[i]
    if (w.name !== name)
      return `weight ${i} is "${w.name.slice(0, 40)}" in the file and "${name}" in the model`
    const want = variables[i].shape
    if (w.shape.length !== want.length || w.shape.some((d, k) => d !== want[k]))
      return `${name} has shape [${w.shape.join(', ')}] in the file and [${want.join(', ')}] in the model built from this data and config`
  }
  variables.forEach((v, i) => {
    const w = weights.variables[i]
    tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, 'float32')))
  })
  return null
}

/** Weight tensors of plain weights, as a `WeightSnapshot` holds them (the caller disposes them). */
export function snapshotOfWeights(weights: ModelWeights): tf.Tensor[] {
  return weights.variables.map((w) => tf.tensor(w.values, w.shape, 'float32'))
}

/** The values of a snapshot of `model`'s variables, named as the model names them. */
export async function weightsOfSnapshot(model: TwoTowerModel, snapshot: tf.Tensor[]): Promise<ModelWeights> {
  const variables = model.variables
  const out: NamedWeight[] = []
  for (let i = 0; i < snapshot.length; i++)
    out.push({
      name: weightName(variables[i]),
      shape: [...snapshot[i].shape],
      values: await valuesOf(snapshot[i]),
    })
  return { variables: out }
}
