/**
 * A trained model's weights out of and back into tfjs variables (plain data in `weights.ts`), and the
 * trainer of a finished run rebuilt from its data, config and weights: the explorer of an imported run.
 */
import { splitDataset } from '../data/split'
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from './config'
import { buildHistories } from './history'
import * as tf from './tf'
import { Trainer } from './train'
import type { TwoTowerModel } from './twoTower'
import type { ModelWeights, NamedWeight } from './weights'

/** A variable's stable name: tfjs names are global, so the towers append `#instance`. */
export function weightName(variable: tf.Variable): string {
  return variable.name.replace(/#\d+$/, '')
}

/** Reads a model's variables back from the backend (one read per variable). */
export async function readWeights(model: TwoTowerModel): Promise<ModelWeights> {
  const variables: NamedWeight[] = []
  for (const v of model.variables)
    variables.push({ name: weightName(v), shape: [...v.shape], values: (await v.data()) as Float32Array })
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

/**
 * The trainer of a finished run rebuilt from its data, config and weights: the same split and histories
 * as training made (both follow from the seed), the attention model with the given weights. For the
 * explorer of an imported run; the caller disposes it. Throws with the problem when the weights do not
 * fit the model this data and config build.
 */
export function restoreTrainer(data: EncodedDataset, config: TrainConfig, weights: ModelWeights): Trainer {
  const split = splitDataset(data, config.seed)
  const histories = buildHistories(data, split, config.historyLength)
  const trainer = new Trainer(data, split, config, histories, 'attention')
  const problem = assignWeights(trainer.model, weights)
  if (problem) {
    trainer.dispose()
    throw new Error(`The run file's weights do not fit: ${problem}.`)
  }
  return trainer
}
