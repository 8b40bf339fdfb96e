import { describe, expect, it } from 'vitest'
import type { EdaReport } from '../../data/eda'
import { mappingFacts } from '../../data/mapping'
import { dictTableFromRows } from '../../data/table'
import type { ColumnMapping } from '../../data/mapping'
import type { IngestApplied, IngestProposal } from '../../worker/protocol'
import {
  appliedDraft,
  datasetReducer,
  describeProblem,
  draftFromProposal,
  draftIssues,
  draftToMapping,
  INITIAL_DATASET_STATE,
  keyRole,
  withoutInput,
  withRole,
  type DatasetState,
} from './datasetState'

const EDA: EdaReport = {
  counts: { rows: 3, users: 2, items: 2, sparsity: 0.25 },
  interactionsPerUser: [],
  interactionsPerItem: [],
  topItemShare: 0.5,
  categorical: [],
  numeric: [],
  missing: [],
  overTime: null,
  ratings: null,
  warnings: [],
}

const TABLES = {
  interactions: dictTableFromRows(
    'log.csv',
    ['uid', 'iid', 'ts', 'device', 'note'],
    [
      ['u1', 'i1', '1700000000', 'web', 'first visit, liked it'],
      ['u1', 'i2', '1700000100', 'app', 'came back for more'],
      ['u2', 'i1', '1700000200', 'web', 'a gift for a friend'],
    ],
  ),
  users: dictTableFromRows(
    'people.csv',
    ['uid', 'age'],
    [
      ['u1', '31'],
      ['u2', '45'],
    ],
  ),
}
const MAPPING: ColumnMapping = {
  userId: 'uid',
  itemId: 'iid',
  timestamp: 'ts',
  features: [
    { table: 'interactions', column: 'device', kind: 'categorical', tower: 'context' },
    { table: 'users', column: 'age', kind: 'numeric', tower: 'user' },
  ],
}

const PROPOSAL: IngestProposal = {
  sessionId: 1,
  format: null,
  roles: [
    { file: 'log.csv', role: 'interactions' },
    { file: 'people.csv', role: 'users' },
  ],
  files: [
    { file: 'log.csv', columns: ['uid', 'iid', 'ts', 'device', 'note'], rows: 3 },
    { file: 'people.csv', columns: ['uid', 'age'], rows: 2 },
  ],
  tables: [
    { role: 'interactions', file: 'log.csv', columns: ['uid', 'iid', 'ts', 'device', 'note'], rows: 3 },
    { role: 'users', file: 'people.csv', columns: ['uid', 'age'], rows: 2 },
  ],
  mapping: MAPPING,
  facts: mappingFacts(TABLES, MAPPING),
  columns: [
    { file: 'log.csv', column: 'note', kind: 'text', tower: null, reason: 'free text' },
    { file: 'log.csv', column: 'device', kind: 'categorical', tower: 'context', reason: '2 distinct values' },
  ],
  reports: [],
  skipped: [],
  notes: [],
  eda: EDA,
  seconds: 0.1,
}

const requested = (state: DatasetState, requestId: number, kind: 'parse' | 'map' | 'apply' = 'parse') =>
  datasetReducer(state, { type: 'request', requestId, kind, files: [{ name: 'log.csv', size: 10 }] })

describe('mapping draft', () => {
  it('round-trips the proposed mapping', () => {
    const draft = draftFromProposal(PROPOSAL)
    expect(draft.columns.find((c) => c.column === 'note')?.kind).toBe('text')
    expect(keyRole(draft, { table: 'interactions', column: 'uid' })).toBe('user id')
    expect(keyRole(draft, { table: 'users', column: 'uid' })).toBe('id')
    expect(draftToMapping(draft)).toEqual(PROPOSAL.mapping)
  })

  it('applies the person’s edits: kinds, towers, keys', () => {
    const draft = draftFromProposal(PROPOSAL)
    const edited = {
      ...draft,
      timestamp: '',
      columns: draft.columns.map((c) =>
        c.column === 'device'
          ? { ...c, tower: 'user' as const }
          : c.column === 'age'
            ? { ...c, kind: 'ignore' as const }
            : c,
      ),
    }
    const mapping = draftToMapping(edited)
    expect(mapping.timestamp).toBeUndefined()
    // The former timestamp column is not a feature: its proposed kind is not a feature kind.
    expect(mapping.features).toEqual([
      { table: 'interactions', column: 'device', kind: 'categorical', tower: 'user' },
    ])
  })

  it("finds problems before the worker does, in the worker's words", () => {
    const draft = draftFromProposal(PROPOSAL)
    const messages = (d: typeof draft) => draftIssues(d, PROPOSAL).map((i) => `${i.severity}: ${i.message}`)
    expect(messages(draft)).toEqual([])
    expect(messages({ ...draft, itemId: 'uid' })).toEqual([
      'error: The user id and the item id are the same column ("uid"); choose two different columns.',
    ])
    expect(messages({ ...draft, rating: 'ts' })).toEqual([
      'error: Column "ts" cannot be both the timestamp and the rating.',
    ])
    expect(messages({ ...draft, itemId: '' })).toEqual(['error: Choose the item id column.'])
    expect(messages({ ...draft, itemLabel: 'title' })).toEqual([
      'error: The item names come from a items table, but no file has that role.',
    ])
  })

  it('feeds a column of the interactions to the model only when the person gives it a tower', () => {
    const draft = withoutInput(draftFromProposal(PROPOSAL), 'device')
    expect(draft.columns.find((c) => c.column === 'device')?.tower).toBe('none')
    expect(draftToMapping(draft).features).toEqual([
      { table: 'users', column: 'age', kind: 'numeric', tower: 'user' },
    ])
    // A proposal without the column among its features leaves it out of the inputs.
    const fresh = draftFromProposal({ ...PROPOSAL, mapping: { ...MAPPING, features: [MAPPING.features[1]] } })
    expect(fresh.columns.find((c) => c.column === 'device')?.tower).toBe('none')
  })

  it('keeps one file per role', () => {
    expect(withRole(PROPOSAL.roles, 'people.csv', 'interactions')).toEqual([
      { file: 'log.csv', role: 'unused' },
      { file: 'people.csv', role: 'interactions' },
    ])
  })
})

describe('describeProblem', () => {
  it('names file, row and column once', () => {
    expect(
      describeProblem({
        ok: false,
        reason: 'The item id is empty.',
        file: 'a.csv',
        row: 1200,
        column: 'iid',
      }),
    ).toBe('The item id is empty. (file a.csv, row 1,200, column "iid")')
    expect(
      describeProblem({
        ok: false,
        reason: 'a.csv: row 7 has 2 fields; "x" is odd.',
        file: 'a.csv',
        row: 7,
        column: 'x',
      }),
    ).toBe('a.csv: row 7 has 2 fields; "x" is odd.')
  })

  it('sees a row number written with thousands separators, and does not take row 1,2 for row 12', () => {
    const problem = { ok: false as const, file: 'big.csv', row: 2960024, column: 'timestamp' }
    const reason = 'big.csv has more than 3,000,000 distinct values by row 2,960,024 (most in "timestamp").'
    expect(describeProblem({ ...problem, reason })).toBe(reason)
    expect(describeProblem({ ok: false, reason: 'Bad cell in row 1,2 and 3.', row: 12 })).toBe(
      'Bad cell in row 1,2 and 3. (row 12)',
    )
  })
})

describe('datasetReducer', () => {
  it('takes a proposal only for the latest request', () => {
    let state = requested(INITIAL_DATASET_STATE, 1)
    state = requested(state, 2)
    const stale = datasetReducer(state, {
      type: 'worker',
      message: { type: 'ingest-proposal', ingestId: 1, proposal: PROPOSAL },
    })
    expect(stale).toBe(state)
    state = datasetReducer(state, {
      type: 'worker',
      message: {
        type: 'ingest-progress',
        ingestId: 2,
        progress: { file: 'log.csv', fileIndex: 0, fileCount: 1, bytesRead: 5, totalBytes: 10, rows: 2 },
      },
    })
    expect(state.progress?.bytesRead).toBe(5)
    state = datasetReducer(state, {
      type: 'worker',
      message: { type: 'ingest-proposal', ingestId: 2, proposal: { ...PROPOSAL, sessionId: 2 } },
    })
    expect(state.pending).toBeNull()
    expect(state.progress).toBeNull()
    expect(state.draft?.userId).toBe('uid')
  })

  it('keeps the active upload and proposal when a later request fails; clears active on demo load', () => {
    const applied: IngestApplied = {
      source: { kind: 'upload', ingestId: 3, name: 'log.csv' },
      sessionId: 1,
      issues: [],
      leaks: [],
      steps: [],
      fingerprint: '0123abcd',
      eda: EDA,
      summary: {
        name: 'log.csv',
        interactions: 3,
        users: 2,
        items: 2,
        sparsity: 0.25,
        fields: [],
        hasTimestamps: true,
      },
      mapping: PROPOSAL.mapping,
      requested: PROPOSAL.mapping,
      seconds: 0.1,
    }
    let state = requested(INITIAL_DATASET_STATE, 1)
    state = datasetReducer(state, {
      type: 'worker',
      message: { type: 'ingest-proposal', ingestId: 1, proposal: PROPOSAL },
    })
    state = requested(state, 3, 'apply')
    state = datasetReducer(state, {
      type: 'worker',
      message: { type: 'ingest-applied', ingestId: 3, applied },
    })
    expect(state.active).toEqual(applied.source)
    // The mapper shows the applied state until the draft changes.
    expect(appliedDraft(state)).toBe(applied)
    expect(appliedDraft({ ...state, draft: withoutInput(state.draft!, 'device') })).toBeNull()
    state = requested(state, 4)
    state = datasetReducer(state, {
      type: 'worker',
      message: {
        type: 'ingest-failed',
        ingestId: 4,
        stage: 'parse',
        problem: { ok: false, reason: 'x.csv is empty.', file: 'x.csv' },
      },
    })
    expect(state.problem?.file).toBe('x.csv')
    expect(state.active).toEqual(applied.source)
    expect(state.proposal).toBe(PROPOSAL)
    expect(state.pending).toBeNull()
    // Other files proposed: the applied data stays what the next run uses until they are applied.
    state = requested(state, 5)
    state = datasetReducer(state, {
      type: 'worker',
      message: { type: 'ingest-proposal', ingestId: 5, proposal: { ...PROPOSAL, sessionId: 5 } },
    })
    expect(state.proposal?.sessionId).toBe(5)
    expect(state.applied).toBe(applied)
    expect(state.active).toEqual(applied.source)
    expect(appliedDraft(state)).toBeNull()
    state = datasetReducer(state, {
      type: 'worker',
      message: {
        type: 'loaded',
        source: { kind: 'demo', seed: 1, users: 1, items: 1, interactions: 1 },
        summary: applied.summary,
        seconds: 0,
      },
    })
    expect(state.active).toBeNull()
    // Loading worked: the earlier problem's message goes.
    expect(state.problem).toBeNull()
  })

  it('turns a cancel into a notice, not an error, and forgets everything on worker reset', () => {
    let state = requested(INITIAL_DATASET_STATE, 5)
    state = datasetReducer(state, { type: 'cancel' })
    expect(state.pending).toBeNull()
    expect(state.notice).toMatch(/cancelled/)
    state = datasetReducer(state, {
      type: 'worker',
      message: {
        type: 'ingest-failed',
        ingestId: 5,
        stage: 'parse',
        problem: { ok: false, reason: 'Loading was cancelled.', cancelled: true },
      },
    })
    expect(state.problem).toBeNull()
    const reset = datasetReducer({ ...state, proposal: PROPOSAL }, { type: 'worker-reset' })
    expect(reset).toEqual({ ...INITIAL_DATASET_STATE, requestId: 5 })
  })
})
