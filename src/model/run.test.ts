import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { PLANTED_FIELDS } from '../demo/cardOffers'
import { oracleScorer } from '../demo/oracle'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config'
import { splitWithOrder } from '../data/split'
import { buildQueries } from './evaluate'
import { buildHistories } from './history'
import { BASELINE_NAMES, type EpochRecord, type LossPoint } from './results'
import type { Comparisons } from './comparisons'
import { RunCancelled, runTraining, testProgress, type RunResult } from './run'
import { baselineSpec } from './scorers'
import { multiValuedDataset } from './testing'
import * as tf from './tf'
import { Trainer } from './train'
import { verdictOf } from './uncertainty'

const { world, data } = loadDemoDataset(3, { users: 600, items: 100, interactions: 12_000 })
const CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 3,
  batchSize: 256,
  dim: 16,
  mlpHidden: 32,
  learningRate: 0.01,
  historyLength: 3,
  // A fixed number of epochs here; early stopping has its own tests below.
  earlyStoppingPatience: 0,
}

let result: RunResult
const losses: LossPoint[] = []
const epochs: EpochRecord[] = []
/** The order hooks were called in: the first step must not wait for the baselines. */
const events: string[] = []
/** Every phase detail the run posted, in order, and where it said the test begins (`TESTING`). */
const phases: string[] = []
const TESTING = '(testing begins)'
let stepsPerEpoch = 0
let tensorsBefore = 0

beforeAll(async () => {
  await tf.setBackend('cpu')
  tensorsBefore = tf.memory().numTensors
  result = await runTraining(data, CONFIG, {
    onLoss: (p) => (losses.push(p), events.push('loss')),
    onEpoch: (r) => (epochs.push(r), events.push('epoch')),
    onValidationBaselines: (m) => events.push(`baselines ${Object.keys(m).sort().join(' ')}`),
    onPrepared: (p) => (stepsPerEpoch = p.stepsPerEpoch),
    onPhase: (detail) => phases.push(detail),
    onTesting: () => phases.push(TESTING),
    truth: oracleScorer(world, data),
  })
}, 300_000)

describe('a whole training run on a small demo (cpu backend)', () => {
  it('completes, lowers the loss and frees every tensor', () => {
    expect(result.end).toBe('completed')
    expect(result.history).toHaveLength(3)
    expect(epochs).toEqual(result.history)
    expect(losses[losses.length - 1].loss).toBeLessThan(losses[0].loss * 0.9)
    expect(tf.memory().numTensors).toBe(tensorsBefore)
  })

  it('trains before computing the baselines on validation, and has them by the end of epoch 1', () => {
    const baselines = events.filter((e) => e.startsWith('baselines'))
    expect(baselines).toEqual(['baselines co-occurrence oracle popularity random'])
    const at = events.indexOf(baselines[0])
    expect(events[0]).toBe('loss')
    expect(events.indexOf('epoch')).toBeGreaterThan(at)
    // Every loss point of epoch 1 came before them (the loss is read every few steps).
    expect(events.slice(0, at).filter((e) => e === 'loss')).toHaveLength(
      losses.filter((p) => p.step <= stepsPerEpoch).length,
    )
    expect(Object.keys(result.validationBaselines).sort()).toEqual([
      'co-occurrence',
      'oracle',
      'popularity',
      'random',
    ])
  })

  it('beats most-popular and random on the test split, and the trained baselines are there', () => {
    const { model, baselines } = result.test
    expect(model['recall@10']).toBeGreaterThan(1.15 * baselines.popularity!['recall@10'])
    expect(baselines.popularity!['recall@10']).toBeGreaterThan(baselines.random!['recall@10'])
    // The trained baselines are trained: each beats random by three standard errors of the difference
    // (unpaired, so conservative, over the test queries; measured: id-only 0.33 and mean pooling 0.43
    // against random 0.13, 600 queries, a standard error near 0.024). The planted utility is more than
    // popularity, so the feature model without attention also beats most-popular (0.33) by two standard
    // errors; the id-only model need not (with 3 epochs it learns little more than popularity).
    const recall = (scorer: keyof typeof baselines) => baselines[scorer]!['recall@10']
    const standardError = (a: number, b: number) => Math.sqrt((a * (1 - a) + b * (1 - b)) / model.queries)
    for (const trained of ['id-only', 'mean-pooling', 'sequence'] as const)
      expect(recall(trained) - recall('random'), trained).toBeGreaterThan(
        3 * standardError(recall(trained), recall('random')),
      )
    expect(recall('mean-pooling') - recall('popularity')).toBeGreaterThan(
      2 * standardError(recall('mean-pooling'), recall('popularity')),
    )
    expect(result.history[0].baselines?.['id-only']).toBeDefined()
    // Pair metrics exist for trained models only.
    expect(model.pairAccuracy).toBeGreaterThan(0.5)
    expect(baselines.popularity!.pairAccuracy).toBeUndefined()
    expect(model['coverage@10']).toBeGreaterThan(0)
    expect(model['coverage@10']).toBeLessThanOrEqual(1)
  })

  it('says how far the test ranking is: each scorer in turn, counted up to every test query', () => {
    const PROGRESS = /^Ranking the full catalogue on the test split: (.+), ([\d,]+) of ([\d,]+) queries$/
    const lines = phases.flatMap((d) => {
      const m = PROGRESS.exec(d)
      return m
        ? [{ who: m[1], done: Number(m[2].replace(/,/g, '')), total: Number(m[3].replace(/,/g, '')) }]
        : []
    })
    const { split } = splitWithOrder(data, CONFIG.seed)
    const total = buildQueries(data, split, 'test', CONFIG.seed).rows.length
    expect(total).toBeGreaterThan(100)
    for (const line of lines) expect(line.total).toBe(total)
    // The model first, then every baseline tested, each one's count ending at every query, never going back.
    const tested = Object.keys(result.test.baselines).map((name) => baselineSpec(name)!.label)
    const whoInOrder = lines.map((l) => l.who).filter((who, i, all) => i === 0 || all[i - 1] !== who)
    expect(whoInOrder[0]).toBe('the model')
    expect([...whoInOrder].sort()).toEqual(['the model', ...tested].sort())
    for (const who of whoInOrder) {
      const counts = lines.filter((l) => l.who === who).map((l) => l.done)
      expect(counts[counts.length - 1]).toBe(total)
      expect(counts).toEqual([...counts].sort((a, b) => a - b))
    }
    // After the plain line that opens the test, before the intervals are estimated.
    const opened = phases.indexOf('Ranking the full catalogue on the test split')
    const first = phases.findIndex((d) => PROGRESS.test(d))
    const estimating = phases.indexOf('Estimating intervals and paired differences on the test split')
    expect(opened).toBeGreaterThanOrEqual(0)
    // The test is announced once, just before it opens: every phase after it is the test's.
    expect(phases.filter((d) => d === TESTING)).toHaveLength(1)
    expect(phases.indexOf(TESTING)).toBe(opened - 1)
    expect(first).toBeGreaterThan(opened)
    expect(estimating).toBeGreaterThan(phases.map((d) => PROGRESS.test(d)).lastIndexOf(true))
  })

  it('gives every test metric a standard error and pairs the model with each baseline', () => {
    const { model, baselines, uncertainty } = result.test
    expect(uncertainty).toBeDefined()
    const se = uncertainty!.model
    // Float scores rarely tie, so each query's recall@10 is 0 or 1: SE = √(p(1 − p) / (n − 1)).
    const p = model['recall@10']
    expect(se['recall@10']).toBeCloseTo(Math.sqrt((p * (1 - p)) / (model.queries - 1)), 3)
    for (const metric of ['ndcg@10', 'mrr', 'precision@10', 'coverage@10', 'pairAccuracy'] as const)
      expect(se[metric], metric).toBeGreaterThan(0)
    // Every scorer of the registry is tested, with its standard errors and its paired difference.
    expect(Object.keys(baselines).sort()).toEqual([...BASELINE_NAMES].sort())
    for (const name of BASELINE_NAMES) {
      expect(uncertainty!.baselines[name]!['recall@10']).toBeGreaterThan(0)
      const d = uncertainty!.differences[name]!['recall@10']!
      expect(d.difference).toBeCloseTo(model['recall@10'] - baselines[name]!['recall@10'], 12)
      // Paired over the same queries, the difference is known better than the two intervals suggest
      // when the two scorers hit the same queries; random hits are independent of the model's, so
      // there the two agree (to the noise of the estimate).
      const unpaired = Math.hypot(se['recall@10']!, uncertainty!.baselines[name]!['recall@10']!)
      if (name === 'random') expect(d.standardError).toBeCloseTo(unpaired, 2)
      else expect(d.standardError, name).toBeLessThan(unpaired)
    }
    expect(verdictOf(uncertainty!.differences.popularity!['recall@10']!)).toBe('better')
    // The demo's truth is ranked as the oracle: a ceiling a small 3-epoch model stays under.
    expect(verdictOf(uncertainty!.differences.oracle!['recall@10']!)).toBe('worse')
    expect(verdictOf(uncertainty!.differences.random!['recall@10']!)).toBe('better')
    // Pair metrics are compared between trained models only.
    expect(uncertainty!.differences['mean-pooling']!.pairAccuracy).toBeDefined()
    expect(uncertainty!.differences.popularity!.pairAccuracy).toBeUndefined()
    expect(result.baselineEpochs).toEqual({ 'id-only': 3, 'mean-pooling': 3, sequence: 3 })
    expect(result.baselineTrends?.['id-only']?.last.epoch).toBe(3)
    expect(result.trend?.last).toEqual({ epoch: 3, ndcg: result.history[2].validation['ndcg@10'] })
  })

  it('summarises attention per epoch with one pooling weight per token', () => {
    const { snapshots, ...final } = result.attention
    expect(snapshots.map((s) => s.epoch)).toEqual([1, 2, 3])
    expect(final.user.tokens).toEqual([
      'user_id',
      'age_band',
      'income_band',
      'card_tier',
      'region',
      'tenure_years',
      'device',
      'history_1',
      'history_2',
      'history_3',
    ])
    for (const tower of [final.user, final.item]) {
      expect(tower.pooling.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
      expect(tower.layers).toHaveLength(CONFIG.layers)
      expect(tower.layers[0]).toHaveLength(CONFIG.heads)
      const n = tower.tokens.length
      const row0 = tower.layers[0][0].slice(0, n)
      expect(row0.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4)
    }
  })

  it('gives the planted fields more drop-field importance than the noise fields', () => {
    const drop = new Map(result.importance.map((f) => [f.field, f.drop]))
    expect(result.importance).toHaveLength(
      result.attention.user.tokens.length + result.attention.item.tokens.length,
    )
    const mean = (fields: string[]) => fields.reduce((s, f) => s + drop.get(f)!, 0) / fields.length
    expect(mean(PLANTED_FIELDS.informative)).toBeGreaterThan(mean(PLANTED_FIELDS.noise))
    expect(Math.max(...PLANTED_FIELDS.noise.map((f) => drop.get(f)!))).toBeLessThan(
      Math.max(...PLANTED_FIELDS.informative.map((f) => drop.get(f)!)),
    )
  })
})

describe('early stopping restores the best epoch', () => {
  const small = loadDemoDataset(4, { users: 300, items: 60, interactions: 5000 }).data
  const config: TrainConfig = {
    ...CONFIG,
    epochs: 6,
    earlyStoppingPatience: 2,
    batchSize: 128,
    dim: 8,
    mlpHidden: 16,
  }
  let oneEpoch: RunResult

  beforeAll(async () => {
    // Every model (the attention model and both trained baselines) after exactly one epoch.
    oneEpoch = await runTraining(small, { ...config, epochs: 1, earlyStoppingPatience: 0 })
  }, 300_000)

  it('tests the weights of the best validation epoch when later epochs get worse', async () => {
    // Healthy through each model's first epoch; after that the last step of every epoch also adds
    // strong noise to the weights, so validation falls and the best epoch (1) is not the last.
    const original = Trainer.prototype.step
    const calls = new WeakMap<Trainer, number>()
    let noiseSeed = 0
    const spy = vi.spyOn(Trainer.prototype, 'step').mockImplementation(function (
      this: Trainer,
      rows: Int32Array,
    ) {
      const n = (calls.get(this) ?? 0) + 1
      calls.set(this, n)
      const loss = original.call(this, rows)
      if (n > this.stepsPerEpoch && n % this.stepsPerEpoch === 0)
        tf.tidy(() =>
          this.model.variables.forEach((v) =>
            v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.5, 'float32', ++noiseSeed))),
          ),
        )
      return loss
    })
    const before = tf.memory().numTensors
    let kept: Trainer | undefined
    try {
      const run = await runTraining(small, config, { onModel: (t) => (kept = t) })
      expect(run.end).toBe('early-stopping')
      expect(run.history).toHaveLength(3)
      const ndcg = run.history.map((r) => r.validation['ndcg@10'])
      expect(ndcg[1]).toBeLessThan(ndcg[0])
      expect(ndcg[2]).toBeLessThan(ndcg[0])
      expect(run.testedEpoch).toBe(1)
      expect(run.trend).toMatchObject({ best: { epoch: 1 }, last: { epoch: 3 }, stillRising: false })
      expect(run.message).toMatch(/weights of epoch 1, the best on validation, were restored/)
      // The kept model is epoch 1's: its validation NDCG@10 is the best epoch's, exactly ...
      const validation = await kept!.evaluateModel(kept!.validationQueries)
      expect(validation['ndcg@10']).toBe(ndcg[0])
      // ... and the test metrics were computed from those weights, the same as a one-epoch run's.
      const testQueries = buildQueries(small, kept!.split, 'test', config.seed)
      expect(run.test.model).toEqual(await kept!.evaluateModel(testQueries))
      expect(run.test.model).toEqual(oneEpoch.test.model)
      // The trained baselines were sabotaged alike and are tested with their own best epoch too.
      expect(run.baselineEpochs).toEqual({ 'id-only': 1, 'mean-pooling': 1, sequence: 1 })
      expect(run.test.baselines['mean-pooling']).toEqual(oneEpoch.test.baselines['mean-pooling'])
      expect(run.test.baselines['id-only']).toEqual(oneEpoch.test.baselines['id-only'])
    } finally {
      spy.mockRestore()
      kept?.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  }, 300_000)

  it('tests a finished epoch, not a half-trained one, when the person stops mid-epoch', async () => {
    let stepsPerEpoch = 0
    let inEpoch2 = false
    const run = await runTraining(small, config, {
      onPrepared: (p) => (stepsPerEpoch = p.stepsPerEpoch),
      // Epoch 1 of the model and of every trained baseline (this run has history, so the sequence-only
      // one too), then stop at the first loss point of the model's epoch 2 (a few steps into it).
      onLoss: (p) => (inEpoch2 ||= p.step > stepsPerEpoch),
      checkpoint: async () => (inEpoch2 ? 'stop' : 'continue'),
    })
    expect(stepsPerEpoch).toBeGreaterThan(5)
    expect(run.end).toBe('stopped')
    expect(run.history).toHaveLength(1)
    expect(run.testedEpoch).toBe(1)
    expect(run.test.model).toEqual(oneEpoch.test.model)
    expect(run.test.baselines['id-only']).toEqual(oneEpoch.test.baselines['id-only'])
    // Everything was ready after epoch 1 (co-occurrence built by its validation): nothing left out.
    expect(run.test.baselines['co-occurrence']).toEqual(oneEpoch.test.baselines['co-occurrence'])
    expect(run.leftOut).toBeUndefined()
  }, 300_000)

  it('stopped in epoch 1, it lets a second worker’s baselines go at once rather than wait for their epoch', async () => {
    // A second worker still busy (making its split, or far from its next step): its epoch answers only
    // when it is let go. Nothing of it could be tested after a Stop in epoch 1, so it is not waited for.
    const asked: string[] = []
    let endEpoch: ((e: Error) => void) | null = null
    const busy: Comparisons = {
      names: ['id-only', 'mean-pooling', 'sequence'],
      parallel: true,
      trainEpoch: () => (asked.push('trainEpoch'), new Promise((_, reject) => (endEpoch = reject))),
      save: () => Promise.reject(new Error('not asked')),
      load: () => Promise.reject(new Error('not asked')),
      finish: () => (asked.push('finish'), Promise.reject(new Error('a worker let go cannot finish'))),
      rank: () => (asked.push('rank'), Promise.reject(new Error('a worker let go cannot rank'))),
      dispose: () => (asked.push('dispose'), endEpoch?.(new Error('the baselines worker was closed'))),
    }
    let lastStep = 0
    const run = await runTraining(small, config, {
      comparisons: () => busy,
      onLoss: (p) => (lastStep = p.step),
      checkpoint: async () => (lastStep >= 5 ? 'stop' : 'continue'),
    })
    expect(run.end).toBe('stopped')
    expect(run.history).toHaveLength(0)
    expect(Object.keys(run.test.baselines).sort()).toEqual(['popularity', 'random'])
    expect([...(run.leftOut ?? [])].sort()).toEqual(['co-occurrence', 'id-only', 'mean-pooling', 'sequence'])
    // Let go once, at the Stop (the end of the run may close it again), and never asked anything after.
    expect(asked[0]).toBe('trainEpoch')
    expect(asked[1]).toBe('dispose')
    expect(asked.slice(2).every((a) => a === 'dispose')).toBe(true)
  }, 60_000)

  it('stopped in epoch 1, it tests the count baselines that are ready and lists the rest as left out', async () => {
    // A few steps into epoch 1 (its loss read at step 1, then every few steps).
    let lastStep = 0
    let told = false
    const run = await runTraining(small, config, {
      onLoss: (p) => (lastStep = p.step),
      checkpoint: async () => (lastStep >= 5 ? 'stop' : 'continue'),
      onValidationBaselines: () => (told = true),
    })
    expect(lastStep).toBeGreaterThanOrEqual(5)
    expect(run.end).toBe('stopped')
    expect(run.history).toHaveLength(0)
    expect(told).toBe(false)
    expect(run.validationBaselines).toEqual({})
    // Item co-occurrence is built at the first validation (seconds on a big log): a Stop before it
    // leaves it out rather than building it now; the trained baselines never trained.
    expect(Object.keys(run.test.baselines).sort()).toEqual(['popularity', 'random'])
    expect([...(run.leftOut ?? [])].sort()).toEqual(['co-occurrence', 'id-only', 'mean-pooling', 'sequence'])
    // A stop asks for the results now: drop-field importance (one re-ranking per field) is left out.
    expect(run.importance).toEqual([])
    // No epoch ended, so the test ranks the initial weights, as the page's caption says ("the model’s
    // initial weights"), not the half-trained ones of the steps before the Stop: the same metrics as an
    // untrained model of this config on the same split.
    expect(run.testedEpoch).toBe(0)
    const { split } = splitWithOrder(small, config.seed)
    const untrained = new Trainer(small, split, config, buildHistories(small, split, config.historyLength))
    try {
      expect(run.test.model).toEqual(
        await untrained.evaluateModel(buildQueries(small, split, 'test', config.seed)),
      )
    } finally {
      untrained.dispose()
    }
  }, 300_000)

  it('a Stop is seen inside the rankings: the model’s validation and the baselines’ (not after them)', async () => {
    // In the model's validation of epoch 1: its last loss point is read before validation starts.
    let stepsPerEpoch = 0
    let trained = false
    let told = false
    const inValidation = await runTraining(small, config, {
      onPrepared: (p) => (stepsPerEpoch = p.stepsPerEpoch),
      onLoss: (p) => (trained ||= p.step === stepsPerEpoch),
      checkpoint: async () => (trained ? 'stop' : 'continue'),
      onValidationBaselines: () => (told = true),
    })
    expect(trained).toBe(true)
    expect(inValidation.end).toBe('stopped')
    expect(inValidation.history).toHaveLength(0)
    expect(told).toBe(false)
    // In the count baselines' validation, after epoch 1: they are never reported.
    let counting = false
    const inBaselines = await runTraining(small, config, {
      onPhase: (detail) => (counting ||= detail.startsWith('Computing baselines')),
      checkpoint: async () => (counting ? 'stop' : 'continue'),
      onValidationBaselines: () => (told = true),
    })
    expect(counting).toBe(true)
    expect(inBaselines.end).toBe('stopped')
    expect(told).toBe(false)
    expect(inBaselines.validationBaselines).toEqual({})
  }, 300_000)

  it('a Stop anywhere before the first step cancels the run at once: no step, no test, no tensor left', async () => {
    const before = tf.memory().numTensors
    // Where the checkpoints come in a run that is not stopped: the first step's is the last before its
    // loss is read.
    let checkpoints = 0
    let firstStep = 0
    await runTraining(
      small,
      { ...config, epochs: 1 },
      {
        checkpoint: async () => (++checkpoints, 'continue'),
        onLoss: (p) => (firstStep ||= p.step === 1 ? checkpoints : 0),
      },
    )
    // The split and the histories stop in slices (each pass over the rows at least once), then one
    // checkpoint after the histories, one when the model is made, and the one before the first step.
    expect(firstStep).toBeGreaterThan(10)
    for (let stopAt = 1; stopAt <= firstStep; stopAt++) {
      let seen = 0
      let losses = 0
      const stopped = runTraining(small, config, {
        checkpoint: async () => (++seen >= stopAt ? 'stop' : 'continue'),
        onLoss: () => losses++,
      })
      await expect(stopped, `stopped at checkpoint ${stopAt}`).rejects.toBeInstanceOf(RunCancelled)
      // Seen at the checkpoint it was given at: nothing more was prepared or trained after it.
      expect(seen).toBe(stopAt)
      expect(losses).toBe(0)
      expect(tf.memory().numTensors).toBe(before)
    }
    // One step later the run has trained, so it ends with results: the initial weights tested.
    let seen = 0
    const run = await runTraining(small, config, {
      checkpoint: async () => (++seen > firstStep ? 'stop' : 'continue'),
    })
    expect(run.end).toBe('stopped')
    expect(run.testedEpoch).toBe(0)
    expect(run.test.model.queries).toBeGreaterThan(0)
    expect(run.importance).toEqual([])
  }, 300_000)
})

describe('the NaN guard, forced', () => {
  it('stops at the first non-finite loss and tests the weights of the last good epoch', async () => {
    const config = { ...CONFIG, epochs: 2, compareBaselines: false }
    const oneEpoch = await runTraining(data, { ...config, epochs: 1 })
    const original = Trainer.prototype.step
    let calls = 0
    const spy = vi.spyOn(Trainer.prototype, 'step').mockImplementation(function (
      this: Trainer,
      rows: Int32Array,
    ) {
      calls++
      // Healthy through epoch 1, then the loss turns NaN a few steps into epoch 2.
      if (calls > this.stepsPerEpoch + 3) return tf.scalar(NaN)
      return original.call(this, rows)
    })
    const before = tf.memory().numTensors
    try {
      const diverged = await runTraining(data, config)
      expect(diverged.end).toBe('diverged')
      expect(diverged.message).toMatch(/NaN or infinite.*weights after epoch 1 were restored/)
      expect(diverged.history).toHaveLength(1)
      expect(diverged.testedEpoch).toBe(1)
      // Restored weights are exactly epoch 1's: the same test metrics as a one-epoch run.
      expect(diverged.test.model).toEqual(oneEpoch.test.model)
      expect(tf.memory().numTensors).toBe(before)
    } finally {
      spy.mockRestore()
    }
  })
})

describe('a run on MovieLens-like data with multi-valued fields (genres, liked genres)', () => {
  it('trains, frees every tensor, and reports the multi-valued tokens in attention and importance', async () => {
    const multi = multiValuedDataset()
    const before = tf.memory().numTensors
    const run = await runTraining(multi, {
      ...CONFIG,
      epochs: 2,
      batchSize: 64,
      dim: 8,
      mlpHidden: 16,
      historyLength: 2,
    })
    expect(run.end).toBe('completed')
    expect(run.history).toHaveLength(2)
    expect(tf.memory().numTensors).toBe(before)
    expect(run.attention.user.tokens).toEqual(['user', 'age', 'likes', 'history_1', 'history_2'])
    expect(run.attention.item.tokens).toEqual(['item', 'decade', 'genres'])
    // No truth to rank: an upload has no oracle row.
    expect(run.test.baselines.oracle).toBeUndefined()
    expect(run.attention.item.pooling).toHaveLength(3)
    const importance = new Map(run.importance.map((f) => [f.field, f]))
    expect(importance.get('genres')).toMatchObject({ tower: 'item' })
    expect(importance.get('likes')).toMatchObject({ tower: 'user' })
    for (const f of run.importance) expect(Number.isFinite(f.drop)).toBe(true)
    // Genres drive the planted preference: the model beats random, and the mean-pooling ablation ran.
    const { model, baselines } = run.test
    expect(model['recall@10']).toBeGreaterThan(baselines.random!['recall@10'])
    // The mean-pooling ablation is trained: above random by two standard errors of the difference
    // (measured 0.69 against 0.45 over 80 test queries, a standard error near 0.076).
    const pooled = baselines['mean-pooling']!['recall@10']
    const random = baselines.random!['recall@10']
    const standardError = Math.sqrt((pooled * (1 - pooled) + random * (1 - random)) / model.queries)
    expect(pooled - random).toBeGreaterThan(2 * standardError)
  })
})

describe('testProgress', () => {
  it('posts at most every quarter second, and always a scorer’s last query', () => {
    let clock = 0
    const posted: string[] = []
    const progress = testProgress(
      10_000,
      (d) => posted.push(d),
      () => clock,
    )
    progress('the model', 256)
    clock = 100
    progress('the model', 512) // too soon
    clock = 260
    progress('the model', 768)
    clock = 300
    progress('the model', 10_000) // the last: always
    progress('Most popular', 256) // too soon after it
    clock = 600
    progress('Most popular', 512)
    expect(posted).toEqual([
      'Ranking the full catalogue on the test split: the model, 256 of 10,000 queries',
      'Ranking the full catalogue on the test split: the model, 768 of 10,000 queries',
      'Ranking the full catalogue on the test split: the model, 10,000 of 10,000 queries',
      'Ranking the full catalogue on the test split: Most popular, 512 of 10,000 queries',
    ])
    expect(() => testProgress(5, undefined)('the model', 5)).not.toThrow()
  })
})
