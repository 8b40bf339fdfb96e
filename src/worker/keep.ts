/**
 * What the page keeps in this browser between visits, in IndexedDB, read and written by the worker
 * only: the applied upload as encoded arrays (never the raw files) and the last run trained here, with
 * its model's weights. A reload brings both back; "Forget saved data" deletes them. Nothing of it ever
 * leaves the browser.
 *
 * Every failure (no IndexedDB, a private window, the quota) is a message for the person, never a broken
 * page: the data and run on screen stay, they are just not kept.
 */
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from '../model/config'
import type { LossPoint, RunRecord } from '../model/results'
import type { RunCheckpoint } from '../model/run'
import type { ModelWeights } from '../model/weights'
import type { DatasetSource, IngestApplied } from './protocol'

export const KEEP_DATABASE = 'attentive-playground'
const STORE = 'kept'
const VERSION = 1

/** The applied upload: what the mapper and EDA showed, and the encoded data the model trains on. */
export interface KeptUpload {
  applied: IngestApplied
  data: EncodedDataset
  savedAt: string
}

/** The last run trained here, whole, with its model's weights when they were not too large to keep. */
export interface KeptRun {
  record: RunRecord
  weights: ModelWeights | null
  savedAt: string
}

/** The run in progress after its last finished epoch: what a reload resumes from. */
export interface KeptCheckpoint {
  /** The config and source the run was started with (as the page sent them). */
  config: TrainConfig
  source: DatasetSource
  /** `datasetFingerprint` of the data it trains on: a resume on other data is refused. */
  fingerprint: string
  /** The loss points posted so far. */
  lossCurve: LossPoint[]
  checkpoint: RunCheckpoint
  savedAt: string
}

interface Entries {
  upload: KeptUpload
  run: KeptRun
  checkpoint: KeptCheckpoint
}

/** A write that failed; `quota` when the browser's storage for this page is full. */
export class KeepFailed extends Error {
  constructor(
    message: string,
    readonly quota: boolean,
  ) {
    super(message)
    this.name = 'KeepFailed'
  }
}

const isQuota = (e: unknown) =>
  e instanceof Error && (e.name === 'QuotaExceededError' || /quota/i.test(e.message))

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'))
  })
}

/** Resolves when the transaction has committed; rejects with its error (a quota error included). */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'))
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction was aborted'))
  })
}

export class Keep {
  private constructor(private readonly db: IDBDatabase) {}

  /** Opens (or creates) the page's database; rejects when this browser offers no IndexedDB. */
  static async open(
    factory: IDBFactory | null = globalThis.indexedDB ?? null,
    name = KEEP_DATABASE,
  ): Promise<Keep> {
    if (!factory) throw new Error('this browser offers no IndexedDB here')
    const request = factory.open(name, VERSION)
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(STORE)) request.result.createObjectStore(STORE)
    }
    return new Keep(await requestDone(request))
  }

  async get<K extends keyof Entries>(key: K): Promise<Entries[K] | null> {
    const tx = this.db.transaction(STORE, 'readonly')
    const value = (await requestDone(tx.objectStore(STORE).get(key))) as Entries[K] | undefined
    return value ?? null
  }

  /** Writes one entry; a failure is a `KeepFailed` and leaves the entry as it was before. */
  async put<K extends keyof Entries>(key: K, value: Entries[K]): Promise<void> {
    try {
      const tx = this.db.transaction(STORE, 'readwrite')
      tx.objectStore(STORE).put(value, key)
      await committed(tx)
    } catch (e) {
      const quota = isQuota(e)
      throw new KeepFailed(e instanceof Error ? e.message : String(e), quota)
    }
  }

  async delete(key: keyof Entries): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite')
    tx.objectStore(STORE).delete(key)
    await committed(tx)
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(STORE, 'readwrite')
    tx.objectStore(STORE).clear()
    await committed(tx)
  }

  close(): void {
    this.db.close()
  }
}

/** Bytes of an encoded dataset's arrays and ids: about what keeping it takes. */
export function datasetBytes(data: EncodedDataset): number {
  let bytes = 0
  for (const a of [
    data.userCodes,
    data.itemCodes,
    data.contextCodes,
    data.interactionUser,
    data.interactionItem,
    data.interactionTime,
  ])
    bytes += a?.byteLength ?? 0
  for (const ids of [data.userIds, data.itemIds, data.itemLabels ?? [], data.userLabels ?? []])
    for (const id of ids) bytes += 2 * id.length
  for (const m of [...(data.multiUser ?? []), ...(data.multiItem ?? [])])
    bytes += m.offsets.byteLength + m.codes.byteLength
  return bytes
}

/** Bytes of the typed arrays in a value (weights, moments, per-query scores): about what keeping it takes. */
export function arrayBytes(value: unknown): number {
  if (ArrayBuffer.isView(value)) return value.byteLength
  if (Array.isArray(value)) return value.reduce((sum: number, v) => sum + arrayBytes(v), 0)
  if (typeof value === 'object' && value !== null)
    return Object.values(value).reduce((sum: number, v) => sum + arrayBytes(v), 0)
  return 0
}

/** The storage this page uses and may use, as the browser estimates it; null where it cannot say. */
export async function storageUse(): Promise<{ usage: number; quota: number } | null> {
  try {
    const estimate = await globalThis.navigator?.storage?.estimate?.()
    return estimate && typeof estimate.usage === 'number' && typeof estimate.quota === 'number'
      ? { usage: estimate.usage, quota: estimate.quota }
      : null
  } catch {
    return null
  }
}
