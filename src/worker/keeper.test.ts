import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { DEFAULT_TRAIN_CONFIG } from '../model/config'
import type { RunRecord } from '../model/results'
import type { RunCheckpoint } from '../model/run'
import { Ingestor } from './ingestSession'
import { Keep, KeepFailed } from './keep'
import { Keeper } from './keeper'
import type { FromWorker, IngestApplied, KeptSummary } from './protocol'

const { data } = loadDemoDataset(3, { users: 50, items: 20, interactions: 600 })
const source = { kind: 'upload' as const, ingestId: 4, name: 'ratings.csv' }
const applied = {
  source,
  summary: { interactions: 600 },
  fingerprint: 'abcd1234',
} as unknown as IngestApplied
const record = { dataset: { name: 'ratings.csv' }, parameters: 4 } as unknown as RunRecord
const weights = {
  variables: [{ name: 'user/embeddings', shape: [2, 2], values: Float32Array.of(1, 2, 3, 4) }],
}
const checkpointOf = (epoch: number, runSource: typeof source | { kind: 'demo' } = source) => ({
  config: DEFAULT_TRAIN_CONFIG,
  source: runSource as never,
  fingerprint: 'abcd1234',
  lossCurve: [{ step: 5, loss: 1 }],
  checkpoint: {
    epoch,
    main: { weights: { variables: [{ values: new Float32Array(8) }] } },
  } as unknown as RunCheckpoint,
  savedAt: '',
})

/** A page visit: a worker's keeper and ingestor, and the messages it posts. */
function visit() {
  const posted: FromWorker[] = []
  const post = (m: FromWorker) => void posted.push(m)
  const ingestor = new Ingestor(post)
  const keeper = new Keeper(post, ingestor)
  const kept = () =>
    (posted.filter((m) => m.type === 'kept').at(-1) as { kept: KeptSummary } | undefined)?.kept
  return { posted, ingestor, keeper, kept, types: () => posted.map((m) => m.type) }
}

beforeEach(() => {
  // Each test is a new browser profile.
  globalThis.indexedDB = new IDBFactory()
})

describe('the worker keeping things between visits', () => {
  it('brings back the upload as the latest upload, and the last run, on the next visit', async () => {
    const first = visit()
    await first.keeper.keepUpload(applied, data)
    await first.keeper.keepRun(record, weights)
    expect(first.kept()).toMatchObject({
      upload: { name: 'ratings.csv', interactions: 600, fingerprint: 'abcd1234' },
      run: { name: 'ratings.csv', withWeights: true },
      checkpoint: null,
      problem: null,
    })
    const next = visit()
    await next.keeper.load()
    expect(next.types()).toEqual(['kept-upload', 'loaded', 'kept-run', 'kept'])
    expect(next.ingestor.dataset(source)).toEqual(data)
    const run = next.posted.find((m) => m.type === 'kept-run') as Extract<FromWorker, { type: 'kept-run' }>
    expect(run.weights).toEqual(weights)
  })

  it('offers an interrupted run for resuming before the last run, only while its data is here', async () => {
    const first = visit()
    await first.keeper.keepUpload(applied, data)
    await first.keeper.keepCheckpoint(checkpointOf(2))
    expect(first.kept()!.checkpoint).toEqual({ epoch: 2, epochs: DEFAULT_TRAIN_CONFIG.epochs })
    await first.keeper.keepRun(record, null)
    const next = visit()
    await next.keeper.load()
    expect(next.types()).toEqual(['kept-upload', 'loaded', 'kept-checkpoint', 'kept-run', 'kept'])
    expect(await next.keeper.checkpointFor(DEFAULT_TRAIN_CONFIG, 'abcd1234')).not.toBeNull()
    // Another data set or another config: not this run.
    expect(await next.keeper.checkpointFor(DEFAULT_TRAIN_CONFIG, 'ffff0000')).toBeNull()
    expect(await next.keeper.checkpointFor({ ...DEFAULT_TRAIN_CONFIG, dim: 64 }, 'abcd1234')).toBeNull()
    // Once the run ends there is nothing to resume.
    await next.keeper.dropCheckpoint()
    const third = visit()
    await third.keeper.load()
    expect(third.types()).not.toContain('kept-checkpoint')
  })

  it('drops a checkpoint of an upload that was not kept', async () => {
    const first = visit()
    await first.keeper.keepCheckpoint(checkpointOf(1))
    const next = visit()
    await next.keeper.load()
    expect(next.types()).toEqual(['kept'])
    expect(next.kept()!.checkpoint).toBeNull()
    // The demo is always here: its run is offered.
    await first.keeper.keepCheckpoint(checkpointOf(1, { kind: 'demo' }))
    const third = visit()
    await third.keeper.load()
    expect(third.types()).toEqual(['kept-checkpoint', 'kept'])
  })

  it('forgets everything on request', async () => {
    const first = visit()
    await first.keeper.keepUpload(applied, data)
    await first.keeper.keepRun(record, weights)
    await first.keeper.forget()
    expect(first.kept()).toMatchObject({ upload: null, run: null, checkpoint: null, problem: null })
    const next = visit()
    await next.keeper.load()
    expect(next.types()).toEqual(['kept'])
  })

  it('says a full quota in words, and deletes the older entry rather than bring it back later', async () => {
    const first = visit()
    await first.keeper.keepUpload(applied, data)
    const put = vi.spyOn(Keep.prototype, 'put').mockRejectedValueOnce(new KeepFailed('quota', true))
    await first.keeper.keepUpload({ ...applied, fingerprint: 'new00000' }, data)
    put.mockRestore()
    expect(first.kept()!.upload).toBeNull()
    expect(first.kept()!.problem).toMatch(
      /^Your data \([\d.]+ MB\) could not be kept in this browser: its storage for this page is full/,
    )
    const next = visit()
    await next.keeper.load()
    expect(next.types()).toEqual(['kept'])
    // A later write of another entry that works does not hide why the data is not kept; a write of the
    // data that works does.
    await first.keeper.keepRun(record, null)
    expect(first.kept()!.problem).toMatch(/^Your data/)
    await first.keeper.keepUpload(applied, data)
    expect(first.kept()!.problem).toBeNull()
  })
})
