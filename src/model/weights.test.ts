import { gzipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { openRunFile, runFileText } from './runFile'
import {
  base64ToFloat32,
  decodeWeights,
  encodeWeights,
  float32ToBase64,
  MAX_WEIGHT_VALUES,
  type ModelWeights,
} from './weights'

const weights: ModelWeights = {
  variables: [
    { name: 'user/embeddings', shape: [3, 2], values: Float32Array.of(0.5, -1, 1e-30, 3.4e38, -0, 7) },
    { name: 'user/mlp/b1', shape: [1], values: Float32Array.of(Math.PI) },
  ],
}

describe('weights as run-file text', () => {
  it('round-trips every float32 bit for bit, at any length (chunk edges included)', () => {
    expect(decodeWeights(encodeWeights(weights))).toEqual({ ok: true, weights })
    for (const n of [0, 1, 2, 3, 0x6000 / 4, 0x6000 / 4 + 1, 20_000]) {
      const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1e3)
      const back = base64ToFloat32(float32ToBase64(values))
      expect(back).toEqual(values)
    }
    // Little-endian bytes: 1.0 is 00 00 80 3F.
    expect(float32ToBase64(Float32Array.of(1))).toBe('AACAPw==')
  })

  it('refuses what a hostile or damaged file could hold, naming where', () => {
    const good = encodeWeights(weights)
    const withVariable = (patch: Record<string, unknown>) => ({
      ...good,
      variables: [{ ...good.variables[0], ...patch }, good.variables[1]],
    })
    const nan = float32ToBase64(Float32Array.of(0, 0, 0, NaN, 0, 0))
    const cases: [unknown, string][] = [
      [null, 'weights is not an object'],
      [{ ...good, dtype: 'float64' }, 'weights.dtype is not "float32"'],
      [{ ...good, variables: 'x' }, 'weights.variables is not a list'],
      [{ ...good, variables: Array(1001).fill(good.variables[1]) }, 'has 1001 entries'],
      [withVariable({ name: '' }), 'weights.variables[0].name is not a short text'],
      [withVariable({ shape: [3, -2] }), 'weights.variables[0].shape is not a list'],
      [withVariable({ shape: [3, 2.5] }), 'weights.variables[0].shape is not a list'],
      [withVariable({ shape: [] }), 'weights.variables[0].shape is not a list'],
      // A claimed size of 2 G values is refused before anything is allocated.
      [withVariable({ shape: [50_000, 40_000] }), 'holds more than 40,000,000 values'],
      [withVariable({ shape: [MAX_WEIGHT_VALUES, 1] }), 'weights.variables[0].data has 32 characters'],
      [withVariable({ data: 'AACAPw==' }), 'not the base64 of 6 float32 values'],
      [withVariable({ data: nan.replace(/^./, '!') }), 'weights.variables[0].data is not base64'],
      [withVariable({ data: 7 }), 'weights.variables[0].data is not text'],
      [withVariable({ data: nan }), 'weights.variables[0] has a value that is not finite (at 3)'],
    ]
    for (const [value, problem] of cases) {
      const decoded = decodeWeights(value)
      expect(decoded.ok).toBe(false)
      if (!decoded.ok) expect(decoded.problem).toContain(problem)
    }
  })
})

describe('gzipped run files', () => {
  it('stops inflating a gzip bomb at the cap, with a message', () => {
    const bomb = gzipSync(new Uint8Array(3 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(10_000)
    expect(runFileText(bomb, 'bomb.run.json.gz', 1024 * 1024)).toEqual({
      ok: false,
      reason: 'bomb.run.json.gz inflates to more than 1 MB; this page opens run files up to that size.',
    })
    expect(runFileText(bomb, 'bomb.run.json.gz', 4 * 1024 * 1024).ok).toBe(true)
  })

  it('says a damaged gzip file is damaged', () => {
    const broken = gzipSync(new TextEncoder().encode('{"format": "attentive-run"}')).slice(0, 20)
    const opened = openRunFile(broken, 'cut.run.json.gz')
    expect(opened.ok).toBe(false)
    if (!opened.ok)
      expect(opened.reason).toMatch(/^cut\.run\.json\.gz is damaged: it is gzip but does not inflate/)
  })
})
