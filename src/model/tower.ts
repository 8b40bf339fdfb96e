import * as tf from './tf'
import { filled, scalar } from './constants'
import { batchMatMul, linear } from './ops'
import { tableOffsets } from './twoTower.rows'

/** Shape of one tower: its tokens, its own embedding table and the sizes that follow from the config. */
export interface TowerShape {
  name: 'user' | 'item'
  /**
   * Token names in order: the tower's own fields first (single-valued, then multi-valued), then any
   * tokens looked up elsewhere (history).
   */
  tokens: string[]
  /** Rows of each own field's slice of the embedding table (vocabulary + the missing code), in token order. */
  vocabSizes: number[]
  dim: number
  heads: number
  layers: number
  mlpHidden: number
  /** Pool tokens with learned attention (true) or a plain mean (false, the ablation). */
  attentionPooling: boolean
  /**
   * The last this many tokens (the history, most recent first) each get a learned position embedding
   * added, so the tower can tell the newest item from the twentieth (0: none).
   */
  positionTokens: number
  /**
   * SASRec-style reading of the position tokens: each attends only to itself and older ones (causal),
   * and the newest one's output is the tower's output (pooling weight 1 on it) instead of a pooled mix.
   */
  sequential: boolean
}

/** What a tower computes for a batch. Tensors belong to the caller (or the enclosing tidy). */
export interface TowerOutput {
  /** [batch, dim], unit L2 norm. */
  embedding: tf.Tensor2D
  /** [batch, tokens]: pooling weight of each token; rows sum to 1, absent tokens get 0. */
  poolWeights: tf.Tensor2D
  /**
   * Per layer, [batch, heads, tokens, tokens]: self-attention from each token (row) to each token
   * (column); a present token's row sums to 1 over present tokens, an absent token's row is all 0.
   * The sequential readout's last layer has the newest item's row only: [batch, heads, 1, tokens].
   */
  attention: tf.Tensor4D[]
}

interface AttentionLayer {
  wq: tf.Variable
  wk: tf.Variable
  wv: tf.Variable
  wo: tf.Variable
  gamma: tf.Variable
  beta: tf.Variable
}

const LAYER_NORM_EPSILON = 1e-5
/**
 * Added to the attention logits of absent tokens (history padding). Large enough that exp() of it is
 * 0 in float32, small enough to stay finite in half precision (WebGL on some GPUs).
 */
const ABSENT_LOGIT = -1e4
let nextInstance = 0

/**
 * One tower: field tokens -> L layers of multi-head self-attention (residual + layer norm, AutoInt style)
 * -> attention pooling with a learned query -> MLP -> L2 normalisation.
 *
 * Every field has its own slice of one shared embedding table (`offsets`), so a batch needs a single
 * lookup per tower. Attention is written with matMul and softmax because tfjs has no attention layer
 * and einsum has no gradient; projections reshape to 2-D first because a 3-D × 2-D matMul breaks the
 * gradient of the weight.
 */
export class AttentionTower {
  readonly shape: TowerShape
  /** Row offset of each field's slice in `table`. */
  readonly offsets: Int32Array
  readonly table: tf.Variable
  private readonly layers: AttentionLayer[]
  private readonly poolQuery: tf.Variable
  /** [positionTokens, dim], or null without position tokens. */
  private readonly positions: tf.Variable | null
  private readonly w1: tf.Variable
  private readonly b1: tf.Variable
  private readonly w2: tf.Variable
  private readonly b2: tf.Variable

  constructor(shape: TowerShape, seed: number) {
    this.shape = shape
    const { dim, mlpHidden } = shape
    this.offsets = tableOffsets(shape.vocabSizes)
    const rows = shape.vocabSizes.reduce((sum, size) => sum + size, 0)
    let s = seed
    // Variable names are global in tfjs; the instance number keeps two live models apart.
    const instance = nextInstance++
    // tidy frees each initial value; the variable keeps its own reference to the data.
    const variable = (make: () => tf.Tensor, name: string) =>
      tf.tidy(() => tf.variable(make(), true, `${shape.name}/${name}#${instance}`))
    const init = (dims: number[], std: number, name: string) => {
      const seedOfThis = s++
      return variable(() => tf.randomNormal(dims, 0, std, 'float32', seedOfThis), name)
    }
    const zeros = (dims: number[], name: string) => variable(() => tf.zeros(dims), name)
    const ones = (dims: number[], name: string) => variable(() => tf.ones(dims), name)
    const glorot = Math.sqrt(1 / dim)
    this.table = init([rows, dim], 0.1, 'embeddings')
    this.layers = Array.from({ length: shape.layers }, (_, l) => ({
      wq: init([dim, dim], glorot, `l${l}/wq`),
      wk: init([dim, dim], glorot, `l${l}/wk`),
      wv: init([dim, dim], glorot, `l${l}/wv`),
      wo: init([dim, dim], glorot, `l${l}/wo`),
      gamma: ones([dim], `l${l}/gamma`),
      beta: zeros([dim], `l${l}/beta`),
    }))
    this.poolQuery = init([dim, 1], glorot, 'pool_query')
    this.positions = shape.positionTokens > 0 ? init([shape.positionTokens, dim], 0.1, 'positions') : null
    this.w1 = init([dim, mlpHidden], glorot, 'mlp/w1')
    this.b1 = zeros([mlpHidden], 'mlp/b1')
    this.w2 = init([mlpHidden, dim], Math.sqrt(1 / mlpHidden), 'mlp/w2')
    this.b2 = zeros([dim], 'mlp/b2')
  }

  /** Trainable variables in a fixed order (the optimizer's state follows it). */
  get variables(): tf.Variable[] {
    return [this.table, ...this.denseVariables]
  }

  /** Whether the pooling query is trained: attention pooling, not the sequential readout. */
  private get usesPoolQuery(): boolean {
    return this.shape.attentionPooling && !this.shape.sequential
  }

  /** Every trainable variable except the embedding table. */
  get denseVariables(): tf.Variable[] {
    const vars: tf.Variable[] = []
    if (this.positions) vars.push(this.positions)
    for (const l of this.layers) vars.push(l.wq, l.wk, l.wv, l.wo, l.gamma, l.beta)
    if (this.usesPoolQuery) vars.push(this.poolQuery)
    vars.push(this.w1, this.b1, this.w2, this.b2)
    return vars
  }

  /**
   * `tokens`: [batch × tokens, dim], row-major by example (token t of example b at row b × tokens + t).
   * `present`: [batch, tokens], 1 for a token that is there and 0 for an absent one (history padding),
   * or null when all are there. Absent tokens are keys no token attends to and get no pooling weight,
   * so a query with 3 known items is the same whether the history holds 20 slots or 50.
   * Must run inside a tidy or a gradient scope: intermediates are not disposed here.
   */
  apply(tokens: tf.Tensor2D, batch: number, present: tf.Tensor2D | null = null): TowerOutput {
    const { dim, heads, positionTokens } = this.shape
    const fields = this.shape.tokens.length
    const headDim = dim / heads
    let x = tokens
    if (this.positions) {
      const offsets = tf.concat([filled([fields - positionTokens, dim], 0), this.positions], 0)
      x = tf.reshape(tf.add(tf.reshape(x, [batch, fields, dim]), offsets), [batch * fields, dim])
    }
    // Per (example, head): an additive key bias and a multiplicative row mask, [batch × heads, 1, tokens].
    // Repeated over heads by a broadcast product with ones: tfjs's wasm tile took 1.3–1.6 ms for
    // [512, 1, 27] → [512, 2, 27] where the product takes 0.02 ms (Node 20, 2026-12-02).
    const heads1 = filled([1, heads, 1], 1)
    const perHead = (t: tf.Tensor2D) =>
      tf.reshape(tf.mul(tf.reshape(t, [batch, 1, fields]), heads1), [batch * heads, 1, fields])
    const absentBias = present ? perHead(absentLogits(present)) : null
    let keyBias: tf.Tensor | null = absentBias
    if (this.shape.sequential) {
      const causal = tf.tensor2d(causalBias(fields, positionTokens), [fields, fields])
      keyBias = keyBias ? tf.add(keyBias, causal) : causal
    }
    const rowMask = present ? tf.reshape(perHead(present), [batch * heads, fields, 1]) : null
    const attention: tf.Tensor4D[] = []
    // The sequential readout reads the newest item's output only, so its last layer computes that one
    // row: the same numbers, at 1/tokens of the layer's attention products (the sequence baseline's
    // step on the demo, 20 history tokens: about half its time was those products).
    let newest: tf.Tensor2D | null = null
    for (const [l, layer] of this.layers.entries()) {
      if (this.shape.sequential && l === this.layers.length - 1) {
        newest = this.newestRow(x, batch, layer, absentBias, rowMask, attention)
        break
      }
      const q = this.perHead(x, layer.wq, batch)
      const k = this.perHead(x, layer.wk, batch)
      const v = this.perHead(x, layer.wv, batch)
      let logits = tf.mul(batchMatMul(q, k, false, true), scalar(1 / Math.sqrt(headDim))) // [b*h, f, f]
      if (keyBias) logits = tf.add(logits, keyBias)
      let weights = tf.softmax(logits) as tf.Tensor3D
      // An absent token's own output is never used (no one attends to it, it is not pooled): its row is
      // zeroed so the heatmap shows nothing for it rather than what a padding slot would have read.
      if (rowMask) weights = tf.mul(weights, rowMask)
      attention.push(tf.reshape(weights, [batch, heads, fields, fields]))
      const mixed = tf.reshape(
        tf.transpose(tf.reshape(batchMatMul(weights, v), [batch, heads, fields, headDim]), [0, 2, 1, 3]),
        [batch * fields, dim],
      ) as tf.Tensor2D
      x = layerNorm(tf.add(x, linear(mixed, layer.wo as tf.Tensor2D)), layer.gamma, layer.beta)
    }
    const poolWeights = this.pool(x, batch, present)
    const pooled =
      newest ??
      (tf.sum(tf.mul(tf.reshape(x, [batch, fields, dim]), tf.expandDims(poolWeights, 2)), 1) as tf.Tensor2D)
    const hidden = tf.relu(tf.add(linear(pooled, this.w1 as tf.Tensor2D), this.b1)) as tf.Tensor2D
    const out = tf.add(linear(hidden, this.w2 as tf.Tensor2D), this.b2) as tf.Tensor2D
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(out), 1, true), scalar(1e-12)))
    return { embedding: tf.div(out, norm) as tf.Tensor2D, poolWeights, attention }
  }

  /** Every token's projection by `w`, split into heads: [batch × heads, tokens, head dim]. */
  private perHead(x: tf.Tensor2D, w: tf.Variable, batch: number): tf.Tensor3D {
    const { dim, heads } = this.shape
    const fields = this.shape.tokens.length
    const projected = tf.reshape(linear(x, w as tf.Tensor2D), [batch, fields, heads, dim / heads])
    return tf.reshape(tf.transpose(projected, [0, 2, 1, 3]), [batch * heads, fields, dim / heads])
  }

  /**
   * The last layer of the sequential readout for the newest item alone: its query against every key
   * (the newest sees all its history, so only the absent slots are masked), residual and layer norm.
   * Pushes that layer's attention as [batch, heads, 1, tokens]; returns the newest output [batch, dim].
   */
  private newestRow(
    x: tf.Tensor2D,
    batch: number,
    layer: AttentionLayer,
    absentBias: tf.Tensor | null,
    rowMask: tf.Tensor | null,
    attention: tf.Tensor4D[],
  ): tf.Tensor2D {
    const { dim, heads, positionTokens } = this.shape
    const fields = this.shape.tokens.length
    const headDim = dim / heads
    const at = fields - positionTokens
    const own = tf.reshape(tf.slice(tf.reshape(x, [batch, fields, dim]), [0, at, 0], [batch, 1, dim]), [
      batch,
      dim,
    ]) as tf.Tensor2D
    // [batch, dim] is [batch, heads, headDim] row by row: one query row per (example, head).
    const q = tf.reshape(linear(own, layer.wq as tf.Tensor2D), [batch * heads, 1, headDim]) as tf.Tensor3D
    let logits = tf.mul(
      batchMatMul(q, this.perHead(x, layer.wk, batch), false, true),
      scalar(1 / Math.sqrt(headDim)),
    ) // [b*h, 1, f]
    if (absentBias) logits = tf.add(logits, absentBias)
    let weights = tf.softmax(logits) as tf.Tensor3D
    if (rowMask) weights = tf.mul(weights, tf.slice(rowMask, [0, at, 0], [-1, 1, 1]))
    attention.push(tf.reshape(weights, [batch, heads, 1, fields]))
    const mixed = tf.reshape(batchMatMul(weights, this.perHead(x, layer.wv, batch)), [
      batch,
      dim,
    ]) as tf.Tensor2D
    return layerNorm(tf.add(own, linear(mixed, layer.wo as tf.Tensor2D)), layer.gamma, layer.beta)
  }

  /** Pooling weights [batch, tokens]: softmax of the learned query's scores, or the mean, over present tokens. */
  private pool(x: tf.Tensor2D, batch: number, present: tf.Tensor2D | null): tf.Tensor2D {
    const fields = this.shape.tokens.length
    if (this.shape.sequential) {
      const newest = tf.fill([batch], fields - this.shape.positionTokens, 'int32') as tf.Tensor1D
      return tf.cast(tf.oneHot(newest, fields), 'float32') as tf.Tensor2D
    }
    if (!this.shape.attentionPooling)
      return present
        ? (tf.div(present, tf.maximum(tf.sum(present, 1, true), 1)) as tf.Tensor2D)
        : (tf.fill([batch, fields], 1 / fields) as tf.Tensor2D)
    let logits = tf.mul(
      tf.reshape(linear(x, this.poolQuery as tf.Tensor2D), [batch, fields]),
      scalar(1 / Math.sqrt(this.shape.dim)),
    )
    if (present) logits = tf.add(logits, absentLogits(present))
    return tf.softmax(logits) as tf.Tensor2D
  }

  dispose(): void {
    for (const v of this.variables) v.dispose()
    if (!this.usesPoolQuery) this.poolQuery.dispose()
  }
}

/**
 * Additive attention bias [tokens × tokens] of the causal mask, row = the token attending: position
 * tokens are the last `positionTokens`, newest first, so position token k may see position tokens
 * k, k + 1, … (itself and older) and every own token; a newer one gets `ABSENT_LOGIT`.
 */
export function causalBias(tokens: number, positionTokens: number): Float32Array {
  const bias = new Float32Array(tokens * tokens)
  const first = tokens - positionTokens
  for (let from = first; from < tokens; from++)
    for (let to = first; to < from; to++) bias[from * tokens + to] = ABSENT_LOGIT
  return bias
}

/** `ABSENT_LOGIT` where a token is absent (`present` 0), 0 where it is there. */
function absentLogits(present: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.sub(scalar(1), present), scalar(ABSENT_LOGIT))
}

function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true)
  return tf.add(
    tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, scalar(LAYER_NORM_EPSILON)))), gamma),
    beta,
  ) as tf.Tensor2D
}
