import { describe, expect, it } from 'vitest'
import {
  DEFAULT_SETTINGS,
  DEFAULT_TRAIN_CONFIG,
  SETTING_ROWS,
  decodeSettingsHash,
  encodeSettingsHash,
  normalizeDemoSource,
  normalizeSettings,
  normalizeTrainConfig,
  readTrainConfig,
  type SettingRow,
  type Settings,
} from './config'

/** A valid value of the row that is not its default (and keeps dim a multiple of heads). */
function otherValue(row: SettingRow): Settings[keyof Settings] {
  if (row.kind === 'boolean') return !row.default
  if (row.kind === 'choice') return row.choices.find((c) => c !== row.default)!
  if (row.key === 'dim') return 64
  if (row.key === 'heads') return 4
  const candidate = row.integer ? row.default + 1 : row.default * 1.5
  return candidate <= row.max ? candidate : row.default - 1
}

describe('the settings table', () => {
  it('has one row per setting, each default inside its own range', () => {
    expect(SETTING_ROWS.map((r) => r.key).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort())
    for (const row of SETTING_ROWS) {
      expect(row.default).toBe(DEFAULT_SETTINGS[row.key])
      if (row.kind === 'number') {
        expect(row.default).toBeGreaterThanOrEqual(row.min)
        expect(row.default).toBeLessThanOrEqual(row.max)
      }
    }
  })

  it.each(SETTING_ROWS.map((row) => [row.key, row] as const))('round-trips %s through the hash', (_, row) => {
    const settings = { ...DEFAULT_SETTINGS, [row.key]: otherValue(row) }
    const hash = encodeSettingsHash(settings)
    expect(hash.startsWith(`#${row.key}=`)).toBe(true)
    expect(decodeSettingsHash(hash)).toEqual({ settings, problems: [] })
  })

  it('round-trips every row changed at once, keys in table order', () => {
    const settings = { ...DEFAULT_SETTINGS }
    for (const row of SETTING_ROWS) Object.assign(settings, { [row.key]: otherValue(row) })
    const hash = encodeSettingsHash(settings)
    expect([...new URLSearchParams(hash.slice(1)).keys()]).toEqual(SETTING_ROWS.map((r) => r.key))
    expect(decodeSettingsHash(hash)).toEqual({ settings, problems: [] })
  })

  it('clamps every number row below and above its range, and reports it', () => {
    for (const row of SETTING_ROWS) {
      if (row.kind !== 'number') continue
      const low = decodeSettingsHash(`#${row.key}=${row.min - 1}`)
      const high = decodeSettingsHash(`#${row.key}=${row.max * 10 + 1}`)
      expect(low.settings[row.key]).toBe(row.min)
      expect(high.settings[row.key]).toBe(row.max)
      expect(low.problems[0]).toMatchObject({ kind: 'clamped', used: row.min })
      expect(high.problems[0]).toMatchObject({ kind: 'clamped', used: row.max })
    }
  })

  it('keeps the value before a bad one and reports the type error', () => {
    const { settings, problems } = decodeSettingsHash('#demoUsers=300&demoUsers=many&logQ=yes&backend=gpu')
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, demoUsers: 300 })
    expect(problems.map((p) => p.kind)).toEqual(['not-a-number', 'not-on-off', 'not-a-choice'])
    expect(problems[0]).toMatchObject({ raw: 'many', kept: 300 })
  })

  it('rounds integer settings and fits dim to the heads after all rows are read', () => {
    const { settings, problems } = decodeSettingsHash('#dim=30&heads=4&layers=1.6')
    expect(settings).toMatchObject({ dim: 32, heads: 4, layers: 2 })
    expect(problems).toEqual([
      expect.objectContaining({ kind: 'clamped', raw: '1.6', used: 2 }),
      { kind: 'dim-not-multiple-of-heads', dim: 30, heads: 4, used: 32 },
    ])
  })
})

describe('normalising configs from run files and messages', () => {
  it('clamps like a link does and fits dim to heads', () => {
    const config = normalizeTrainConfig({ epochs: 9999, batchSize: 1, dim: 30, heads: 4, learningRate: NaN })
    expect(config).toMatchObject({ epochs: 200, batchSize: 8, dim: 32, heads: 4 })
    expect(config.learningRate).toBe(DEFAULT_TRAIN_CONFIG.learningRate)
  })

  it('reads a run file config of any shape without throwing, dropping unknown keys', () => {
    expect(readTrainConfig(undefined)).toEqual(DEFAULT_TRAIN_CONFIG)
    expect(readTrainConfig('abc')).toEqual(DEFAULT_TRAIN_CONFIG)
    expect(readTrainConfig([1, 2])).toEqual(DEFAULT_TRAIN_CONFIG)
    const read = readTrainConfig({ epochs: '5', logQ: 0, colour: 'red', backend: 'wasm' })
    expect(read).toEqual({ ...DEFAULT_TRAIN_CONFIG, epochs: 5, logQ: false })
  })

  it('clamps a demo request to the demo rows', () => {
    const demo = normalizeDemoSource({ kind: 'demo', seed: -3, users: 1, items: 1e9, interactions: 2500.4 })
    expect(demo).toEqual({ kind: 'demo', seed: 0, users: 50, items: 5000, interactions: 2500 })
  })

  it('leaves valid settings as they are', () => {
    expect(normalizeSettings(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS)
  })
})
