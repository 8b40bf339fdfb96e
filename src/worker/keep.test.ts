import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { loadDemoDataset } from '../demo/demoDataset'
import { arrayBytes, datasetBytes, Keep, KeepFailed, type KeptRun, type KeptUpload } from './keep'
import type { IngestApplied } from './protocol'

const { data } = loadDemoDataset(3, { users: 50, items: 20, interactions: 600 })
const applied = {
  source: { kind: 'upload', ingestId: 4, name: 'ratings.csv' },
  summary: { interactions: 600 },
  fingerprint: 'abcd1234',
} as unknown as IngestApplied
const upload: KeptUpload = { applied, data, savedAt: '2026-12-01T08:00:00.000Z' }
const run = {
  record: { dataset: { name: 'ratings.csv' } },
  weights: { variables: [{ name: 'user/embeddings', shape: [2, 2], values: Float32Array.of(1, 2, 3, 4) }] },
  savedAt: '2026-12-01T08:01:00.000Z',
} as unknown as KeptRun

let opened: Keep[] = []
const open = async (factory: IDBFactory) => {
  const keep = await Keep.open(factory)
  opened.push(keep)
  return keep
}
afterEach(() => {
  opened.forEach((k) => k.close())
  opened = []
})

describe('what the page keeps in this browser', () => {
  it('gives back the encoded upload and the run with its weights, typed arrays and all, after a reopen', async () => {
    const factory = new IDBFactory()
    const first = await open(factory)
    expect(await first.get('upload')).toBeNull()
    await first.put('upload', upload)
    await first.put('run', run)
    first.close()
    // A reload: a new connection to the same database.
    const again = await open(factory)
    const back = await again.get('upload')
    expect(back).toEqual(upload)
    expect(back!.data.interactionUser).toBeInstanceOf(Int32Array)
    expect(back!.data.interactionTime).toBeInstanceOf(Float64Array)
    expect((await again.get('run'))!.weights!.variables[0].values).toEqual(Float32Array.of(1, 2, 3, 4))
  })

  it('forgets one entry or all of them', async () => {
    const keep = await open(new IDBFactory())
    await keep.put('upload', upload)
    await keep.put('run', run)
    await keep.delete('upload')
    expect(await keep.get('upload')).toBeNull()
    expect(await keep.get('run')).not.toBeNull()
    await keep.clear()
    expect(await keep.get('run')).toBeNull()
  })

  it('turns a failed write into KeepFailed and leaves the entry as it was', async () => {
    const keep = await open(new IDBFactory())
    await keep.put('run', run)
    const unclonable = { ...run, record: { ...run.record, oops: () => 1 } } as unknown as KeptRun
    const failure = await keep.put('run', unclonable).catch((e: unknown) => e)
    expect(failure).toBeInstanceOf(KeepFailed)
    expect((failure as KeepFailed).quota).toBe(false)
    expect(await keep.get('run')).toEqual(run)
  })

  it('says so when the browser offers no IndexedDB', async () => {
    await expect(Keep.open(null)).rejects.toThrow('this browser offers no IndexedDB here')
  })

  it('counts the bytes of a dataset and of the arrays in a checkpoint', () => {
    // Two Int32 ids and a Float64 time per interaction at least.
    expect(datasetBytes(data)).toBeGreaterThan(600 * 16)
    expect(arrayBytes({ a: [new Float32Array(10), { b: new Float64Array(2) }], n: 5, s: 'text' })).toBe(56)
  })
})
