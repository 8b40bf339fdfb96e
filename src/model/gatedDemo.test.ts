import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { PLANTED_FIELDS } from '../demo/cardOffers'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG } from './config'
import { runTraining, type RunResult } from './run'
import * as tf from './tf'

/**
 * The demo's category momentum (see the top of demo/cardOffers.ts) is a gate on order: of the user's
 * past offers only the newest one matters for it. A model that attends with positions must show that
 * where a person looks: the newest history token gets more pooling weight and more importance than the
 * older ones, and more importance than any noise field.
 */
const { data } = loadDemoDataset(11, { users: 1000, items: 100, interactions: 25_000 })
let run: RunResult

beforeAll(async () => {
  await tf.setBackend('cpu')
  run = await runTraining(data, {
    ...DEFAULT_TRAIN_CONFIG,
    epochs: 4,
    batchSize: 256,
    dim: 16,
    mlpHidden: 32,
    learningRate: 0.01,
    historyLength: 5,
    earlyStoppingPatience: 0,
    compareBaselines: false,
  })
}, 600_000)

describe('the gated demo in the heatmap', () => {
  // Measured (seed 11): pooling 0.30 on history_1, 0.03 on each older one; NDCG@10 drop 0.076 for
  // history_1 (the largest of any user-side token), at most 0 for the older ones and 0.003 for noise.
  it('gives the newest history item more pooling weight than each older one', () => {
    const { user } = run.attention
    const weight = (token: string) => user.pooling[user.tokens.indexOf(token)]
    for (const older of ['history_2', 'history_3', 'history_4', 'history_5'])
      expect(weight('history_1'), older).toBeGreaterThan(weight(older))
  })

  it('loses more NDCG@10 without the newest item than without an older one or a noise field', () => {
    const drop = new Map(run.importance.map((f) => [f.field, f.drop]))
    for (const other of ['history_2', 'history_3', 'history_4', 'history_5', ...PLANTED_FIELDS.noise])
      expect(drop.get('history_1')!, other).toBeGreaterThan(drop.get(other)!)
  })
})
