import * as tf from './tf'
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
}

/** What a tower computes for a batch. Tensors belong to the caller (or the enclosing tidy). */
export interface TowerOutput {
  /** [batch, dim], unit L2 norm. */
  embedding: tf.Tensor2D
  /** [batch, tokens]: pooling weight of each token; rows sum to 1. */
  poolWeights: tf.Tensor2D
  /** Per layer, [batch, heads, tokens, tokens]: row-normalised self-attention between tokens. */
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
    this.w1 = init([dim, mlpHidden], glorot, 'mlp/w1')
    this.b1 = zeros([mlpHidden], 'mlp/b1')
    this.w2 = init([mlpHidden, dim], Math.sqrt(1 / mlpHidden), 'mlp/w2')
    this.b2 = zeros([dim], 'mlp/b2')
  }

  /** Trainable variables in a fixed order (the optimizer's state follows it). */
  get variables(): tf.Variable[] {
    return [this.table, ...this.denseVariables]
  }

  /** Every trainable variable except the embedding table. */
  get denseVariables(): tf.Variable[] {
    const vars: tf.Variable[] = []
    for (const l of this.layers) vars.push(l.wq, l.wk, l.wv, l.wo, l.gamma, l.beta)
    if (this.shape.attentionPooling) vars.push(this.poolQuery)
    vars.push(this.w1, this.b1, this.w2, this.b2)
    return vars
  }

  /**
   * `tokens`: [batch × tokens, dim], row-major by example (token t of example b at row b × tokens + t).
   * Must run inside a tidy or a gradient scope: intermediates are not disposed here.
   */
  apply(tokens: tf.Tensor2D, batch: number): TowerOutput {
    const { dim, heads } = this.shape
    const fields = this.shape.tokens.length
    const headDim = dim / heads
    let x = tokens
    const attention: tf.Tensor4D[] = []
    for (const layer of this.layers) {
      const split = (w: tf.Variable) =>
        tf.reshape(
          tf.transpose(
            tf.reshape(tf.matMul(x, w as tf.Tensor2D), [batch, fields, heads, headDim]),
            [0, 2, 1, 3],
          ),
          [batch * heads, fields, headDim],
        ) as tf.Tensor3D
      const q = split(layer.wq)
      const k = split(layer.wk)
      const v = split(layer.wv)
      const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim))) // [b*h, f, f]
      attention.push(tf.reshape(weights, [batch, heads, fields, fields]))
      const mixed = tf.reshape(
        tf.transpose(tf.reshape(tf.matMul(weights, v), [batch, heads, fields, headDim]), [0, 2, 1, 3]),
        [batch * fields, dim],
      )
      x = layerNorm(tf.add(x, tf.matMul(mixed, layer.wo as tf.Tensor2D)), layer.gamma, layer.beta)
    }
    const tokenGrid = tf.reshape(x, [batch, fields, dim])
    const poolWeights = this.shape.attentionPooling
      ? (tf.softmax(
          tf.mul(
            tf.reshape(tf.matMul(x, this.poolQuery as tf.Tensor2D), [batch, fields]),
            1 / Math.sqrt(dim),
          ),
        ) as tf.Tensor2D)
      : (tf.fill([batch, fields], 1 / fields) as tf.Tensor2D)
    const pooled = tf.sum(tf.mul(tokenGrid, tf.expandDims(poolWeights, 2)), 1) as tf.Tensor2D
    const hidden = tf.relu(tf.add(tf.matMul(pooled, this.w1 as tf.Tensor2D), this.b1))
    const out = tf.add(tf.matMul(hidden, this.w2 as tf.Tensor2D), this.b2) as tf.Tensor2D
    const norm = tf.sqrt(tf.add(tf.sum(tf.square(out), 1, true), 1e-12))
    return { embedding: tf.div(out, norm) as tf.Tensor2D, poolWeights, attention }
  }

  dispose(): void {
    for (const v of this.variables) v.dispose()
    if (!this.shape.attentionPooling) this.poolQuery.dispose()
  }
}

function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true)
  return tf.add(
    tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, LAYER_NORM_EPSILON))), gamma),
    beta,
  ) as tf.Tensor2D
}
