/**
 * Opening a model export (`*.model.zip`, written by the worker's `modelZip.ts`) in the page: its
 * `run.json` is the run file of the run the model came from, and `model.json` + `weights.bin` are its
 * weights, so opening it is opening a run file with weights: every table and chart, and the explorer.
 * A zip is untrusted input like a run file: only the three files are read, their declared sizes are
 * capped before anything inflates, and the weights get the checks of `weightsFromManifest`.
 */
import { unzipSync } from 'fflate'
import { parseRunFile, type OpenedRunFile } from './runFile'
import { MAX_RUN_FILE_BYTES, parseUntrustedJson } from './runFile.check'
import { weightsFromManifest } from './weights'

/** Whether bytes start as a zip archive does ("PK\x03\x04"). */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
}

const NEEDED = ['run.json', 'model.json', 'weights.bin'] as const

/** Reads a model export's run and weights; never throws. */
export function openModelZip(
  bytes: Uint8Array,
  fileName = 'the model export',
): ({ ok: true } & OpenedRunFile) | { ok: false; reason: string } {
  const fail = (reason: string) => ({ ok: false as const, reason: `${fileName} ${reason}` })
  let files: Record<string, Uint8Array>
  let declared = 0
  try {
    files = unzipSync(bytes, {
      // Sizes as the zip declares them, summed before anything is inflated: past the cap, nothing is.
      filter: (file) => {
        if (!(NEEDED as readonly string[]).includes(file.name)) return false
        declared += file.originalSize
        return declared <= MAX_RUN_FILE_BYTES
      },
    })
  } catch (e) {
    return fail(`is not a zip this page can read (${e instanceof Error ? e.message : String(e)}).`)
  }
  if (declared > MAX_RUN_FILE_BYTES)
    return fail(
      `holds more than ${MAX_RUN_FILE_BYTES / 1024 / 1024} MB; this page opens exports up to that size.`,
    )
  const missing = NEEDED.filter((name) => !files[name])
  if (missing.length > 0)
    return fail(
      `lacks ${missing.join(', ')}: it is not a model export of this page${missing.includes('run.json') ? ' (or one saved before exports carried their run)' : ''}.`,
    )
  const text = (name: string) => new TextDecoder().decode(files[name])
  const run = parseRunFile(text('run.json'), `${fileName} (run.json)`)
  if (!run.ok) return run
  const model = parseUntrustedJson(text('model.json'), `${fileName} (model.json)`)
  if (!model.ok) return model
  const json = model.value as { format?: unknown; weightsManifest?: unknown } | null
  if (!json || json.format !== 'attentive-towers')
    return fail('has a model.json that is not an attentive-towers model.')
  const weights = weightsFromManifest(json.weightsManifest, files['weights.bin'])
  if (!weights.ok) return fail(`is damaged or not from this page: ${weights.problem}.`)
  return { ok: true, header: run.header, record: run.record, weights: weights.weights }
}
