/**
 * Scoring recipe of a model exported from the Attentive Recommendation Playground: `model.json` (the
 * towers' layout, vocabularies and a TensorFlow.js weights manifest) and `weights.bin` (the weights,
 * little-endian float32, in manifest order). Plain JavaScript with no dependency of its own: pass it
 * TensorFlow.js (`@tensorflow/tfjs`, or `@tensorflow/tfjs-core` with a backend).
 *
 *   import * as tf from '@tensorflow/tfjs'
 *   import { loadTowers } from './score.js'
 *   const towers = loadTowers(tf, modelJson, weightsBytes)
 *   const users = towers.embedUsers([{ features: { age_band: '25-34', device: 'tablet' }, history: ['O00306'] }])
 *   const items = towers.embedItems([{ offer_id: 'O00304', category: 'fuel' }])
 *   const scores = towers.score(users, items) // [users, items]: cosine similarity, higher is better
 *
 * What a tower computes, for one user (query) or one item:
 * 1. Tokens. One per field of the tower, in `towers.<tower>.tokens` order: the embedding-table row of the
 *    field's value (its index in the field's `vocabulary`; a value not in it is index 0, "missing", and
 *    is listed by `unknownValues()`).
 *    Indices past the field's `rows` share rows: index c uses row 1 + (c - 1) mod (rows - 1). A
 *    multi-valued field is the mean of the rows of its first `width` values (none: the row of index 0).
 *    The user tower then has one token per history slot: the item-table row of the user's k-th most
 *    recent item id (the item tower's first field), or an absent token when there is no k-th item.
 * 2. Position embeddings are added to the history tokens (newest first).
 * 3. `layers` self-attention layers (multi-head, scaled dot product; no token attends to an absent
 *    one), each followed by a residual connection and layer normalisation.
 * 4. Attention pooling: a softmax over tokens of their dot product with a learned query / sqrt(dim).
 * 5. A two-layer MLP (ReLU) and L2 normalisation. The score of a user and an item is the dot product of
 *    their embeddings (the model was trained on it divided by `config.temperature`).
 */

/** Added to the attention logits of absent tokens (as in training). */
const ABSENT_LOGIT = -1e4
const LAYER_NORM_EPSILON = 1e-5

/**
 * @param {typeof import('@tensorflow/tfjs-core')} tf
 * @param {object} model the parsed model.json
 * @param {ArrayBuffer | Uint8Array} weightsBytes the contents of weights.bin
 */
export function loadTowers(tf, model, weightsBytes) {
  if (model.format !== 'attentive-towers') throw new Error('This is not an attentive-towers model.json.')
  const bytes = weightsBytes instanceof Uint8Array ? weightsBytes : new Uint8Array(weightsBytes)
  const specs = model.weightsManifest[0].weights
  const expected = specs.reduce((sum, spec) => sum + 4 * spec.shape.reduce((a, b) => a * b, 1), 0)
  if (expected !== bytes.length)
    throw new Error(`weights.bin has ${bytes.length} bytes; the manifest lists ${expected}.`)
  const weights = {}
  let at = 0
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1)
    const values = new Float32Array(bytes.slice(at, at + 4 * size).buffer)
    weights[spec.name] = tf.tensor(values, spec.shape, 'float32')
    at += 4 * size
  }
  const { dim, heads } = model.config
  const itemId = model.towers.item.tokens[0]

  /** Values given that a field's vocabulary does not hold, by field: they count as missing. */
  const unknown = new Map()
  const indexOf = (token, value) => {
    token.index ??= new Map(token.vocabulary.map((label, i) => [label, i]))
    if (value === undefined || value === null || value === '') return 0
    const index = token.index.get(String(value))
    if (index !== undefined) return index
    if (!unknown.has(token.name)) unknown.set(token.name, new Set())
    unknown.get(token.name).add(String(value))
    return 0
  }
  const rowOf = (token, index) =>
    token.offset + (index < token.rows ? index : 1 + ((index - 1) % (token.rows - 1)))

  /**
   * Table rows [n, tokens, width] and their weights for `n` examples; `present` [n, tokens] is 0 for an
   * absent history slot. `slots(example, token)` gives the example's values for a token.
   */
  const tokenRows = (tower, examples, valuesOf) => {
    const tokens = tower.tokens
    const width = Math.max(1, ...tokens.map((t) => (t.kind === 'multi' ? t.width : 1)))
    const n = examples.length
    const rows = new Int32Array(n * tokens.length * width)
    const mix = new Float32Array(n * tokens.length * width)
    const present = new Float32Array(n * tokens.length).fill(1)
    examples.forEach((example, e) => {
      tokens.forEach((token, t) => {
        const at = (e * tokens.length + t) * width
        const values = valuesOf(example, token)
        if (token.kind === 'history') {
          const item = values[0]
          const index = item === undefined ? 0 : indexOf(itemId, item)
          rows.fill(rowOf(itemId, index), at, at + width)
          mix[at] = 1
          if (index === 0) present[e * tokens.length + t] = 0
          return
        }
        const codes = values.map((v) => indexOf(token, v)).slice(0, token.kind === 'multi' ? token.width : 1)
        if (codes.length === 0) codes.push(0)
        rows.fill(rowOf(token, codes[0]), at, at + width)
        codes.forEach((code, k) => {
          rows[at + k] = rowOf(token, code)
          mix[at + k] = 1 / codes.length
        })
      })
    })
    return { rows, mix, present, width }
  }

  /** A tower's embeddings [n, dim] of examples, each token's values given by `valuesOf`. */
  const embed = (name, examples, valuesOf) =>
    tf.tidy(() => {
      const tower = model.towers[name]
      const p = (key) => weights[`${name}/${key}`]
      const n = examples.length
      const T = tower.tokens.length
      const { rows, mix, present: presentValues, width } = tokenRows(tower, examples, valuesOf)
      // The table a history token is looked up in: the item table's id field.
      const historyTable = weights['item/embeddings']
      const isHistory = tower.tokens.map((t) => t.kind === 'history')
      const table = tf.concat([p('embeddings'), ...(isHistory.some(Boolean) ? [historyTable] : [])], 0)
      const shift = p('embeddings').shape[0]
      const lookup = Int32Array.from(rows, (row, i) =>
        isHistory[Math.floor(i / width) % T] ? shift + row : row,
      )
      const gathered = tf.reshape(tf.gather(table, tf.tensor1d(lookup, 'int32')), [n, T, width, dim])
      let x = tf.sum(tf.mul(gathered, tf.tensor4d(mix, [n, T, width, 1])), 2) // [n, T, dim]
      if (tower.positionTokens > 0)
        x = tf.add(x, tf.concat([tf.zeros([T - tower.positionTokens, dim]), p('positions')], 0))
      const present = tf.tensor2d(presentValues, [n, T])
      const absentBias = tf.mul(tf.sub(1, present), ABSENT_LOGIT) // [n, T]
      const headDim = dim / heads
      const split = (h, w) =>
        tf.transpose(
          tf.reshape(tf.matMul(tf.reshape(h, [n * T, dim]), w), [n, T, heads, headDim]),
          [0, 2, 1, 3],
        )
      for (let l = 0; l < tower.layers; l++) {
        const q = split(x, p(`l${l}/wq`))
        const k = split(x, p(`l${l}/wk`))
        const v = split(x, p(`l${l}/wv`))
        const logits = tf.add(
          tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)),
          tf.reshape(absentBias, [n, 1, 1, T]),
        )
        // An absent token's own output is never used; its row is zeroed as in training.
        const attention = tf.mul(tf.softmax(logits), tf.reshape(present, [n, 1, T, 1]))
        const mixed = tf.reshape(tf.transpose(tf.matMul(attention, v), [0, 2, 1, 3]), [n * T, dim])
        const residual = tf.add(tf.reshape(x, [n * T, dim]), tf.matMul(mixed, p(`l${l}/wo`)))
        const { mean, variance } = tf.moments(residual, -1, true)
        const normed = tf.div(tf.sub(residual, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON)))
        x = tf.reshape(tf.add(tf.mul(normed, p(`l${l}/gamma`)), p(`l${l}/beta`)), [n, T, dim])
      }
      const poolLogits = tf.add(
        tf.mul(
          tf.reshape(tf.matMul(tf.reshape(x, [n * T, dim]), p('pool_query')), [n, T]),
          1 / Math.sqrt(dim),
        ),
        absentBias,
      )
      const pooled = tf.sum(tf.mul(x, tf.expandDims(tf.softmax(poolLogits), 2)), 1) // [n, dim]
      const hidden = tf.relu(tf.add(tf.matMul(pooled, p('mlp/w1')), p('mlp/b1')))
      const out = tf.add(tf.matMul(hidden, p('mlp/w2')), p('mlp/b2'))
      return tf.div(out, tf.sqrt(tf.add(tf.sum(tf.square(out), 1, true), 1e-12)))
    })

  const asList = (value) =>
    Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]
  return {
    model,
    /**
     * Query embeddings [users, dim]. Each user: `features` by field name (user fields and the context of
     * the moment, e.g. the device; a multi-valued field as a list) and `history`, item ids newest first.
     */
    embedUsers(users) {
      return embed('user', users, (user, token) => {
        if (token.kind !== 'history') return asList(user.features?.[token.name])
        const k = Number(token.name.slice('history_'.length)) - 1
        return user.history && k < user.history.length ? [user.history[k]] : []
      })
    },
    /** Item embeddings [items, dim]. Each item: its features by field name, its id under the first field's name. */
    embedItems(items) {
      return embed('item', items, (item, token) => asList(item[token.name]))
    },
    /** Scores [users, items]: dot products of the embeddings (cosine similarity, as the page ranks). */
    score(userEmbeddings, itemEmbeddings) {
      return tf.matMul(userEmbeddings, itemEmbeddings, false, true)
    },
    /**
     * The values passed so far that a field never saw in training, by field (at most 20 each). They
     * were scored as missing: a numeric field takes its bucket's label as `vocabulary` lists it, not
     * the number, so a number shows up here.
     */
    unknownValues() {
      return Object.fromEntries([...unknown].map(([field, values]) => [field, [...values].slice(0, 20)]))
    },
    /** Frees the weights. */
    dispose() {
      Object.values(weights).forEach((w) => w.dispose())
    },
  }
}
