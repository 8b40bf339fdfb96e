/**
 * The worker's side of keeping things in this browser (the store itself is `keep.ts`): it writes the
 * applied upload, the last run and the run in progress when they change, brings them back on the next
 * visit, forgets them on request, and tells the page what is kept (`kept`) after each change. Failures
 * are messages per entry, never errors: the page works on without keeping.
 */
import type { EncodedDataset } from '../data/types'
import type { TrainConfig } from '../model/config'
import { normalizeTrainConfig } from '../model/config'
import type { ModelWeights } from '../model/weights'
import type { Ingestor } from './ingestSession'
import {
  arrayBytes,
  datasetBytes,
  Keep,
  KeepFailed,
  storageUse,
  type KeptCheckpoint,
  type KeptRun,
  type KeptUpload,
} from './keep'
import type { FromWorker, IngestApplied, KeptSummary } from './protocol'

/** Weights larger than this (float32 bytes) are not kept with the last run. */
export const MAX_KEPT_WEIGHT_BYTES = 64 * 1024 * 1024
/** Checkpoints larger than this (their arrays' bytes) are not kept: a reload then starts the run again. */
const MAX_KEPT_CHECKPOINT_BYTES = 256 * 1024 * 1024
/** Uploads larger than this (encoded) are not kept: copying them into storage would hold the worker for seconds. */
const MAX_KEPT_UPLOAD_BYTES = 512 * 1024 * 1024

type Entry = 'upload' | 'run' | 'checkpoint'

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

export class Keeper {
  private opened: Promise<Keep | null> | null = null
  /** What is kept now, in the words and numbers the page is told (no data, no weights). */
  private summary: Pick<KeptSummary, 'upload' | 'run' | 'checkpoint'> = {
    upload: null,
    run: null,
    checkpoint: null,
  }
  /** Why an entry could not be kept (or why nothing can be), by entry. */
  private readonly problems = new Map<Entry | 'store', string>()

  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly ingestor: Ingestor,
  ) {}

  private store(): Promise<Keep | null> {
    this.opened ??= Keep.open().catch((e: unknown) => {
      this.problems.set(
        'store',
        `Nothing can be kept in this browser between visits (${messageOf(e)}); your data and runs stay until the page is closed or reloaded.`,
      )
      return null
    })
    return this.opened
  }

  /** Tells the page what is kept now and how much storage the page uses. */
  private async report(): Promise<void> {
    const use = await storageUse()
    this.post({
      type: 'kept',
      kept: {
        ...this.summary,
        usage: use?.usage ?? null,
        quota: use?.quota ?? null,
        problem: this.problems.size > 0 ? [...this.problems.values()].join(' ') : null,
      },
    })
  }

  /**
   * Writes one entry. When that fails, the entry is deleted rather than left as it was (a reload must
   * not bring back older data as if it were the current one) and the page is told why.
   */
  private async write(key: Entry, what: string, bytes: number, value: KeptUpload | KeptRun | KeptCheckpoint) {
    const store = await this.store()
    if (!store) return false
    try {
      // The store's `put` is typed per key; the three calls are the three entries.
      if (key === 'upload') await store.put('upload', value as KeptUpload)
      else if (key === 'run') await store.put('run', value as KeptRun)
      else await store.put('checkpoint', value as KeptCheckpoint)
      this.problems.delete(key)
      return true
    } catch (e) {
      const use = await storageUse()
      this.problems.set(
        key,
        e instanceof KeepFailed && e.quota
          ? `${what} (${megabytes(bytes)}) could not be kept in this browser: its storage for this page is full${use ? ` (${megabytes(use.usage)} used of ${megabytes(use.quota)})` : ''}. It stays here until the page is closed or reloaded; Forget saved data frees what is kept.`
          : `${what} could not be kept in this browser (${messageOf(e)}); it stays here until the page is closed or reloaded.`,
      )
      this.summary = { ...this.summary, [key]: null }
      await store.delete(key).catch(() => undefined)
      return false
    }
  }

  /** An entry not kept, and why: any older one is deleted (it is not the current one any more). */
  private async skip(key: Entry, why: string): Promise<void> {
    this.problems.set(key, why)
    this.summary = { ...this.summary, [key]: null }
    const store = await this.store()
    await store?.delete(key).catch(() => undefined)
    await this.report()
  }

  /** Keeps an applied upload (its encoded arrays and what the page showed of it). */
  async keepUpload(applied: IngestApplied, data: EncodedDataset): Promise<void> {
    const entry: KeptUpload = { applied, data, savedAt: new Date().toISOString() }
    const bytes = datasetBytes(data)
    if (bytes > MAX_KEPT_UPLOAD_BYTES) {
      await this.skip(
        'upload',
        `Your data is too large to keep in this browser (${megabytes(bytes)} encoded; at most ${megabytes(MAX_KEPT_UPLOAD_BYTES)}): a reload asks for the files again.`,
      )
      return
    }
    if (await this.write('upload', 'Your data', bytes, entry))
      this.summary.upload = {
        name: applied.source.name,
        interactions: applied.summary.interactions,
        fingerprint: applied.fingerprint,
        savedAt: entry.savedAt,
      }
    await this.report()
  }

  /** Keeps the last run trained here, with its model's weights when given. */
  async keepRun(record: KeptRun['record'], weights: ModelWeights | null): Promise<void> {
    const entry: KeptRun = { record, weights, savedAt: new Date().toISOString() }
    if (await this.write('run', 'The last run', (record.parameters ?? 0) * 4, entry))
      this.summary.run = { name: record.dataset.name, savedAt: entry.savedAt, withWeights: weights !== null }
    await this.report()
  }

  /** Keeps the run in progress after a finished epoch, so a reload resumes it from there. */
  async keepCheckpoint(entry: KeptCheckpoint): Promise<void> {
    const bytes = arrayBytes(entry.checkpoint)
    if (bytes > MAX_KEPT_CHECKPOINT_BYTES) {
      await this.skip(
        'checkpoint',
        `The run in progress is too large to keep after each epoch (${megabytes(bytes)}; at most ${megabytes(MAX_KEPT_CHECKPOINT_BYTES)}): a reload would start it again.`,
      )
      return
    }
    if (await this.write('checkpoint', 'The run in progress', bytes, entry))
      this.summary.checkpoint = { epoch: entry.checkpoint.epoch, epochs: entry.config.epochs }
    await this.report()
  }

  /** The run in progress ended (finished, stopped or failed): nothing to resume any more. */
  async dropCheckpoint(): Promise<void> {
    const hadProblem = this.problems.delete('checkpoint')
    if (!this.summary.checkpoint) {
      if (hadProblem) await this.report()
      return
    }
    this.summary.checkpoint = null
    const store = await this.store()
    await store?.delete('checkpoint').catch(() => undefined)
    await this.report()
  }

  /** The kept checkpoint when it is of a run with this config on this data; null otherwise. */
  async checkpointFor(config: TrainConfig, fingerprint: string): Promise<KeptCheckpoint | null> {
    const store = await this.store()
    const entry = store ? await store.get('checkpoint').catch(() => null) : null
    if (!entry || entry.fingerprint !== fingerprint) return null
    return JSON.stringify(normalizeTrainConfig(entry.config)) === JSON.stringify(config) ? entry : null
  }

  /**
   * Brings back what earlier visits kept: the upload becomes the ingestor's latest upload again
   * (`kept-upload`); an interrupted run whose data is here is offered for resuming (`kept-checkpoint`);
   * the last run is shown as an opened run file (`kept-run`). Anything unreadable is forgotten, with a
   * message.
   */
  async load(): Promise<void> {
    const store = await this.store()
    if (store) {
      try {
        const [upload, run, checkpoint] = await Promise.all([
          store.get('upload'),
          store.get('run'),
          store.get('checkpoint'),
        ])
        if (upload) {
          this.ingestor.adopt(upload.applied, upload.data)
          this.summary.upload = {
            name: upload.applied.source.name,
            interactions: upload.applied.summary.interactions,
            fingerprint: upload.applied.fingerprint,
            savedAt: upload.savedAt,
          }
          this.post({ type: 'kept-upload', applied: upload.applied })
          const { source, summary } = upload.applied
          this.post({ type: 'loaded', source, summary, seconds: 0 })
        }
        // Its data must be here: the demo always is, an upload when it is the kept one.
        const resumable =
          checkpoint !== null &&
          (checkpoint.source.kind === 'demo' ||
            (upload !== null && upload.applied.source.ingestId === checkpoint.source.ingestId))
        if (checkpoint && resumable) {
          this.summary.checkpoint = { epoch: checkpoint.checkpoint.epoch, epochs: checkpoint.config.epochs }
          const { config, source } = checkpoint
          this.post({ type: 'kept-checkpoint', config, source, epoch: checkpoint.checkpoint.epoch })
        } else if (checkpoint) await store.delete('checkpoint')
        if (run) {
          this.summary.run = {
            name: run.record.dataset.name,
            savedAt: run.savedAt,
            withWeights: run.weights !== null,
          }
          this.post({ type: 'kept-run', record: run.record, weights: run.weights })
        }
      } catch (e) {
        this.problems.set(
          'store',
          `What this browser kept from an earlier visit could not be read back (${messageOf(e)}), so it was forgotten.`,
        )
        this.summary = { upload: null, run: null, checkpoint: null }
        await store.clear().catch(() => undefined)
      }
    }
    await this.report()
  }

  /** Deletes everything kept (the data and run in the page stay). */
  async forget(): Promise<void> {
    const store = await this.store()
    this.summary = { upload: null, run: null, checkpoint: null }
    this.problems.clear()
    await store?.clear().catch((e: unknown) => {
      this.problems.set('store', `What is kept could not be deleted (${messageOf(e)}).`)
    })
    await this.report()
  }
}
