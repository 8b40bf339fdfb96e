import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from './tf'
import { AttentionTower } from './tower'
import { inBatchSoftmaxLoss } from './twoTower.loss'

beforeAll(async () => {
  await tf.setBackend('cpu')
})

const SHAPE = {
  name: 'user' as const,
  tokens: ['a', 'b', 'c'],
  vocabSizes: [3, 3, 3],
  dim: 4,
  heads: 2,
  layers: 2,
  mlpHidden: 5,
  attentionPooling: true,
}

/** Central finite difference of f at x along every coordinate (float32, so a coarse step). */
function numericGradient(f: (x: Float32Array) => number, x: Float32Array, eps = 1e-2): Float32Array {
  const g = new Float32Array(x.length)
  for (let i = 0; i < x.length; i++) {
    const plus = Float32Array.from(x)
    const minus = Float32Array.from(x)
    plus[i] += eps
    minus[i] -= eps
    g[i] = (f(plus) - f(minus)) / (2 * eps)
  }
  return g
}

describe('attention tower gradients', () => {
  it('match finite differences for the input tokens and for an attention weight', () => {
    const tower = new AttentionTower(SHAPE, 11)
    const batch = 2
    const tokens = tf.randomNormal([batch * 3, 4], 0, 1, 'float32', 5)
    const probe = tf.randomNormal([batch, 4], 0, 1, 'float32', 6)
    const lossOf = (x: tf.Tensor) =>
      tf.sum(tf.mul(tower.apply(x as tf.Tensor2D, batch).embedding, probe)) as tf.Scalar

    // d loss / d tokens
    const analytic = tf.grad(lossOf)(tokens).dataSync() as Float32Array
    const numeric = numericGradient(
      (x) => tf.tidy(() => lossOf(tf.tensor2d(x, [batch * 3, 4])).dataSync()[0]),
      tokens.dataSync() as Float32Array,
    )
    analytic.forEach((g, i) => expect(g).toBeCloseTo(numeric[i], 2))

    // d loss / d W_q of the first layer (the first dense variable)
    const wq = tower.denseVariables[0]
    const { grads } = tf.variableGrads(() => lossOf(tokens), [wq])
    const analyticW = grads[wq.name].dataSync() as Float32Array
    const original = wq.dataSync().slice() as Float32Array
    const numericW = numericGradient((w) => {
      wq.assign(tf.tensor(w, wq.shape))
      return tf.tidy(() => lossOf(tokens).dataSync()[0])
    }, original)
    wq.assign(tf.tensor(original, wq.shape))
    analyticW.forEach((g, i) => expect(g).toBeCloseTo(numericW[i], 2))
    tower.dispose()
  })

  it('gives attention rows and pooling weights that are distributions', () => {
    const tower = new AttentionTower(SHAPE, 3)
    const out = tower.apply(tf.randomNormal([6, 4], 0, 1, 'float32', 1) as tf.Tensor2D, 2)
    const rowSums = tf.sum(out.attention[0], -1).dataSync()
    rowSums.forEach((s) => expect(s).toBeCloseTo(1, 5))
    tf.sum(out.poolWeights, 1)
      .dataSync()
      .forEach((s) => expect(s).toBeCloseTo(1, 5))
    const norms = tf.norm(out.embedding, 'euclidean', 1).dataSync()
    norms.forEach((n) => expect(n).toBeCloseTo(1, 5))
    tower.dispose()
  })
})

describe('inBatchSoftmaxLoss', () => {
  // Two users, three batch items (item ids 7, 8, 7: row 2 repeats row 0's item).
  const u = [
    [1, 0],
    [0, 1],
    [0.6, 0.8],
  ]
  const v = [
    [0.8, 0.6],
    [0, 1],
    [1, 0],
  ]
  const ids = [7, 8, 7]
  const temperature = 0.5

  /** The formula, written out: -log softmax over the row, with logQ and accidental-hit masking. */
  function expected(logQ: number[] | null): number {
    let total = 0
    for (let i = 0; i < 3; i++) {
      const logits = v.map((vj, j) => {
        if (j !== i && ids[j] === ids[i]) return -Infinity
        return (u[i][0] * vj[0] + u[i][1] * vj[1]) / temperature - (logQ ? logQ[j] : 0)
      })
      const max = Math.max(...logits)
      const lse = max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0))
      total += lse - logits[i]
    }
    return total / 3
  }

  const run = (logQ: number[] | null) =>
    inBatchSoftmaxLoss(
      tf.tensor2d(u),
      tf.tensor2d(v),
      tf.tensor1d(ids, 'int32'),
      temperature,
      logQ ? tf.tensor1d(logQ) : null,
    ).dataSync()[0]

  it('equals the softmax cross-entropy with accidental hits masked', () => {
    expect(run(null)).toBeCloseTo(expected(null), 5)
  })

  it('subtracts log item frequency from the logits when logQ is on', () => {
    const logQ = [Math.log(0.5), Math.log(0.25), Math.log(0.5)]
    expect(run(logQ)).toBeCloseTo(expected(logQ), 5)
    expect(run(logQ)).not.toBeCloseTo(run(null), 3)
  })

  it('masks accidental hits: without the mask the duplicate item would count as a negative', () => {
    // Recompute without masking by giving the duplicate a distinct id.
    const unmasked = inBatchSoftmaxLoss(
      tf.tensor2d(u),
      tf.tensor2d(v),
      tf.tensor1d([7, 8, 9], 'int32'),
      temperature,
      null,
    ).dataSync()[0]
    expect(unmasked).toBeGreaterThan(run(null))
  })
})
