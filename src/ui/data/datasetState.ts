/**
 * Uploaded-data state as the UI sees it: a pure reducer over the person's actions and the worker's
 * ingestion replies, plus the editable mapping draft. No React here, so it is tested in Node.
 *
 * Every request to the worker gets a fresh id (`requestId`); a reply is taken only when it answers the
 * latest request, so a slow parse of files the person has since replaced can never overwrite newer
 * state. A failed request leaves `proposal`, `applied` and `active` as they were: the previous dataset
 * stays the one trained on.
 */
import { DEFAULT_CLEANING, type CleaningOptions } from '../../data/clean'
import type { DataProblem } from '../../data/types'
import type { FileRole } from '../../data/formats'
import { TOWER_OF_ROLE, validateMapping, type MappingIssue } from '../../data/mapping'
import type { ColumnMapping, FeatureMapping, ColumnKind } from '../../data/mapping'
import type { TableRole, FieldTower } from '../../data/types'
import type {
  FromWorker,
  IngestApplied,
  IngestProgress,
  IngestProposal,
  UploadSource,
} from '../../worker/protocol'

/** Kinds the person can pick for a column that is not the user id, item id, timestamp or rating. */
export const EDITABLE_KINDS = ['categorical', 'numeric', 'multi', 'timestamp', 'text', 'ignore'] as const
export type EditableKind = (typeof EDITABLE_KINDS)[number]
export const KIND_LABELS: Record<EditableKind, string> = {
  categorical: 'categorical',
  numeric: 'numeric',
  multi: 'multi-valued',
  timestamp: 'timestamp',
  text: 'text',
  ignore: 'ignore',
}
/** Kinds that become model inputs. */
const FEATURE_KINDS = new Set<EditableKind>(['categorical', 'numeric', 'multi'])

/**
 * Where a column feeds the model. `none`: not an input — the default for columns of the interactions,
 * which become context only when the person says they are known at the moment of recommending.
 */
export type DraftTower = FieldTower | 'none'

export interface DraftColumn {
  table: TableRole
  file: string
  column: string
  kind: EditableKind
  tower: DraftTower
  /** Why the worker proposed this kind. */
  reason: string
  /** Separator of a multi-valued column's values. */
  separator?: string
}

/** The mapping as the person edits it. Empty strings mean "none". */
export interface MappingDraft {
  userId: string
  itemId: string
  timestamp: string
  rating: string
  /** Columns of the item / user table shown as names. */
  itemLabel: string
  userLabel: string
  columns: DraftColumn[]
}

export type PendingKind = 'parse' | 'map' | 'apply'

export interface DatasetState {
  /** Id of the latest request sent; replies to others are ignored. 0 before the first. */
  requestId: number
  /** The request in flight, if any. */
  pending: { kind: PendingKind; files: { name: string; size: number }[] } | null
  progress: IngestProgress | null
  proposal: IngestProposal | null
  draft: MappingDraft | null
  cleaning: CleaningOptions
  /**
   * The latest successful apply: the data the next run trains on. A later proposal (other files
   * dropped) does not replace it; only applying that proposal does.
   */
  applied: IngestApplied | null
  /** The upload the next run trains on; null means the demo. */
  active: UploadSource | null
  problem: DataProblem | null
  /** A neutral message (cancelled), not an error. */
  notice: string | null
}

export const INITIAL_DATASET_STATE: DatasetState = {
  requestId: 0,
  pending: null,
  progress: null,
  proposal: null,
  draft: null,
  cleaning: DEFAULT_CLEANING,
  applied: null,
  active: null,
  problem: null,
  notice: null,
}

export type DatasetAction =
  | { type: 'request'; requestId: number; kind: PendingKind; files?: { name: string; size: number }[] }
  | { type: 'cancel' }
  | { type: 'draft'; draft: MappingDraft }
  | { type: 'cleaning'; cleaning: CleaningOptions }
  /** The worker was recreated (another backend): everything it held is gone. */
  | { type: 'worker-reset' }
  | { type: 'worker'; message: FromWorker }

const isKind = (k: ColumnKind): k is EditableKind => (EDITABLE_KINDS as readonly string[]).includes(k)

/** The editable draft of a proposal: every column of every table, with its proposed kind and tower. */
export function draftFromProposal(proposal: IngestProposal): MappingDraft {
  const { mapping } = proposal
  const columns: DraftColumn[] = []
  for (const table of proposal.tables)
    for (const column of table.columns) {
      const proposed = proposal.columns.find((c) => c.file === table.file && c.column === column)
      const feature = mapping.features.find((f) => f.table === table.role && f.column === column)
      const kind: EditableKind = feature
        ? feature.kind
        : proposed && isKind(proposed.kind)
          ? proposed.kind
          : 'ignore'
      columns.push({
        table: table.role,
        file: table.file,
        column,
        kind,
        tower: feature?.tower ?? (table.role === 'interactions' ? 'none' : TOWER_OF_ROLE[table.role]),
        reason: proposed?.reason ?? (column === mapping.userId || column === mapping.itemId ? 'id' : ''),
        ...(feature?.separator ? { separator: feature.separator } : {}),
      })
    }
  return {
    userId: mapping.userId,
    itemId: mapping.itemId,
    timestamp: mapping.timestamp ?? '',
    rating: mapping.rating ?? '',
    itemLabel: mapping.itemLabel ?? '',
    userLabel: mapping.userLabel ?? '',
    columns,
  }
}

/** What a column currently is: a key of the mapping (shown as text), or a feature the person edits. */
export function keyRole(draft: MappingDraft, c: Pick<DraftColumn, 'table' | 'column'>): string | null {
  if (c.table !== 'interactions') {
    if (
      (c.table === 'users' && c.column === draft.userId) ||
      (c.table === 'items' && c.column === draft.itemId)
    )
      return 'id'
    if (
      (c.table === 'users' && c.column === draft.userLabel) ||
      (c.table === 'items' && c.column === draft.itemLabel)
    )
      return 'name shown'
    return null
  }
  if (c.column === draft.userId) return 'user id'
  if (c.column === draft.itemId) return 'item id'
  if (c.column === draft.timestamp) return 'timestamp'
  if (c.column === draft.rating) return 'rating'
  return null
}

/**
 * The mapping the worker applies: features are the non-key columns of a feature kind; a column of the
 * interactions only when the person gave it a tower.
 */
export function draftToMapping(draft: MappingDraft): ColumnMapping {
  const features: FeatureMapping[] = draft.columns
    .filter(
      (c) =>
        FEATURE_KINDS.has(c.kind) &&
        keyRole(draft, c) === null &&
        (c.table !== 'interactions' || c.tower !== 'none'),
    )
    .map((c) => ({
      table: c.table,
      column: c.column,
      kind: c.kind as FeatureMapping['kind'],
      tower: c.table === 'interactions' ? (c.tower as FieldTower) : TOWER_OF_ROLE[c.table],
      ...(c.kind === 'multi' ? { separator: c.separator ?? '|' } : {}),
    }))
  return {
    userId: draft.userId,
    itemId: draft.itemId,
    ...(draft.timestamp ? { timestamp: draft.timestamp } : {}),
    ...(draft.rating ? { rating: draft.rating } : {}),
    ...(draft.itemLabel ? { itemLabel: draft.itemLabel } : {}),
    ...(draft.userLabel ? { userLabel: draft.userLabel } : {}),
    features,
  }
}

/**
 * What the worker would say of the draft, said before asking it: `validateMapping` over the facts the
 * proposal carries. Errors block Apply; warnings are shown beside it.
 */
export function draftIssues(draft: MappingDraft, proposal: IngestProposal): MappingIssue[] {
  return validateMapping(proposal.facts, draftToMapping(draft))
}

/**
 * The applied data when it is what the mapper shows (the same files, the draft unchanged since Apply);
 * null when the mapper shows something not applied yet.
 */
export function appliedDraft(state: DatasetState): IngestApplied | null {
  const { applied, proposal, draft } = state
  if (!applied || !proposal || !draft || applied.sessionId !== proposal.sessionId) return null
  return JSON.stringify(draftToMapping(draft)) === JSON.stringify(applied.requested) ? applied : null
}

/** The draft with `column` of the interactions taken out of the model's inputs. */
export function withoutInput(draft: MappingDraft, column: string): MappingDraft {
  return {
    ...draft,
    columns: draft.columns.map((c) =>
      c.table === 'interactions' && c.column === column ? { ...c, tower: 'none' } : c,
    ),
  }
}

/** Roles with `file` set to `role`; a file that held that role before becomes unused (one file per role). */
export function withRole(roles: FileRole[], file: string, role: FileRole['role']): FileRole[] {
  return roles.map((r) =>
    r.file === file
      ? { file, role }
      : role !== 'unused' && r.role === role
        ? { file: r.file, role: 'unused' }
        : { file: r.file, role: r.role },
  )
}

/** A problem as one sentence naming file, row and column where the reason does not already. */
export function describeProblem(problem: DataProblem): string {
  const where: string[] = []
  if (problem.file && !problem.reason.includes(problem.file)) where.push(`file ${problem.file}`)
  const rowNamed = (row: number) =>
    [String(row), row.toLocaleString('en-US')].some((text) =>
      new RegExp(`\\brow ${text}(?!\\d|,\\d)`).test(problem.reason),
    )
  if (problem.row !== undefined && !rowNamed(problem.row))
    where.push(`row ${problem.row.toLocaleString('en-US')}`)
  if (problem.column !== undefined && !problem.reason.includes(`"${problem.column}"`))
    where.push(`column "${problem.column}"`)
  return where.length ? `${problem.reason} (${where.join(', ')})` : problem.reason
}

export function datasetReducer(state: DatasetState, action: DatasetAction): DatasetState {
  switch (action.type) {
    case 'request':
      return {
        ...state,
        requestId: action.requestId,
        pending: { kind: action.kind, files: action.files ?? [] },
        progress: null,
        problem: null,
        notice: null,
      }
    case 'cancel':
      return state.pending?.kind === 'parse'
        ? { ...state, pending: null, progress: null, notice: 'Loading was cancelled.' }
        : state
    case 'draft':
      return { ...state, draft: action.draft }
    case 'cleaning':
      return { ...state, cleaning: action.cleaning }
    case 'worker-reset':
      return { ...INITIAL_DATASET_STATE, requestId: state.requestId }
    case 'worker':
      return onWorker(state, action.message)
  }
}

function onWorker(state: DatasetState, msg: FromWorker): DatasetState {
  // Demo data loaded on request: the next run trains on the demo again. Data that loaded and a run that
  // finished are things that worked: an earlier problem's message goes.
  if (msg.type === 'loaded')
    return { ...state, problem: null, ...(msg.source.kind === 'demo' ? { active: null } : {}) }
  if (msg.type === 'done') return state.problem ? { ...state, problem: null } : state
  // The upload an earlier visit applied, kept in this browser: applied again unless one was since.
  if (msg.type === 'kept-upload')
    return state.applied ? state : { ...state, applied: msg.applied, active: msg.applied.source }
  if (!('ingestId' in msg) || msg.ingestId !== state.requestId) return state
  switch (msg.type) {
    case 'ingest-progress':
      return state.pending ? { ...state, progress: msg.progress } : state
    case 'ingest-proposal':
      // The applied data stays what the next run trains on until this proposal is applied.
      return {
        ...state,
        pending: null,
        progress: null,
        proposal: msg.proposal,
        draft: draftFromProposal(msg.proposal),
      }
    case 'ingest-applied':
      return { ...state, pending: null, applied: msg.applied, active: msg.applied.source }
    case 'ingest-failed':
      if (msg.problem.cancelled)
        return { ...state, pending: null, progress: null, notice: 'Loading was cancelled.' }
      return { ...state, pending: null, progress: null, problem: msg.problem }
  }
}
