import '@tensorflow/tfjs-backend-cpu'
import { beforeAll, describe, expect, it } from 'vitest'
import { splitWithOrder } from '../data/split'
import type { EncodedDataset } from '../data/types'
import { loadDemoDataset } from '../demo/demoDataset'
import { syntheticDataset } from '../demo/synthetic'
import { buildHistories, historyLengthFor } from './history'
import { TINY_CONFIG } from './testing'
import { tokenLayout } from './twoTower.rows'
import { warmUpData, warmUpTraining } from './warmUp'
import * as tf from './tf'

const CONFIG = { ...TINY_CONFIG, batchSize: 48, historyLength: 5 }
const { data: demo } = loadDemoDataset(5, { users: 120, items: 30, interactions: 2400 })

/** The tokens of each tower a run on `data` with `CONFIG` attends over. */
function tokensOf(data: EncodedDataset) {
  const { split, inTime } = splitWithOrder(data, CONFIG.seed)
  const histories = buildHistories(data, split, historyLengthFor(data, CONFIG.historyLength), inTime)
  const layout = tokenLayout(data, 'attention', histories)
  return { user: layout.user.tokens.length, item: layout.item.tokens.length }
}

beforeAll(async () => {
  await tf.setBackend('cpu')
})

describe('warmUpTraining', () => {
  it('warms up a step of the same shape: as many tokens per tower as the data, history included', () => {
    // The demo has context fields and timestamps (history tokens); the featureless log has neither.
    expect(demo.contextFields.length).toBeGreaterThan(0)
    const featureless = syntheticDataset(40, 30, 600, 1, { userFields: 1, itemFields: 1 })
    for (const like of [demo, featureless]) {
      const data = warmUpData(CONFIG, like)
      expect(tokensOf(data)).toEqual(tokensOf(like))
      expect(data.interactionTime !== null).toBe(like.interactionTime !== null)
      // One whole batch of training rows.
      expect(splitWithOrder(data, CONFIG.seed).split.train.length).toBeGreaterThanOrEqual(CONFIG.batchSize)
    }
    expect(tokensOf(demo).user).toBe(
      demo.userFields.length + demo.contextFields.length + CONFIG.historyLength,
    )
  })

  it('trains one step and keeps no tensor', async () => {
    const before = tf.memory().numTensors
    await warmUpTraining(CONFIG, demo)
    await warmUpTraining({ ...CONFIG, batchSize: 512 }, demo)
    expect(tf.memory().numTensors).toBe(before)
  })
})
