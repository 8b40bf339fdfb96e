import '@tensorflow/tfjs-backend-cpu'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitDataset } from '../data/split'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { gatherRows } from './embedding'
import { embedCatalogue, modelScorer, rankQueries } from './evaluate'
import { buildHistories } from './history'
import {
  batchMatMul,
  batchedProductPath,
  linear,
  matMulTransposed,
  registerWasmKernels,
  rowBlock,
  transpose2d,
  WASM_GATHER_KERNEL,
  WASM_PRODUCT_KERNEL,
} from './ops'
import * as tf from './tf'
import { Trainer } from './train'
import { inBatchSoftmaxLoss } from './twoTower.loss'
import type { ModelVariant } from './twoTower.rows'

// The wasm backend takes its own paths for attention products and embedding rows; each must give the
// numbers of the plain ops (and of the cpu backend, where the plain ops run).
beforeAll(async () => {
  setWasmPaths(
    fileURLToPath(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url)),
  )
  await tf.setBackend('wasm')
})
afterAll(async () => {
  await tf.setBackend('cpu')
})

const values = (t: tf.Tensor) => Array.from(t.dataSync())
const expectClose = (a: tf.Tensor, b: tf.Tensor, digits = 4) => {
  expect(a.shape).toEqual(b.shape)
  const [x, y] = [values(a), values(b)]
  for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i], digits)
}

describe('transpose2d on wasm (a 2-D transpose read as 3-D)', () => {
  it('gives tf.transpose exactly, with a row block and without one', async () => {
    // 13824 = 54 × 256 (the demo's user tokens), 3584 = 14 × 256, 510 = 2 × 255, 7 × 3 and 13 × 5 have
    // no block (prime or too few rows): the plain transpose.
    for (const [n, m] of [
      [13824, 32],
      [3584, 32],
      [510, 17],
      [7, 3],
      [13, 5],
    ]) {
      const x = tf.randomNormal([n, m], 0, 1, 'float32', n) as tf.Tensor2D
      const ours = transpose2d(x)
      expect(ours.shape).toEqual([m, n])
      expect(Array.from(ours.dataSync())).toEqual(Array.from(tf.transpose(x).dataSync()))
      // The 3-D read is what runs where there is a block (else this compares the transpose with itself).
      const profile = await tf.profile(() => transpose2d(x))
      const ranks = profile.kernels.filter((k) => k.name === 'Transpose').map((k) => k.inputShapes[0].length)
      expect(ranks).toEqual([rowBlock(n) > 0 ? 3 : 2])
    }
  })

  it('rowBlock: the largest divisor from 8 to 256 that leaves two rows or more', () => {
    expect(rowBlock(13824)).toBe(256)
    expect(rowBlock(510)).toBe(255)
    expect(rowBlock(16)).toBe(8)
    expect(rowBlock(8)).toBe(0) // a block of 8 would leave one row
    expect(rowBlock(13)).toBe(0)
    expect(rowBlock(2 * 257)).toBe(0) // 257 is prime and over 256; 2 is under 8
  })
})

describe('batchMatMul on wasm (our own SIMD loops where the widths allow, else depthwise convolutions)', () => {
  const normal = (shape: [number, number, number], seed: number) =>
    tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor3D
  // [n, m, k, p], every size different so an operand read in the wrong layout or a swapped gradient
  // cannot pass: widths not multiples of 4 (convolutions only); multiples of 4 (every product,
  // gradients included, takes the loops); k = 6 (the products over k fall back to the convolution).
  for (const [dims, label] of [
    [[3, 4, 5, 2], 'convolutions'],
    [[3, 5, 8, 12], 'all loops'],
    [[3, 5, 6, 12], 'loops and convolutions'],
  ] as const) {
    for (const [transposeA, transposeB] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ]) {
      it(`${label}, transposeA ${transposeA}, transposeB ${transposeB}: matMul's value and gradients`, async () => {
        const [n, m, k, p] = dims
        const a = normal(transposeA ? [n, k, m] : [n, m, k], 11)
        const b = normal(transposeB ? [n, p, k] : [n, k, p], 12)
        const up = normal([n, m, p], 13) // a non-uniform upstream gradient
        expectClose(batchMatMul(a, b, transposeA, transposeB), tf.matMul(a, b, transposeA, transposeB), 5)
        const grads = (f: (x: tf.Tensor3D, y: tf.Tensor3D) => tf.Tensor) =>
          tf.grads((x, y) => tf.sum(tf.mul(f(x as tf.Tensor3D, y as tf.Tensor3D), up)))([a, b])
        const mine = grads((x, y) => batchMatMul(x, y, transposeA, transposeB))
        const stock = grads((x, y) => tf.matMul(x, y, transposeA, transposeB))
        expectClose(mine[0], stock[0], 5)
        expectClose(mine[1], stock[1], 5)
        // The loops run where they fit, forward and backward, the convolution elsewhere (else this
        // compares matMul with itself).
        const names = async (f: () => tf.Tensor | tf.Tensor[]) =>
          (await tf.profile(f)).kernels.map((kernel) => kernel.name)
        const forward = await names(() => batchMatMul(a, b, transposeA, transposeB))
        const backward = await names(() => grads((x, y) => batchMatMul(x, y, transposeA, transposeB)))
        const fits = !(transposeA && transposeB) && (transposeB ? k % 4 === 0 : p % 4 === 0)
        expect(forward.includes(WASM_PRODUCT_KERNEL)).toBe(fits)
        expect(forward.includes('DepthwiseConv2dNative')).toBe(!fits)
        if (label === 'all loops' && !(transposeA && transposeB))
          expect(backward).not.toContain('DepthwiseConv2dNative')
        expect([...forward, ...backward]).not.toContain('BatchMatMul')
      })
    }
  }

  it('says which way it runs', () => {
    expect(batchedProductPath()).toBe('simd loops')
  })
})

describe('gatherRows on wasm (rows copied inside the module)', () => {
  it('equals tf.gather, repeats and order kept, and refuses a row outside the table', async () => {
    const table = tf.randomNormal([6, 3], 0, 1, 'float32', 4) as tf.Tensor2D
    const rows = tf.tensor1d([5, 0, 5, 2, 1], 'int32')
    const info = await tf.profile(() => gatherRows(table, rows))
    expect(info.kernelNames).toEqual([WASM_GATHER_KERNEL])
    expect(Array.from((info.result as tf.Tensor).dataSync())).toEqual(
      Array.from(tf.gather(table, rows).dataSync()),
    )
    const wide = tf.randomNormal([40, 33], 0, 1, 'float32', 5) as tf.Tensor2D
    const many = tf.tensor1d(
      Array.from({ length: 500 }, (_, i) => (i * 7) % 40),
      'int32',
    )
    expect(Array.from(gatherRows(wide, many).dataSync())).toEqual(
      Array.from(tf.gather(wide, many).dataSync()),
    )
    expect(gatherRows(wide, tf.tensor1d([], 'int32')).shape).toEqual([0, 33])
    const before = tf.memory()
    expect(() => gatherRows(table, tf.tensor1d([0, 6], 'int32'))).toThrow(/row 6 of a table of 6/)
    expect(() => gatherRows(table, tf.tensor1d([-1], 'int32'))).toThrow(RangeError)
    tf.dispose(tf.tidy(() => gatherRows(wide, many)))
    // Only the two id tensors made for the refused calls are new: no output was left behind.
    expect(tf.memory().numTensors).toBe(before.numTensors + 2)
  })
})

/** A small demo and model (2 heads, 2 layers, history) for the training and ranking tests below. */
const { data } = loadDemoDataset(5, { users: 300, items: 80, interactions: 6_000 })
const split = splitDataset(data, 1)
const config: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 1,
  batchSize: 128,
  dim: 16,
  heads: 2,
  layers: 2,
  mlpHidden: 32,
  learningRate: 0.02,
  historyLength: 4,
  compareBaselines: false,
}
const histories = buildHistories(data, split, config.historyLength)

describe('tensors saved for the backward pass on wasm', () => {
  it('share their memory instead of copying it, and outlive the original', () => {
    registerWasmKernels()
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])
    const copy = tf.clone(x)
    expect(copy.dataId).toBe(x.dataId) // the stock wasm kernel gives a new buffer
    x.dispose()
    expect(values(copy)).toEqual([1, 2, 3, 4, 5, 6]) // the reference count kept it
    copy.dispose()
    const text = tf.tensor1d(['a', 'b'], 'string')
    expect(tf.clone(text).dataSync()).toEqual(['a', 'b'])
    text.dispose()
  })

  it('a cast to the same dtype shares too; other casts convert', () => {
    registerWasmKernels()
    const x = tf.tensor1d([1.5, -2.25, 3])
    const same = tf.cast(x, 'float32')
    expect(same.dataId).toBe(x.dataId)
    x.dispose()
    expect(values(same)).toEqual([1.5, -2.25, 3])
    const whole = tf.cast(same, 'int32')
    expect(whole.dataId).not.toBe(same.dataId)
    expect(whole.dtype).toBe('int32')
    expect(values(whole)).toEqual([1, -2, 3])
    const back = tf.cast(whole, 'float32')
    expect(back.dtype).toBe('float32')
    expect(values(back)).toEqual([1, -2, 3])
    tf.dispose([same, whole, back])
  })

  it('gradients read the shared tensors correctly', () => {
    const w = tf.tensor2d([0.5, -1, 2, 0.25], [2, 2])
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2])
    // d/dw sum(relu(x·w)²): the product, relu and square all save their inputs or outputs.
    const f = (v: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(x, v as tf.Tensor2D))))
    const onWasm = tf.grad(f)(w)
    const expected = tf.tidy(() => {
      const y = tf.relu(tf.matMul(x, w))
      return tf.matMul(x, tf.mul(2, y), true, false)
    })
    expectClose(onWasm, expected, 5)
    tf.dispose([w, x, onWasm, expected])
  })
})

describe('the weights’ gradient of a projection on wasm (xᵀ · dy in chunks of rows)', () => {
  it('gives the transpose-then-product’s numbers to the bit, with and without a last short chunk', () => {
    registerWasmKernels()
    for (const [n, k, m] of [
      [13824, 32, 32],
      [3584, 32, 32],
      [512, 32, 64],
      [100, 8, 16], // one full chunk of 64 and 36 rows
      [50, 5, 48], // a short chunk only, k odd
      [64, 16, 20], // m not a multiple of 16: tfjs's way
    ]) {
      const x = tf.randomNormal([n, k], 0, 1, 'float32', n) as tf.Tensor2D
      const dy = tf.randomNormal([n, m], 0, 1, 'float32', k) as tf.Tensor2D
      const w = tf.zeros([k, m]) as tf.Tensor2D
      // d/dw sum((x · w) ⊙ dy) = xᵀ · dy
      const grad = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(linear(x, v as tf.Tensor2D), dy)))(w)
      const expected = tf.matMul(transpose2d(x), dy)
      expect(grad.shape).toEqual([k, m])
      expect(Array.from(grad.dataSync())).toEqual(Array.from(expected.dataSync()))
      tf.dispose([x, dy, w, grad, expected])
    }
  })
})

describe('the in-batch loss on wasm (the diagonal gathered, no identity matrix, hits scattered)', () => {
  it('gives the identity-matrix loss and gradients to the bit, with accidental hits and without', () => {
    const [batch, dim] = [96, 8]
    const users = tf.randomNormal([batch, dim], 0, 1, 'float32', 1) as tf.Tensor2D
    const items = tf.randomNormal([batch, dim], 0, 1, 'float32', 2) as tf.Tensor2D
    const logQ = tf.randomUniform([batch], -6, -2, 'float32', 3) as tf.Tensor1D
    // The loss as it was written with tf.eye (before 2026-12-02; its logsumexp from the softmax since
    // 2026-12-03), on the same backend.
    const withEye = tf.customGrad((x, save) => {
      const logits = x as tf.Tensor2D
      const p = tf.softmax(logits)
      const lse = tf.sub(tf.max(logits, 1, true), tf.log(tf.max(p, 1, true)))
      ;(save as tf.GradSaveFunc)([p])
      return {
        value: tf.mean(tf.sub(lse, tf.sum(tf.mul(logits, tf.eye(batch)), 1, true))),
        gradFunc: (dy: tf.Tensor, [q]: tf.Tensor[]) => tf.mul(tf.sub(q, tf.eye(batch)), tf.div(dy, batch)),
      }
    })
    // Distinct items (no accidental hits), then a batch where items 0, 5, 40 and 2, 90 are the same.
    const distinct = Array.from({ length: batch }, (_, i) => i)
    const repeated = distinct.map((i) => ([5, 40].includes(i) ? 0 : i === 90 ? 2 : i))
    // At 0.05 (the default) a masked logit's weight is tiny anyway; at 1 a misplaced mask shows.
    for (const [ids, temperature] of [
      [distinct, 0.05],
      [repeated, 0.05],
      [repeated, 1],
    ] as const) {
      // The mask as it was made before 2026-12-02 on every backend: an array filled in JavaScript.
      const mask = new Float32Array(batch * batch)
      for (let i = 0; i < batch; i++)
        for (let j = 0; j < batch; j++) if (i !== j && ids[i] === ids[j]) mask[i * batch + j] = -1e9
      const before = (u: tf.Tensor, v: tf.Tensor) =>
        withEye(
          tf.add(
            tf.sub(
              tf.mul(matMulTransposed(u as tf.Tensor2D, v as tf.Tensor2D), 1 / temperature),
              tf.expandDims(logQ, 0),
            ),
            tf.tensor2d(mask, [batch, batch]),
          ),
        ) as tf.Scalar
      const now = (u: tf.Tensor, v: tf.Tensor) =>
        inBatchSoftmaxLoss(u as tf.Tensor2D, v as tf.Tensor2D, ids, temperature, logQ)
      const [a, b] = [tf.valueAndGrads(now)([users, items]), tf.valueAndGrads(before)([users, items])]
      expect(a.value.dataSync()[0]).toBe(b.value.dataSync()[0])
      for (let k = 0; k < 2; k++)
        expect(Array.from(a.grads[k].dataSync())).toEqual(Array.from(b.grads[k].dataSync()))
      tf.dispose([a.value, b.value, ...a.grads, ...b.grads])
    }
    // The hits change the loss (the logits are the same: only the mask differs), so a mask that went
    // missing would be seen.
    const loss = (ids: number[]) => inBatchSoftmaxLoss(users, items, ids, 1, logQ).dataSync()[0]
    expect(Math.abs(loss(repeated) - loss(distinct))).toBeGreaterThan(1e-4)
    tf.dispose([users, items, logQ])
  })
})

describe('slices and splits on wasm (rows copied inside the module)', () => {
  const shapes: [number[], number[], number[]][] = [
    [
      [13824, 32],
      [0, 0],
      [512, -1],
    ], // leading rows: one run
    [
      [13824, 32],
      [100, 0],
      [3, 32],
    ],
    [
      [20, 32],
      [2, 8],
      [5, 16],
    ], // a column band: a run per row
    [
      [512, 27, 32],
      [0, 7, 0],
      [-1, 20, -1],
    ], // the history's tokens
    [
      [6, 5, 4],
      [1, 2, 1],
      [4, 2, 3],
    ], // the innermost axis partial
    [
      [3, 4, 5, 6],
      [1, 0, 2, 1],
      [2, 4, 2, 4],
    ],
    [[7], [2], [4]],
  ]

  it('gives the stock slice’s numbers, with the tensor and buffer counts flat', async () => {
    registerWasmKernels()
    for (const [shape, begin, size] of shapes) {
      const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i * 0.25 - 7)
      await tf.setBackend('cpu')
      const expected = tf.tidy(() => Array.from(tf.slice(tf.tensor(values, shape), begin, size).dataSync()))
      await tf.setBackend('wasm')
      const x = tf.tensor(values, shape)
      const [tensors, buffers] = [tf.memory().numTensors, tf.memory().numDataBuffers]
      const ours = tf.slice(x, begin, size)
      expect(Array.from(ours.dataSync())).toEqual(expected)
      ours.dispose()
      expect([tf.memory().numTensors, tf.memory().numDataBuffers]).toEqual([tensors, buffers])
      x.dispose()
    }
  })

  it('splits along any axis as tf.split does, and its gradient puts the pieces back', async () => {
    for (const [shape, sizes, axis] of [
      [[512, 27, 32], [7, 20], 1],
      [[10, 6], [3, 1, 2], 1],
      [[10, 6], [4, 6], 0],
      [[4, 3, 8], [2, 6], -1],
    ] as [number[], number[], number][]) {
      const values = Float32Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => Math.sin(i))
      await tf.setBackend('cpu')
      const expected = tf.tidy(() =>
        tf.split(tf.tensor(values, shape), sizes, axis).map((t) => Array.from(t.dataSync())),
      )
      await tf.setBackend('wasm')
      const x = tf.tensor(values, shape)
      const pieces = tf.split(x, sizes, axis)
      expect(pieces.map((t) => Array.from(t.dataSync()))).toEqual(expected)
      // d/dx Σ_p (p+1)·sum(piece p²) = 2(p+1)·x on piece p: every value back in its place
      const grad = tf.grad((v: tf.Tensor) =>
        tf.addN(tf.split(v, sizes, axis).map((t, p) => tf.mul(p + 1, tf.sum(tf.square(t))))),
      )(x)
      const scale = tf.concat(
        pieces.map((t, p) => tf.fill(t.shape, 2 * (p + 1))),
        axis,
      )
      expectClose(grad, tf.mul(scale, x), 5)
      tf.dispose([x, grad, scale, ...pieces])
    }
  })
})

describe('sums over leading axes on wasm (the axpy loop as 1 · x)', () => {
  // The stock kernel sums leading axes by moving them last and summing the innermost ones, so the
  // same sum of the transposed tensor over its last axes is what it gave.
  const stockSum = (x: tf.Tensor, lead: number) =>
    tf.tidy(() => {
      const perm = [...x.shape.keys()].map((i) => (i + lead) % x.shape.length)
      const last = Array.from({ length: lead }, (_, i) => x.shape.length - lead + i)
      return tf.sum(tf.transpose(x, perm), last)
    })

  it('gives the stock kernel’s numbers to the bit, for every shape the model sums and odd ones', () => {
    registerWasmKernels()
    for (const shape of [
      [13824, 32],
      [3584, 32],
      [512, 64],
      [512, 27, 32],
      [2, 1],
      [7, 3],
      [1000, 33],
      [100_003, 8],
      [5, 4, 3, 2],
    ]) {
      for (let lead = 1; lead < shape.length; lead++) {
        const x = tf.mul(tf.randomNormal(shape, 0, 1, 'float32', lead), 1000)
        const axes = Array.from({ length: lead }, (_, i) => i)
        const ours = tf.sum(x, axes)
        const stock = stockSum(x, lead)
        expect(ours.shape).toEqual(shape.slice(lead))
        expect(Array.from(ours.dataSync())).toEqual(Array.from(stock.dataSync()))
        tf.dispose([x, ours, stock])
      }
    }
  })

  it('keeps dims and negative axes as tf.sum does, and leaves other sums to the stock kernel', () => {
    const x = tf.tensor3d(
      Array.from({ length: 24 }, (_, i) => i * 0.5 - 3),
      [2, 3, 4],
    )
    const kept = tf.sum(x, [0, 1], true)
    expect(kept.shape).toEqual([1, 1, 4])
    expect(Array.from(kept.dataSync())).toEqual(Array.from(stockSum(x, 2).dataSync()))
    const negative = tf.sum(x, [-3])
    expect(negative.shape).toEqual([3, 4])
    const inner = tf.sum(x, 2)
    expect(Array.from(inner.dataSync())).toEqual([-9, -1, 7, 15, 23, 31])
    const whole = tf.sum(x)
    expect(whole.dataSync()[0]).toBeCloseTo(66, 5)
    const buffers = tf.memory().numDataBuffers
    tf.dispose(tf.sum(x, 0)) // the ones it makes go too
    expect(tf.memory().numDataBuffers).toBe(buffers)
    tf.dispose([x, kept, negative, inner, whole])
  })
})

describe('training steps on wasm give the cpu backend’s losses', () => {
  const losses = async (backend: string, variant: ModelVariant) => {
    await tf.setBackend(backend)
    const trainer = new Trainer(data, split, config, histories, variant)
    const out: number[] = []
    let tensors = 0
    let buffers = 0
    for (let s = 0; s < 5; s++) {
      const loss = trainer.step(split.train.subarray(s * 128, (s + 1) * 128))
      out.push((await loss.data())[0])
      loss.dispose()
      if (s === 0) [tensors, buffers] = [tf.memory().numTensors, tf.memory().numDataBuffers]
    }
    // Nothing the custom products, the copied rows or the shared saved tensors make is left behind.
    expect(tf.memory().numTensors).toBe(tensors)
    expect(tf.memory().numDataBuffers).toBe(buffers)
    trainer.dispose()
    return out
  }

  for (const variant of ['attention', 'sequence'] as ModelVariant[]) {
    it(`${variant}: five steps, the same losses to 1e-4`, async () => {
      const cpu = await losses('cpu', variant)
      const wasm = await losses('wasm', variant)
      // Steps after the first depend on every gradient of the one before.
      expect(new Set(cpu).size).toBe(cpu.length)
      for (let s = 0; s < cpu.length; s++) expect(wasm[s]).toBeCloseTo(cpu[s], 4)
    })
  }
})

describe('the model’s ranking on wasm reads its scores where they lie', () => {
  const items = data.itemIds.length

  it('each batch is a view of the module’s memory, with the values of the product', async () => {
    await tf.setBackend('wasm')
    const trainer = new Trainer(data, split, config, histories, 'attention')
    const rows = trainer.validationQueries.rows.subarray(0, 50)
    const expected = tf.tidy(() =>
      tf.matMul(
        trainer.model.embedQueries(rows).embedding,
        tf.transpose(embedCatalogue(trainer.model, items)),
      ),
    )
    const tensors = tf.memory().numTensors
    const scorer = modelScorer(trainer.model, items)
    const scores = await scorer.score(rows)
    const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8
    expect(scores.buffer).toBe(heap.buffer)
    expect(scores.length).toBe(rows.length * items)
    const want = expected.dataSync()
    for (let i = 0; i < want.length; i++) expect(scores[i]).toBeCloseTo(want[i], 5)
    // The next batch frees this one's scores; dispose frees the last and the catalogue.
    await scorer.score(rows.subarray(0, 10))
    scorer.dispose()
    expect(tf.memory().numTensors).toBe(tensors)
    expected.dispose()
    trainer.dispose()
  })

  it('ranks as a scorer that copies every batch out does', async () => {
    await tf.setBackend('wasm')
    const trainer = new Trainer(data, split, config, histories, 'attention')
    const queries = trainer.validationQueries
    const catalogue = tf.tidy(() => tf.transpose(embedCatalogue(trainer.model, items)))
    const copying = (rows: Int32Array) =>
      tf
        .tidy(() => tf.matMul(trainer.model.embedQueries(rows).embedding, catalogue))
        .dataSync() as Float32Array
    const options = { pairTemperature: config.temperature, keepRecommendations: true, batchSize: 64 }
    const copied = await rankQueries(copying, queries, items, options)
    const scorer = modelScorer(trainer.model, items)
    const viewed = await rankQueries(scorer.score, queries, items, options)
    scorer.dispose()
    catalogue.dispose()
    expect(queries.rows.length).toBeGreaterThan(64)
    expect(viewed.toData()).toEqual(copied.toData())
    trainer.dispose()
  })
})
