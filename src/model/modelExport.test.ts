import '@tensorflow/tfjs-backend-cpu'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { EncodedDataset } from '../data/types'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { loadTowers, type Towers, type UserInput } from './export/score.js'
import { exportModel, type ExportedModel } from './modelExport'
import { runTraining } from './run'
import { multiValuedDataset } from './testing'
import * as tf from './tf'
import type { Trainer } from './train'
import { PYTHON } from './export/python.testing'

/** The labels of an entity's values of a multi-valued field, in the order the data lists them. */
function multiLabels(data: EncodedDataset, tower: 'user' | 'item', name: string, entity: number): string[] {
  const field = (tower === 'user' ? data.multiUser : data.multiItem)!.find((m) => m.name === name)!
  const codes = field.codes.subarray(field.offsets[entity], field.offsets[entity + 1])
  return Array.from(codes, (c) => field.vocabulary[c])
}

/** What another app knows of the user of interaction row `row`: field values, the moment, recent items. */
function userInput(trainer: Trainer, row: number): UserInput {
  const data = trainer.data
  const u = data.interactionUser[row]
  const features: NonNullable<UserInput['features']> = {}
  data.userFields.forEach(
    (f, i) => (features[f.name] = f.vocabulary[data.userCodes[u * data.userFields.length + i]]),
  )
  data.contextFields.forEach(
    (f, i) => (features[f.name] = f.vocabulary[data.contextCodes[row * data.contextFields.length + i]]),
  )
  for (const m of data.multiUser ?? []) features[m.name] = multiLabels(data, 'user', m.name, u)
  const { histories } = trainer.model
  const history: string[] = []
  for (let k = 0; k < histories.length; k++) {
    const code = histories.code(row, k)
    if (code > 0) history.push(data.itemIds[code - 1])
  }
  return { features, history }
}

/** Queries with a full history and with a short one (absent slots), from every part of the split. */
function mixedRows(trainer: Trainer): number[] {
  const { histories } = trainer.model
  const filled = (r: number) =>
    Array.from({ length: histories.length }, (_, k) => histories.code(r, k)).filter((c) => c > 0).length
  const all = [...trainer.split.train, ...trainer.split.validation, ...trainer.split.test]
  const short = all.filter((r) => filled(r) < histories.length).slice(0, 30)
  const full = all.filter((r) => filled(r) === histories.length).slice(0, 30)
  expect(new Set(short.map(filled)).size).toBeGreaterThanOrEqual(3)
  return [...short, ...full]
}

function itemInput(data: EncodedDataset, item: number) {
  const out: Record<string, string | string[]> = {}
  data.itemFields.forEach(
    (f, i) => (out[f.name] = f.vocabulary[data.itemCodes[item * data.itemFields.length + i]]),
  )
  for (const m of data.multiItem ?? []) out[m.name] = multiLabels(data, 'item', m.name, item)
  return out
}

/** Trains a small model and exports it as the page does, with files read back as another app would. */
async function trainAndExport(data: EncodedDataset, config: TrainConfig) {
  let trainer: Trainer | null = null
  await runTraining(data, config, { onModel: (t) => (trainer = t) })
  const exported = await exportModel(trainer!.model, data, config, {
    name: data.name,
    fingerprint: '00000000',
  })
  const json = JSON.parse(JSON.stringify(exported.modelJson))
  const towers = loadTowers(tf, json, exported.weights.slice())
  return { trainer: trainer!, exported, towers }
}

function expectClose(a: Float32Array, b: Float32Array, tolerance: number) {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
  expect(worst).toBeLessThanOrEqual(tolerance)
}

const small: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 64,
  dim: 8,
  heads: 2,
  mlpHidden: 16,
  layers: 2,
  historyLength: 4,
  compareBaselines: false,
}

describe('an exported model scored by the recipe shipped with it (score.js)', () => {
  let trained: { trainer: Trainer; exported: ExportedModel; towers: Towers }
  beforeAll(async () => {
    await tf.setBackend('cpu')
    trained = await trainAndExport(multiValuedDataset(), small)
  }, 120_000)

  it('describes both towers: fields, vocabularies, table slices, history slots and the weights manifest', () => {
    const { modelJson, weights, items } = trained.exported
    const user = modelJson.towers.user.tokens
    expect(user.filter((t) => t.kind === 'history').map((t) => t.name)).toEqual([
      'history_1',
      'history_2',
      'history_3',
      'history_4',
    ])
    expect(user.some((t) => t.kind === 'multi')).toBe(true)
    expect(modelJson.towers.item.tokens[0].vocabulary!.slice(1)).toEqual(trained.trainer.data.itemIds)
    const floats = modelJson.weightsManifest[0].weights.reduce(
      (s, w) => s + w.shape.reduce((a, b) => a * b, 1),
      0,
    )
    expect(weights.byteLength).toBe(4 * floats)
    expect(items.byteLength).toBe(4 * trained.trainer.data.itemIds.length * small.dim)
  })

  it('gives the page’s own user and item embeddings from plain values, and the same scores', async () => {
    const { trainer, towers, exported } = trained
    const data = trainer.data
    const rows = mixedRows(trainer)
    const page = tf.tidy(() => trainer.model.embedQueries(rows).embedding)
    const recipe = towers.embedUsers(rows.map((r) => userInput(trainer, r)))
    expectClose((await recipe.data()) as Float32Array, (await page.data()) as Float32Array, 1e-5)
    const itemsRecipe = towers.embedItems(
      Array.from({ length: data.itemIds.length }, (_, i) => itemInput(data, i)),
    )
    // Every value given is one the model knows.
    expect(towers.unknownValues()).toEqual({})
    const shipped = new Float32Array(exported.items.slice().buffer)
    expectClose((await itemsRecipe.data()) as Float32Array, shipped, 1e-5)
    const scores = towers.score(recipe, itemsRecipe)
    const pageScores = tf.tidy(() =>
      tf.matMul(page, tf.tensor2d(shipped, [data.itemIds.length, small.dim]), false, true),
    )
    expectClose((await scores.data()) as Float32Array, (await pageScores.data()) as Float32Array, 1e-5)
    tf.dispose([page, recipe, itemsRecipe, scores, pageScores])
  })

  it('gives the same embeddings in PyTorch (model.py, shipped in the export) from the same plain values', async () => {
    const { trainer, exported } = trained
    const data = trainer.data
    const dir = mkdtempSync(join(tmpdir(), 'export-torch-'))
    try {
      writeFileSync(join(dir, 'model.json'), JSON.stringify(exported.modelJson))
      writeFileSync(join(dir, 'weights.bin'), exported.weights)
      const rows = mixedRows(trainer)
      const inputs = {
        users: rows.map((r) => userInput(trainer, r)),
        items: Array.from({ length: data.itemIds.length }, (_, i) => itemInput(data, i)),
      }
      writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs))
      const printed = execFileSync(
        PYTHON,
        [
          join(import.meta.dirname, 'export', 'model.py'),
          dir,
          join(dir, 'inputs.json'),
          join(dir, 'out.bin'),
        ],
        {
          stdio: 'pipe',
        },
      )
      // A copy: a small file's Buffer is a view into a shared pool.
      // Every value given is one the model knows: a mapping bug would show up here as well.
      expect(JSON.parse(printed.toString())).toEqual({ unknownValues: {} })
      const out = new Float32Array(Uint8Array.from(readFileSync(join(dir, 'out.bin'))).buffer)
      const users = tf.tidy(() => trainer.model.embedQueries(rows).embedding)
      const pageUsers = (await users.data()) as Float32Array
      users.dispose()
      expectClose(out.subarray(0, pageUsers.length), pageUsers, 1e-5)
      expectClose(out.subarray(pageUsers.length), new Float32Array(exported.items.slice().buffer), 1e-5)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('reads a value it does not know as missing', async () => {
    const { trainer, towers } = trained
    const row = trainer.split.test[0]
    const input = userInput(trainer, row)
    const unknown = towers.embedUsers([
      { ...input, features: { ...input.features, [trainer.data.userFields[1].name]: 'never seen' } },
    ])
    const missing = towers.embedUsers([
      { ...input, features: { ...input.features, [trainer.data.userFields[1].name]: undefined } },
    ])
    expectClose((await unknown.data()) as Float32Array, (await missing.data()) as Float32Array, 0)
    // Scored as missing, but not silently: the recipe lists it.
    expect(towers.unknownValues()).toEqual({ [trainer.data.userFields[1].name]: ['never seen'] })
    tf.dispose([unknown, missing])
  })

  it('refuses files that do not belong together', () => {
    const { exported } = trained
    const json = JSON.parse(JSON.stringify(exported.modelJson))
    expect(() => loadTowers(tf, json, exported.weights.slice(4))).toThrow('weights.bin has')
    expect(() => loadTowers(tf, { ...json, format: 'x' }, exported.weights)).toThrow(
      'not an attentive-towers',
    )
  })
})
