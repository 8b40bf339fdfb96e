import { whole } from '../data/slices'
import type { EncodedDataset } from '../data/types'
import { syntheticDataset } from '../demo/synthetic'
import type { TrainConfig } from './config'
import { historyLengthFor } from './history'
import { prepareInSlices } from './prepare'
import { Trainer } from './train'

/** Users and items of the warm-up's dataset: small, so its tables cost nothing to make. */
const WARM_UP_USERS = 64
const WARM_UP_ITEMS = 256

/**
 * The warm-up's dataset: as many tokens on each tower as `like` (its context fields are query tokens
 * too), timestamps when it has them, and enough training rows for one whole batch of `config` once
 * each user's last two rows are held out.
 */
export function warmUpData(config: TrainConfig, like: EncodedDataset): EncodedDataset {
  return syntheticDataset(
    WARM_UP_USERS,
    WARM_UP_ITEMS,
    config.batchSize + 2 * WARM_UP_USERS + 1,
    config.seed,
    {
      userFields: Math.max(1, like.userFields.length + like.contextFields.length),
      itemFields: Math.max(1, like.itemFields.length),
      timestamps: like.interactionTime !== null,
    },
  )
}

/**
 * One training step of `config` on a small synthetic dataset shaped like `like` (as many fields on each
 * tower, history tokens when it has timestamps), then nothing kept. The first step of a backend at
 * a given shape sets up its kernels (wasm) or compiles its shaders (webgl); done while the page waits
 * for a click, the real run's first step does not wait for it. Measured in Node on wasm (default
 * config, a 10,000,000-row log's shapes): the first step 1.2-2.1 s cold, 0.44 s after this warm-up,
 * 0.17-0.2 s for later steps. Frees every tensor it made.
 */
export async function warmUpTraining(config: TrainConfig, like: EncodedDataset): Promise<void> {
  const data = warmUpData(config, like)
  const { split, histories } = whole(
    prepareInSlices(data, config.seed, historyLengthFor(data, config.historyLength)),
  )
  const trainer = new Trainer(data, split, config, histories)
  try {
    const loss = trainer.step(split.train.subarray(0, trainer.batchSize))
    await loss.data()
    loss.dispose()
  } finally {
    trainer.dispose()
  }
}
