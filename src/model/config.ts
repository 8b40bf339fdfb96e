/** Everything that shapes a training run. Stored in the URL hash and in the run file. */
export interface TrainConfig {
  epochs: number
  batchSize: number
  learningRate: number
  /** Token and output embedding width. Must be a multiple of `heads`. */
  dim: number
  heads: number
  /** Self-attention layers per tower (0 = pooling only). */
  layers: number
  /** Width of the hidden layer of each tower's MLP. */
  mlpHidden: number
  /** Softmax temperature applied to cosine similarities (logits = cos / temperature). */
  temperature: number
  /** Subtract log(item frequency) from in-batch logits to undo the popularity bias of in-batch negatives. */
  logQ: boolean
  seed: number
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 3,
  batchSize: 512,
  learningRate: 0.004,
  dim: 32,
  heads: 2,
  layers: 1,
  mlpHidden: 64,
  temperature: 0.1,
  logQ: true,
  seed: 42,
}

/** Inclusive ranges and steps of the numeric settings; used to validate and clamp URL input. */
export const TRAIN_CONFIG_RANGES: Record<
  Exclude<keyof TrainConfig, 'logQ'>,
  { min: number; max: number; integer: boolean }
> = {
  epochs: { min: 1, max: 200, integer: true },
  batchSize: { min: 8, max: 4096, integer: true },
  learningRate: { min: 1e-5, max: 1, integer: false },
  dim: { min: 4, max: 256, integer: true },
  heads: { min: 1, max: 8, integer: true },
  layers: { min: 0, max: 4, integer: true },
  mlpHidden: { min: 4, max: 1024, integer: true },
  temperature: { min: 0.01, max: 2, integer: false },
  seed: { min: 0, max: 2 ** 31 - 1, integer: true },
}

/** Clamps every value into its range and makes `dim` a multiple of `heads`. */
export function normalizeTrainConfig(config: TrainConfig): TrainConfig {
  const out = { ...config }
  for (const [key, range] of Object.entries(TRAIN_CONFIG_RANGES) as [
    keyof typeof TRAIN_CONFIG_RANGES,
    (typeof TRAIN_CONFIG_RANGES)[keyof typeof TRAIN_CONFIG_RANGES],
  ][]) {
    let v = Number.isFinite(out[key]) ? out[key] : DEFAULT_TRAIN_CONFIG[key]
    v = Math.min(range.max, Math.max(range.min, v))
    out[key] = range.integer ? Math.round(v) : v
  }
  if (out.dim % out.heads !== 0) out.dim = Math.max(out.heads, Math.round(out.dim / out.heads) * out.heads)
  return out
}
