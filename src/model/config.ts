import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE } from '../demo/cardOffers'

/** Everything that shapes a training run. Stored in the URL hash and in the run file. */
export interface TrainConfig {
  /** Most passes over the training split; early stopping usually ends the run sooner. */
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
  /**
   * The user's last N items (strictly earlier in time) as extra query tokens sharing the item-id
   * embedding, each with a learned position embedding (0 = off). Used only when the data has
   * timestamps (`historyLengthFor`).
   */
  historyLength: number
  /**
   * Stop after this many epochs without a better validation NDCG@10 (better by more than its noise, see
   * `earlyStopping.ts`) and test every trained model with the weights of its best validation epoch
   * (0 = off: train all `epochs` and test the last weights).
   */
  earlyStoppingPatience: number
  /** Train the id-only, mean-pooling and (with history) sequence-only baselines beside the model, on the same batches. */
  compareBaselines: boolean
  seed: number
}

/**
 * Defaults. Early stopping with patience 2 under a cap of 30 epochs: on the default demo validation
 * NDCG@10 peaks at epoch 3 (0.2277, 0.2610, 0.2672, then 0.2589, 0.2522), so the run stops after epoch 5
 * and tests epoch 3's weights. Ordered data keeps rising longer (the sequential MovieLens-shaped world:
 * best at epoch 7 of 9; a real 100,000-rating movie set: validation 0.090 → 0.117 from epoch 2 to 8),
 * which the cap leaves room for. Patience 1 would end a slowly rising curve at its first flat epoch.
 * History: the last 20 items (the length with which the issue's notebook reached SASRec's figure on a
 * real 100,000-rating log), used only with timestamps.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  epochs: 30,
  batchSize: 512,
  learningRate: 0.004,
  dim: 32,
  heads: 2,
  layers: 1,
  mlpHidden: 64,
  temperature: 0.1,
  logQ: true,
  historyLength: 20,
  earlyStoppingPatience: 2,
  compareBaselines: true,
  seed: 42,
}

/** A tfjs backend the worker can run on. */
export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu'
/**
 * What the person (or the URL) asked for; `auto` tries webgl, then wasm, then cpu. WebGPU only when
 * chosen (or picked by "Test my device", which times it): it has not been timed on a GPU yet, so `auto`
 * does not assume it is faster than WebGL.
 */
export type BackendChoice = BackendName | 'auto'
export const BACKEND_CHOICES: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu']

/**
 * Everything a person can set: the training config, the backend and the demo data's seed and size. The
 * URL hash stores the values that differ from `DEFAULT_SETTINGS`; the data never is in it.
 */
export interface Settings extends TrainConfig {
  backend: BackendChoice
  demoSeed: number
  demoUsers: number
  demoItems: number
  demoInteractions: number
}

export const DEFAULT_SETTINGS: Settings = {
  ...DEFAULT_TRAIN_CONFIG,
  backend: 'auto',
  demoSeed: DEFAULT_DEMO_SEED,
  demoUsers: DEFAULT_DEMO_SIZE.users,
  demoItems: DEFAULT_DEMO_SIZE.items,
  demoInteractions: DEFAULT_DEMO_SIZE.interactions,
}

export type SettingKey = keyof Settings
type KeyOfType<T> = { [K in SettingKey]: Settings[K] extends T ? K : never }[SettingKey]
export type NumberSettingKey = KeyOfType<number>
export type BooleanSettingKey = KeyOfType<boolean>

/** Which part of the app a setting shapes: the training config, the worker's backend, or the demo data. */
export type SettingPart = 'train' | 'backend' | 'demo'

/** A number setting: values outside [min, max] are clamped, and rounded when `integer`. */
export interface NumberSettingRow {
  kind: 'number'
  key: NumberSettingKey
  part: SettingPart
  default: number
  min: number
  max: number
  integer: boolean
}
/** An on/off setting, written `1`/`0` in the URL (`true`/`false` are read too). */
export interface BooleanSettingRow {
  kind: 'boolean'
  key: BooleanSettingKey
  part: SettingPart
  default: boolean
}
/** A setting with a fixed list of choices. */
export interface ChoiceSettingRow {
  kind: 'choice'
  key: 'backend'
  part: SettingPart
  default: BackendChoice
  choices: readonly BackendChoice[]
}
export type SettingRow = NumberSettingRow | BooleanSettingRow | ChoiceSettingRow

const number = (
  key: NumberSettingKey,
  part: SettingPart,
  min: number,
  max: number,
  integer = true,
): NumberSettingRow => ({ kind: 'number', key, part, default: DEFAULT_SETTINGS[key], min, max, integer })
const onOff = (key: BooleanSettingKey): BooleanSettingRow => ({
  kind: 'boolean',
  key,
  part: 'train',
  default: DEFAULT_SETTINGS[key],
})

/**
 * The settings table: one row per setting with its type, default and range or choices. The URL hash
 * (`encodeSettingsHash`, `decodeSettingsHash`), the run file's config (`readTrainConfig`) and the
 * worker (`normalizeTrainConfig`, `normalizeDemoSource`) all read it; the UI adds labels and help text
 * (ui/settings.ts). The order is the order of keys in the hash and of fields in the form.
 */
export const SETTING_ROWS: readonly SettingRow[] = [
  number('epochs', 'train', 1, 200),
  number('batchSize', 'train', 8, 4096),
  number('learningRate', 'train', 1e-5, 10, false),
  number('dim', 'train', 4, 256),
  number('heads', 'train', 1, 8),
  number('layers', 'train', 0, 4),
  number('mlpHidden', 'train', 4, 1024),
  number('temperature', 'train', 0.01, 2, false),
  onOff('logQ'),
  number('historyLength', 'train', 0, 50),
  number('earlyStoppingPatience', 'train', 0, 50),
  onOff('compareBaselines'),
  number('seed', 'train', 0, 2 ** 31 - 1),
  {
    kind: 'choice',
    key: 'backend',
    part: 'backend',
    default: DEFAULT_SETTINGS.backend,
    choices: BACKEND_CHOICES,
  },
  number('demoSeed', 'demo', 0, 2 ** 31 - 1),
  number('demoUsers', 'demo', 50, 50_000),
  number('demoItems', 'demo', 10, 5_000),
  number('demoInteractions', 'demo', 500, 1_000_000),
]

const ROW_BY_KEY = new Map<string, SettingRow>(SETTING_ROWS.map((row) => [row.key, row]))
const TRAIN_ROWS = SETTING_ROWS.filter((row) => row.part === 'train')

/** The row of `key`, or undefined for a key that is not a setting (an old or mistyped link). */
export function settingRow(key: string): SettingRow | undefined {
  return ROW_BY_KEY.get(key)
}

/** `value` inside the row's range (rounded for an integer setting). */
export function clampSetting(row: NumberSettingRow, value: number): number {
  const v = Math.min(row.max, Math.max(row.min, value))
  return row.integer ? Math.round(v) : v
}

/** The nearest embedding size that is a multiple of `heads` (and at least one head wide). */
export function fitDimToHeads(dim: number, heads: number): number {
  return dim % heads === 0 ? dim : Math.max(heads, Math.round(dim / heads) * heads)
}

/**
 * Any value (from a run file or a message) as the row's type: a number that is not finite takes the
 * default, others are clamped; anything is on/off by truthiness; an unknown choice takes the default.
 */
function coerceSetting(row: SettingRow, value: unknown): Settings[SettingKey] {
  if (row.kind === 'number') {
    const raw = Number(value)
    return clampSetting(row, Number.isFinite(raw) ? raw : row.default)
  }
  if (row.kind === 'boolean') return Boolean(value)
  return row.choices.find((c) => c === value) ?? row.default
}

/** Every setting of `input` through its row (missing ones are the defaults), then `dim` fitted to `heads`. */
export function normalizeSettings(input: Partial<Record<SettingKey, unknown>>): Settings {
  const out: Record<string, unknown> = {}
  for (const row of SETTING_ROWS)
    out[row.key] = input[row.key] === undefined ? row.default : coerceSetting(row, input[row.key])
  const settings = out as unknown as Settings
  settings.dim = fitDimToHeads(settings.dim, settings.heads)
  return settings
}

/** The training config of some settings: the rows of the `train` part. */
export function trainConfigOf(settings: TrainConfig): TrainConfig {
  const config: Record<string, unknown> = {}
  for (const row of TRAIN_ROWS) config[row.key] = settings[row.key as keyof TrainConfig]
  return config as unknown as TrainConfig
}

/** Fills missing keys from the defaults, clamps every number into its range, makes `dim` a multiple of `heads`. */
export function normalizeTrainConfig(config: Partial<TrainConfig>): TrainConfig {
  return trainConfigOf(normalizeSettings(config))
}

/**
 * A run file's `config` (any JSON) as a training config: the same clamping as a link; a missing or
 * malformed config gives the defaults, and keys that are not settings are dropped.
 */
export function readTrainConfig(value: unknown): TrainConfig {
  const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}
  return normalizeTrainConfig(record as Partial<TrainConfig>)
}

/** The demo's seed and size as a message carries them. */
export interface DemoSeedAndSize {
  seed: number
  users: number
  items: number
  interactions: number
}

/** A demo request with its seed and size clamped by the `demo` rows (a message may come from anywhere). */
export function normalizeDemoSource<T extends DemoSeedAndSize>(source: T): T {
  const s = normalizeSettings({
    demoSeed: source.seed,
    demoUsers: source.users,
    demoItems: source.items,
    demoInteractions: source.interactions,
  })
  return {
    ...source,
    seed: s.demoSeed,
    users: s.demoUsers,
    items: s.demoItems,
    interactions: s.demoInteractions,
  }
}

/** Something wrong with a link, in terms of the table; ui/settings.ts words it with the setting's label. */
export type SettingProblem =
  | { kind: 'unknown'; key: string }
  /** `raw` is not of the row's type; the value set before it (`kept`) stays. */
  | { kind: 'not-a-number'; row: NumberSettingRow; raw: string; kept: number }
  | { kind: 'not-on-off'; row: BooleanSettingRow; raw: string; kept: boolean }
  | { kind: 'not-a-choice'; row: ChoiceSettingRow; raw: string; kept: BackendChoice }
  /** `raw` was outside the row's range (or not an integer) and `used` is what was taken instead. */
  | { kind: 'clamped'; row: NumberSettingRow; raw: string; used: number }
  | { kind: 'dim-not-multiple-of-heads'; dim: number; heads: number; used: number }
  /** A share link's `data`/`fingerprint` that make no sense (the link's settings still apply). */
  | { kind: 'bad-shared-data'; raw: string }

/**
 * Which data a share link was made with: the demo (its size and seed are settings), or the person's own
 * files, known only by their fingerprint (FNV-1a of ids and interactions, 8 hex digits) — never their
 * contents or names.
 */
export type SharedData = { kind: 'demo' } | { kind: 'upload'; fingerprint: string }

/** Hash keys of a share link that are not settings. */
const SHARED_DATA_KEYS = ['data', 'fingerprint']
const FINGERPRINT = /^[0-9a-f]{8}$/

/** The data a link names (`data=demo`, or `data=upload&fingerprint=…`); null when it names none. */
export function decodeSharedData(hash: string): { data: SharedData | null; problem: SettingProblem | null } {
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const kind = params.get('data')
  const fingerprint = params.get('fingerprint')
  if (kind === null && fingerprint === null) return { data: null, problem: null }
  if (kind === 'demo' && fingerprint === null) return { data: { kind: 'demo' }, problem: null }
  if (kind === 'upload' && fingerprint !== null && FINGERPRINT.test(fingerprint))
    return { data: { kind: 'upload', fingerprint }, problem: null }
  const raw = `data=${kind ?? ''}${fingerprint === null ? '' : `&fingerprint=${fingerprint}`}`
  return { data: null, problem: { kind: 'bad-shared-data', raw: raw.slice(0, 80) } }
}

/**
 * Reads settings from a URL hash (`#epochs=3&seed=1`) and an optional `?backend=` query, which wins.
 * Never throws: unknown keys and bad values are reported and skipped; out-of-range numbers are clamped and
 * reported; an embedding size that is not a multiple of the heads is fitted and reported.
 */
export function decodeSettingsHash(
  hash: string,
  search = '',
): { settings: Settings; problems: SettingProblem[] } {
  const settings: Settings = { ...DEFAULT_SETTINGS }
  const values = settings as unknown as Record<SettingKey, Settings[SettingKey]>
  const problems: SettingProblem[] = []
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const query = new URLSearchParams(search.replace(/^\?/, ''))
  if (query.has('backend')) params.set('backend', query.get('backend') ?? '')
  for (const [key, raw] of params) {
    if (SHARED_DATA_KEYS.includes(key)) continue
    const row = settingRow(key)
    if (!row) {
      problems.push({ kind: 'unknown', key })
      continue
    }
    if (row.kind === 'number') {
      const value = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(value)) {
        problems.push({ kind: 'not-a-number', row, raw, kept: settings[row.key] })
        continue
      }
      const clamped = clampSetting(row, value)
      if (clamped !== value) problems.push({ kind: 'clamped', row, raw, used: clamped })
      values[row.key] = clamped
    } else if (row.kind === 'boolean') {
      if (raw === '1' || raw === 'true') values[row.key] = true
      else if (raw === '0' || raw === 'false') values[row.key] = false
      else problems.push({ kind: 'not-on-off', row, raw, kept: settings[row.key] })
    } else {
      const choice = row.choices.find((c) => c === raw)
      if (choice) values[row.key] = choice
      else problems.push({ kind: 'not-a-choice', row, raw, kept: settings[row.key] })
    }
  }
  const dim = fitDimToHeads(settings.dim, settings.heads)
  if (dim !== settings.dim) {
    problems.push({ kind: 'dim-not-multiple-of-heads', dim: settings.dim, heads: settings.heads, used: dim })
    settings.dim = dim
  }
  return { settings, problems }
}

/**
 * The hash for these settings: only values that differ from the defaults, in table order. A share link
 * (`shared` given) writes every setting, so a later change of a default does not change what it
 * reproduces, and then the data it was made with.
 */
export function encodeSettingsHash(settings: Settings, shared?: SharedData): string {
  const params = new URLSearchParams()
  for (const row of SETTING_ROWS) {
    const value = settings[row.key]
    if (value === row.default && !shared) continue
    params.set(row.key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value))
  }
  if (shared) params.set('data', shared.kind)
  if (shared?.kind === 'upload') params.set('fingerprint', shared.fingerprint)
  const text = params.toString()
  return text ? `#${text}` : ''
}

/**
 * Most held-out interactions ranked per evaluation. Beyond it a seeded sample of this many is ranked
 * (still against the full catalogue): Recall@10 near 0.4 then has a standard error of about 0.005, and
 * a ten-million-row upload (a million random-split validation rows) is evaluated in seconds, not hours.
 */
export const MAX_EVAL_QUERIES = 10_000
