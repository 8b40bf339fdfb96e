import { describe, expect, it } from 'vitest'
import { metrics, RUN_RECORD as RECORD } from './testingRecord'
import { syntheticDataset } from '../demo/synthetic'
import {
  datasetFingerprint,
  openRunFile,
  parseRunFile,
  runFileBytes,
  RUN_VERSION,
  toRunFile,
} from './runFile'
import { MAX_RUN_FILE_BYTES } from './runFile.check'
import { float32ToBase64, type ModelWeights } from './weights'

const file = () => toRunFile(RECORD, new Date('2026-11-30T12:00:00Z'))

describe('run files with intervals', () => {
  it('carry the intervals, comparisons, trend and baseline epochs through JSON', () => {
    const written = file()
    expect(written.version).toBe(RUN_VERSION)
    expect(RUN_VERSION).toBe(3)
    const parsed = parseRunFile(JSON.stringify(written))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = parsed.record
    // The DESIGN contract: metric names as keys with plain numbers.
    expect(result.test.model['recall@10']).toBe(0.4)
    expect(result.test.baselines.popularity!['recall@10']).toBe(0.14)
    expect(result.test.uncertainty!.differences.popularity!['recall@10']).toEqual({
      difference: 0.26,
      standardError: 0.006,
    })
    expect(result.test.uncertainty!.model['recall@10']).toBe(0.007)
    expect(result.test.uncertainty!.model['coverage@10']).toBeNull()
    expect(result.trend).toEqual(RECORD.trend)
    expect(result.baselineEpochs).toEqual({ 'mean-pooling': 3 })
  })

  it('still open version 1 files, which have no intervals', () => {
    const old = JSON.parse(JSON.stringify(file()))
    old.version = 1
    delete old.test.uncertainty
    delete old.trend
    delete old.baselineEpochs
    delete old.baselineTrends
    const parsed = parseRunFile(JSON.stringify(old))
    if (!parsed.ok) throw new Error(parsed.reason)
    const result = parsed.record
    expect(result.test.uncertainty).toBeUndefined()
    expect(result.trend).toBeNull()
    expect(result.baselineEpochs).toBeUndefined()
    expect(result.baselineTrends).toBeUndefined()
    expect(result.test.model['recall@10']).toBe(0.4)
  })

  it('drop malformed intervals rather than show numbers they cannot trust, and refuse newer versions', () => {
    const bad = JSON.parse(JSON.stringify(file()))
    bad.test.uncertainty = 'lots'
    const parsed = parseRunFile(JSON.stringify(bad))
    expect(parsed.ok && parsed.record.test.uncertainty).toBeUndefined()
    const newer = { ...file(), version: RUN_VERSION + 1 }
    const refused = parseRunFile(JSON.stringify(newer), 'next.run.json')
    expect(refused).toEqual({
      ok: false,
      reason: `next.run.json has version ${RUN_VERSION + 1}; this page reads version ${RUN_VERSION} or older.`,
    })
  })
})

describe('run files as a header plus the record', () => {
  it('keep the version 2 and 3 layout: the header, then exactly the fields of the record', () => {
    const written = JSON.parse(JSON.stringify(file()))
    expect(Object.keys(written).sort()).toEqual(
      [
        'format',
        'version',
        'createdAt',
        'config',
        'dataset',
        'backend',
        'end',
        'message',
        'testedEpoch',
        'baselineEpochs',
        'baselineTrends',
        'trend',
        'history',
        'lossCurve',
        'validationBaselines',
        'test',
        'attention',
        'importance',
        'timing',
      ].sort(),
    )
    expect(written).toMatchObject({
      format: 'attentive-run',
      version: 3,
      createdAt: '2026-11-30T12:00:00.000Z',
    })
    // Attention is flat in the file: each tower's final summary beside the per-epoch snapshots.
    expect(Object.keys(written.attention).sort()).toEqual(['item', 'snapshots', 'user'])
  })

  it('give back the record that was saved, without the header', () => {
    const parsed = parseRunFile(JSON.stringify(file()))
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.header).toEqual({
      format: 'attentive-run',
      version: 3,
      createdAt: '2026-11-30T12:00:00.000Z',
    })
    expect('format' in parsed.record || 'version' in parsed.record || 'createdAt' in parsed.record).toBe(
      false,
    )
    // JSON writes the NaN standard error as null; everything else comes back as it was.
    const expected = JSON.parse(JSON.stringify(RECORD))
    expect(parsed.record).toEqual(expected)
  })

  it('fill in what a version 1 file omits: loss curve, message, field list', () => {
    const old = JSON.parse(JSON.stringify(file()))
    old.version = 1
    delete old.lossCurve
    delete old.message
    delete old.dataset.fields
    const parsed = parseRunFile(JSON.stringify(old))
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.record.lossCurve).toEqual([])
    expect(parsed.record.message).toBeNull()
    expect(parsed.record.dataset.fields).toEqual([])
  })

  it('refuse a dataset section without counts or split with a reason, not a crash', () => {
    const bad = JSON.parse(JSON.stringify(file()))
    delete bad.dataset.counts
    expect(parseRunFile(JSON.stringify(bad), 'x.run.json')).toEqual({
      ok: false,
      reason: 'x.run.json is damaged or not from this page: run.dataset.counts is not an object.',
    })
  })
})

/** A good file, changed by `edit` (on its parsed JSON), as text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- hand-edits of arbitrary JSON
function tampered(edit: (run: Record<string, any>) => void): string {
  const run = JSON.parse(JSON.stringify(file()))
  edit(run)
  return JSON.stringify(run)
}

const HISTORY_ENTRY = {
  epoch: 1,
  trainLoss: 5.1,
  validation: metrics(0.3),
  trainSeconds: 2,
  examplesPerSecond: 1000,
}
const LAYERED = {
  tokens: ['a', 'b'],
  pooling: [0.5, 0.5],
  layers: [[[0.5, 0.5, 0.5, 0.5]]],
}

/**
 * Bad run files as they come: truncated, from elsewhere, from a newer page, hand-edited, or made to
 * break the page. Each must give a message naming what is wrong, never a crash or a half-read run.
 */
const BAD_FILES: [string, string, RegExp][] = [
  ['empty', '', /not JSON/],
  ['truncated', JSON.stringify(file()).slice(0, 500), /not JSON/],
  ['not an object', '[1, 2, 3]', /not an attentive-run file/],
  ['another format', tampered((r) => (r.format = 'tfjs-layers-model')), /not an attentive-run file/],
  ['a newer version', tampered((r) => (r.version = 4)), /version 4; this page reads version 3 or older/],
  ['a version that is text', tampered((r) => (r.version = '2')), /has version 2;/],
  ['no test', tampered((r) => delete r.test), /lacks test/],
  ['history not a list', tampered((r) => (r.history = { 0: HISTORY_ENTRY })), /run\.history is not a list/],
  ['left-out baselines not names', tampered((r) => (r.leftOut = [{ name: 'x' }])), /run\.leftOut\[0\]/],
  [
    'a metric as text',
    tampered((r) => (r.test.model['recall@10'] = '0.9')),
    /run\.test\.model\.recall@10 is not a number/,
  ],
  [
    'a metric as null',
    tampered((r) => (r.test.model['ndcg@10'] = null)),
    /run\.test\.model\.ndcg@10 is not a number/,
  ],
  [
    'an epoch without validation',
    tampered((r) => (r.history = [{ ...HISTORY_ENTRY, validation: undefined }])),
    /run\.history\[0\]\.validation is not an object/,
  ],
  ['a negative count', tampered((r) => (r.dataset.counts.users = -5)), /counts\.users is not a whole number/],
  [
    'a dataset name of a megabyte',
    tampered((r) => (r.dataset.name = 'x'.repeat(1_000_000))),
    /run\.dataset\.name is 1,000,000 characters long/,
  ],
  [
    'pooling weights for other tokens',
    tampered((r) => (r.attention.user = { ...LAYERED, pooling: [1] })),
    /attention\.user\.pooling has 1 weights for 2 tokens/,
  ],
  [
    'an attention matrix of the wrong size',
    tampered((r) => (r.attention.item = { ...LAYERED, layers: [[[1, 0, 0]]] })),
    /attention\.item\.layers\[0\]\[0\] has 3 entries, not 2 × 2/,
  ],
  [
    '100,000 tokens',
    tampered((r) => (r.attention.user.tokens = Array.from({ length: 100_000 }, (_, i) => `t${i}`))),
    /tokens has 100,000 entries/,
  ],
  [
    'an importance row of an unknown tower',
    tampered(
      (r) => (r.importance = [{ field: 'a', tower: 'both', attentionWeight: 1, ndcgWithout: 0, drop: 0 }]),
    ),
    /importance\[0\]\.tower is not one of user, item/,
  ],
  ['an unknown end', tampered((r) => (r.end = 'exploded')), /run\.end is not one of/],
  ['a loss point without a loss', tampered((r) => (r.lossCurve = [{ step: 5 }])), /lossCurve\[0\]\.loss/],
  [
    'a __proto__ key',
    JSON.stringify(file()).replace('"test":{', '"test":{"__proto__":{"polluted":true},'),
    /a key named "__proto__"/,
  ],
  [
    'a constructor key deep inside',
    tampered((r) => (r.dataset.source = { constructor: { prototype: { polluted: true } } })),
    /a key named "(constructor|prototype)"/,
  ],
  [
    'timing as text',
    tampered((r) => (r.timing.totalSeconds = 'soon')),
    /timing\.totalSeconds is not a number/,
  ],
  [
    'a trend without its best epoch',
    tampered((r) => delete r.trend.best),
    /run\.trend\.best is not an object/,
  ],
  [
    'ten thousand validation baselines',
    tampered(
      (r) =>
        (r.validationBaselines = Object.fromEntries(
          Array.from({ length: 10_000 }, (_, i) => [`b${i}`, metrics(0.1)]),
        )),
    ),
    /validationBaselines has 10000 keys/,
  ],
]

describe('bad run files (a corpus of damaged, foreign and hostile files)', () => {
  it('holds at least 20 kinds of bad file', () => expect(BAD_FILES.length).toBeGreaterThanOrEqual(20))

  it.each(BAD_FILES)('refuses %s with a message naming what is wrong', (_, text, reason) => {
    const parsed = parseRunFile(text, 'bad.run.json')
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.reason).toMatch(/^bad\.run\.json /)
    expect(parsed.reason).toMatch(reason)
    // A message, not a dump: short enough to read whatever the file held.
    expect(parsed.reason.length).toBeLessThan(300)
  })

  it('leaves no prototype polluted', () => {
    for (const [, text] of BAD_FILES) parseRunFile(text)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('refuses a file over the size limit before reading it', () => {
    const huge = { length: MAX_RUN_FILE_BYTES + 1 } as unknown as string
    const parsed = parseRunFile(huge, 'huge.run.json')
    expect(parsed).toEqual({
      ok: false,
      reason: 'huge.run.json is 256 MB; this page opens run files up to 256 MB.',
    })
  })

  it('still opens a good file with every optional part present, and names as given (shown as text)', () => {
    const good = tampered((r) => {
      r.history = [HISTORY_ENTRY]
      r.attention.user = { ...LAYERED, tokens: ['<img src=x onerror=alert(1)>', 'b'] }
    })
    const parsed = parseRunFile(good)
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.record.attention.user.tokens[0]).toBe('<img src=x onerror=alert(1)>')
  })

  it('keep the baselines a stopped run left out of its test', () => {
    const parsed = parseRunFile(tampered((r) => (r.leftOut = ['co-occurrence', 'mean-pooling'])))
    if (!parsed.ok) throw new Error(parsed.reason)
    expect(parsed.record.leftOut).toEqual(['co-occurrence', 'mean-pooling'])
  })
})

describe('run files with the model', () => {
  const weights: ModelWeights = {
    variables: [
      { name: 'user/embeddings', shape: [2, 3], values: Float32Array.of(1, 2, 3, 4, 5, -6.25) },
      { name: 'item/mlp/b2', shape: [3], values: Float32Array.of(0.1, 0.2, 0.3) },
    ],
  }
  const withWeights = () => toRunFile(RECORD, new Date('2026-11-30T12:00:00Z'), weights)

  it('are gzipped, named .run.json.gz, and open to the same record and the same weights', () => {
    const saved = runFileBytes(withWeights(), 'demo-2026')
    expect(saved.name).toBe('demo-2026.run.json.gz')
    expect(saved.type).toBe('application/gzip')
    expect([saved.bytes[0], saved.bytes[1]]).toEqual([0x1f, 0x8b])
    const opened = openRunFile(saved.bytes, saved.name)
    if (!opened.ok) throw new Error(opened.reason)
    expect(opened.weights).toEqual(weights)
    // The record is the one a file without weights gives.
    const plain = parseRunFile(JSON.stringify(file()))
    expect(opened.record).toEqual(plain.ok ? plain.record : null)
  })

  it('without weights stay plain JSON text, as before, and open with no weights', () => {
    const saved = runFileBytes(file(), 'demo')
    expect(saved.name).toBe('demo.run.json')
    expect(new TextDecoder().decode(saved.bytes).startsWith('{')).toBe(true)
    const opened = openRunFile(saved.bytes)
    expect(opened.ok && opened.weights).toBeNull()
  })

  it('refuse a file whose weights are damaged, naming the part', () => {
    const run = JSON.parse(JSON.stringify(withWeights()))
    run.weights.variables[1].data = float32ToBase64(Float32Array.of(0.1, Infinity, 0.3))
    expect(parseRunFile(JSON.stringify(run), 'w.run.json')).toEqual({
      ok: false,
      reason:
        'w.run.json is damaged or not from this page: weights.variables[1] has a value that is not finite (at 1).',
    })
  })
})

describe('datasetFingerprint', () => {
  const make = () => syntheticDataset(30, 40, 500, 7)

  it('is the same for the same data, and changes with any interaction or id', () => {
    const fingerprint = datasetFingerprint(make())
    expect(fingerprint).toMatch(/^[0-9a-f]{8}$/)
    expect(datasetFingerprint(make())).toBe(fingerprint)
    const otherItem = make()
    otherItem.interactionItem[250] = (otherItem.interactionItem[250] + 1) % 40
    expect(datasetFingerprint(otherItem)).not.toBe(fingerprint)
    const otherId = make()
    otherId.userIds[3] = 'someone else'
    expect(datasetFingerprint(otherId)).not.toBe(fingerprint)
  })

  it('is taken once per dataset: an encoded dataset never changes, so it is not read again', () => {
    const data = make()
    const fingerprint = datasetFingerprint(data)
    // Changed behind the contract's back: the fingerprint kept for this object is what comes back.
    data.interactionUser[0] = (data.interactionUser[0] + 1) % 30
    expect(datasetFingerprint(data)).toBe(fingerprint)
  })
})
