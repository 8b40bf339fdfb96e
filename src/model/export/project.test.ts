/**
 * The exported PyTorch project as a person runs it: the model zip of a demo run, unzipped, then
 * `python train.py` as its README says, in one process and with `torchrun` in two (gloo on CPU). The
 * whole chain (the demo's CSV files → data.py → train.py) gives the page's test metrics to 1e-6 from the
 * page's weights, and the run files it writes open in the page as the page's own. Runs Debian's
 * python3-torch (`.ci/run` installs it).
 */
import '@tensorflow/tfjs-backend-cpu'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { summarize } from '../../data/encode.summary'
import { splitDataset } from '../../data/split'
import { demoDataFiles, loadDemoDataset } from '../../demo/demoDataset'
import { modelZip } from '../../worker/modelZip'
import type { DemoSource } from '../../worker/protocol'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../config'
import { historyLengthFor } from '../history'
import { RANK_METRIC_NAMES } from '../metrics'
import { exportModel } from '../modelExport'
import type { RunRecord } from '../results'
import { runTraining } from '../run'
import { datasetFingerprint, openRunFile } from '../runFile'
import type { Trainer } from '../train'
import { HAS_TORCH, PYTHON, torchrunArgs } from './python.testing'

const work = mkdtempSync(join(tmpdir(), 'project-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const SOURCE: DemoSource = { kind: 'demo', seed: 11, users: 400, items: 120, interactions: 8000 }
const data = loadDemoDataset(SOURCE.seed, SOURCE).data
const requested: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 2,
  batchSize: 128,
  dim: 16,
  mlpHidden: 16,
  historyLength: 5,
  compareBaselines: false,
}
const config = { ...requested, historyLength: historyLengthFor(data, requested.historyLength) }

/** Runs a command in the unzipped project; its last line of output (train.py prints one JSON line). */
function inProject(command: string, args: string[]): string {
  const out = execFileSync(command, args, {
    cwd: work,
    encoding: 'utf-8',
    env: { ...process.env, OMP_NUM_THREADS: '1' },
    maxBuffer: 64 << 20,
  })
  return out
    .trim()
    .split('\n')
    .pop()!
    .replace(/^\[default0\]:/, '')
}

function opened(file: string) {
  const result = openRunFile(new Uint8Array(readFileSync(join(work, file))), file)
  if (!result.ok) throw new Error(result.reason)
  return result
}

describe.skipIf(!HAS_TORCH)('the exported PyTorch project', () => {
  let page: RunRecord
  beforeAll(async () => {
    let trainer: Trainer | null = null
    const result = await runTraining(data, config, { onModel: (t) => (trainer = t) })
    const fingerprint = datasetFingerprint(data)
    const exported = await exportModel(trainer!.model, data, config, { name: data.name, fingerprint })
    trainer!.dispose()
    const split = splitDataset(data, config.seed)
    const summary = summarize(data)
    page = {
      ...result,
      config,
      dataset: {
        name: data.name,
        counts: { interactions: summary.interactions, users: summary.users, items: summary.items },
        fields: summary.fields,
        split: {
          kind: split.kind,
          train: split.train.length,
          validation: split.validation.length,
          test: split.test.length,
        },
        fingerprint,
        source: SOURCE,
      },
      backend: { name: 'cpu', reason: 'test' },
      lossCurve: [],
    }
    const { files, mappingFile } = demoDataFiles(SOURCE.seed, SOURCE)
    const zip = unzipSync(modelZip(exported, page, { mappingFile, problem: null, files }))
    for (const [name, bytes] of Object.entries(zip)) {
      mkdirSync(dirname(join(work, name)), { recursive: true })
      writeFileSync(join(work, name), bytes)
    }
  }, 120_000)

  it('ships what its README lists, and the demo’s files', () => {
    for (const name of ['train.py', 'data.py', 'model.py', 'mapping.json', 'requirements.txt', 'run.json'])
      expect(readFileSync(join(work, name)).length, name).toBeGreaterThan(10)
    // A header, a row per interaction, and the last line's end.
    expect(readFileSync(join(work, 'interactions.csv'), 'utf-8').split('\n').length).toBe(
      data.interactionUser.length + 2,
    )
  })

  it('says which file is missing, without a traceback, when the original files are not where it looks', () => {
    const run = spawnSync(PYTHON, ['train.py', '--data', join(work, 'elsewhere')], {
      cwd: work,
      encoding: 'utf-8',
    })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/^Could not read the data: .*\.csv was not found in .*elsewhere/)
    expect(run.stderr).not.toMatch(/Traceback/)
  })

  it('refuses the page’s weights for a model of other settings, saying so', () => {
    const run = spawnSync(PYTHON, ['train.py', '--evaluate', '--weights', 'weights.bin', '--dim', '8'], {
      cwd: work,
      encoding: 'utf-8',
    })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toMatch(/^weights\.bin does not fit the model these files build/)
    expect(run.stderr).not.toMatch(/Traceback/)
  })

  it('tests the page’s weights from the original files with the page’s numbers to 1e-6', () => {
    const out = JSON.parse(
      inProject(PYTHON, ['train.py', '--evaluate', '--weights', 'weights.bin', '--out', 'eval.run.json.gz']),
    )
    expect(out.test.queries).toBe(page.test.model.queries)
    const file = opened('eval.run.json.gz')
    for (const metric of RANK_METRIC_NAMES)
      expect(Math.abs(file.record.test.model[metric] - page.test.model[metric]), metric).toBeLessThan(1e-6)
    // The same data: the page rebuilds the demo from the source it names and finds the same fingerprint.
    expect(file.record.dataset.fingerprint).toBe(page.dataset.fingerprint)
    expect(file.record.dataset.source).toEqual(SOURCE)
  }, 60_000)

  it('trains in one process and in two (torchrun, gloo), and both run files open in the page', () => {
    inProject(PYTHON, ['train.py', '--epochs', '1', '--out', 'one.run.json.gz'])
    inProject(PYTHON, torchrunArgs(2, 'train.py', ['--epochs', '1', '--out', 'two.run.json.gz']))
    const one = opened('one.run.json.gz')
    const two = opened('two.run.json.gz')
    for (const file of [one, two]) {
      expect(file.record.history).toHaveLength(1)
      expect(file.record.config.dim).toBe(config.dim)
      expect(file.weights!.variables.length).toBeGreaterThan(10)
      expect(file.record.backend.reason).toMatch(/PyTorch/)
    }
    expect(one.record.backend.reason).toMatch(/1 process/)
    expect(two.record.backend.reason).toMatch(/2 process/)
    const a = one.record.history[0].validation['ndcg@10']
    const b = two.record.history[0].validation['ndcg@10']
    expect(Math.abs(a - b)).toBeLessThan(0.005)
  }, 180_000)
})
