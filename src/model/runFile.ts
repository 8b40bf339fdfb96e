/**
 * The run file (`*.run.json`): one JSON document that carries a finished run's setup and results, so
 * anyone can drop it on the page and see the same charts and tables without training. Plain data only.
 */
import type { EncodedDataset, DatasetSummary } from '../data/types'
import { normalizeTrainConfig, type TrainConfig } from './config'
import type {
  AttentionSnapshot,
  CountScorerMetrics,
  EpochRecord,
  LossPoint,
  TestUncertainty,
} from './results'
import type { RunResult } from './run'

export const RUN_FORMAT = 'attentive-run'
/**
 * 2 added `test.uncertainty` (standard errors and paired differences), `trend`, `baselineEpochs` and
 * `baselineTrends`;
 * version 1 files still open, their tables showing "—" where an interval would be.
 */
export const RUN_VERSION = 2

export interface RunFile {
  format: typeof RUN_FORMAT
  version: number
  createdAt: string
  config: TrainConfig
  dataset: {
    name: string
    counts: { interactions: number; users: number; items: number }
    fields: DatasetSummary['fields']
    split: { kind: string; train: number; validation: number; test: number }
    /** FNV-1a hash of ids and interactions: equal fingerprints mean the same data. */
    fingerprint: string
    /** Where the data came from: demo parameters, or the file names. */
    source: unknown
  }
  backend: { name: string; reason: string }
  end: RunResult['end']
  message: string | null
  testedEpoch: number
  /** The epoch each trained baseline was tested with (version 2). */
  baselineEpochs?: RunResult['baselineEpochs']
  /** Each trained baseline's validation trend (version 2). */
  baselineTrends?: RunResult['baselineTrends']
  /** How validation NDCG@10 moved; still rising at the end? (version 2) */
  trend?: RunResult['trend']
  /** Per epoch: train loss, validation metrics of the model and of the trained baselines, timing. */
  history: EpochRecord[]
  /** The training-loss curve as plotted (mean loss per window of steps). */
  lossCurve: LossPoint[]
  /** Count scorers' validation metrics; a file saved before a scorer existed lacks its entry. */
  validationBaselines: CountScorerMetrics
  test: RunResult['test']
  attention: {
    user: RunResult['attention']['final']['user']
    item: RunResult['attention']['final']['item']
    snapshots: AttentionSnapshot[]
  }
  importance: RunResult['importance']
  timing: RunResult['timing']
}

/** FNV-1a over the dataset's ids and interaction arrays, as 8 hex digits. */
export function datasetFingerprint(data: EncodedDataset): string {
  let h = 0x811c9dc5
  const mix = (x: number) => {
    h ^= x & 0xff
    h = Math.imul(h, 0x01000193)
    h ^= (x >>> 8) & 0xff
    h = Math.imul(h, 0x01000193)
    h ^= (x >>> 16) & 0xff
    h = Math.imul(h, 0x01000193)
  }
  for (const ids of [data.userIds, data.itemIds])
    for (const id of ids) for (let i = 0; i < id.length; i++) mix(id.charCodeAt(i))
  for (let r = 0; r < data.interactionUser.length; r++) {
    mix(data.interactionUser[r])
    mix(data.interactionItem[r])
  }
  return (h >>> 0).toString(16).padStart(8, '0')
}

export function buildRunFile(
  parts: Omit<
    RunFile,
    | 'format'
    | 'version'
    | 'createdAt'
    | 'end'
    | 'message'
    | 'testedEpoch'
    | 'baselineEpochs'
    | 'baselineTrends'
    | 'trend'
    | 'history'
    | 'validationBaselines'
    | 'test'
    | 'attention'
    | 'importance'
    | 'timing'
  > & { result: RunResult },
  createdAt = new Date(),
): RunFile {
  const { result, ...rest } = parts
  return {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    createdAt: createdAt.toISOString(),
    ...rest,
    end: result.end,
    message: result.message,
    testedEpoch: result.testedEpoch,
    baselineEpochs: result.baselineEpochs ?? {},
    baselineTrends: result.baselineTrends ?? {},
    trend: result.trend ?? null,
    history: result.history,
    validationBaselines: result.validationBaselines,
    test: result.test,
    attention: { ...result.attention.final, snapshots: result.attention.snapshots },
    importance: result.importance,
    timing: result.timing,
  }
}

/** The RunResult a run file describes (what the page needs to redraw everything). */
export function resultOfRunFile(run: RunFile): RunResult {
  return {
    end: run.end,
    message: run.message,
    history: run.history,
    testedEpoch: run.testedEpoch,
    baselineEpochs: run.baselineEpochs,
    baselineTrends: run.baselineTrends,
    trend: run.trend ?? null,
    validationBaselines: run.validationBaselines,
    test: run.test,
    attention: {
      final: { user: run.attention.user, item: run.attention.item },
      snapshots: run.attention.snapshots,
    },
    importance: run.importance,
    timing: run.timing,
  }
}

/**
 * Reads a run file's text. Checks the format marker, the version and the presence and type of every
 * part the page draws; never throws.
 */
export function parseRunFile(
  text: string,
  fileName = 'the run file',
): { ok: true; run: RunFile } | { ok: false; reason: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return { ok: false, reason: `${fileName} is not JSON (${e instanceof Error ? e.message : String(e)}).` }
  }
  const run = value as Partial<RunFile> | null
  if (!run || typeof run !== 'object' || run.format !== RUN_FORMAT)
    return {
      ok: false,
      reason: `${fileName} is not an attentive-run file (its "format" is not "${RUN_FORMAT}").`,
    }
  if (typeof run.version !== 'number' || run.version > RUN_VERSION)
    return {
      ok: false,
      reason: `${fileName} has version ${String(run.version)}; this page reads version ${RUN_VERSION} or older.`,
    }
  const missing = (
    ['config', 'dataset', 'backend', 'history', 'test', 'attention', 'importance', 'timing'] as const
  ).filter((key) => run[key] === undefined || run[key] === null)
  if (missing.length > 0) return { ok: false, reason: `${fileName} lacks ${missing.join(', ')}.` }
  if (!Array.isArray(run.history) || !Array.isArray(run.importance) || typeof run.test?.model !== 'object')
    return { ok: false, reason: `${fileName} has a malformed history, importance or test section.` }
  if (!Array.isArray(run.attention?.user?.tokens) || !Array.isArray(run.attention?.user?.pooling))
    return { ok: false, reason: `${fileName} has a malformed attention section.` }
  return {
    ok: true,
    run: {
      ...(run as RunFile),
      config: normalizeTrainConfig(run.config ?? {}),
      lossCurve: Array.isArray(run.lossCurve) ? run.lossCurve : [],
      message: run.message ?? null,
      test: { ...run.test!, uncertainty: readUncertainty(run.test!.uncertainty) },
      baselineEpochs: isRecord(run.baselineEpochs) ? run.baselineEpochs : undefined,
      baselineTrends: isRecord(run.baselineTrends) ? run.baselineTrends : undefined,
      trend: isRecord(run.trend) ? run.trend : null,
      attention: {
        ...run.attention!,
        snapshots: Array.isArray(run.attention?.snapshots) ? run.attention!.snapshots : [],
      },
    },
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The intervals of a run file, or undefined when it has none (version 1) or they are malformed: the
 * page then shows "—" for intervals rather than numbers it cannot trust.
 */
function readUncertainty(value: unknown): TestUncertainty | undefined {
  if (!isRecord(value)) return undefined
  const { model, baselines, differences, coverageResamples } = value
  if (!isRecord(model) || !isRecord(baselines) || !isRecord(differences)) return undefined
  return {
    model: model as TestUncertainty['model'],
    baselines: baselines as TestUncertainty['baselines'],
    differences: differences as TestUncertainty['differences'],
    coverageResamples: typeof coverageResamples === 'number' ? coverageResamples : 0,
  }
}
