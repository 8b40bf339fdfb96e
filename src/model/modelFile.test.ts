import { strToU8, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { isZip, openModelZip } from './modelFile'
import { parseRunFile, toRunFile } from './runFile'
import { RUN_RECORD as RECORD } from './testingRecord'

const MANIFEST = [
  {
    paths: ['weights.bin'],
    weights: [
      { name: 'user/embeddings', shape: [2, 2], dtype: 'float32' },
      { name: 'user/mlp/b1', shape: [3], dtype: 'float32' },
    ],
  },
]
const VALUES = Float32Array.of(1, 2, 3, 4, 0.5, -0.5, 7)

/** A model export as the worker writes one (the files the page reads), each part replaceable. */
function exportZip(
  parts: { run?: string | null; model?: unknown; weights?: Uint8Array | null } = {},
): Uint8Array {
  const files: Record<string, Uint8Array> = {}
  if (parts.run !== null) files['run.json'] = strToU8(parts.run ?? JSON.stringify(toRunFile(RECORD)))
  files['model.json'] = strToU8(
    JSON.stringify(parts.model ?? { format: 'attentive-towers', weightsManifest: MANIFEST }),
  )
  if (parts.weights !== null) files['weights.bin'] = parts.weights ?? new Uint8Array(VALUES.buffer.slice(0))
  files['score.js'] = strToU8('export function loadTowers() {}')
  return zipSync(files)
}

describe('a model export opened in the page', () => {
  it('gives the run it came from and its weights, named and shaped by the manifest', () => {
    const bytes = exportZip()
    expect(isZip(bytes)).toBe(true)
    const opened = openModelZip(bytes, 'demo.model.zip')
    if (!opened.ok) throw new Error(opened.reason)
    const plain = parseRunFile(JSON.stringify(toRunFile(RECORD)))
    expect(opened.record).toEqual(plain.ok ? plain.record : null)
    expect(opened.weights).toEqual({
      variables: [
        { name: 'user/embeddings', shape: [2, 2], values: Float32Array.of(1, 2, 3, 4) },
        { name: 'user/mlp/b1', shape: [3], values: Float32Array.of(0.5, -0.5, 7) },
      ],
    })
  })

  it('refuses damaged, foreign and hostile exports with a message naming the file and the part', () => {
    const nan = new Uint8Array(Float32Array.of(1, 2, NaN, 4, 0, 0, 0).buffer)
    const cases: [Uint8Array, string][] = [
      [Uint8Array.of(0x50, 0x4b, 0x03, 0x04, 1, 2, 3), 'm.zip is not a zip this page can read'],
      [exportZip({ run: null }), 'm.zip lacks run.json'],
      [exportZip({ weights: null }), 'm.zip lacks weights.bin'],
      [exportZip({ run: '{"format": "attentive-run", "version": 99}' }), 'm.zip (run.json) has version 99'],
      [
        exportZip({ model: { format: 'tfjs-layers', weightsManifest: MANIFEST } }),
        'not an attentive-towers model',
      ],
      [
        exportZip({ model: { format: 'attentive-towers', weightsManifest: [...MANIFEST, ...MANIFEST] } }),
        'is not one group of weights',
      ],
      [
        exportZip({
          model: {
            format: 'attentive-towers',
            weightsManifest: [{ weights: [{ name: 'x', shape: [7], dtype: 'int32' }] }],
          },
        }),
        'weightsManifest[0].weights[0].dtype is not "float32"',
      ],
      [
        exportZip({
          model: {
            format: 'attentive-towers',
            weightsManifest: [{ weights: [{ name: 'x', shape: [50_000, 50_000], dtype: 'float32' }] }],
          },
        }),
        'holds more than 40,000,000 values',
      ],
      [
        exportZip({ weights: new Uint8Array(24) }),
        'weights.bin has 24 bytes; model.json weightsManifest lists 28',
      ],
      [exportZip({ weights: nan }), 'user/embeddings (weight 0) has a value that is not finite (at 2)'],
      [
        exportZip({
          model: { __proto__: null, format: 'attentive-towers', weightsManifest: MANIFEST, constructor: 1 },
        }),
        'has a key named "constructor"',
      ],
    ]
    // A zip that claims 2 GB for weights.bin in its central directory is refused before inflating.
    const claimed = exportZip()
    const view = new DataView(claimed.buffer, claimed.byteOffset, claimed.byteLength)
    for (let at = 0; at + 46 <= claimed.length; at++)
      if (view.getUint32(at, true) === 0x02014b50) {
        const nameLength = view.getUint16(at + 28, true)
        const name = new TextDecoder().decode(claimed.subarray(at + 46, at + 46 + nameLength))
        if (name === 'weights.bin') view.setUint32(at + 24, 0x7fffffff, true)
      }
    cases.push([claimed, 'm.zip holds more than 256 MB'])
    for (const [bytes, reason] of cases) {
      const opened = openModelZip(bytes, 'm.zip')
      expect(opened.ok, reason).toBe(false)
      if (!opened.ok) expect(opened.reason).toContain(reason)
    }
  })
})
