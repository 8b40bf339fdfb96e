import '@tensorflow/tfjs-backend-cpu'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG } from './config'
import { embedCatalogue } from './evaluate'
import { buildHistories } from './history'
import { Explorer } from './explore'
import { pca, project } from './pca'
import { runTraining } from './run'
import { multiValuedDataset, TINY_CONFIG } from './testing'
import * as tf from './tf'
import { Trainer } from './train'

const { data } = loadDemoDataset(5, { users: 300, items: 60, interactions: 5000 })
let explorer: Explorer
let trainer: Trainer

beforeAll(async () => {
  await tf.setBackend('cpu')
  await runTraining(
    data,
    {
      ...DEFAULT_TRAIN_CONFIG,
      epochs: 1,
      batchSize: 128,
      dim: 8,
      mlpHidden: 16,
      historyLength: 2,
      compareBaselines: false,
    },
    { onModel: (t) => (trainer = t) },
  )
  explorer = new Explorer(trainer)
}, 120_000)

afterAll(() => explorer.dispose())

describe('Explorer', () => {
  it('shows for a user the pooling weights the model used to score that user', async () => {
    const view = await explorer.viewUser(4)
    expect(view.userId).toBe(data.userIds[4])
    // The same query through the evaluation path gives the same weights and the same ranking.
    const direct = tf.tidy(() => {
      const out = trainer.model.embedQueries([view.queryRow])
      return { pooling: out.poolWeights.arraySync() as number[][] }
    })
    expect(view.pooling.length).toBe(view.tokens.length)
    view.pooling.forEach((w, t) => expect(w).toBeCloseTo(direct.pooling[0][t], 5))
    expect(view.recommendations).toHaveLength(20)
    const scores = view.recommendations.map((r) => r.score)
    expect([...scores].sort((a, b) => b - a)).toEqual(scores)
    // Known items are never recommended.
    const known = new Set(view.trainItems.map((i) => i.item))
    for (const r of view.recommendations) expect(known.has(r.item)).toBe(false)
    expect(view.heldOut?.part).toBe('validation')
    expect(view.heldOut!.rank).toBeGreaterThanOrEqual(1)
    expect(view.attention[0]).toHaveLength(DEFAULT_TRAIN_CONFIG.heads)
    // The demo has no display labels: every item reads as its id and its categories, as before.
    expect(view.userLabel).toBe('')
    for (const r of [...view.recommendations, ...view.historyTokens]) {
      expect(r.label).toBe('')
      expect(r.detail).not.toBe('')
    }
    expect(explorer.searchUsers('', 3).map((u) => u.label)).toEqual(['', '', ''])
  })

  it("explains the top recommendation: each token's drop equals the score lost when the what-if removes it", async () => {
    const view = await explorer.viewUser(7)
    const top = view.recommendations[0]
    expect(view.topDrops).toHaveLength(view.tokens.length)
    const scoreOfTop = (v: typeof view) => {
      const hit = v.recommendations.find((r) => r.item === top.item)
      return hit?.score
    }
    // A history item taken out by hand (the what-if) and by the explanation lose the same score.
    const k = view.tokens.indexOf('history_1')
    expect(view.historyTokens.length).toBeGreaterThan(0)
    const withoutNewest = await explorer.viewUser(7, { removedHistory: [view.historyTokens[0].item] })
    const after = scoreOfTop(withoutNewest)
    if (after !== undefined) expect(view.topDrops![k]).toBeCloseTo(top.score - after, 5)
    // A field set to missing (code 0) likewise.
    const field = view.fields.find((f) => f.tower === 'user' && f.choices.length > 0)!
    const t = view.tokens.indexOf(field.name)
    const missing = await explorer.viewUser(7, { fields: { [field.name]: 0 } })
    const afterField = scoreOfTop(missing)
    if (afterField !== undefined) expect(view.topDrops![t]).toBeCloseTo(top.score - afterField, 5)
    expect(after !== undefined || afterField !== undefined).toBe(true)
    // Some token matters.
    expect(Math.max(...view.topDrops!.map(Math.abs))).toBeGreaterThan(1e-4)
  })

  it('shows the history training and evaluation use: strictly earlier, so not the same second', async () => {
    // Whole "seconds" of 200 rows: most users rate several items in one second, often their validation
    // item among them. The model is untrained; only which items are history matters here.
    const base = multiValuedDataset(2)
    const tied = {
      ...base,
      interactionTime: Float64Array.from(base.interactionTime!, (_, r) => Math.floor(r / 200)),
    }
    const split = splitDataset(tied, 1)
    const config = { ...TINY_CONFIG, historyLength: 4 }
    const histories = buildHistories(tied, split, config.historyLength)
    const untrained = new Explorer(new Trainer(tied, split, config, histories))
    try {
      let shown = 0
      let tiedWithValidation = 0
      for (let user = 0; user < tied.userIds.length; user++) {
        const view = await untrained.viewUser(user)
        const stored = [0, 1, 2, 3]
          .map((k) => histories.code(view.queryRow, k))
          .filter((code) => code > 0)
          .map((code) => code - 1)
        expect(view.historyTokens.map((i) => i.item)).toEqual(stored)
        shown += stored.length
        const time = tied.interactionTime
        if (split.train.some((r) => tied.interactionUser[r] === user && time[r] === time[view.queryRow]))
          tiedWithValidation++
      }
      expect(shown).toBeGreaterThan(200)
      expect(tiedWithValidation).toBeGreaterThan(10)
    } finally {
      untrained.dispose()
    }
  })

  it('answers what-ifs without retraining: a changed field or a removed history item changes the list', async () => {
    const before = await explorer.viewUser(4)
    const age = before.fields.find((f) => f.name === 'age_band')!
    const otherAge = age.choices.find((c) => c.code !== age.code && c.code !== 0)!
    const changed = await explorer.viewUser(4, { fields: { age_band: otherAge.code } })
    expect(changed.fields.find((f) => f.name === 'age_band')).toMatchObject({
      code: otherAge.code,
      changed: true,
    })
    expect(changed.recommendations.map((r) => r.score)).not.toEqual(
      before.recommendations.map((r) => r.score),
    )

    const dropped = before.historyTokens[0].item
    const without = await explorer.viewUser(4, { removedHistory: [dropped] })
    expect(without.historyTokens.map((i) => i.item)).not.toContain(dropped)
    expect(without.pooling).not.toEqual(before.pooling)
    // The model itself is untouched: asking again without the what-if gives the original answer.
    expect((await explorer.viewUser(4)).recommendations).toEqual(before.recommendations)
  })

  it('maps the item embeddings to 2-D and places the user on the same map', async () => {
    const map = await explorer.embeddingMap()
    expect(map.x).toHaveLength(data.itemIds.length)
    expect(map.colourBy.map((c) => c.field)).toContain('category')
    expect(map.explained[0]).toBeGreaterThan(map.explained[1])
    // The points are the item embeddings the model ranks with, projected on their own two principal
    // components; the user is its query embedding projected on the same components.
    const items = embedCatalogue(trainer.model, data.itemIds.length)
    const values = items.dataSync() as Float32Array
    const dim = items.shape[1]
    items.dispose()
    const projection = pca(values, data.itemIds.length, dim, 2)
    for (let i = 0; i < data.itemIds.length; i++) {
      const [x, y] = project(projection, values.subarray(i * dim, (i + 1) * dim))
      expect(map.x[i]).toBeCloseTo(x, 5)
      expect(map.y[i]).toBeCloseTo(y, 5)
    }
    const view = await explorer.viewUser(7)
    const query = tf.tidy(() => trainer.model.embedQueries([view.queryRow]).embedding.dataSync())
    const [ux, uy] = project(projection, query)
    expect(view.mapPoint![0]).toBeCloseTo(ux, 5)
    expect(view.mapPoint![1]).toBeCloseTo(uy, 5)
    expect(explorer.searchUsers('U0001').every((u) => u.id.includes('U0001'))).toBe(true)
    const item = await explorer.viewItem(3)
    expect(item.pooling.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
  })
})

/** An explorer over a tiny model trained for one epoch (default learning rate) on `data`. */
async function trainedExplorer(data: EncodedDataset): Promise<Explorer> {
  let trained: Trainer | undefined
  await runTraining(
    data,
    { ...TINY_CONFIG, epochs: 1, learningRate: DEFAULT_TRAIN_CONFIG.learningRate },
    { onModel: (t) => (trained = t) },
  )
  return new Explorer(trained!)
}

describe('Explorer with multi-valued fields', () => {
  const multi = multiValuedDataset()
  let multiExplorer: Explorer

  beforeAll(async () => {
    multiExplorer = await trainedExplorer(multi)
  }, 120_000)

  afterAll(() => multiExplorer.dispose())

  it('shows a multi-valued field as its values joined, without what-if choices', async () => {
    const likes = multi.multiUser![0]
    const user = likes.offsets.findIndex((o, u) => likes.offsets[u + 1] - o === 2)
    const values = Array.from(
      likes.codes.subarray(likes.offsets[user], likes.offsets[user + 1]),
      (c) => likes.vocabulary[c],
    )
    const view = await multiExplorer.viewUser(user)
    expect(view.tokens).toContain('likes')
    expect(view.fields.find((f) => f.name === 'likes')).toMatchObject({
      label: values.join(', '),
      choices: [],
      changed: false,
    })
    expect((await multiExplorer.viewUser(0)).fields.find((f) => f.name === 'likes')!.label).toBe('(missing)')
    // Item descriptions fall back on the genres; the map can colour by them.
    expect(multiExplorer.itemRef(2).detail).toContain(
      multi.multiItem![0].vocabulary[multi.multiItem![0].codes[multi.multiItem![0].offsets[2]]],
    )
    const map = await multiExplorer.embeddingMap()
    expect(map.colourBy.map((c) => c.field)).toEqual(['decade', 'genres'])
    const item = await multiExplorer.viewItem(0)
    expect(item.tokens).toEqual(['item', 'decade', 'genres'])
  })
})

describe('Explorer with display labels', () => {
  const plain = multiValuedDataset(2)
  /** A title per item id; `m3` has none, so it must fall back on its id. */
  const titleOf = (id: string) => (id === 'm3' ? '' : `Title of ${id.toUpperCase()}`)
  const nameOf = (u: number) => (u === 5 ? '' : u === 10 ? 'Grace Hopper' : `Person ${u}`)
  const labelled: EncodedDataset = {
    ...plain,
    itemLabels: plain.itemIds.map(titleOf),
    userLabels: plain.userIds.map((_, u) => nameOf(u)),
  }
  let labelledExplorer: Explorer

  beforeAll(async () => {
    labelledExplorer = await trainedExplorer(labelled)
  }, 120_000)

  afterAll(() => labelledExplorer.dispose())

  it("gives every item and user shown its own label, '' where it has none", async () => {
    const user = plain.userIds.findIndex((_, u) => u !== 5 && u !== 10)
    const view = await labelledExplorer.viewUser(user)
    expect(view.userId).toBe(plain.userIds[user])
    expect(view.userLabel).toBe(nameOf(user))
    const shown = [...view.recommendations, ...view.historyTokens, ...view.trainItems, view.heldOut!]
    expect(view.historyTokens.length).toBeGreaterThan(0)
    for (const ref of shown) {
      expect(ref.id).toBe(plain.itemIds[ref.item])
      expect(ref.label).toBe(titleOf(ref.id))
      // The description is still there beside the label.
      expect(ref.detail).toMatch(/^(1980s|1990s|2000s)/)
    }
    expect((await labelledExplorer.viewUser(5)).userLabel).toBe('')
    const m3 = plain.itemIds.indexOf('m3')
    expect(labelledExplorer.itemRef(m3)).toMatchObject({ id: 'm3', label: '' })
    expect((await labelledExplorer.viewItem(m3 === 0 ? 1 : 0)).item.label).toMatch(/^Title of M\d+$/)

    const map = await labelledExplorer.embeddingMap()
    expect(map.items.map((i) => i.label)).toEqual(labelled.itemLabels)
  })

  it('finds users by label as well as by id, ignoring case', () => {
    const grace = labelledExplorer.searchUsers('hopper')
    expect(grace).toEqual([
      { user: 10, id: plain.userIds[10], label: 'Grace Hopper', interactions: expect.any(Number) },
    ])
    expect(grace[0].interactions).toBeGreaterThan(0)
    expect(labelledExplorer.searchUsers('  GRACE ').map((u) => u.user)).toEqual([10])
    // By id still, including the user without a label.
    const byId = labelledExplorer.searchUsers(plain.userIds[5], 100)
    expect(byId.map((u) => u.user)).toContain(5)
    expect(byId.find((u) => u.user === 5)!.label).toBe('')
    // "Person 1" matches Person 1, 10.. 19 (not 10: Grace), and no id ("u…") contains "person".
    const people = labelledExplorer.searchUsers('person 1', 100).map((u) => u.user)
    expect(people).toEqual([1, ...Array.from({ length: 9 }, (_, k) => 11 + k)])
    // Id and label are matched apart: a needle running from the end of an id into the label is not found.
    expect(labelledExplorer.searchUsers(`${plain.userIds[10]}grace`)).toEqual([])
    expect(labelledExplorer.searchUsers(`${plain.userIds[10]} grace`)).toEqual([])
  })
})
