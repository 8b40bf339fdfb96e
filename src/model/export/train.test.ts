/**
 * The exported `train.py` against the page: the same split, histories, exclusions, tie rule and metrics
 * (its test metrics from the page's weights equal the page's to 1e-6), a run file the page opens, and
 * training in one process and in two (torchrun, gloo). Runs Debian's python3-torch (`.ci/run` installs it).
 */
import '@tensorflow/tfjs-backend-cpu'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EncodedDataset } from '../../data/types'
import { loadDemoDataset } from '../../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../config'
import { buildHistories, historyLengthFor } from '../history'
import { Explorer } from '../explore'
import { exportModel } from '../modelExport'
import { RANK_METRIC_NAMES } from '../metrics'
import type { RunResult } from '../results'
import { runTraining } from '../run'
import { datasetFingerprint, openRunFile } from '../runFile'
import { multiValuedDataset } from '../testing'
import { Trainer } from '../train'
import { readWeights } from '../restore'
import { splitWithOrder } from '../../data/split'
import { HAS_TORCH, PYTHON, torchrunArgs } from './python.testing'

const HERE = resolve(__dirname)
const work = mkdtempSync(join(tmpdir(), 'train-py-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The encoded dataset as JSON (typed arrays as lists), for a Python stand-in of data.py's result. */
function datasetJson(data: EncodedDataset): string {
  return JSON.stringify(data, (_, v: unknown) =>
    ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v,
  )
}

/** Builds data.py's dataset from the page's JSON, then runs `code` with `train` imported. */
const PRELUDE = `
import json, sys, types, torch
sys.path.insert(0, ${JSON.stringify(HERE)})
import train
def field(f): return types.SimpleNamespace(**f)
def multi(f): return types.SimpleNamespace(name=f["name"], tower=f["tower"], vocabulary=f["vocabulary"],
                                           offsets=torch.tensor(f["offsets"]), codes=torch.tensor(f["codes"]))
def dataset(path):
    d = json.load(open(path))
    long = lambda xs: torch.tensor(xs, dtype=torch.long)
    return types.SimpleNamespace(
        name=d["name"], user_ids=d["userIds"], item_ids=d["itemIds"],
        user_fields=[field(f) for f in d["userFields"]], item_fields=[field(f) for f in d["itemFields"]],
        context_fields=[field(f) for f in d["contextFields"]],
        user_codes=long(d["userCodes"]), item_codes=long(d["itemCodes"]), context_codes=long(d["contextCodes"]),
        interaction_user=long(d["interactionUser"]), interaction_item=long(d["interactionItem"]),
        interaction_time=None if d["interactionTime"] is None else torch.tensor(d["interactionTime"], dtype=torch.float64),
        multi_user=[multi(f) for f in d.get("multiUser") or []], multi_item=[multi(f) for f in d.get("multiItem") or []])
`

function python(code: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', PRELUDE + code, ...args], { encoding: 'utf-8', maxBuffer: 64 << 20 })
}

/** `code` as a script run by torchrun with `processes` processes (gloo on CPU). */
function torchrun(processes: number, code: string, args: string[]): string {
  const script = join(work, `torchrun-${processes}.py`)
  writeFileSync(script, PRELUDE + code)
  return execFileSync(PYTHON, torchrunArgs(processes, script, args), {
    encoding: 'utf-8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  })
}

const CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  epochs: 2,
  batchSize: 128,
  dim: 16,
  heads: 2,
  layers: 1,
  mlpHidden: 16,
  historyLength: 5,
  compareBaselines: false,
}

interface PageRun {
  data: EncodedDataset
  result: RunResult
  dir: string
}

/** Trains in the page, then writes what train.py needs: the dataset, the model's weights, the config. */
async function pageRun(name: string, data: EncodedDataset, config: TrainConfig): Promise<PageRun> {
  let trainer: Trainer | null = null
  // As the worker does: history tokens only with timestamps.
  config = { ...config, historyLength: historyLengthFor(data, config.historyLength) }
  const result = await runTraining(data, config, { onModel: (t) => (trainer = t) })
  const exported = await exportModel(trainer!.model, data, config, { name: data.name, fingerprint: '' })
  trainer!.dispose()
  const dir = join(work, name)
  execFileSync('mkdir', ['-p', dir])
  writeFileSync(join(dir, 'dataset.json'), datasetJson(data))
  writeFileSync(join(dir, 'weights.bin'), exported.weights)
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  return { data, result, dir }
}

/** train.py's test result with the page's weights and no training. */
function pythonTest(run: PageRun): {
  model: Record<string, number>
  baselines: Record<string, Record<string, number>>
} {
  const out = python(
    `
ds = dataset(sys.argv[1] + "/dataset.json")
config = json.load(open(sys.argv[1] + "/config.json"))
record, _, _ = train.train(ds, config, log=lambda *a: None, weights=open(sys.argv[1] + "/weights.bin", "rb").read(), evaluate_only=True)
print(json.dumps(record["test"]))
`,
    [run.dir],
  )
  return JSON.parse(out)
}

/** Ties in time: every 7 rows share a second (histories and the split must break them as the page does). */
function withTies(data: EncodedDataset): EncodedDataset {
  return { ...data, name: 'ties', interactionTime: data.interactionTime!.map((t) => Math.floor(t / 7)) }
}

describe.skipIf(!HAS_TORCH)('train.py against the page', () => {
  it.each([
    ['multi-valued fields, history', () => multiValuedDataset(3)],
    ['ties in time', () => withTies(multiValuedDataset(4))],
    ['no timestamps (random split)', () => ({ ...multiValuedDataset(5), interactionTime: null })],
    ['the demo', () => loadDemoDataset(11, { users: 300, items: 120, interactions: 6000 }).data],
  ])(
    '%s: test metrics from the page weights equal the page’s to 1e-6',
    async (name, make) => {
      const run = await pageRun(name.replace(/\W+/g, '-'), make(), CONFIG)
      const py = pythonTest(run)
      const page = run.result.test
      expect(py.model.queries).toBe(page.model.queries)
      for (const metric of [...RANK_METRIC_NAMES, 'pairLoss', 'pairAccuracy', 'pairPrecision'] as const)
        expect(Math.abs(py.model[metric] - page.model[metric]!), metric).toBeLessThan(1e-6)
      for (const baseline of ['popularity', 'random'] as const)
        for (const metric of RANK_METRIC_NAMES.filter(
          (m) => baseline !== 'random' || !m.startsWith('coverage'),
        ))
          expect(
            Math.abs(py.baselines[baseline][metric] - page.baselines[baseline]![metric]),
            `${baseline} ${metric}`,
          ).toBeLessThan(1e-6)
    },
    120_000,
  )
})

/** Trains in PyTorch and writes the run file; prints the loss curve, the validation curve and top-20s. */
const TRAIN_AND_WRITE = `
ds = dataset(sys.argv[1] + "/dataset.json")
config = json.load(open(sys.argv[1] + "/config.json"))
record, towers, model_json = train.train(ds, config, log=lambda *a: None)
if record is not None:
    train.write_outputs(record, towers, model_json, sys.argv[2])
    users = ds.user_ids[:: max(1, len(ds.user_ids) // 7)]
    top = train.recommend(ds, towers, config, users)
    print(json.dumps({"loss": record["lossCurve"], "validation": [h["validation"] for h in record["history"]],
                      "trainLoss": [h["trainLoss"] for h in record["history"]], "top": top}))
`

describe.skipIf(!HAS_TORCH)('one training step, the page’s and train.py’s', () => {
  it.each([
    ['multi-valued fields, history', () => multiValuedDataset(6)],
    [
      'the demo (context fields)',
      () => loadDemoDataset(12, { users: 200, items: 80, interactions: 4000 }).data,
    ],
  ])(
    '%s: the same loss from the same weights, and the same loss on the next batch after both stepped',
    async (name, make) => {
      const data = make()
      const config = { ...CONFIG, historyLength: historyLengthFor(data, CONFIG.historyLength) }
      const { split, inTime } = splitWithOrder(data, config.seed)
      const trainer = new Trainer(
        data,
        split,
        config,
        buildHistories(data, split, config.historyLength, inTime),
      )
      const dir = join(work, `step-${name.replace(/\W+/g, '-')}`)
      execFileSync('mkdir', ['-p', dir])
      const weights = await readWeights(trainer.model)
      writeFileSync(
        join(dir, 'weights.bin'),
        Buffer.concat(weights.variables.map((v) => Buffer.from(v.values.buffer))),
      )
      writeFileSync(join(dir, 'dataset.json'), datasetJson(data))
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
      // Two batches with repeated items (accidental hits) and users with histories of every length.
      const batches = [split.train.slice(0, 64), split.train.slice(64, 128)]
      const page: number[] = []
      for (const rows of batches) {
        const loss = trainer.step(rows)
        page.push((await loss.data())[0])
        loss.dispose()
      }
      trainer.dispose()
      writeFileSync(join(dir, 'batches.json'), JSON.stringify(batches.map((b) => Array.from(b))))
      const py: number[] = JSON.parse(
        python(
          `
ds = dataset(sys.argv[1] + "/dataset.json")
config = json.load(open(sys.argv[1] + "/config.json"))
run = train.prepare(ds, config, open(sys.argv[1] + "/weights.bin", "rb").read())
steps = train.Steps(run.batches, config, run.log_q)
print(json.dumps([steps.step(torch.tensor(rows)) for rows in json.load(open(sys.argv[1] + "/batches.json"))]))
`,
          [dir],
        ),
      )
      // float32 arithmetic in another order: 1e-5 before any step; after one Adam step of both (the
      // first step moves every used weight by about the learning rate, whatever the gradient's size),
      // the second batch's loss must still agree to 1e-4.
      expect(Math.abs(py[0] - page[0]), `first loss ${page[0]}`).toBeLessThan(1e-5)
      expect(Math.abs(py[1] - page[1]), `second loss ${page[1]}`).toBeLessThan(1e-4)
    },
    60_000,
  )
})

describe.skipIf(!HAS_TORCH)('training in PyTorch', () => {
  const data = loadDemoDataset(11, { users: 600, items: 150, interactions: 12_000 }).data
  const config: TrainConfig = { ...CONFIG, epochs: 2, earlyStoppingPatience: 0 }
  const dir = join(work, 'pytorch')
  execFileSync('mkdir', ['-p', dir])
  writeFileSync(join(dir, 'dataset.json'), datasetJson(data))
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config))
  type Output = {
    loss: { step: number; loss: number }[]
    validation: Record<string, number>[]
    trainLoss: number[]
    top: Record<string, string[]>
  }
  const lastJson = (out: string): Output =>
    JSON.parse(
      out
        .trim()
        .split('\n')
        .pop()!
        .replace(/^\[default0\]:/, ''),
    )
  const file = join(dir, 'one.run.json.gz')
  let single: Output
  beforeAll(() => {
    single = lastJson(python(TRAIN_AND_WRITE, [dir, file]))
  }, 120_000)

  it('writes a run file the page opens, whose model gives the explorer the same top 20 as PyTorch', async () => {
    const opened = openRunFile(new Uint8Array(readFileSync(file)), 'one.run.json.gz')
    if (!opened.ok) throw new Error(opened.reason)
    expect(opened.record.dataset.fingerprint).toBe(datasetFingerprint(data))
    expect(opened.record.history.map((h) => h.validation['ndcg@10'])).toEqual(
      single.validation.map((v) => v['ndcg@10']),
    )
    const explorer = Explorer.fromWeights(data, opened.record.config, opened.weights!)
    try {
      expect(Object.keys(single.top).length).toBeGreaterThanOrEqual(5)
      for (const [user, items] of Object.entries(single.top)) {
        const view = await explorer.viewUser(data.userIds.indexOf(user))
        expect(
          view.recommendations.map((r) => r.id),
          user,
        ).toEqual(items)
        expect(items).toHaveLength(20)
      }
    } finally {
      explorer.dispose()
    }
  }, 120_000)

  it('two processes (torchrun, gloo) train as one: the same loss curve and validation', () => {
    const out = lastJson(torchrun(2, TRAIN_AND_WRITE, [dir, join(dir, 'two.run.json.gz')]))
    expect(out.loss.length).toBe(single.loss.length)
    out.loss.forEach((p, i) =>
      expect(Math.abs(p.loss - single.loss[i].loss) / single.loss[i].loss, `step ${p.step}`).toBeLessThan(
        1e-4,
      ),
    )
    out.validation.forEach((v, i) =>
      expect(Math.abs(v['ndcg@10'] - single.validation[i]['ndcg@10'])).toBeLessThan(0.005),
    )
    expect(readFileSync(join(dir, 'two.run.json.gz')).length).toBeGreaterThan(1000)
  }, 180_000)

  it('lands within noise of the page’s validation curve from the same seed', async () => {
    // Both start from draws of the same distributions (not the same numbers: tfjs and PyTorch have
    // their own generators) and see the same batches. Each epoch's validation NDCG@10 and Recall@10 must
    // agree within 3 standard errors of their difference, the two runs' query-level errors combined.
    const page = await runTraining(data, config)
    page.history.forEach((h, i) => {
      for (const metric of ['ndcg@10', 'recall@10']) {
        const a = h.validation[metric as 'ndcg@10']
        const b = single.validation[i][metric]
        // Per-query values are means of hits in [0, 1]: their standard error is at most
        // sqrt(p(1 - p) / n) for Recall and bounded the same way for NDCG.
        const n = h.validation.queries
        const noise = Math.sqrt((a * (1 - a)) / n + (b * (1 - b)) / n)
        expect(Math.abs(a - b), `epoch ${i + 1} ${metric}`).toBeLessThan(3 * noise)
      }
    })
    expect(page.history.length).toBe(single.validation.length)
    // The mean training loss of each epoch: within 3% (measured here: 0.9% and 0.4%); a wrong temperature,
    // logQ or mask moves it by far more.
    page.history.forEach((h, i) =>
      expect(Math.abs(h.trainLoss - single.trainLoss[i]) / h.trainLoss, `epoch ${i + 1}`).toBeLessThan(0.03),
    )
  }, 180_000)
})
