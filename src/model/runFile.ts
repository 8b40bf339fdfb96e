/**
 * The run file (`*.run.json`): one JSON document that carries a finished run's setup and results, so
 * anyone can drop it on the page and see the same charts and tables without training. Plain data only.
 * A run file is a small header (format, version, date) followed by the fields of the `RunRecord` the
 * worker sent when the run ended; reading one checks it and migrates older versions here, in one place.
 */
import { Gunzip, gzipSync } from 'fflate'
import {
  checkRunRecord,
  checkUncertainty,
  isObject,
  MAX_RUN_FILE_BYTES,
  parseUntrustedJson,
  tooLarge,
} from './runFile.check'
import type { EncodedDataset } from '../data/types'
import { readTrainConfig } from './config'
import type { RunRecord, TestUncertainty } from './results'
import { decodeWeights, encodeWeights, type EncodedWeights, type ModelWeights } from './weights'

export const RUN_FORMAT = 'attentive-run'
/**
 * 3 added `weights` (optional: the trained model, see `weights.ts`); a file with weights is gzipped;
 * 2 added `test.uncertainty` (standard errors and paired differences), `trend`, `baselineEpochs` and
 * `baselineTrends`;
 * version 1 files still open, their tables showing "—" where an interval would be.
 */
export const RUN_VERSION = 3

/** What a run file says about itself; the rest of the file is the run's `RunRecord`. */
export interface RunFileHeader {
  format: typeof RUN_FORMAT
  version: number
  /** When the file was saved, ISO 8601. */
  createdAt: string
}

export type RunFile = RunFileHeader & RunRecord & { weights?: EncodedWeights }

/** A run file as read: its header, the run's record, and the model's weights when the file has them. */
export interface OpenedRunFile {
  header: RunFileHeader
  record: RunRecord
  weights: ModelWeights | null
}

/**
 * Fingerprints taken, by dataset: an encoded dataset is never changed, and taking one reads every
 * interaction (about 1.5 s of a 10,000,000-row upload's Train in the page, where the upload's Apply had
 * taken the same one already).
 */
const fingerprints = new WeakMap<EncodedDataset, string>()

/** FNV-1a over the dataset's ids and interaction arrays, as 8 hex digits. */
export function datasetFingerprint(data: EncodedDataset): string {
  const known = fingerprints.get(data)
  if (known !== undefined) return known
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
  const fingerprint = (h >>> 0).toString(16).padStart(8, '0')
  fingerprints.set(data, fingerprint)
  return fingerprint
}

/** The run file of a finished run: the header, then the record as it is, then the weights if given. */
export function toRunFile(record: RunRecord, createdAt = new Date(), weights?: ModelWeights): RunFile {
  const file: RunFile = {
    format: RUN_FORMAT,
    version: RUN_VERSION,
    createdAt: createdAt.toISOString(),
    ...record,
  }
  if (weights) file.weights = encodeWeights(weights)
  return file
}

/**
 * The bytes to save: the JSON text as it is, or gzipped when the file carries weights (base64 floats
 * and long lists of numbers shrink to about 80% and a third of their text). `name` is the file's name.
 */
export function runFileBytes(
  file: RunFile,
  baseName: string,
): { bytes: Uint8Array<ArrayBuffer>; name: string; type: string } {
  const text = new TextEncoder().encode(JSON.stringify(file, null, file.weights ? undefined : 1))
  return file.weights
    ? {
        bytes: gzipSync(text, { level: 6 }) as Uint8Array<ArrayBuffer>,
        name: `${baseName}.run.json.gz`,
        type: 'application/gzip',
      }
    : { bytes: text, name: `${baseName}.run.json`, type: 'application/json' }
}

/** Whether bytes start as a gzip stream does. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

/**
 * The text of a run file's bytes, gunzipped when they are gzip. The output is capped at
 * `cap` (`MAX_RUN_FILE_BYTES`) while it is produced, so a small file that inflates to gigabytes stops early.
 */
export function runFileText(
  bytes: Uint8Array,
  fileName = 'the run file',
  cap = MAX_RUN_FILE_BYTES,
): { ok: true; text: string } | { ok: false; reason: string } {
  if (!isGzip(bytes)) {
    if (bytes.length > cap) return { ok: false, reason: tooLarge(fileName, bytes.length) }
    return { ok: true, text: new TextDecoder().decode(bytes) }
  }
  const chunks: Uint8Array[] = []
  let total = 0
  let failure: string | null = null
  const gunzip = new Gunzip((chunk) => {
    total += chunk.length
    if (total <= cap) chunks.push(chunk)
  })
  // Fed in small slices: one slice inflates to at most ~16 MB, so the cap is seen in time.
  const SLICE = 16 * 1024
  try {
    for (let i = 0; i < bytes.length && total <= cap; i += SLICE)
      gunzip.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length)
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e)
  }
  if (total > cap)
    return {
      ok: false,
      reason: `${fileName} inflates to more than ${(cap / 1024 / 1024).toFixed(0)} MB; this page opens run files up to that size.`,
    }
  if (failure)
    return { ok: false, reason: `${fileName} is damaged: it is gzip but does not inflate (${failure}).` }
  const joined = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    joined.set(c, at)
    at += c.length
  }
  return { ok: true, text: new TextDecoder().decode(joined) }
}

/** Reads a run file's bytes (plain JSON or gzipped): see `runFileText` and `parseRunFile`; never throws. */
export function openRunFile(
  bytes: Uint8Array,
  fileName = 'the run file',
): ({ ok: true } & OpenedRunFile) | { ok: false; reason: string } {
  const text = runFileText(bytes, fileName)
  return text.ok ? parseRunFile(text.text, fileName) : text
}

/**
 * Reads a run file's text. Checks the format marker, the version and the presence and type of every
 * part the page draws, and gives the run's record as the page keeps it (older versions filled in, see
 * `recordOfFile`); never throws.
 */
export function parseRunFile(
  text: string,
  fileName = 'the run file',
): ({ ok: true } & OpenedRunFile) | { ok: false; reason: string } {
  const parsed = parseUntrustedJson(text, fileName)
  if (!parsed.ok) return parsed
  const run = parsed.value as Partial<RunFile> | null
  if (!run || typeof run !== 'object' || run.format !== RUN_FORMAT)
    return {
      ok: false,
      reason: `${fileName} is not an attentive-run file (its "format" is not "${RUN_FORMAT}").`,
    }
  if (typeof run.version !== 'number' || run.version > RUN_VERSION)
    return {
      ok: false,
      reason: `${fileName} has version ${String(run.version).slice(0, 40)}; this page reads version ${RUN_VERSION} or older.`,
    }
  const missing = (
    ['config', 'dataset', 'backend', 'history', 'test', 'attention', 'importance', 'timing'] as const
  ).filter((key) => run[key] === undefined || run[key] === null)
  if (missing.length > 0) return { ok: false, reason: `${fileName} lacks ${missing.join(', ')}.` }
  const problem = checkRunRecord(run)
  if (problem) return { ok: false, reason: `${fileName} is damaged or not from this page: ${problem}.` }
  const { format, version, createdAt, weights: encoded, ...rest } = run as RunFile
  let weights: ModelWeights | null = null
  if (encoded !== undefined && encoded !== null) {
    const decoded = decodeWeights(encoded)
    if (!decoded.ok)
      return { ok: false, reason: `${fileName} is damaged or not from this page: ${decoded.problem}.` }
    weights = decoded.weights
  }
  return {
    ok: true,
    header: { format, version, createdAt: typeof createdAt === 'string' ? createdAt : '' },
    record: recordOfFile(rest),
    weights,
  }
}

/**
 * The record of a checked run file of any version this page reads. Versions 1 and 2 share one layout;
 * what version 1 lacks (intervals, trends, baseline epochs) and what any version may omit is filled in
 * here, so the rest of the page sees a whole `RunRecord`.
 */
function recordOfFile(run: RunRecord): RunRecord {
  return {
    ...run,
    config: readTrainConfig(run.config),
    dataset: { ...run.dataset, fields: Array.isArray(run.dataset.fields) ? run.dataset.fields : [] },
    lossCurve: Array.isArray(run.lossCurve) ? run.lossCurve : [],
    message: run.message ?? null,
    test: { ...run.test, uncertainty: readUncertainty(run.test.uncertainty) },
    baselineEpochs: isObject(run.baselineEpochs) ? run.baselineEpochs : undefined,
    baselineTrends: isObject(run.baselineTrends) ? run.baselineTrends : undefined,
    leftOut: Array.isArray(run.leftOut) ? run.leftOut : undefined,
    trend: isObject(run.trend) ? run.trend : null,
    attention: {
      ...run.attention,
      snapshots: Array.isArray(run.attention.snapshots) ? run.attention.snapshots : [],
    },
  }
}

/**
 * The intervals of a run file, or undefined when it has none (version 1) or they are malformed: the
 * page then shows "—" for intervals rather than numbers it cannot trust.
 */
function readUncertainty(value: unknown): TestUncertainty | undefined {
  if (!isObject(value) || checkUncertainty(value, 'uncertainty') !== null) return undefined
  const { model, baselines, differences, coverageResamples } = value
  return {
    model: model as TestUncertainty['model'],
    baselines: baselines as TestUncertainty['baselines'],
    differences: differences as TestUncertainty['differences'],
    coverageResamples: typeof coverageResamples === 'number' ? coverageResamples : 0,
  }
}
