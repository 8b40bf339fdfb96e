/**
 * Ingestion of dropped files, inside the training worker: read (`File.stream()`) -> parse -> recognise a
 * known format or infer a schema -> the person corrects the mapping -> clean -> encode. The encoded
 * dataset stays here and `start` trains on it through `datasetFor`; the UI only ever sees plain reports.
 *
 * Request discipline: every request carries a fresh `ingestId` and every reply echoes it, so the UI can
 * drop replies to requests it has moved past. Parsed files live in a session named by the `ingestId` of
 * the `ingest-files` request that read them; a failed or cancelled read keeps the previous session and
 * the previous upload, so bad input never replaces good data. No DOM here: `post` is injected, so the
 * whole flow runs in Node tests.
 */
import { cleanDataset } from '../data/clean'
import { computeEda } from '../data/eda'
import { encodeDataset, parseNumber, summarize, type DataProblem, type DataResult } from '../data/encode'
import { knownParseOptions, recognizeFormat, type FileRole } from '../data/formats'
import {
  foldOneHotGroups,
  inferSchema,
  labelColumn,
  liftColumns,
  profileColumn,
  proposeKind,
} from '../data/infer'
import { ingestFile, type CancelFlag } from '../data/ingest'
import { findLeaks } from '../data/leak'
import { errorsOf, mappingFacts, validateMapping, type MappingFacts } from '../data/mapping'
import type { ParsedFile, ParseOptions } from '../data/parse'
import { splitDataset } from '../data/split'
import { cell, ColumnBuilder, dictOf, numbersOf, renameColumns, withColumn } from '../data/table'
import { DEFAULT_TRAIN_CONFIG } from '../model/config'
import { type ColumnMapping, type FeatureMapping, type ColumnProposal } from '../data/mapping'
import type { DictTable, DictTables, EncodedDataset, TableRole, Tower } from '../data/types'
import type {
  FromWorker,
  IngestParseOverrides,
  IngestProposal,
  IngestStage,
  ToWorker,
  UploadSource,
} from './protocol'

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

/** What a proposal is made of, before the worker adds reports and EDA. */
interface Mapped {
  format: string | null
  roles: FileRole[]
  tables: DictTables
  mapping: ColumnMapping
  columns: ColumnProposal[]
  notes: string[]
}

interface Session {
  id: number
  files: ParsedFile[]
  skipped: { file: string; reason: string }[]
  mapped: Mapped
  /** Facts of `mapped`'s tables (`validateMapping` reads them), measured once per proposal. */
  facts: MappingFacts
}

const ENTITY_KEY = /^(id|key)$/i
const TOWER_OF_ROLE: Record<TableRole, Tower> = { interactions: 'context', users: 'user', items: 'item' }
const ROLE_OF_TOWER: Record<Exclude<Tower, 'context'>, 'users' | 'items'> = { user: 'users', item: 'items' }

function tablesOf(tables: DictTables): [TableRole, DictTable][] {
  const out: [TableRole, DictTable][] = [['interactions', tables.interactions]]
  if (tables.users) out.push(['users', tables.users])
  if (tables.items) out.push(['items', tables.items])
  return out
}

/** Column proposals for a known format's mapping: mapped columns as mapped, the rest ignored. */
export function columnsFromMapping(tables: DictTables, mapping: ColumnMapping): ColumnProposal[] {
  const columns: ColumnProposal[] = []
  for (const [role, table] of tablesOf(tables))
    for (const column of table.columns) {
      const base = { file: table.name, column }
      const feature = mapping.features.find((f) => f.table === role && f.column === column)
      if (column === mapping.userId || column === mapping.itemId)
        columns.push({ ...base, kind: 'id', tower: null, reason: 'id of the known format' })
      else if (role === 'interactions' && column === mapping.timestamp)
        columns.push({ ...base, kind: 'timestamp', tower: null, reason: 'interaction time' })
      else if (role === 'interactions' && column === mapping.rating)
        columns.push({ ...base, kind: 'numeric', tower: null, reason: 'rating or label' })
      else if (
        (role === 'items' && column === mapping.itemLabel) ||
        (role === 'users' && column === mapping.userLabel)
      )
        columns.push({ ...base, kind: 'ignore', tower: null, reason: 'the name shown for each entry' })
      else if (feature)
        columns.push({ ...base, kind: feature.kind, tower: feature.tower, reason: 'known format' })
      else columns.push({ ...base, kind: 'ignore', tower: null, reason: 'not used by the known format' })
    }
  return columns
}

/** Recognises a known format, else infers a schema. */
export function proposeMapping(files: DictTable[]): DataResult<Mapped> {
  const known = recognizeFormat(files)
  if (known)
    return {
      ok: true,
      data: {
        format: known.label,
        roles: known.roles,
        tables: known.tables,
        mapping: known.mapping,
        columns: columnsFromMapping(known.tables, known.mapping),
        notes: [`Recognised ${known.label}; mapped without questions (change anything below).`],
      },
    }
  const inferred = inferSchema(files)
  if (!inferred.ok) return inferred
  return { ok: true, data: { format: null, ...inferred.data } }
}

/** Values of `column` of `from` (keyed by its `id` column) added to `to` (keyed by its `id` column). */
function joinColumn(to: DictTable, from: DictTable, id: string, column: string): DictTable {
  const fromIds = dictOf(from, id)
  const rowOf = new Map<string, number>()
  for (let r = 0; r < from.rowCount; r++) {
    const key = fromIds.dictionary[fromIds.codes[r]]
    if (!rowOf.has(key)) rowOf.set(key, r)
  }
  const ids = dictOf(to, id)
  const builder = new ColumnBuilder(Math.max(1, to.rowCount))
  for (let r = 0; r < to.rowCount; r++) {
    const er = rowOf.get(ids.dictionary[ids.codes[r]])
    builder.push(er === undefined ? '' : cell(from, column, er))
  }
  return withColumn(to, column, builder.finish())
}

/**
 * Proposal with roles the person chose: the interactions file is inferred on its own, each chosen
 * entity file gets its id column renamed to the interactions' id (a column of that name, else `id` or
 * `key`, else the first column) and its other columns proposed by their values.
 */
export function proposeWithRoles(files: DictTable[], roles: FileRole[]): DataResult<Mapped> {
  const fileFor = (role: TableRole) =>
    files.find((f) => roles.some((r) => r.file === f.name && r.role === role))
  const interactionsFile = fileFor('interactions')
  if (!interactionsFile) return { ok: false, reason: 'Choose which file holds the interactions.' }
  const base = inferSchema([interactionsFile])
  if (!base.ok) return base
  let { tables, mapping, columns } = base.data
  const notes = [...base.data.notes]
  for (const role of ['users', 'items'] as const) {
    const file = fileFor(role)
    if (!file) continue
    const id = role === 'users' ? mapping.userId : mapping.itemId
    const { table: folded } = foldOneHotGroups(file)
    const key = folded.columns.includes(id)
      ? id
      : (folded.columns.find((c) => ENTITY_KEY.test(c)) ?? folded.columns[0])
    let table = key === id ? folded : renameColumns(folded, { [key]: id })
    if (key !== id) notes.push(`Column "${key}" of ${file.name} is read as ${id}.`)
    // Columns inferred per entity from the interactions stay, joined onto the chosen table.
    const lifted = tables[role]
    if (lifted)
      for (const c of lifted.columns)
        if (c !== id && !table.columns.includes(c)) table = joinColumn(table, lifted, id, c)
    const tower = TOWER_OF_ROLE[role]
    mapping = { ...mapping, features: mapping.features.filter((f) => f.table !== role) }
    columns = columns.filter((c) => !lifted || c.file !== lifted.name)
    for (const c of table.columns) {
      if (c === id) continue
      const { kind, reason } = proposeKind(c, profileColumn(table.coded[c]))
      const isFeature = kind === 'categorical' || kind === 'numeric' || kind === 'multi'
      columns.push({ file: table.name, column: c, kind, tower: isFeature ? tower : null, reason })
      if (isFeature)
        mapping.features.push({
          table: role,
          column: c,
          kind,
          tower,
          ...(kind === 'multi' ? { separator: '|' } : {}),
        })
    }
    tables = { ...tables, [role]: table }
    const label = labelColumn(table, id)
    if (label) {
      mapping = { ...mapping, [role === 'users' ? 'userLabel' : 'itemLabel']: label }
      const entry = columns.find((c) => c.file === table.name && c.column === label)
      if (entry)
        Object.assign(entry, { kind: 'ignore', tower: null, reason: 'the name shown for each entry' })
      mapping.features = mapping.features.filter((f) => !(f.table === role && f.column === label))
    }
  }
  const used = new Set(tablesOf(tables).map(([, t]) => t.name))
  const outRoles: FileRole[] = files.map((f) => {
    const chosen = roles.find((r) => r.file === f.name)
    return chosen && chosen.role !== 'unused' && used.has(f.name)
      ? { file: f.name, role: chosen.role }
      : { file: f.name, role: 'unused' }
  })
  return { ok: true, data: { format: null, roles: outRoles, tables, mapping, columns, notes } }
}

/**
 * Moves interaction columns the person sent to the user or item tower into that entity's table (the
 * first value seen per entity), so they feed the tower once per entity. Returns new tables and mapping.
 */
export function liftToTowers(
  tables: DictTables,
  mapping: ColumnMapping,
): { tables: DictTables; mapping: ColumnMapping } {
  let out = tables
  const features: FeatureMapping[] = []
  for (const f of mapping.features) {
    if (f.table !== 'interactions' || f.tower === 'context') {
      features.push(f)
      continue
    }
    const role = ROLE_OF_TOWER[f.tower]
    const id = role === 'users' ? mapping.userId : mapping.itemId
    const lifted = liftColumns(out.interactions, id, [f.column], `${out.interactions.name} (per ${id})`)
    const existing = out[role]
    const table = existing?.coded[id] ? joinColumn(existing, lifted, id, f.column) : existing ? null : lifted
    if (!table) {
      features.push({ ...f, tower: 'context' })
      continue
    }
    out = {
      ...out,
      [role]: existing ? table : { ...table, name: `${out.interactions.name} (per ${f.tower})` },
    }
    features.push({ ...f, table: role })
  }
  // A table built only from lifted columns gathers them all.
  return { tables: out, mapping: { ...mapping, features } }
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
  private uploaded: { source: UploadSource; data: EncodedDataset } | null = null

  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly now: () => number = () => Date.now(),
  ) {}

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
    if (error)
      return this.fail(ingestId, 'apply', {
        ok: false,
        reason: error.message,
        file: error.file,
        column: error.column,
      })
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
    this.uploaded = { source, data: encoded.data }
    const summary = summarize(encoded.data)
    const seconds = (this.now() - started) / 1000
    this.post({
      type: 'ingest-applied',
      ingestId,
      applied: {
        source,
        sessionId,
        issues: issues.filter((i) => i.severity === 'warning'),
        leaks,
        steps: cleaned.data.steps,
        eda: computeEda(cleaned.data.tables, mapping),
        summary,
        mapping,
        requested: mappingIn,
        seconds,
      },
    })
    this.post({ type: 'loaded', source, summary, seconds })
  }
}
