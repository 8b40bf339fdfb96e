/**
 * Looking inside the trained model: one user's recommendations and attention, what-if changes to the
 * user's features or history, and a 2-D map of the item embeddings. Every number comes from the same
 * forward pass that scores (the scores and the weights shown are computed together), and all of it
 * runs in the worker: the UI receives plain arrays.
 */
import { splitDataset } from '../data/split'
import type { EncodedDataset, MultiField } from '../data/types'
import type { TrainConfig } from './config'
import { embedCatalogue } from './evaluate'
import { buildHistories, historyRowsOf, rowParts } from './history'
import { topK } from './metrics'
import { pca, project, type Projection } from './pca'
import { assignWeights } from './restore'
import * as tf from './tf'
import { Trainer } from './train'
import { foldCode } from './twoTower.rows'
import type { ModelWeights } from './weights'
import type { EmbeddingMap, FieldValue, ItemRef, ItemView, UserHit, UserView, WhatIf } from './explore.types'

/** How many recommendations a user view lists. */
export const TOP_K_SHOWN = 20
/** Most values offered per field in a what-if picker (the most frequent ones). */
export const MAX_CHOICES = 200

export type { EmbeddingMap, FieldValue, ItemRef, ItemView, UserHit, UserView, WhatIf } from './explore.types'

export class Explorer {
  private readonly trainer: Trainer
  readonly data: EncodedDataset
  private readonly catalogue: tf.Tensor2D
  private projection: Projection | null = null
  private readonly trainRowsByUser: number[][]
  private readonly part = new Map<number, 'validation' | 'test'>()
  /** Part of every interaction row, for the history rule (`mayKnow` in history.ts). */
  private readonly rowParts: Uint8Array
  /** Lowercased id, and label when there is one, of every user: what the search matches. */
  private searchKeys: string[] | null = null

  /** The model explored, its data and the config it was trained with. */
  get model(): Trainer['model'] {
    return this.trainer.model
  }
  get config(): Trainer['config'] {
    return this.trainer.config
  }

  /**
   * The explorer of a finished run rebuilt from its data, config and weights: the same split and
   * histories as training made (both follow from the seed), the attention model with the given weights.
   * For an imported run; throws with the problem when the weights do not fit the model this data and
   * config build (then nothing stays allocated).
   */
  static fromWeights(data: EncodedDataset, config: TrainConfig, weights: ModelWeights): Explorer {
    const split = splitDataset(data, config.seed)
    const histories = buildHistories(data, split, config.historyLength)
    const trainer = new Trainer(data, split, config, histories, 'attention')
    const problem = assignWeights(trainer.model, weights)
    if (problem) {
      trainer.dispose()
      throw new Error(`The run file's weights do not fit: ${problem}.`)
    }
    return new Explorer(trainer)
  }

  /** Takes over the trainer (disposes it on `dispose`). */
  constructor(trainer: Trainer) {
    this.trainer = trainer
    this.data = trainer.data
    this.catalogue = embedCatalogue(trainer.model, this.data.itemIds.length)
    const { split } = trainer
    this.trainRowsByUser = Array.from({ length: this.data.userIds.length }, () => [])
    const time = this.data.interactionTime
    split.train.forEach((r) => this.trainRowsByUser[this.data.interactionUser[r]].push(r))
    for (const rows of this.trainRowsByUser) if (time) rows.sort((a, b) => time[a] - time[b] || a - b)
    split.validation.forEach((r) => this.part.set(r, 'validation'))
    split.test.forEach((r) => this.part.set(r, 'test'))
    this.rowParts = rowParts(split, this.data.interactionUser.length)
  }

  /**
   * Users whose id or display label contains the text (case-insensitive), at most `limit`, in user
   * index order. An empty text lists the first users: the examples the search box offers.
   */
  searchUsers(text: string, limit = 20): UserHit[] {
    const d = this.data
    // Built on the first search, once: about one short string per user.
    this.searchKeys ??= d.userIds.map((id, u) => {
      const label = d.userLabels?.[u] ?? ''
      // A newline cannot be typed in the search box, so a needle never spans id and label.
      return (label ? `${id}\n${label}` : id).toLowerCase()
    })
    const needle = text.trim().toLowerCase()
    const out: UserHit[] = []
    for (let u = 0; u < d.userIds.length && out.length < limit; u++)
      if (this.searchKeys[u].includes(needle))
        out.push({
          user: u,
          id: d.userIds[u],
          label: d.userLabels?.[u] ?? '',
          interactions: this.trainRowsByUser[u].length,
        })
    return out
  }

  itemRef(item: number): ItemRef {
    const d = this.data
    const width = d.itemFields.length
    const parts: string[] = []
    for (let f = 1; f < width && parts.length < 2; f++) {
      const field = d.itemFields[f]
      if (field.kind !== 'categorical') continue
      const code = d.itemCodes[item * width + f]
      if (code > 0) parts.push(field.vocabulary[code])
    }
    for (const field of d.multiItem ?? []) {
      if (parts.length >= 2) break
      const label = multiLabel(field, item)
      if (label) parts.push(label)
    }
    return { item, id: d.itemIds[item], label: d.itemLabels?.[item] ?? '', detail: parts.join(' · ') }
  }

  private queryRowOf(user: number): number {
    const { split } = this.trainer
    for (const r of split.validation) if (this.data.interactionUser[r] === user) return r
    const rows = this.trainRowsByUser[user]
    return rows.length > 0 ? rows[rows.length - 1] : -1
  }

  /** The user's recommendations and attention, under an optional what-if. */
  async viewUser(user: number, whatIf: WhatIf = {}): Promise<UserView> {
    const { model } = this.trainer
    const d = this.data
    const queryRow = this.queryRowOf(user)
    if (queryRow < 0) throw new Error(`User ${d.userIds[user]} has no interactions to build a query from.`)
    const changes = whatIf.fields ?? {}
    const removed = new Set(whatIf.removedHistory ?? [])

    // Token rows of the query, with what-if changes applied to the codes.
    const tokens = model.user.shape.tokens
    const query = model.queryRows([queryRow])
    const userRows = query.rows
    const fields: FieldValue[] = []
    const nUser = d.userFields.length
    const nContext = d.contextFields.length
    tokens.slice(0, model.userSingleCount).forEach((name, t) => {
      const isUser = t < nUser
      const field = isUser ? d.userFields[t] : d.contextFields[t - nUser]
      const original = isUser
        ? d.userCodes[user * nUser + t]
        : d.contextCodes[queryRow * nContext + (t - nUser)]
      const code = changes[name] ?? original
      if (code !== original)
        userRows[t] = model.user.offsets[t] + foldCode(code, model.user.shape.vocabSizes[t])
      fields.push({
        name,
        tower: isUser ? 'user' : 'context',
        code,
        label: field.vocabulary[code] ?? '?',
        choices: field.kind === 'id' ? [] : choicesOf(field.vocabulary),
        changed: code !== original,
      })
    })
    // Multi-valued user fields are shown as they are (no what-if choices).
    for (const field of d.multiUser ?? [])
      fields.push({
        name: field.name,
        tower: 'user',
        code: field.offsets[user + 1] > field.offsets[user] ? field.codes[field.offsets[user]] : 0,
        label: multiLabel(field, user) || field.vocabulary[0],
        choices: [],
        changed: false,
      })
    const trainItems = this.trainRowsByUser[user].map((r) => d.interactionItem[r]).reverse()
    // The query row's history by the same rule training and evaluation use (strictly earlier, known
    // parts), recomputed rather than read from the stored one so removals take effect. The query row is
    // a validation or a training row, so training rows are all it may know.
    const knownItems = historyRowsOf(d, this.rowParts, queryRow, this.trainRowsByUser[user])
      .map((r) => d.interactionItem[r])
      .filter((i) => !removed.has(i))
    const historyItems = knownItems.slice(0, model.histories.length)
    const historyRows = Int32Array.from({ length: model.histories.length }, (_, k) =>
      k < historyItems.length ? foldCode(historyItems[k] + 1, model.item.shape.vocabSizes[0]) : 0,
    )

    const out = tf.tidy(() => {
      const userTokens = tf.gather(model.user.table, tf.tensor1d(userRows, 'int32')) as tf.Tensor2D
      const result = model.applyQueries(
        userTokens,
        model.multiWeights('user', query.weights, 1),
        model.lookUpHistory(historyRows),
        1,
      )
      return {
        embedding: result.embedding,
        scores: tf.matMul(result.embedding, this.catalogue, false, true),
        pooling: result.poolWeights,
        attention: result.attention,
      }
    })
    const [scores, pooling, embedding] = await Promise.all([
      out.scores.data(),
      out.pooling.data(),
      out.embedding.data(),
    ])
    const attention = await readAttention(out.attention)
    tf.dispose([out.embedding, out.scores, out.pooling, ...out.attention])

    const excluded = Int32Array.from(new Set(trainItems)).sort()
    const best = topK(scores, excluded, TOP_K_SHOWN)
    const heldOutPart = this.part.get(queryRow)
    const heldOutItem = heldOutPart ? d.interactionItem[queryRow] : -1
    let heldOut: UserView['heldOut'] = null
    if (heldOutItem >= 0) {
      let rank = 0
      const target = scores[heldOutItem]
      let e = 0
      for (let i = 0; i < scores.length; i++) {
        while (e < excluded.length && excluded[e] < i) e++
        if (e < excluded.length && excluded[e] === i) continue
        if (scores[i] > target) rank++
      }
      heldOut = { ...this.itemRef(heldOutItem), part: heldOutPart!, rank: rank + 1 }
    }
    const map = this.projection ? project(this.projection, embedding) : null
    const topDrops =
      best.length > 0
        ? await this.tokenDrops(best[0], scores[best[0]], userRows, query.weights, knownItems)
        : null
    return {
      user,
      userId: d.userIds[user],
      userLabel: d.userLabels?.[user] ?? '',
      queryRow,
      fields,
      historyTokens: historyItems.map((i) => this.itemRef(i)),
      trainItems: trainItems.slice(0, 50).map((i) => this.itemRef(i)),
      heldOut,
      recommendations: Array.from(best, (i) => ({
        ...this.itemRef(i),
        score: scores[i],
        heldOut: i === heldOutItem,
      })),
      tokens,
      pooling: Array.from(pooling),
      attention,
      topDrops,
      mapPoint: map ? [map[0], map[1]] : null,
    }
  }

  /**
   * For each query token, how much the score of `top` falls when that token is removed: a field set to
   * missing (code 0; a multi-valued field to no value), a history item taken out (the older ones move
   * up and the next older known item comes in, as the what-if removal does). `knownItems`: every item
   * the query may know, most recent first. One batched forward pass of every variant.
   */
  private async tokenDrops(
    top: number,
    topScore: number,
    userRows: Int32Array,
    multiWeights: Float32Array,
    knownItems: number[],
  ): Promise<number[]> {
    const { model } = this.trainer
    const { user } = model.layout
    const n = model.histories.length
    const tokens = model.user.shape.tokens.length
    const own = model.userTokenCount
    const width = model.userRowWidth
    const multiWidth = model.userMultiWidth
    const rows = new Int32Array(tokens * width)
    const weights = new Float32Array(tokens * multiWeights.length)
    const history = new Int32Array(tokens * n)
    const missingRow = (t: number) => user.offsets[t] + foldCode(0, user.vocabSizes[t])
    const historyRow = (items: number[], k: number) =>
      k < items.length ? foldCode(items[k] + 1, model.item.shape.vocabSizes[0]) : 0
    for (let t = 0; t < tokens; t++) {
      rows.set(userRows, t * width)
      weights.set(multiWeights, t * multiWeights.length)
      const items = t >= own ? knownItems.filter((_, k) => k !== t - own) : knownItems
      for (let k = 0; k < n; k++) history[t * n + k] = historyRow(items, k)
      if (t < user.singles) rows[t * width + t] = missingRow(t)
      else if (t < own) {
        const m = t - user.singles
        const at = t * width + user.singles + m * multiWidth
        rows.fill(missingRow(t), at, at + multiWidth)
        const wAt = t * multiWeights.length + m * multiWidth
        weights.fill(0, wAt, wAt + multiWidth)
        weights[wAt] = 1
      }
    }
    const scores = tf.tidy(() => {
      const userTokens = tf.gather(model.user.table, tf.tensor1d(rows, 'int32')) as tf.Tensor2D
      const result = model.applyQueries(
        userTokens,
        model.multiWeights('user', weights, tokens),
        model.lookUpHistory(history),
        tokens,
      )
      const item = tf.slice(this.catalogue, [top, 0], [1, -1])
      return tf.reshape(tf.matMul(result.embedding, item, false, true), [tokens])
    })
    const values = await scores.data()
    scores.dispose()
    // A history slot with no item removes nothing.
    return Array.from(values, (v, t) => (t >= own && t - own >= knownItems.length ? 0 : topScore - v))
  }

  /** One item's attention in the item tower. */
  async viewItem(item: number): Promise<ItemView> {
    const { model } = this.trainer
    const out = tf.tidy(() => {
      const r = model.embedItems([item])
      return { pooling: r.poolWeights, attention: r.attention }
    })
    const pooling = Array.from(await out.pooling.data())
    const attention = await readAttention(out.attention)
    tf.dispose([out.pooling, ...out.attention])
    return { item: this.itemRef(item), tokens: model.item.shape.tokens, pooling, attention }
  }

  /** PCA of the item embeddings, with every item field's labels for colouring. */
  async embeddingMap(): Promise<EmbeddingMap> {
    const d = this.data
    const values = (await this.catalogue.data()) as Float32Array
    const [rows, dim] = this.catalogue.shape
    this.projection = pca(values, rows, dim, 2)
    const x = new Float32Array(rows)
    const y = new Float32Array(rows)
    for (let r = 0; r < rows; r++) {
      const [a, b] = project(this.projection, values.subarray(r * dim, (r + 1) * dim))
      x[r] = a
      y[r] = b ?? 0
    }
    const width = d.itemFields.length
    const colourBy = d.itemFields.slice(1).map((field, k) => {
      const f = k + 1
      const codes = Array.from({ length: rows }, (_, i) => d.itemCodes[i * width + f])
      return { field: field.name, labels: field.vocabulary, values: codes }
    })
    // A multi-valued field colours by each item's first listed value.
    for (const field of d.multiItem ?? [])
      colourBy.push({
        field: field.name,
        labels: field.vocabulary,
        values: Array.from({ length: rows }, (_, i) =>
          field.offsets[i + 1] > field.offsets[i] ? field.codes[field.offsets[i]] : 0,
        ),
      })
    return {
      x,
      y,
      explained: [this.projection.explained[0] ?? 0, this.projection.explained[1] ?? 0],
      colourBy,
      items: Array.from({ length: rows }, (_, i) => this.itemRef(i)),
    }
  }

  dispose(): void {
    this.catalogue.dispose()
    this.trainer.dispose()
  }
}

/** An entity's values of a multi-valued field, joined for display ('' when it has none). */
function multiLabel(field: MultiField, entity: number): string {
  const codes = field.codes.subarray(field.offsets[entity], field.offsets[entity + 1])
  return Array.from(codes, (c) => field.vocabulary[c]).join(', ')
}

/** The most frequent values of a vocabulary are first (codes are frequency-ordered); 0 is "missing". */
function choicesOf(vocabulary: string[]): { code: number; label: string }[] {
  return vocabulary.slice(0, MAX_CHOICES + 1).map((label, code) => ({ code, label }))
}

/** One example's attention per layer as `[layer][head]` token×token arrays (row-major). */
async function readAttention(layers: tf.Tensor4D[]): Promise<number[][][]> {
  const out: number[][][] = []
  for (const layer of layers) {
    const [, heads, n] = layer.shape
    const values = await layer.data()
    out.push(Array.from({ length: heads }, (_, h) => Array.from(values.subarray(h * n * n, (h + 1) * n * n))))
  }
  return out
}
