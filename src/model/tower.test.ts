import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from './tf'
import { withFlags } from './flags'
import { AttentionTower } from './tower'
import { inBatchSoftmaxLoss, MASKS_ON_DEVICE_FLAG } from './twoTower.loss'

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
  positionTokens: 0,
  sequential: false,
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

describe('absent tokens and position embeddings', () => {
  // 2 own tokens then 3 history slots; example 0 has all 3 items, example 1 only the first (2 padding).
  const HISTORY_SHAPE = { ...SHAPE, tokens: ['a', 'b', 'h1', 'h2', 'h3'], positionTokens: 3 }
  const present = () => tf.tensor2d([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [2, 5])
  const tokensWith = (fill: number) => {
    const values = tf.randomNormal([10, 4], 0, 1, 'float32', 21).dataSync() as Float32Array
    // Rows 8 and 9 are example 1's padding slots (tokens h2 and h3).
    values.fill(fill, 8 * 4, 10 * 4)
    return tf.tensor2d(values, [10, 4])
  }

  for (const attentionPooling of [true, false])
    it(`leave out absent tokens: no weight, no attention to or from them, no effect (${attentionPooling ? 'attention' : 'mean'} pooling)`, () => {
      const tower = new AttentionTower(
        { ...HISTORY_SHAPE, attentionPooling, layers: attentionPooling ? 2 : 0 },
        8,
      )
      const a = tower.apply(tokensWith(0), 2, present())
      const b = tower.apply(tokensWith(5), 2, present())
      const pool = a.poolWeights.arraySync()
      expect(pool[1][3]).toBe(0)
      expect(pool[1][4]).toBe(0)
      expect(pool[1].reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5)
      if (!attentionPooling) expect(pool[1][0]).toBeCloseTo(1 / 3, 6)
      for (const layer of a.attention) {
        const heads = layer.arraySync()[1]
        for (const head of heads)
          head.forEach((row, from) => {
            expect(row[3]).toBeCloseTo(0, 6)
            expect(row[4]).toBeCloseTo(0, 6)
            expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(from < 3 ? 1 : 0, 5)
          })
      }
      // What a padding slot holds does not matter: the same embeddings whatever it is filled with.
      const ea = a.embedding.dataSync()
      const eb = b.embedding.dataSync()
      ea.forEach((v, i) => expect(v).toBeCloseTo(eb[i], 5))
      // Without the mask the padding does matter (so the check above can fail).
      const unmasked = tower.apply(tokensWith(5), 2).embedding.dataSync()
      expect(Math.max(...Array.from(unmasked.slice(4), (v, i) => Math.abs(v - ea[4 + i])))).toBeGreaterThan(
        1e-3,
      )
      tower.dispose()
    })

  it('tell history slots apart: swapping two items changes the embedding only with position embeddings', () => {
    const swapped = (x: tf.Tensor2D) => {
      const v = x.arraySync()
      ;[v[2], v[3]] = [v[3], v[2]]
      return tf.tensor2d(v)
    }
    const x = tf.randomNormal([5, 8], 0, 1, 'float32', 4) as tf.Tensor2D
    const gap = (positionTokens: number) => {
      const tower = new AttentionTower({ ...HISTORY_SHAPE, dim: 8, mlpHidden: 16, positionTokens }, 9)
      const a = tower.apply(x, 1).embedding.dataSync()
      const b = tower.apply(swapped(x), 1).embedding.dataSync()
      tower.dispose()
      return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])))
    }
    expect(gap(0)).toBeLessThan(1e-5)
    expect(gap(3)).toBeGreaterThan(1e-3)
  })
})

/**
 * The sequential tower written out in full, every token's row in every layer, then the newest token
 * read out: what `AttentionTower` computed before its last layer kept the newest row only.
 */
function sequentialReference(
  tower: AttentionTower,
  tokens: tf.Tensor2D,
  batch: number,
  present: tf.Tensor2D,
) {
  return tf.tidy(() => {
    const { dim, heads, layers } = tower.shape
    const n = tower.shape.tokens.length
    const h = dim / heads
    const [positions, ...rest] = tower.denseVariables
    let x = tf.reshape(tf.add(tf.reshape(tokens, [batch, n, dim]), positions), [batch * n, dim])
    const causal = tf.tensor2d(
      Array.from({ length: n * n }, (_, k) => (k % n < Math.floor(k / n) ? -1e4 : 0)),
      [n, n],
    )
    const absent = tf.reshape(tf.mul(tf.sub(1, present), -1e4), [batch, 1, 1, n])
    const mask = tf.reshape(present, [batch, 1, n, 1])
    const rows: tf.Tensor[] = []
    for (let l = 0; l < layers; l++) {
      const [wq, wk, wv, wo, gamma, beta] = rest.slice(6 * l, 6 * l + 6)
      const split = (w: tf.Tensor) =>
        tf.transpose(tf.reshape(tf.matMul(x, w), [batch, n, heads, h]), [0, 2, 1, 3])
      const logits = tf.add(
        tf.add(tf.div(tf.matMul(split(wq), split(wk), false, true), Math.sqrt(h)), causal),
        absent,
      )
      const weights = tf.mul(tf.softmax(logits), mask)
      rows.push(tf.slice(weights, [0, 0, 0, 0], [batch, heads, 1, n]))
      const mixed = tf.reshape(tf.transpose(tf.matMul(weights, split(wv)), [0, 2, 1, 3]), [batch * n, dim])
      const y = tf.add(x, tf.matMul(mixed, wo))
      const { mean, variance } = tf.moments(y, -1, true)
      x = tf.add(tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta)
    }
    const [w1, b1, w2, b2] = rest.slice(6 * layers)
    const newest = tf.reshape(tf.slice(tf.reshape(x, [batch, n, dim]), [0, 0, 0], [batch, 1, dim]), [
      batch,
      dim,
    ])
    const out = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(newest, w1), b1)), w2), b2)
    return { embedding: tf.div(out, tf.norm(out, 2, 1, true)), lastRow: rows[rows.length - 1] }
  })
}

describe('the sequential readout', () => {
  it('computes only the newest row of its last layer, with the numbers of the full computation', () => {
    for (const layers of [1, 2]) {
      const shape = { ...SHAPE, layers, positionTokens: 3, sequential: true, attentionPooling: false }
      const tower = new AttentionTower(shape, 21)
      const batch = 4
      const tokens = tf.randomNormal([batch * 3, 4], 0, 1, 'float32', 7) as tf.Tensor2D
      // Full, one old slot empty, only the newest, none (a user without history).
      const present = tf.tensor2d([1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0], [batch, 3])
      const out = tower.apply(tokens, batch, present)
      const reference = sequentialReference(tower, tokens, batch, present)
      const got = out.embedding.arraySync()
      ;(reference.embedding.arraySync() as number[][]).forEach((row, b) =>
        row.forEach((v, j) => expect(got[b][j]).toBeCloseTo(v, 5)),
      )
      const last = out.attention[layers - 1]
      expect(last.shape).toEqual([batch, 2, 1, 3])
      const want = reference.lastRow.arraySync() as number[][][][]
      ;(last.arraySync() as number[][][][]).forEach((example, b) =>
        example.forEach((head, k) => head[0].forEach((w, j) => expect(w).toBeCloseTo(want[b][k][0][j], 5))),
      )
      tf.dispose([
        tokens,
        present,
        out.embedding,
        out.poolWeights,
        ...out.attention,
        reference.embedding,
        reference.lastRow,
      ])
      tower.dispose()
    }
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
      ids,
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

  it('has the gradient of the plain formula (its backward pass is written by hand)', () => {
    const logQ = tf.tensor1d([Math.log(0.5), Math.log(0.25), Math.log(0.5)])
    const mask = tf.tensor2d([
      [0, 0, -1e9],
      [0, 0, 0],
      [-1e9, 0, 0],
    ])
    const plain = (a: tf.Tensor, b: tf.Tensor) => {
      const logits = tf.add(
        tf.sub(tf.div(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true), temperature), logQ),
        mask,
      )
      return tf.mean(tf.sub(tf.logSumExp(logits, 1), tf.sum(tf.mul(logits, tf.eye(3)), 1)))
    }
    const ours = tf.grads((a, b) =>
      inBatchSoftmaxLoss(a as tf.Tensor2D, b as tf.Tensor2D, ids, temperature, logQ),
    )([tf.tensor2d(u), tf.tensor2d(v)])
    const stock = tf.grads(plain)([tf.tensor2d(u), tf.tensor2d(v)])
    for (let k = 0; k < 2; k++) {
      const x = ours[k].dataSync()
      const y = stock[k].dataSync()
      expect(Math.max(...x.map((value, i) => Math.abs(value - y[i])))).toBeLessThan(1e-5)
      expect(Math.max(...y.map(Math.abs))).toBeGreaterThan(1e-2)
    }
  })

  it('stays finite and exact where the positive’s softmax weight underflows (a cold temperature)', () => {
    // Row 2's positive 180 below its max: exp(−180) is 0 in float32, so a loss read off the positive's
    // softmax weight would be +∞; the logsumexp taken from the row's max is not.
    const cold = 0.002
    const ours = inBatchSoftmaxLoss(tf.tensor2d(u), tf.tensor2d(v), [1, 2, 3], cold, null).dataSync()[0]
    let total = 0
    for (let i = 0; i < 3; i++) {
      const logits = v.map((vj) => (u[i][0] * vj[0] + u[i][1] * vj[1]) / cold)
      const max = Math.max(...logits)
      total += max + Math.log(logits.reduce((s, l) => s + Math.exp(l - max), 0)) - logits[i]
    }
    expect(total / 3).toBeGreaterThan(70)
    expect(ours).toBeCloseTo(total / 3, 3)
  })

  it('gives the same loss and gradients with its masks made on the device as uploaded, to the bit', async () => {
    // 64 rows drawn from 20 items: many accidental hits.
    const batch = 64
    const items = Array.from({ length: batch }, (_, i) => (i * 7919) % 20)
    const users = tf.randomNormal([batch, 8], 0, 1, 'float32', 3)
    const itemVectors = tf.randomNormal([batch, 8], 0, 1, 'float32', 4)
    const logQ = tf.randomUniform([batch], -5, -1, 'float32', 5) as tf.Tensor1D
    const lossAndGrads = async () => {
      const f = (a: tf.Tensor, b: tf.Tensor) =>
        inBatchSoftmaxLoss(a as tf.Tensor2D, b as tf.Tensor2D, items, 0.1, logQ)
      const { value, grads } = tf.valueAndGrads(f)([users, itemVectors])
      const out = [Array.from(await value.data()), ...grads.map((g) => Array.from(g.dataSync()))]
      tf.dispose([value, ...grads])
      return out
    }
    const kernels = async () =>
      (
        await tf.profile(() =>
          tf.tidy(() =>
            inBatchSoftmaxLoss(users as tf.Tensor2D, itemVectors as tf.Tensor2D, items, 0.1, logQ),
          ),
        )
      ).kernels.map((k) => k.name)
    const onDevice = await lossAndGrads()
    expect(await kernels()).toContain('Equal')
    await withFlags({ [MASKS_ON_DEVICE_FLAG]: false }, async () => {
      expect(await lossAndGrads()).toEqual(onDevice)
      expect(await kernels()).not.toContain('Equal')
    })
    tf.dispose([users, itemVectors, logQ])
  })

  it('masks accidental hits: without the mask the duplicate item would count as a negative', () => {
    // Recompute without masking by giving the duplicate a distinct id.
    const unmasked = inBatchSoftmaxLoss(
      tf.tensor2d(u),
      tf.tensor2d(v),
      [7, 8, 9],
      temperature,
      null,
    ).dataSync()[0]
    expect(unmasked).toBeGreaterThan(run(null))
  })
})
