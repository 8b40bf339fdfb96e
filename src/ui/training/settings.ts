/**
 * Labels and help text of the settings table (model/config.ts, `SETTING_ROWS`), which owns every
 * setting's type, default, range and URL codec. This file words the table for people: the form's
 * fields and the messages about a bad link.
 */
import {
  DEFAULT_SETTINGS,
  SETTING_ROWS,
  decodeSettingsHash,
  decodeSharedData,
  encodeSettingsHash,
  trainConfigOf,
  type BooleanSettingRow,
  type ChoiceSettingRow,
  type NumberSettingRow,
  type SettingKey,
  type SettingProblem,
  type Settings,
  type SharedData,
} from '../../model/config'
import type { DemoSource } from '../../worker/protocol'

export { DEFAULT_SETTINGS, trainConfigOf, type Settings, type SharedData }

/** What the form shows for a setting. */
interface SettingText {
  label: string
  help: string
  /** Input step of a number field. */
  step?: number
}

const TEXT: Record<SettingKey, SettingText> = {
  epochs: {
    label: 'Epochs',
    help: 'Most passes over the training split; early stopping usually ends the run sooner.',
    step: 1,
  },
  batchSize: {
    label: 'Batch size',
    help: 'Examples per step; every other item in a batch is a negative.',
    step: 64,
  },
  learningRate: { label: 'Learning rate', help: 'Adam step size.', step: 0.001 },
  dim: {
    label: 'Embedding size',
    help: 'Width d of tokens and tower outputs (a multiple of the heads).',
    step: 8,
  },
  heads: { label: 'Attention heads', help: 'Heads per self-attention layer.', step: 1 },
  layers: { label: 'Attention layers', help: 'Self-attention layers per tower (0 = pooling only).', step: 1 },
  mlpHidden: { label: 'MLP width', help: 'Hidden units of each tower’s MLP.', step: 16 },
  temperature: { label: 'Temperature', help: 'Logits are cosine similarity divided by this.', step: 0.01 },
  logQ: { label: 'logQ correction', help: 'Subtract log item frequency from in-batch logits.' },
  historyLength: {
    label: 'History length',
    help: 'The user’s last N items before each interaction as extra tokens, with their positions (0 = off). Needs a timestamp column; off without one.',
    step: 1,
  },
  earlyStoppingPatience: {
    label: 'Early-stopping patience',
    help: 'Stop after N epochs whose validation NDCG@10 is not better by more than its noise, and test the best epoch (0 = off: train every epoch, test the last).',
    step: 1,
  },
  compareBaselines: {
    label: 'Train comparison models',
    help: 'Also train the id-only (MF), mean-pooling and (with history) sequence-only models on the same batches.',
  },
  seed: { label: 'Seed', help: 'Same seed, data and settings give the same curves.', step: 1 },
  backend: { label: 'Backend', help: 'auto tries WebGL, then WebAssembly, then plain CPU.' },
  demoSeed: { label: 'Demo seed', help: 'Seed of the synthetic demo data.', step: 1 },
  demoUsers: { label: 'Demo users', help: 'Cardholders in the demo.', step: 100 },
  demoItems: { label: 'Demo offers', help: 'Offers in the demo catalogue.', step: 10 },
  demoInteractions: {
    label: 'Demo interactions',
    help: 'Approximate offer activations in the demo.',
    step: 1000,
  },
}

export type SettingSpec =
  | (NumberSettingRow & { label: string; help: string; step: number })
  | (BooleanSettingRow & SettingText)
  | (ChoiceSettingRow & SettingText)

/** The settings table with its labels, in table order: what the settings form is generated from. */
export const SETTING_SPECS: SettingSpec[] = SETTING_ROWS.map((row) => {
  const text = TEXT[row.key]
  return row.kind === 'number' ? { ...row, ...text, step: text.step ?? 1 } : { ...row, ...text }
})

/** A problem with a link in words, naming the setting by its label. */
/** A link's text as a message quotes it: at most 40 characters (a link may carry anything). */
function quoted(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}

export function describeSettingProblem(problem: SettingProblem): string {
  switch (problem.kind) {
    case 'unknown':
      return `Unknown setting "${quoted(problem.key)}" in the link was ignored.`
    case 'not-a-number':
      return `"${quoted(problem.raw)}" is not a number for ${TEXT[problem.row.key].label}; kept ${problem.kept}.`
    case 'not-on-off':
      return `"${quoted(problem.raw)}" is not on/off for ${TEXT[problem.row.key].label}; kept ${problem.kept ? 'on' : 'off'}.`
    case 'not-a-choice':
      return `Backend "${quoted(problem.raw)}" is not one of ${problem.row.choices.join(', ')}; using ${problem.kept}.`
    case 'clamped': {
      const { row } = problem
      return `${TEXT[row.key].label} ${quoted(problem.raw)} is outside ${row.min}–${row.max}; using ${problem.used}.`
    }
    case 'dim-not-multiple-of-heads':
      return `Embedding size ${problem.dim} is not a multiple of ${problem.heads} heads; using ${problem.used}.`
    case 'bad-shared-data':
      return `The link's data part "${quoted(problem.raw)}" is not one this page makes (data=demo, or data=upload with an 8-digit fingerprint); its settings are used.`
  }
}

/** Messages shown about one link at most (then a count of the rest). */
const MAX_LINK_MESSAGES = 8

/**
 * Reads settings from a URL hash (`#epochs=3&seed=1`) and an optional `?backend=` query, which wins.
 * Unknown keys and bad values are reported, never thrown; out-of-range numbers are clamped and reported.
 */
export function parseSettings(
  hash: string,
  search = '',
): { settings: Settings; problems: string[]; shared: SharedData | null } {
  const { settings, problems } = decodeSettingsHash(hash, search)
  const { data, problem } = decodeSharedData(hash)
  const all = [...problems, ...(problem ? [problem] : [])].map(describeSettingProblem)
  // A link with hundreds of bad parts gets a few messages and a count, not a page of them.
  const shown =
    all.length > MAX_LINK_MESSAGES
      ? [
          ...all.slice(0, MAX_LINK_MESSAGES),
          `…and ${all.length - MAX_LINK_MESSAGES} more problems in the link.`,
        ]
      : all
  return { settings, problems: shown, shared: data }
}

/**
 * The share link of this setup: the page's address without query, and every setting plus the data it
 * was made with in the hash (see `encodeSettingsHash`). Nothing of an upload but its fingerprint.
 */
export function shareLinkOf(href: string, settings: Settings, shared: SharedData): string {
  const url = new URL(href)
  url.search = ''
  url.hash = encodeSettingsHash(settings, shared)
  return url.toString()
}

/** The hash for these settings: only values that differ from the defaults, in table order. */
export function serializeSettings(settings: Settings): string {
  return encodeSettingsHash(settings)
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
