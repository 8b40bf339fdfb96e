import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import type { MultiField } from '../data/types'
import { buildHistories, NO_HISTORIES } from './history'
import { multiValuedDataset, TINY_CONFIG } from './testing'
import * as tf from './tf'
import { Trainer } from './train'
import { TwoTowerModel } from './twoTower'
import { foldCode } from './twoTower.rows'

const data = multiValuedDataset()
const CONFIG = TINY_CONFIG
const NO_HISTORY = NO_HISTORIES

beforeAll(async () => {
  await tf.setBackend('cpu')
})

/** The value codes of entity `e` of a multi-valued field. */
const valuesOf = (field: MultiField, e: number) =>
  Array.from(field.codes.subarray(field.offsets[e], field.offsets[e + 1]))

/** Row `row` of a [rows, dim] table read back as numbers. */
const rowOf = (table: Float32Array, dim: number, row: number) =>
  Array.from(table.subarray(row * dim, (row + 1) * dim))

describe('multi-valued field tokens', () => {
  const genres = data.multiItem![0]
  const likes = data.multiUser![0]

  it('are one token per field, after the single-valued fields and before the history tokens', () => {
    const model = new TwoTowerModel(data, CONFIG, 'attention', buildHistories(data, splitDataset(data, 1), 2))
    expect(model.user.shape.tokens).toEqual(['user', 'age', 'likes', 'history_1', 'history_2'])
    expect(model.item.shape.tokens).toEqual(['item', 'decade', 'genres'])
    // Each has its own slice of its tower's table: vocabulary + the missing code.
    expect(model.item.shape.vocabSizes[2]).toBe(genres.vocabulary.length)
    // Items list at most 3 genres, so a token averages at most 3 rows.
    expect(model.itemMultiWidth).toBe(3)
    expect(model.userMultiWidth).toBe(2)
    model.dispose()
    // The id-only variant has no feature tokens at all.
    const idOnly = new TwoTowerModel(data, CONFIG, 'id-only', NO_HISTORY)
    expect(idOnly.item.shape.tokens).toEqual(['item'])
    expect(idOnly.user.shape.tokens).toEqual(['user'])
    idOnly.dispose()
  })

  it('equal the mean of the embeddings of their values (an entity with none gets the missing row)', () => {
    const model = new TwoTowerModel(data, CONFIG, 'attention', NO_HISTORY)
    const dim = CONFIG.dim
    const items = [0, 1, 2, 3, 4, 5]
    expect(valuesOf(genres, 0)).toEqual([]) // m0 has no genre
    expect(items.some((i) => valuesOf(genres, i).length > 1)).toBe(true)
    const itemTable = model.item.table.dataSync() as Float32Array
    const userTable = model.user.table.dataSync() as Float32Array

    /** Tokens as written by hand: single fields by their row, a multi field as the mean of its rows. */
    const manualTokens = (
      tower: typeof model.item,
      table: Float32Array,
      singleCodes: number[],
      multi: number[],
    ): number[][] => {
      const row = (t: number, code: number) =>
        rowOf(table, dim, tower.offsets[t] + foldCode(code, tower.shape.vocabSizes[t]))
      const tokens = singleCodes.map((code, t) => row(t, code))
      const t = singleCodes.length
      const rows = multi.length === 0 ? [row(t, 0)] : multi.map((code) => row(t, code))
      tokens.push(Array.from({ length: dim }, (_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length))
      return tokens
    }

    const width = data.itemFields.length
    const itemTokens = items.flatMap((i) =>
      manualTokens(
        model.item,
        itemTable,
        Array.from(data.itemCodes.subarray(i * width, (i + 1) * width)),
        valuesOf(genres, i),
      ),
    )
    const [expectedItems, actualItems] = tf.tidy(() => [
      model.item.apply(tf.tensor2d(itemTokens), items.length).embedding.arraySync(),
      model.embedItems(items).embedding.arraySync(),
    ])
    actualItems.forEach((row, b) => row.forEach((x, j) => expect(x).toBeCloseTo(expectedItems[b][j], 5)))

    // Queries of user u0 (no liked genre) and of users with one and with two liked genres.
    const userOf = (u: number) => data.interactionUser.indexOf(u)
    const withTwo = likes.offsets.findIndex((o, u) => likes.offsets[u + 1] - o === 2)
    const queryRows = [userOf(0), userOf(1), userOf(withTwo)].filter((r) => r >= 0)
    expect(queryRows).toHaveLength(3)
    const nUser = data.userFields.length
    const userTokens = queryRows.flatMap((r) => {
      const u = data.interactionUser[r]
      return manualTokens(
        model.user,
        userTable,
        Array.from(data.userCodes.subarray(u * nUser, (u + 1) * nUser)),
        valuesOf(likes, u),
      )
    })
    const [expectedUsers, actualUsers] = tf.tidy(() => [
      model.user.apply(tf.tensor2d(userTokens), queryRows.length).embedding.arraySync(),
      model.embedQueries(queryRows).embedding.arraySync(),
    ])
    actualUsers.forEach((row, b) => row.forEach((x, j) => expect(x).toBeCloseTo(expectedUsers[b][j], 5)))
    model.dispose()
  })

  it('pin to one value under an override (drop-field importance)', () => {
    const model = new TwoTowerModel(data, CONFIG, 'attention', NO_HISTORY)
    const pinned = model.itemRows([2, 3], { field: 'genres', code: 1 })
    const width = model.itemMultiWidth
    const genreRow = model.item.offsets[2] + 1
    // Per item: id, decade, then `width` genre rows (all the pinned row), weights [1, 0, 0].
    for (let b = 0; b < 2; b++) {
      expect(Array.from(pinned.rows.subarray(b * (2 + width) + 2, (b + 1) * (2 + width)))).toEqual(
        Array(width).fill(genreRow),
      )
      expect(Array.from(pinned.weights.subarray(b * width, (b + 1) * width))).toEqual([1, 0, 0])
    }
    model.dispose()
  })

  it('pass the gradient to the row of each value used, and leave other values alone', () => {
    const split = splitDataset(data, 1)
    const trainer = new Trainer(data, split, CONFIG, buildHistories(data, split, 2))
    const { model } = trainer
    const western = genres.vocabulary.indexOf('Western')
    expect(western).toBeGreaterThan(0)
    const train = Array.from(split.train)
    const itemOf = (r: number) => data.interactionItem[r]
    // A batch with the genre-less item m0 but without m1 (the only Western item).
    const batch = Int32Array.from([
      ...train.filter((r) => itemOf(r) === 0).slice(0, 2),
      ...train.filter((r) => itemOf(r) > 1).slice(0, 62),
    ])
    const usedGenres = new Set(Array.from(batch, (r) => valuesOf(genres, itemOf(r))).flat())
    const usedLikes = new Set(Array.from(batch, (r) => valuesOf(likes, data.interactionUser[r])).flat())
    expect(usedGenres.size).toBeGreaterThan(3)

    const dim = CONFIG.dim
    const slice = (tower: typeof model.item, token: string) =>
      tower.offsets[tower.shape.tokens.indexOf(token)]
    const genresAt = slice(model.item, 'genres')
    const likesAt = slice(model.user, 'likes')
    const itemBefore = model.item.table.dataSync().slice() as Float32Array
    const userBefore = model.user.table.dataSync().slice() as Float32Array
    trainer.step(batch).dispose()
    const itemAfter = model.item.table.dataSync() as Float32Array
    const userAfter = model.user.table.dataSync() as Float32Array
    const moved = (before: Float32Array, after: Float32Array, row: number) =>
      rowOf(before, dim, row).some((x, j) => x !== after[row * dim + j])

    for (const code of usedGenres) expect(moved(itemBefore, itemAfter, genresAt + code)).toBe(true)
    for (const code of usedLikes) expect(moved(userBefore, userAfter, likesAt + code)).toBe(true)
    // m0 has no genre: its token is the missing row, which learns too.
    expect(moved(itemBefore, itemAfter, genresAt)).toBe(true)
    expect(moved(itemBefore, itemAfter, genresAt + western)).toBe(false)
    for (let code = 1; code < likes.vocabulary.length; code++)
      if (!usedLikes.has(code)) expect(moved(userBefore, userAfter, likesAt + code)).toBe(false)

    // A batch without m0 leaves the missing row alone (padding reuses a value's row, weight 0).
    const withoutMissing = Int32Array.from(train.filter((r) => itemOf(r) > 1).slice(100, 164))
    const missingBefore = rowOf(itemAfter.slice(), dim, genresAt)
    trainer.step(withoutMissing).dispose()
    expect(rowOf(model.item.table.dataSync() as Float32Array, dim, genresAt)).toEqual(missingBefore)
    trainer.dispose()
  })

  it('keep the tensor count flat across steps and evaluation', async () => {
    const split = splitDataset(data, 1)
    const before = tf.memory().numTensors
    const trainer = new Trainer(data, split, CONFIG, buildHistories(data, split, 2))
    const rows = (s: number) => split.train.subarray(s * 64, (s + 1) * 64)
    trainer.step(rows(0)).dispose()
    const afterFirst = tf.memory().numTensors
    for (let s = 1; s < 5; s++) trainer.step(rows(s)).dispose()
    expect(tf.memory().numTensors).toBe(afterFirst)
    await trainer.evaluateModel(trainer.validationQueries, { field: 'genres', code: 0 })
    expect(tf.memory().numTensors).toBe(afterFirst)
    trainer.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})

describe('the sequence variant (SASRec-style)', () => {
  const split = splitDataset(data, 1)
  const histories = buildHistories(data, split, 4)

  it('reads item ids only: no user, context or item-field token', () => {
    const model = new TwoTowerModel(data, { ...CONFIG, layers: 2 }, 'sequence', histories)
    expect(model.user.shape.tokens).toEqual(['history_1', 'history_2', 'history_3', 'history_4'])
    expect(model.item.shape.tokens).toEqual(['item'])
    expect(model.userRowWidth).toBe(0)
    model.dispose()
  })

  it('attends causally (never to a newer item) and reads the newest item out', () => {
    const model = new TwoTowerModel(data, { ...CONFIG, layers: 2 }, 'sequence', histories)
    const rows = split.train.slice(300, 340)
    const out = model.embedQueries(rows)
    for (const layer of out.attention)
      for (const heads of layer.arraySync())
        for (const head of heads)
          head.forEach((row, from) => row.forEach((w, to) => to < from && expect(w).toBe(0)))
    out.poolWeights.arraySync().forEach((row) => expect(row).toEqual([1, 0, 0, 0]))
    // The newest item attends to older ones: the readout depends on the whole history.
    const spread = out.attention[0].arraySync().flatMap((heads) => heads.map((head) => head[0][1]))
    expect(Math.max(...spread)).toBeGreaterThan(0.01)
    tf.dispose([out.embedding, out.poolWeights, ...out.attention])
    model.dispose()
  })

  it('trains (the loss falls) with a flat tensor count', async () => {
    const before = tf.memory().numTensors
    const trainer = new Trainer(data, split, { ...CONFIG, learningRate: 0.02 }, histories, 'sequence')
    const losses: number[] = []
    for (let epoch = 0; epoch < 4; epoch++)
      for (let s = 0; s < 8; s++) {
        const loss = trainer.step(split.train.subarray(s * 64, (s + 1) * 64))
        losses.push(loss.dataSync()[0])
        loss.dispose()
      }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
    expect(mean(losses.slice(-8))).toBeLessThan(mean(losses.slice(0, 8)) - 0.05)
    const afterSteps = tf.memory().numTensors
    await trainer.evaluateModel(trainer.validationQueries)
    expect(tf.memory().numTensors).toBe(afterSteps)
    trainer.dispose()
    expect(tf.memory().numTensors).toBe(before)
  })
})
