/**
 * The ingestion session inside the training worker: it reads dropped files (`File.stream()`, with
 * progress and cancel), asks `data/` for a mapping proposal (`mapping.propose.ts`), and applies the
 * mapping the person sends back (validate -> lift to towers -> clean -> encode), posting every step.
 * The rules live in `data/`; this file holds the session's state. The encoded dataset stays here and
 * `start` trains on it through `datasetFor`; the UI only ever sees plain reports.
 *
 * Request discipline: every request carries a fresh `ingestId` and every reply echoes it, so the UI can
 * drop replies to requests it has moved past. Parsed files live in a session named by the `ingestId` of
 * the `ingest-files` request that read them; a failed or cancelled read keeps the previous session and
 * the previous upload, so bad input never replaces good data. No DOM here: `post` is injected, so the
 * whole flow runs in Node tests.
 */
import { cleanDataset, DEFAULT_CLEANING } from '../data/clean'
import { computeEda } from '../data/eda'
import { encodeDataset } from '../data/encode'
import { summarize } from '../data/encode.summary'
import { parseNumber } from '../data/encode.values'
import { knownParseOptions, type FileRole } from '../data/formats'
import { ingestFile, type CancelFlag } from '../data/ingest'
import { findLeaks } from '../data/leak'
import { mappingFileOf, type MappingFile } from '../data/mappingFile'
import {
  errorsOf,
  mappingFacts,
  problemOf,
  validateMapping,
  type ColumnMapping,
  type MappingFacts,
} from '../data/mapping'
import { liftToTowers } from '../data/mapping.join'
import { proposeMapping, proposeWithRoles, tablesOf, type MappingProposal } from '../data/mapping.propose'
import type { ParsedFile, ParseOptions } from '../data/parse'
import { splitDataset } from '../data/split'
import { numbersOf } from '../data/table'
import type { DataProblem, EncodedDataset } from '../data/types'
import { DEFAULT_TRAIN_CONFIG } from '../model/config'
import { datasetFingerprint } from '../model/runFile'
import type {
  FromWorker,
  IngestApplied,
  IngestParseOverrides,
  IngestProposal,
  IngestStage,
  ToWorker,
  UploadSource,
} from './protocol'

/** An upload's `mapping.json`, or why there is none. */
export interface MappingFileResult {
  file: MappingFile | null
  problem: string | null
}

function mappingFileResultOf(applied: IngestApplied): MappingFileResult {
  if (applied.mappingFile) return { file: applied.mappingFile, problem: null }
  return {
    file: null,
    problem:
      applied.mappingFileProblem ??
      'this upload was kept by an older version of the page: apply the files again to export it',
  }
}

/** Progress messages are posted at most this often (~10 per second). */
export const PROGRESS_INTERVAL_MS = 100
/** Fewer interactions than this after cleaning cannot be split into train, validation and test. */
export const MIN_INTERACTIONS = 10

/** The members of `File` the worker uses (a real `File` in the browser, a `Blob`-made one in tests). */
export interface FileLike {
  readonly name: string
  readonly size: number
  stream(): ReadableStream<Uint8Array>
}

export type IngestMessage = Extract<
  ToWorker,
  { type: 'ingest-files' | 'ingest-roles' | 'ingest-apply' | 'ingest-cancel' }
>

interface Session {
  id: number
  files: ParsedFile[]
  skipped: { file: string; reason: string }[]
  mapped: MappingProposal
  /** Facts of `mapped`'s tables (`validateMapping` reads them), measured once per proposal. */
  facts: MappingFacts
}

/** Reads a file's stream chunk by chunk; stops (and cancels the read) when `cancel` is set. */
async function* chunksOf(file: FileLike, cancel: CancelFlag): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader()
  let done = false
  try {
    while (!cancel.aborted) {
      const next = await reader.read()
      if (next.done) {
        done = true
        return
      }
      yield next.value
    }
  } finally {
    if (!done) await reader.cancel().catch(() => undefined)
  }
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e))

/**
 * Owns ingestion state in the worker: the parsed files of the current session, the read in progress
 * and the latest encoded upload. `handle` never throws; every failure becomes an `ingest-failed`.
 */
export class Ingestor {
  private session: Session | null = null
  private reading: { ingestId: number; cancel: { aborted: boolean } } | null = null
  private uploaded: { source: UploadSource; data: EncodedDataset; mappingFile: MappingFileResult } | null =
    null

  /**
   * `onApplied` hears of every successful apply after the page did (the worker keeps the upload in
   * this browser there).
   */
  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly now: () => number = () => Date.now(),
    private readonly onApplied?: (applied: IngestApplied, data: EncodedDataset) => void,
  ) {}

  /** The latest applied upload's data, or null when none was applied. */
  latestDataset(): EncodedDataset | null {
    return this.uploaded?.data ?? null
  }

  /** Makes an upload applied in an earlier visit (kept in this browser) the latest upload again. */
  adopt(applied: IngestApplied, data: EncodedDataset): void {
    this.uploaded = { source: applied.source, data, mappingFile: mappingFileResultOf(applied) }
  }

  /**
   * The latest upload's `mapping.json` for an exported PyTorch project, when `data` is that upload's
   * dataset (the one a run on it trained on); else why there is none.
   */
  mappingFileFor(data: EncodedDataset): MappingFileResult {
    if (!this.uploaded || this.uploaded.data !== data)
      return { file: null, problem: 'the files this run trained on are no longer the applied upload' }
    return this.uploaded.mappingFile
  }

  /** The encoded upload `source` names; throws (a bug, not bad data) when it is no longer here. */
  dataset(source: UploadSource): EncodedDataset {
    if (this.uploaded?.source.ingestId !== source.ingestId)
      throw new Error(`The uploaded data "${source.name}" is no longer loaded; drop the files again.`)
    return this.uploaded.data
  }

  async handle(msg: IngestMessage): Promise<void> {
    const stage: IngestStage =
      msg.type === 'ingest-apply' ? 'apply' : msg.type === 'ingest-roles' ? 'map' : 'parse'
    try {
      switch (msg.type) {
        case 'ingest-files':
          return await this.read(msg.ingestId, msg.files, msg.overrides)
        case 'ingest-roles':
          return this.remap(msg.ingestId, msg.sessionId, msg.roles)
        case 'ingest-apply':
          return this.apply(msg.ingestId, msg.sessionId, msg.mapping, msg.cleaning)
        case 'ingest-cancel':
          if (this.reading?.ingestId === msg.ingestId) this.reading.cancel.aborted = true
          return
      }
    } catch (e) {
      this.fail(msg.ingestId, stage, {
        ok: false,
        reason: `Unexpected error while reading the data: ${describe(e)}`,
      })
    }
  }

  private fail(ingestId: number, stage: IngestStage, problem: DataProblem): void {
    this.post({ type: 'ingest-failed', ingestId, stage, problem })
  }

  private async read(ingestId: number, files: FileLike[], overrides: IngestParseOverrides): Promise<void> {
    if (this.reading) this.reading.cancel.aborted = true
    const cancel = { aborted: false }
    const reading = { ingestId, cancel }
    this.reading = reading
    try {
      const started = this.now()
      if (files.length === 0) return this.fail(ingestId, 'parse', { ok: false, reason: 'No file was given.' })
      const totalBytes = files.reduce((s, f) => s + f.size, 0)
      const parseOptions = (name: string): ParseOptions => ({ ...knownParseOptions(name), ...overrides })
      const parsed: ParsedFile[] = []
      const skipped: Session['skipped'] = []
      let bytesBefore = 0
      let rowsBefore = 0
      let lastPost = -Infinity
      for (const [fileIndex, file] of files.entries()) {
        const result = await ingestFile(file.name, chunksOf(file, cancel), {
          parseOptions,
          signal: cancel,
          totalBytes: file.size,
          onProgress: (p) => {
            const t = this.now()
            if (t - lastPost < PROGRESS_INTERVAL_MS) return
            lastPost = t
            this.post({
              type: 'ingest-progress',
              ingestId,
              progress: {
                file: file.name,
                fileIndex,
                fileCount: files.length,
                bytesRead: bytesBefore + p.bytesRead,
                totalBytes,
                rows: rowsBefore + p.rows,
              },
            })
          },
        })
        if (!result.ok) return this.fail(ingestId, 'parse', { ...result, file: result.file ?? file.name })
        parsed.push(...result.data.files)
        skipped.push(...result.data.skipped)
        bytesBefore += file.size
        rowsBefore += result.data.files.reduce((s, f) => s + f.report.rows, 0)
      }
      if (cancel.aborted)
        return this.fail(ingestId, 'parse', { ok: false, reason: 'Loading was cancelled.', cancelled: true })
      const mapped = proposeMapping(parsed.map((f) => f.table))
      if (!mapped.ok) return this.fail(ingestId, 'parse', mapped)
      this.session = {
        id: ingestId,
        files: parsed,
        skipped,
        mapped: mapped.data,
        facts: mappingFacts(mapped.data.tables, mapped.data.mapping),
      }
      this.postProposal(ingestId, started)
    } finally {
      if (this.reading === reading) this.reading = null
    }
  }

  private remap(ingestId: number, sessionId: number, roles: FileRole[]): void {
    const session = this.session
    if (!session || session.id !== sessionId)
      return this.fail(ingestId, 'map', {
        ok: false,
        reason: 'Those files are no longer loaded; drop them again.',
      })
    const started = this.now()
    const mapped = proposeWithRoles(
      session.files.map((f) => f.table),
      roles,
    )
    if (!mapped.ok) return this.fail(ingestId, 'map', mapped)
    session.mapped = mapped.data
    session.facts = mappingFacts(mapped.data.tables, mapped.data.mapping)
    this.postProposal(ingestId, started)
  }

  private postProposal(ingestId: number, started: number): void {
    const session = this.session!
    const { mapped } = session
    const proposal: IngestProposal = {
      sessionId: session.id,
      format: mapped.format,
      roles: mapped.roles,
      files: session.files.map((f) => ({
        file: f.table.name,
        columns: f.table.columns,
        rows: f.table.rowCount,
      })),
      tables: tablesOf(mapped.tables).map(([role, t]) => ({
        role,
        file: t.name,
        columns: t.columns,
        rows: t.rowCount,
      })),
      mapping: mapped.mapping,
      columns: mapped.columns,
      reports: session.files.map((f) => f.report),
      skipped: session.skipped,
      notes: mapped.notes,
      facts: session.facts,
      eda: computeEda(mapped.tables, mapped.mapping),
      seconds: (this.now() - started) / 1000,
    }
    this.post({ type: 'ingest-proposal', ingestId, proposal })
  }

  private apply(
    ingestId: number,
    sessionId: number,
    mappingIn: ColumnMapping,
    cleaning: Parameters<typeof cleanDataset>[2],
  ): void {
    const session = this.session
    if (!session || session.id !== sessionId)
      return this.fail(ingestId, 'apply', {
        ok: false,
        reason: 'Those files are no longer loaded; drop them again.',
      })
    const started = this.now()
    const issues = validateMapping(mappingFacts(session.mapped.tables, mappingIn, session.facts), mappingIn)
    const [error] = errorsOf(issues)
    if (error) return this.fail(ingestId, 'apply', problemOf(error))
    const { tables, mapping } = liftToTowers(session.mapped.tables, mappingIn)
    const cleaned = cleanDataset(tables, mapping, cleaning)
    if (!cleaned.ok) return this.fail(ingestId, 'apply', cleaned)
    // Named after the files in use, the interactions first (unused files are not part of it).
    const name =
      session.mapped.format ??
      [...session.mapped.roles]
        .filter((r) => r.role !== 'unused')
        .sort((a, b) => Number(b.role === 'interactions') - Number(a.role === 'interactions'))
        .map((r) => r.file)
        .join(' + ')
    const encoded = encodeDataset(name, cleaned.data.tables, mapping)
    if (!encoded.ok) return this.fail(ingestId, 'apply', encoded)
    const n = encoded.data.interactionUser.length
    if (n < MIN_INTERACTIONS)
      return this.fail(ingestId, 'apply', {
        ok: false,
        reason: `Only ${n} interaction(s) are left after cleaning; at least ${MIN_INTERACTIONS} are needed to train and evaluate.`,
        file: tables.interactions.name,
      })
    // The leak guard, when there is context to check, on the split the default seed gives (the
    // temporal split does not depend on it).
    const ratings =
      mapping.rating && encoded.data.contextFields.length > 0
        ? numbersOf(cleaned.data.tables.interactions.coded[mapping.rating], parseNumber, 'number')
        : null
    const leaks =
      encoded.data.contextFields.length > 0
        ? findLeaks(encoded.data, splitDataset(encoded.data, DEFAULT_TRAIN_CONFIG.seed), ratings)
        : []
    const source: UploadSource = { kind: 'upload', ingestId, name }
    // Only a description for an export: a bug in it must not stop the upload from being applied.
    let mappingFile: ReturnType<typeof mappingFileOf>
    try {
      mappingFile = mappingFileOf({
        name,
        files: session.files,
        proposal: session.mapped,
        requested: mappingIn,
        lifted: mapping,
        cleaning: cleaning ?? DEFAULT_CLEANING,
      })
    } catch (e) {
      mappingFile = { ok: false, reason: `The files could not be described for data.py (${describe(e)}).` }
    }
    const summary = summarize(encoded.data)
    const seconds = (this.now() - started) / 1000
    const applied: IngestApplied = {
      source,
      sessionId,
      issues: issues.filter((i) => i.severity === 'warning'),
      leaks,
      steps: cleaned.data.steps,
      eda: computeEda(cleaned.data.tables, mapping),
      summary,
      fingerprint: datasetFingerprint(encoded.data),
      mapping,
      requested: mappingIn,
      mappingFile: mappingFile.ok ? mappingFile.data : null,
      mappingFileProblem: mappingFile.ok ? null : mappingFile.reason,
      seconds,
    }
    this.uploaded = { source, data: encoded.data, mappingFile: mappingFileResultOf(applied) }
    this.post({ type: 'ingest-applied', ingestId, applied })
    this.post({ type: 'loaded', source, summary, seconds })
    this.onApplied?.(applied, encoded.data)
  }
}
