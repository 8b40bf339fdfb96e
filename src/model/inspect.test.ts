import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeDataset } from '../data/encode'
import { mulberry32, randInt } from '../data/random'
import { splitDataset } from '../data/split'
import type { EncodedDataset, MultiField, Table } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { evaluateRanking, modelScorer } from './evaluate'
import { buildHistories, type Histories } from './history'
import { dropFieldImportance, summarizeAttention } from './inspect'
import type { FieldImportance } from './results'
import { multiValuedDataset, TINY_CONFIG } from './testing'
import * as tf from './tf'
import { Trainer } from './train'
import { TwoTowerModel } from './twoTower'
import { MAX_VALUES_PER_MULTI } from './twoTower.rows'

const CONFIG = TINY_CONFIG
const HISTORY_LENGTH = CONFIG.historyLength

/**
 * Users and items that both have a column called `country` (a user's home, an item's maker): two
 * different fields with one name, one per tower.
 */
function sharedNameDataset(): EncodedDataset {
  const rng = mulberry32(9)
  const table = (name: string, columns: string[], rows: string[][]): Table => ({
    name,
    columns,
    data: Object.fromEntries(columns.map((c, j) => [c, rows.map((r) => r[j])])),
    rowCount: rows.length,
  })
  const users = Array.from({ length: 60 }, (_, u) => [`u${u}`, ['FR', 'DE', 'IT', 'ES'][randInt(rng, 4)]])
  const items = Array.from({ length: 30 }, (_, i) => [`i${i}`, ['US', 'JP', 'KR'][randInt(rng, 3)]])
  const interactions = Array.from({ length: 1500 }, (_, r) => [
    `u${randInt(rng, 60)}`,
    `i${randInt(rng, 30)}`,
    String(1_700_000_000 + r),
  ])
  const encoded = encodeDataset(
    'shared',
    {
      interactions: table('events.csv', ['user', 'item', 'time'], interactions),
      users: table('users.csv', ['user', 'country'], users),
      items: table('items.csv', ['item', 'country'], items),
    },
    {
      userId: 'user',
      itemId: 'item',
      timestamp: 'time',
      features: [
        { table: 'users', column: 'country', kind: 'categorical', tower: 'user' },
        { table: 'items', column: 'country', kind: 'categorical', tower: 'item' },
      ],
    },
  )
  if (!encoded.ok) throw new Error(encoded.reason)
  return encoded.data
}

/**
 * One token of a tower, read straight from the data (not through the model): its name, how many
 * entities the tower embeds (interaction rows for the user tower, items for the item tower), each
 * entity's value codes, and a copy of the data (and histories) with every entity's value set to `code`.
 */
interface TokenView {
  name: string
  entities: number
  valuesOf: (entity: number) => number[]
  /** The values drop-field importance takes the most common of: per user, interaction or item. */
  modeValues: () => number[][]
  multi: boolean
  pinnedCopy: (code: number) => { data: EncodedDataset; histories: Histories }
}

function multiValues(field: MultiField, entity: number): number[] {
  const start = field.offsets[entity]
  const end = Math.min(field.offsets[entity + 1], start + MAX_VALUES_PER_MULTI)
  return Array.from(field.codes.subarray(start, end))
}

/** Every entity holds exactly `code`, as a multi-valued field writes it (code 0: no value). */
function constantMulti(field: MultiField, entities: number, code: number): MultiField {
  const offsets = Int32Array.from({ length: entities + 1 }, (_, e) => (code === 0 ? 0 : e))
  return { ...field, offsets, codes: new Int32Array(code === 0 ? 0 : entities).fill(code) }
}

/** Codes laid out `width` per entity with column `column` set to `code`. */
function withColumn(codes: Int32Array, width: number, column: number, code: number): Int32Array {
  const out = codes.slice()
  for (let e = 0; e * width < codes.length; e++) out[e * width + column] = code
  return out
}

/** The tokens of each tower in the documented order (see `TwoTowerModel`). */
function tokenViews(data: EncodedDataset, histories: Histories): { user: TokenView[]; item: TokenView[] } {
  const rows = data.interactionUser.length
  const items = data.itemIds.length
  const nUser = data.userFields.length
  const nContext = data.contextFields.length
  const nItem = data.itemFields.length
  const same = { data, histories }
  const user: TokenView[] = [
    ...data.userFields.map((f, j) => ({
      name: f.name,
      entities: rows,
      multi: false,
      valuesOf: (r: number) => [data.userCodes[data.interactionUser[r] * nUser + j]],
      modeValues: () => data.userIds.map((_, u) => [data.userCodes[u * nUser + j]]),
      pinnedCopy: (code: number) => ({
        ...same,
        data: { ...data, userCodes: withColumn(data.userCodes, nUser, j, code) },
      }),
    })),
    ...data.contextFields.map((f, j) => ({
      name: f.name,
      entities: rows,
      multi: false,
      valuesOf: (r: number) => [data.contextCodes[r * nContext + j]],
      modeValues: () => Array.from({ length: rows }, (_, r) => [data.contextCodes[r * nContext + j]]),
      pinnedCopy: (code: number) => ({
        ...same,
        data: { ...data, contextCodes: withColumn(data.contextCodes, nContext, j, code) },
      }),
    })),
    ...(data.multiUser ?? []).map((f, m) => ({
      name: f.name,
      entities: rows,
      multi: true,
      valuesOf: (r: number) => multiValues(f, data.interactionUser[r]),
      modeValues: () => data.userIds.map((_, u) => multiValues(f, u)),
      pinnedCopy: (code: number) => ({
        ...same,
        data: {
          ...data,
          multiUser: data.multiUser!.map((g, k) =>
            k === m ? constantMulti(g, data.userIds.length, code) : g,
          ),
        },
      }),
    })),
    ...Array.from({ length: histories.length }, (_, k) => ({
      name: `history_${k + 1}`,
      entities: rows,
      multi: false,
      valuesOf: (r: number) => [histories.code(r, k)],
      // Drop-field importance pins history tokens to "no item", not to a most common item.
      modeValues: () => [[0]],
      pinnedCopy: (code: number) => ({
        data,
        histories: {
          length: histories.length,
          code: (r: number, j: number) => (j === k ? code : histories.code(r, j)),
        },
      }),
    })),
  ]
  const item: TokenView[] = [
    ...data.itemFields.map((f, j) => ({
      name: f.name,
      entities: items,
      multi: false,
      valuesOf: (i: number) => [data.itemCodes[i * nItem + j]],
      modeValues: () => data.itemIds.map((_, i) => [data.itemCodes[i * nItem + j]]),
      pinnedCopy: (code: number) => ({
        ...same,
        data: { ...data, itemCodes: withColumn(data.itemCodes, nItem, j, code) },
      }),
    })),
    ...(data.multiItem ?? []).map((f, m) => ({
      name: f.name,
      entities: items,
      multi: true,
      valuesOf: (i: number) => multiValues(f, i),
      modeValues: () => data.itemIds.map((_, i) => multiValues(f, i)),
      pinnedCopy: (code: number) => ({
        ...same,
        data: {
          ...data,
          multiItem: data.multiItem!.map((g, k) => (k === m ? constantMulti(g, items, code) : g)),
        },
      }),
    })),
  ]
  return { user, item }
}

/** The value drop-field importance pins a token to, by hand: the most common (ties: the smaller code). */
function handMode(view: TokenView): number {
  const counts = new Map<number, number>()
  for (const values of view.modeValues()) for (const c of values) counts.set(c, (counts.get(c) ?? 0) + 1)
  let best = 0
  let bestCount = -1
  for (const [c, n] of [...counts].sort((a, b) => a[0] - b[0])) if (n > bestCount) [best, bestCount] = [c, n]
  return best
}

/** True when pinning to `code` leaves the entity's token as it was. */
function alreadyPinned(values: number[], code: number, multi: boolean): boolean {
  if (multi && values.length === 0) return code === 0
  return values.length === 1 && values[0] === code
}

/** Largest absolute difference per row of two [rows, dim] arrays. */
function rowDifferences(a: number[][], b: number[][]): number[] {
  return a.map((row, r) => Math.max(...row.map((x, j) => Math.abs(x - b[r][j]))))
}

const DATASETS: [string, () => EncodedDataset][] = [
  [
    'card offers demo (user, context and item fields, history)',
    () => loadDemoDataset(3, { users: 200, items: 60, interactions: 3000 }).data,
  ],
  ['MovieLens-like (multi-valued genres and liked genres)', () => multiValuedDataset()],
  ['users and items that both have a "country" column', sharedNameDataset],
]

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe.each(DATASETS)('drop-field importance on %s', (_, build) => {
  const data = build()
  const split = splitDataset(data, 1)
  const histories = buildHistories(data, split, HISTORY_LENGTH)
  const views = tokenViews(data, histories)

  /** A trainer after a few real steps, so the weights are not just their initial values. */
  function trainedTrainer(): Trainer {
    const trainer = new Trainer(data, split, CONFIG, histories)
    for (let s = 0; s < 10; s++) trainer.step(split.train.subarray(s * 64, (s + 1) * 64)).dispose()
    return trainer
  }

  it('pinning a token changes exactly the embeddings of the entities holding another value, in its own tower', () => {
    const trainer = trainedTrainer()
    const { model } = trainer
    expect(model.user.shape.tokens).toEqual(views.user.map((v) => v.name))
    expect(model.item.shape.tokens).toEqual(views.item.map((v) => v.name))
    const rows = Int32Array.from({ length: data.interactionUser.length }, (_, r) => r)
    const items = Int32Array.from({ length: data.itemIds.length }, (_, i) => i)
    const embed = (override?: { field: string; code: number; tower: 'user' | 'item' }) =>
      tf.tidy(() => ({
        queries: model.embedQueries(rows, override).embedding.arraySync(),
        items: model.embedItems(items, override).embedding.arraySync(),
      }))
    const base = embed()
    for (const tower of ['user', 'item'] as const)
      for (const view of views[tower]) {
        const code = handMode(view)
        const pinned = embed({ field: view.name, code, tower })
        const [ownKey, otherKey] =
          tower === 'user' ? (['queries', 'items'] as const) : (['items', 'queries'] as const)
        const own = rowDifferences(pinned[ownKey], base[ownKey])
        const other = rowDifferences(pinned[otherKey], base[otherKey])
        const where = `${tower} token ${view.name} pinned to ${code}`
        expect(Math.max(...other), `${where}: the other tower`).toBe(0)
        const holding = own.map((_, e) => alreadyPinned(view.valuesOf(e), code, view.multi))
        // The premise: some entities hold the pinned value and some do not.
        expect(
          holding.some((h) => !h),
          where,
        ).toBe(true)
        expect(
          holding.some((h) => h),
          where,
        ).toBe(true)
        own.forEach((d, e) => {
          if (holding[e]) expect(d, `${where}: entity ${e} already holds it`).toBe(0)
          else expect(d, `${where}: entity ${e} holds ${view.valuesOf(e)}`).toBeGreaterThan(1e-6)
        })
      }
    trainer.dispose()
  })

  it('each entry is the validation NDCG@10 of the same weights on data with that field pinned by hand', async () => {
    const trainer = trainedTrainer()
    const queries = trainer.validationQueries
    const nItems = data.itemIds.length
    const ndcgOf = async (model: TwoTowerModel) => {
      const scorer = modelScorer(model, nItems)
      try {
        return (await evaluateRanking(scorer.score, queries, nItems))['ndcg@10']
      } finally {
        scorer.dispose()
      }
    }
    const pooling = await summarizeAttention(trainer, queries.rows)
    const importance = await dropFieldImportance(trainer, queries, pooling)
    const base = await ndcgOf(trainer.model)
    const expected: FieldImportance[] = []
    for (const tower of ['user', 'item'] as const)
      for (const [t, view] of views[tower].entries()) {
        const pinned = view.pinnedCopy(handMode(view))
        const model = new TwoTowerModel(pinned.data, CONFIG, 'attention', pinned.histories)
        model.variables.forEach((v, i) => v.assign(trainer.model.variables[i]))
        const ndcgWithout = await ndcgOf(model)
        model.dispose()
        expected.push({
          field: view.name,
          tower,
          attentionWeight: pooling[tower].pooling[t],
          ndcgWithout,
          drop: base - ndcgWithout,
        })
      }
    expect(importance).toHaveLength(expected.length)
    importance.forEach((entry, k) => {
      expect(entry).toMatchObject({ field: expected[k].field, tower: expected[k].tower })
      expect(entry.attentionWeight).toBe(expected[k].attentionWeight)
      expect(entry.ndcgWithout, entry.field).toBeCloseTo(expected[k].ndcgWithout, 9)
      expect(entry.drop, entry.field).toBeCloseTo(expected[k].drop, 9)
    })
    // Not a vacuous match: pinning moves the metric for most tokens.
    expect(expected.filter((e) => Math.abs(e.drop) > 1e-4).length).toBeGreaterThan(expected.length / 2)
    trainer.dispose()
  })
})

describe('summarizeAttention with history slots some users leave empty', () => {
  it('averages a token’s attention row over the users who have it, so every filled row sums to 1', async () => {
    const demo = loadDemoDataset(2, { users: 200, items: 40, interactions: 1500 }).data
    const split = splitDataset(demo, 1)
    const histories = buildHistories(demo, split, 6)
    const trainer = new Trainer(demo, split, { ...CONFIG, historyLength: 6 }, histories)
    const rows = trainer.validationQueries.rows
    // Some queries have fewer than 6 known items: their last slots are empty.
    const empty = Array.from(rows, (r) => histories.code(r, 5) === 0).filter(Boolean).length
    expect(empty).toBeGreaterThan(0)
    expect(empty).toBeLessThan(rows.length)
    const { user } = await summarizeAttention(trainer, rows)
    const n = user.tokens.length
    for (const head of user.layers[0])
      for (let i = 0; i < n; i++) {
        const sum = head.slice(i * n, (i + 1) * n).reduce((a, b) => a + b, 0)
        expect(sum, user.tokens[i]).toBeCloseTo(1, 4)
      }
    // The pooling weights are the plain mean: an empty slot weighs 0 for those users.
    expect(user.pooling.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
    trainer.dispose()
  })
})
