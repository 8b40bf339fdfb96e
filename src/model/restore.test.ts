import '@tensorflow/tfjs-backend-cpu'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { Explorer } from './explore'
import { assignWeights, readWeights } from './restore'
import { runTraining } from './run'
import * as tf from './tf'
import type { Trainer } from './train'
import { decodeWeights, encodeWeights, type ModelWeights } from './weights'

const { data } = loadDemoDataset(11, { users: 200, items: 50, interactions: 3000 })
const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 128,
  dim: 8,
  heads: 2,
  mlpHidden: 16,
  historyLength: 3,
  compareBaselines: false,
}
let trained: Explorer
let weights: ModelWeights

beforeAll(async () => {
  await tf.setBackend('cpu')
  let trainer: Trainer | null = null
  await runTraining(data, config, { onModel: (t) => (trainer = t) })
  trained = new Explorer(trainer!)
  // As a run file carries them: base64 text in JSON, read back with every check.
  const read = await readWeights(trained.model)
  const decoded = decodeWeights(JSON.parse(JSON.stringify(encodeWeights(read))))
  if (!decoded.ok) throw new Error(decoded.problem)
  weights = decoded.weights
}, 120_000)

afterAll(() => trained.dispose())

describe('a model rebuilt from its run file weights', () => {
  it('names every variable by tower and role, in the model order', () => {
    const names = weights.variables.map((v) => v.name)
    expect(names[0]).toBe('user/embeddings')
    expect(names).toContain('user/positions')
    expect(names).toContain('item/l0/wq')
    expect(names.at(-1)).toBe('item/mlp/b2')
    expect(new Set(names).size).toBe(names.length)
  })

  it('gives the same recommendations, scores, attention and embedding map as the model trained here', async () => {
    const before = tf.memory().numTensors
    const restored = Explorer.fromWeights(data, config, weights)
    for (const user of [0, 7, 123]) {
      const a = await trained.viewUser(user)
      const b = await restored.viewUser(user)
      expect(b.recommendations).toEqual(a.recommendations)
      expect(b.historyTokens).toEqual(a.historyTokens)
      expect(b.heldOut).toEqual(a.heldOut)
      expect(b.pooling).toEqual(a.pooling)
      expect(b.attention).toEqual(a.attention)
    }
    expect(await restored.embeddingMap()).toEqual(await trained.embeddingMap())
    restored.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })

  it('refuses weights of another shape or order, leaving nothing allocated', () => {
    const before = tf.memory().numTensors
    expect(() => Explorer.fromWeights(data, { ...config, dim: 16 }, weights)).toThrow(
      "The run file's weights do not fit: user/embeddings has shape",
    )
    const swapped = { variables: [weights.variables[1], weights.variables[0], ...weights.variables.slice(2)] }
    expect(() => Explorer.fromWeights(data, config, swapped)).toThrow(
      `weight 0 is "${weights.variables[1].name}" in the file and "user/embeddings" in the model`,
    )
    expect(() => Explorer.fromWeights(data, config, { variables: weights.variables.slice(1) })).toThrow(
      `the model has ${weights.variables.length} weight tensors and the file ${weights.variables.length - 1}`,
    )
    // History length changes the position table: a run's config must come with its weights.
    expect(() => Explorer.fromWeights(data, { ...config, historyLength: 5 }, weights)).toThrow(
      'user/positions has shape [3, 8] in the file and [5, 8]',
    )
    expect(tf.memory().numTensors).toBe(before)
  })

  it('changes nothing in the model when the weights do not fit', async () => {
    const model = trained.model
    const first = (await model.variables[0].data()).slice()
    const bad = { variables: weights.variables.map((v, i) => (i === 3 ? { ...v, shape: [1] } : v)) }
    expect(assignWeights(model, bad)).toMatch(/has shape \[1\] in the file/)
    expect(await model.variables[0].data()).toEqual(first)
  })
})
