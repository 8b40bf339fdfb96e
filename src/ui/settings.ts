/**
 * Everything a person can set, in one typed table. The same table parses and serialises the URL hash,
 * validates and clamps values, and labels the settings form. The seed is here, so a link reproduces a
 * run; the data never is.
 */
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE } from '../demo/cardOffers'
import { DEFAULT_TRAIN_CONFIG, TRAIN_CONFIG_RANGES, type TrainConfig } from '../model/config'
import { BACKEND_CHOICES, type BackendChoice, type DemoSource } from '../worker/protocol'

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

type NumberKey = { [K in keyof Settings]: Settings[K] extends number ? K : never }[keyof Settings]

interface NumberSpec {
  kind: 'number'
  key: NumberKey
  label: string
  min: number
  max: number
  integer: boolean
  /** Input step in the form. */
  step: number
  help: string
}
interface BooleanSpec {
  kind: 'boolean'
  key: 'logQ' | 'compareBaselines'
  label: string
  help: string
}
interface ChoiceSpec {
  kind: 'choice'
  key: 'backend'
  label: string
  choices: readonly BackendChoice[]
  help: string
}
export type SettingSpec = NumberSpec | BooleanSpec | ChoiceSpec

const trainRange = (key: keyof typeof TRAIN_CONFIG_RANGES) => TRAIN_CONFIG_RANGES[key]

export const SETTING_SPECS: SettingSpec[] = [
  {
    kind: 'number',
    key: 'epochs',
    label: 'Epochs',
    ...trainRange('epochs'),
    step: 1,
    help: 'Most passes over the training split; early stopping usually ends the run sooner.',
  },
  {
    kind: 'number',
    key: 'batchSize',
    label: 'Batch size',
    ...trainRange('batchSize'),
    step: 64,
    help: 'Examples per step; every other item in a batch is a negative.',
  },
  {
    kind: 'number',
    key: 'learningRate',
    label: 'Learning rate',
    ...trainRange('learningRate'),
    step: 0.001,
    help: 'Adam step size.',
  },
  {
    kind: 'number',
    key: 'dim',
    label: 'Embedding size',
    ...trainRange('dim'),
    step: 8,
    help: 'Width d of tokens and tower outputs (a multiple of the heads).',
  },
  {
    kind: 'number',
    key: 'heads',
    label: 'Attention heads',
    ...trainRange('heads'),
    step: 1,
    help: 'Heads per self-attention layer.',
  },
  {
    kind: 'number',
    key: 'layers',
    label: 'Attention layers',
    ...trainRange('layers'),
    step: 1,
    help: 'Self-attention layers per tower (0 = pooling only).',
  },
  {
    kind: 'number',
    key: 'mlpHidden',
    label: 'MLP width',
    ...trainRange('mlpHidden'),
    step: 16,
    help: 'Hidden units of each tower’s MLP.',
  },
  {
    kind: 'number',
    key: 'temperature',
    label: 'Temperature',
    ...trainRange('temperature'),
    step: 0.01,
    help: 'Logits are cosine similarity divided by this.',
  },
  {
    kind: 'boolean',
    key: 'logQ',
    label: 'logQ correction',
    help: 'Subtract log item frequency from in-batch logits.',
  },
  {
    kind: 'number',
    key: 'historyLength',
    label: 'History length',
    ...trainRange('historyLength'),
    step: 1,
    help: 'The user’s last N items as extra tokens (0 = off).',
  },
  {
    kind: 'number',
    key: 'earlyStoppingPatience',
    label: 'Early-stopping patience',
    ...trainRange('earlyStoppingPatience'),
    step: 1,
    help: 'Stop after N epochs whose validation NDCG@10 is not better by more than its noise, and test the best epoch (0 = off: train every epoch, test the last).',
  },
  {
    kind: 'boolean',
    key: 'compareBaselines',
    label: 'Train comparison models',
    help: 'Also train the id-only (MF) and mean-pooling models on the same batches.',
  },
  {
    kind: 'number',
    key: 'seed',
    label: 'Seed',
    ...trainRange('seed'),
    step: 1,
    help: 'Same seed, data and settings give the same curves.',
  },
  {
    kind: 'choice',
    key: 'backend',
    label: 'Backend',
    choices: BACKEND_CHOICES,
    help: 'auto tries WebGL, then WebAssembly, then plain CPU.',
  },
  {
    kind: 'number',
    key: 'demoSeed',
    label: 'Demo seed',
    min: 0,
    max: 2 ** 31 - 1,
    integer: true,
    step: 1,
    help: 'Seed of the synthetic demo data.',
  },
  {
    kind: 'number',
    key: 'demoUsers',
    label: 'Demo users',
    min: 50,
    max: 50_000,
    integer: true,
    step: 100,
    help: 'Cardholders in the demo.',
  },
  {
    kind: 'number',
    key: 'demoItems',
    label: 'Demo offers',
    min: 10,
    max: 5_000,
    integer: true,
    step: 10,
    help: 'Offers in the demo catalogue.',
  },
  {
    kind: 'number',
    key: 'demoInteractions',
    label: 'Demo interactions',
    min: 500,
    max: 1_000_000,
    integer: true,
    step: 1000,
    help: 'Approximate offer activations in the demo.',
  },
]

function clamp(spec: NumberSpec, value: number): number {
  const v = Math.min(spec.max, Math.max(spec.min, value))
  return spec.integer ? Math.round(v) : v
}

/**
 * Reads settings from a URL hash (`#epochs=3&seed=1`) and an optional `?backend=` query, which wins.
 * Unknown keys and bad values are reported, never thrown; out-of-range numbers are clamped and reported.
 */
export function parseSettings(hash: string, search = ''): { settings: Settings; problems: string[] } {
  const settings: Settings = { ...DEFAULT_SETTINGS }
  const problems: string[] = []
  const params = new URLSearchParams(hash.replace(/^#/, ''))
  const query = new URLSearchParams(search.replace(/^\?/, ''))
  if (query.has('backend')) params.set('backend', query.get('backend') ?? '')
  const specs = new Map(SETTING_SPECS.map((s) => [s.key as string, s]))
  for (const [key, raw] of params) {
    const spec = specs.get(key)
    if (!spec) {
      problems.push(`Unknown setting "${key}" in the link was ignored.`)
      continue
    }
    if (spec.kind === 'number') {
      const value = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(value)) {
        problems.push(`"${raw}" is not a number for ${spec.label}; kept ${settings[spec.key]}.`)
        continue
      }
      const clamped = clamp(spec, value)
      if (clamped !== value)
        problems.push(`${spec.label} ${raw} is outside ${spec.min}–${spec.max}; using ${clamped}.`)
      settings[spec.key] = clamped
    } else if (spec.kind === 'boolean') {
      if (raw === '1' || raw === 'true') settings[spec.key] = true
      else if (raw === '0' || raw === 'false') settings[spec.key] = false
      else
        problems.push(`"${raw}" is not on/off for ${spec.label}; kept ${settings[spec.key] ? 'on' : 'off'}.`)
    } else {
      const choice = spec.choices.find((c) => c === raw)
      if (choice) settings[spec.key] = choice
      else
        problems.push(`Backend "${raw}" is not one of ${spec.choices.join(', ')}; using ${settings.backend}.`)
    }
  }
  if (settings.dim % settings.heads !== 0) {
    const fixed = Math.max(settings.heads, Math.round(settings.dim / settings.heads) * settings.heads)
    problems.push(
      `Embedding size ${settings.dim} is not a multiple of ${settings.heads} heads; using ${fixed}.`,
    )
    settings.dim = fixed
  }
  return { settings, problems }
}

/** The hash for these settings: only values that differ from the defaults, in table order. */
export function serializeSettings(settings: Settings): string {
  const params = new URLSearchParams()
  for (const spec of SETTING_SPECS) {
    const value = settings[spec.key]
    if (value === DEFAULT_SETTINGS[spec.key]) continue
    params.set(spec.key, typeof value === 'boolean' ? (value ? '1' : '0') : String(value))
  }
  const text = params.toString()
  return text ? `#${text}` : ''
}

export function trainConfigOf(settings: Settings): TrainConfig {
  const config = {} as Record<keyof TrainConfig, unknown>
  for (const key of Object.keys(DEFAULT_TRAIN_CONFIG) as (keyof TrainConfig)[]) config[key] = settings[key]
  return config as TrainConfig
}

export function demoSourceOf(settings: Settings): DemoSource {
  return {
    kind: 'demo',
    seed: settings.demoSeed,
    users: settings.demoUsers,
    items: settings.demoItems,
    interactions: settings.demoInteractions,
  }
}
