/**
 * A run file is untrusted input: it may be truncated, hand-edited, from a newer page, or made to break
 * this one. `checkRunFile` walks every part the page reads and names the first one that is not what the
 * page writes — by its path in the file ("test.model.recall@10 is not a number") — before anything is
 * shown, so a bad file gives a message and the page keeps what it had. Checked:
 * - types and shapes (numbers finite, counts whole, enums from their lists, tokens and their pooling
 *   weights and attention matrices of matching sizes);
 * - sizes: the file's length, every list's and every text's (a name is at most a few hundred
 *   characters, a file at most `MAX_RUN_FILE_BYTES`), so a file cannot make the page draw a million
 *   rows or a megabyte of text;
 * - keys that could reach an object's prototype (`__proto__`, `constructor`, `prototype`) anywhere.
 * Text from the file is only ever shown as text (React escapes it), never as HTML.
 */

/** Largest run file the page opens (its text, in UTF-16 code units, checked before parsing). */
export const MAX_RUN_FILE_BYTES = 256 * 1024 * 1024
/** Longest name in a file (a field, token, dataset or backend name). */
const MAX_NAME = 300
/** Longest free text (a backend's reason, a run's message). */
const MAX_TEXT = 4000
/** Most tokens per tower (fields plus history tokens) a file may carry. */
const MAX_TOKENS = 600
const MAX_EPOCHS = 1000
const MAX_LOSS_POINTS = 200_000
const MAX_KEYS = 200
/** Keys that could set or reach a prototype when an object is copied. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

/** A check: the problem with `value` at `path`, or null when it is fine. */
type Check = (value: unknown, path: string) => string | null

/** A plain JSON object (not null, not a list). */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

const finite: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : `${p} is not a number`)
/** NaN is written as null in JSON: standard errors that could not be computed. */
const finiteOrNull: Check = (v, p) => (v === null ? null : finite(v, p))
const count: Check = (v, p) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : `${p} is not a whole number ≥ 0`
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : `${p} is not true or false`)
const text =
  (max: number): Check =>
  (v, p) =>
    typeof v !== 'string'
      ? `${p} is not text`
      : v.length > max
        ? `${p} is ${v.length.toLocaleString('en-US')} characters long (at most ${max})`
        : null
const oneOf =
  (choices: readonly string[]): Check =>
  (v, p) =>
    typeof v === 'string' && choices.includes(v) ? null : `${p} is not one of ${choices.join(', ')}`
const optional =
  (check: Check): Check =>
  (v, p) =>
    v === undefined || v === null ? null : check(v, p)

const list =
  (item: Check, max: number): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return `${p} is not a list`
    if (v.length > max) return `${p} has ${v.length.toLocaleString('en-US')} entries (at most ${max})`
    for (let i = 0; i < v.length; i++) {
      const problem = item(v[i], `${p}[${i}]`)
      if (problem) return problem
    }
    return null
  }

/** An object with these keys checked (others are ignored: a newer page may add some). */
const shape =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (!isObject(v)) return `${p} is not an object`
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(v[key], `${p}.${key}`)
      if (problem) return problem
    }
    return null
  }

/** An object used as a map: every value checked, keys short and few. */
const mapOf =
  (value: Check): Check =>
  (v, p) => {
    if (!isObject(v)) return `${p} is not an object`
    const keys = Object.keys(v)
    if (keys.length > MAX_KEYS) return `${p} has ${keys.length} keys (at most ${MAX_KEYS})`
    for (const key of keys) {
      if (key.length > MAX_NAME) return `${p} has a key ${key.length} characters long`
      const problem = value(v[key], `${p}.${key}`)
      if (problem) return problem
    }
    return null
  }

const metrics = mapOf(finite)
const score = shape({ epoch: count, ndcg: finite })
const trend = shape({
  first: score,
  best: score,
  last: score,
  stillRising: bool,
  previousBest: optional(score),
})

/** A tower's attention: tokens, one pooling weight per token, and token × token matrices per layer and head. */
const towerAttention: Check = (v, p) => {
  const problem = shape({
    tokens: list(text(MAX_NAME), MAX_TOKENS),
    pooling: list(finite, MAX_TOKENS),
    layers: optional(list(list(list(finite, MAX_TOKENS * MAX_TOKENS), 64), 64)),
  })(v, p)
  if (problem) return problem
  const tower = v as { tokens: string[]; pooling: number[]; layers?: number[][][] }
  const n = tower.tokens.length
  if (tower.pooling.length !== n) return `${p}.pooling has ${tower.pooling.length} weights for ${n} tokens`
  for (const [l, heads] of (tower.layers ?? []).entries())
    for (const [h, matrix] of heads.entries())
      if (matrix.length !== n * n)
        return `${p}.layers[${l}][${h}] has ${matrix.length} entries, not ${n} × ${n}`
  return null
}

const RUN_RECORD = shape({
  config: (v, p) => (isObject(v) ? null : `${p} is not an object`),
  dataset: shape({
    name: text(MAX_NAME),
    counts: shape({ interactions: count, users: count, items: count }),
    fields: optional(
      list(
        shape({ name: text(MAX_NAME), tower: text(40), kind: text(40), cardinality: optional(count) }),
        2000,
      ),
    ),
    split: shape({ kind: text(40), train: count, validation: count, test: count }),
    fingerprint: optional(text(64)),
  }),
  backend: shape({ name: text(MAX_NAME), reason: text(MAX_TEXT) }),
  lossCurve: optional(list(shape({ step: count, loss: finite }), MAX_LOSS_POINTS)),
  end: optional(oneOf(['completed', 'stopped', 'early-stopping', 'diverged'])),
  message: optional(text(MAX_TEXT)),
  history: list(
    shape({
      epoch: count,
      trainLoss: finite,
      validation: metrics,
      baselines: optional(mapOf(metrics)),
      trainSeconds: finite,
      examplesPerSecond: finite,
    }),
    MAX_EPOCHS,
  ),
  testedEpoch: optional(count),
  baselineEpochs: optional(mapOf(count)),
  baselineTrends: optional(mapOf(optional(trend))),
  trend: optional(trend),
  validationBaselines: optional(mapOf(metrics)),
  test: shape({ model: metrics, baselines: mapOf(metrics) }),
  attention: shape({
    user: towerAttention,
    item: towerAttention,
    snapshots: optional(
      list(shape({ epoch: count, user: towerAttention, item: towerAttention }), MAX_EPOCHS),
    ),
  }),
  importance: list(
    shape({
      field: text(MAX_NAME),
      tower: oneOf(['user', 'item']),
      attentionWeight: finite,
      ndcgWithout: finite,
      drop: finite,
    }),
    2 * MAX_TOKENS,
  ),
  leftOut: optional(list(text(MAX_NAME), 50)),
  timing: shape({ examplesPerSecond: finite, secondsPerEpoch: finite, totalSeconds: finite }),
  parameters: optional(count),
})

/** The intervals of a test result: values may be null (NaN in the page). */
export const checkUncertainty = shape({
  model: mapOf(finiteOrNull),
  baselines: mapOf(mapOf(finiteOrNull)),
  differences: mapOf(mapOf(shape({ difference: finiteOrNull, standardError: finiteOrNull }))),
})

/** Why a run file of this many bytes (or characters) is refused. */
export function tooLarge(fileName: string, length: number): string {
  return `${fileName} is ${(length / 1024 / 1024).toFixed(0)} MB; this page opens run files up to ${MAX_RUN_FILE_BYTES / 1024 / 1024} MB.`
}

/**
 * Parses a run file's text with the checks above: its parsed value, or the first problem in words
 * (the file's name first). The format and version are checked by the caller (`parseRunFile`).
 */
export function parseUntrustedJson(
  text: string,
  fileName: string,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text.length > MAX_RUN_FILE_BYTES) return { ok: false, reason: tooLarge(fileName, text.length) }
  let forbidden: string | null = null
  let value: unknown
  try {
    value = JSON.parse(text, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden ??= key
      return v
    })
  } catch (e) {
    return { ok: false, reason: `${fileName} is not JSON (${e instanceof Error ? e.message : String(e)}).` }
  }
  if (forbidden)
    return { ok: false, reason: `${fileName} has a key named "${forbidden}", which a run file never has.` }
  return { ok: true, value }
}

/** The first problem of a run file's record (after its header), in words with its path; null if none. */
export function checkRunRecord(value: unknown): string | null {
  return RUN_RECORD(value, 'run')
}
