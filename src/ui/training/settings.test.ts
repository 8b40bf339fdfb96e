import { describe, expect, it } from 'vitest'
import { SETTING_ROWS } from '../../model/config'
import { DEFAULT_SETTINGS, parseSettings, serializeSettings, shareLinkOf } from './settings'

describe('settings in the URL', () => {
  it('round-trips changed settings through the hash', () => {
    const settings = {
      ...DEFAULT_SETTINGS,
      epochs: 7,
      learningRate: 0.02,
      logQ: false,
      backend: 'wasm' as const,
    }
    const hash = serializeSettings(settings)
    expect(hash).toBe('#epochs=7&learningRate=0.02&logQ=0&backend=wasm')
    expect(parseSettings(hash)).toEqual({ settings, problems: [], shared: null })
  })

  it('writes nothing for the defaults', () => {
    expect(serializeSettings(DEFAULT_SETTINGS)).toBe('')
    expect(parseSettings('').settings).toEqual(DEFAULT_SETTINGS)
  })

  it('clamps out-of-range numbers and reports them', () => {
    const { settings, problems } = parseSettings('#epochs=9999&batchSize=1')
    expect(settings.epochs).toBe(200)
    expect(settings.batchSize).toBe(8)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/Epochs 9999 is outside 1–200; using 200/)
  })

  it('keeps defaults for garbage and says so, never throws', () => {
    const { settings, problems } = parseSettings(
      '#epochs=abc&logQ=maybe&backend=quantum&colour=red&%E0%A4%A=1',
    )
    expect(settings.epochs).toBe(DEFAULT_SETTINGS.epochs)
    expect(settings.logQ).toBe(DEFAULT_SETTINGS.logQ)
    expect(settings.backend).toBe('auto')
    expect(problems.join(' ')).toMatch(/not a number for Epochs/)
    expect(problems.join(' ')).toMatch(/not on\/off/)
    expect(problems.join(' ')).toMatch(/Backend "quantum"/)
    expect(problems.join(' ')).toMatch(/Unknown setting "colour"/)
  })

  it('lets ?backend= in the query override the hash', () => {
    expect(parseSettings('#backend=cpu', '?backend=webgl').settings.backend).toBe('webgl')
  })

  it('makes the embedding size a multiple of the heads', () => {
    const { settings, problems } = parseSettings('#dim=30&heads=4')
    expect(settings.dim % settings.heads).toBe(0)
    expect(problems[0]).toMatch(/multiple of 4 heads/)
  })
})

describe('model settings added with the full model', () => {
  it('accepts history length, early-stopping patience and the comparison switch', () => {
    const { settings, problems } = parseSettings(
      '#historyLength=2&earlyStoppingPatience=3&compareBaselines=0',
    )
    expect(problems).toEqual([])
    expect(settings).toMatchObject({ historyLength: 2, earlyStoppingPatience: 3, compareBaselines: false })
  })
})

describe('early stopping by default', () => {
  it('defaults to early stopping with a generous epoch cap', () => {
    expect(DEFAULT_SETTINGS.earlyStoppingPatience).toBeGreaterThan(0)
    expect(DEFAULT_SETTINGS.epochs).toBeGreaterThanOrEqual(20)
  })

  it('reads old links: their epochs become the cap, and patience 0 still turns early stopping off', () => {
    const { settings, problems } = parseSettings('#epochs=2&seed=3')
    expect(problems).toEqual([])
    expect(settings).toMatchObject({
      epochs: 2,
      seed: 3,
      earlyStoppingPatience: DEFAULT_SETTINGS.earlyStoppingPatience,
    })
    const off = parseSettings('#epochs=8&earlyStoppingPatience=0').settings
    expect(off).toMatchObject({ epochs: 8, earlyStoppingPatience: 0 })
    expect(serializeSettings(off)).toBe('#epochs=8&earlyStoppingPatience=0')
  })
})

describe('messages about a bad link', () => {
  it('words every kind of problem as before the settings table moved to model/config.ts', () => {
    const { settings, problems } = parseSettings(
      '#epochs=abc&logQ=maybe&backend=quantum&colour=red&batchSize=1&learningRate=0.000001&dim=30&heads=4',
    )
    expect(problems).toEqual([
      '"abc" is not a number for Epochs; kept 30.',
      '"maybe" is not on/off for logQ correction; kept on.',
      'Backend "quantum" is not one of auto, webgpu, webgl, wasm, cpu; using auto.',
      'Unknown setting "colour" in the link was ignored.',
      'Batch size 1 is outside 8–4096; using 8.',
      'Learning rate 0.000001 is outside 0.00001–10; using 0.00001.',
      'Embedding size 30 is not a multiple of 4 heads; using 32.',
    ])
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, batchSize: 8, learningRate: 1e-5, dim: 32, heads: 4 })
  })
})

describe('share links', () => {
  const href = 'https://example.org/some/repo/?backend=cpu#epochs=3'
  const settings = { ...DEFAULT_SETTINGS, epochs: 4, seed: 9, backend: 'wasm' as const, demoUsers: 800 }

  it('write every setting (defaults too), the data, and no query; opening one gives them all back', () => {
    const link = shareLinkOf(href, settings, { kind: 'demo' })
    const url = new URL(link)
    expect(url.origin + url.pathname).toBe('https://example.org/some/repo/')
    expect(url.search).toBe('')
    const params = new URLSearchParams(url.hash.slice(1))
    // A default is written too: a later change of a default must not change what the link reproduces.
    expect(params.get('dim')).toBe(String(DEFAULT_SETTINGS.dim))
    expect(params.get('data')).toBe('demo')
    const opened = parseSettings(url.hash, url.search)
    expect(opened.problems).toEqual([])
    expect(opened.settings).toEqual(settings)
    expect(opened.shared).toEqual({ kind: 'demo' })
  })

  it('name an upload by its fingerprint only', () => {
    const link = shareLinkOf(href, settings, { kind: 'upload', fingerprint: '0a1b2c3d' })
    const hash = new URL(link).hash
    expect(new URLSearchParams(hash.slice(1)).get('fingerprint')).toBe('0a1b2c3d')
    expect(parseSettings(hash).shared).toEqual({ kind: 'upload', fingerprint: '0a1b2c3d' })
  })

  it('report a data part the page does not make, and still apply the settings', () => {
    for (const hash of [
      '#epochs=5&data=upload',
      '#epochs=5&data=upload&fingerprint=<img src=x>',
      '#epochs=5&data=elsewhere',
      '#epochs=5&fingerprint=0a1b2c3d',
    ]) {
      const opened = parseSettings(hash)
      expect(opened.settings.epochs, hash).toBe(5)
      expect(opened.shared, hash).toBeNull()
      expect(opened.problems, hash).toHaveLength(1)
      expect(opened.problems[0]).toMatch(/data part .* is not one this page makes/)
    }
    // An ordinary link names no data and has nothing to report.
    expect(parseSettings('#epochs=5')).toMatchObject({ shared: null, problems: [] })
  })
})

/**
 * Bad links as they come: typed by hand, cut off, from a newer page, or made to break this one. Each
 * must give settings within their table's ranges, a short message per problem, and no crash.
 */
const BAD_LINKS: [string, string][] = [
  ['an infinite number', '#epochs=1e309'],
  ['a negative count', '#epochs=-5'],
  ['NaN', '#learningRate=NaN'],
  ['a fraction where a whole number goes', '#seed=1.5'],
  ['an empty value', '#batchSize='],
  ['an empty choice', '#backend='],
  ['a number 100,000 digits long', `#epochs=${'9'.repeat(100_000)}`],
  ['a key a megabyte long', `#${'x'.repeat(1_000_000)}=1`],
  ['markup as a value', '#dim=<script>alert(1)</script>'],
  ['markup as a key', '#<img src=x onerror=alert(1)>=1'],
  ['a __proto__ key', '#__proto__=1&constructor=2&prototype=3'],
  ['zero heads', '#heads=0'],
  ['yes for a switch', '#logQ=yes'],
  ['broken percent-encoding', '#epochs=%E0%A4%A&seed=%'],
  ['300 unknown keys', '#' + Array.from({ length: 300 }, (_, i) => `k${i}=1`).join('&')],
  ['a fingerprint a megabyte long', `#data=upload&fingerprint=${'a'.repeat(1_000_000)}`],
  ['a data part of another page', '#data=server&fingerprint=0a1b2c3d'],
  ['an embedding size no head count divides', '#dim=30&heads=4'],
  ['a backend that does not exist', '#backend=webgpu2'],
  ['every setting out of range', '#epochs=0&batchSize=1&learningRate=99&dim=9999&layers=99&mlpHidden=0'],
]

describe('bad links (a corpus)', () => {
  it('holds at least 20 kinds of bad link', () => expect(BAD_LINKS.length).toBeGreaterThanOrEqual(20))

  it.each(BAD_LINKS)('%s: valid settings, short messages, no crash', (_, hash) => {
    const opened = parseSettings(hash)
    expect(opened.problems.length).toBeGreaterThan(0)
    expect(opened.problems.length).toBeLessThanOrEqual(9)
    for (const message of opened.problems) expect(message.length).toBeLessThan(200)
    for (const row of SETTING_ROWS) {
      const value = opened.settings[row.key]
      if (row.kind === 'number') {
        expect(Number.isFinite(value), row.key).toBe(true)
        expect(value as number).toBeGreaterThanOrEqual(row.min)
        expect(value as number).toBeLessThanOrEqual(row.max)
        if (row.integer) expect(Number.isInteger(value), row.key).toBe(true)
      } else if (row.kind === 'boolean') expect(typeof value).toBe('boolean')
      else expect(row.choices).toContain(value)
    }
    expect(opened.settings.dim % opened.settings.heads).toBe(0)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(opened.settings).sort()).toEqual(Object.keys(DEFAULT_SETTINGS).sort())
  })

  it('shows at most 8 messages and counts the rest', () => {
    const { problems } = parseSettings(BAD_LINKS.find(([name]) => name === '300 unknown keys')![1])
    expect(problems).toHaveLength(9)
    expect(problems[8]).toBe('…and 292 more problems in the link.')
  })
})
