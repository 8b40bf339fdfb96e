import { useId } from 'react'
import type { FileRole } from '../data/formats'
import type { Tower } from '../data/types'
import { CleaningPanel } from './CleaningPanel'
import {
  draftProblems,
  EDITABLE_KINDS,
  KIND_LABELS,
  keyRole,
  withRole,
  type DatasetState,
  type DraftColumn,
  type EditableKind,
  type MappingDraft,
} from './datasetState'
import { formatCount } from './format'
import type { IngestActions } from './useIngest'

const ROLES: FileRole['role'][] = ['interactions', 'users', 'items', 'unused']
const ROLE_LABELS: Record<FileRole['role'], string> = {
  interactions: 'interactions',
  users: 'user table',
  items: 'item table',
  unused: 'not used',
}
const TOWERS: Tower[] = ['context', 'user', 'item']

/**
 * The proposed mapping, editable: which file is which, the key columns of the interactions, and the
 * kind and tower of every other column; then the cleaning steps and Apply.
 */
export function SchemaMapper({
  state,
  actions,
  busy,
}: {
  state: DatasetState
  actions: IngestActions
  busy: boolean
}) {
  const id = useId()
  const { proposal, draft } = state
  if (!proposal || !draft) return null
  const interactions = proposal.tables.find((t) => t.role === 'interactions')
  const columns = interactions?.columns ?? []
  const problems = draftProblems(draft)
  const disabled = busy || state.pending !== null
  const set = (patch: Partial<MappingDraft>) => actions.setDraft({ ...draft, ...patch })
  const setColumn = (target: DraftColumn, patch: Partial<DraftColumn>) =>
    set({ columns: draft.columns.map((c) => (c === target ? { ...c, ...patch } : c)) })

  const keySelect = (key: 'userId' | 'itemId' | 'timestamp' | 'rating', label: string, optional: boolean) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <select
        id={`${id}-${key}`}
        data-key={key}
        value={draft[key]}
        disabled={disabled}
        onChange={(e) => set({ [key]: e.target.value })}
      >
        {optional && <option value="">(none)</option>}
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </div>
  )

  return (
    <form
      className="mapper"
      data-testid="schema-mapper"
      data-format={proposal.format ?? ''}
      aria-label="Column mapping"
      onSubmit={(e) => {
        e.preventDefault()
        if (problems.length === 0) actions.apply()
      }}
    >
      <h3>Mapping</h3>
      <p className="muted">
        {proposal.format
          ? `Recognised ${proposal.format}.`
          : 'Proposed from column names and values — check it.'}
      </p>
      <fieldset>
        <legend>Files</legend>
        {proposal.roles.map((r) => (
          <div className="field field-row" key={r.file}>
            <label htmlFor={`${id}-role-${r.file}`}>
              {r.file}
              <span className="help">
                {' '}
                {formatCount(proposal.files.find((f) => f.file === r.file)?.rows ?? 0)} rows
              </span>
            </label>
            <select
              id={`${id}-role-${r.file}`}
              data-file={r.file}
              value={r.role}
              disabled={disabled}
              onChange={(e) =>
                actions.setRoles(withRole(proposal.roles, r.file, e.target.value as FileRole['role']))
              }
            >
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {ROLE_LABELS[role]}
                </option>
              ))}
            </select>
          </div>
        ))}
      </fieldset>
      <fieldset>
        <legend>Interactions{interactions && `: ${interactions.file}`}</legend>
        <div className="settings">
          {keySelect('userId', 'User id', false)}
          {keySelect('itemId', 'Item id', false)}
          {keySelect('timestamp', 'Timestamp', true)}
          {keySelect('rating', 'Rating / label', true)}
        </div>
      </fieldset>
      {proposal.tables.map((table) => (
        <fieldset key={`${table.role}-${table.file}`}>
          <legend>
            {ROLE_LABELS[table.role]}: {table.file}
          </legend>
          <table className="columns" data-table={table.role}>
            <colgroup>
              <col className="col-name" />
              <col className="col-kind" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">Column</th>
                <th scope="col">Kind</th>
                <th scope="col">Tower</th>
              </tr>
            </thead>
            <tbody>
              {draft.columns
                .filter((c) => c.table === table.role && c.file === table.file)
                .map((c) => {
                  const key = keyRole(draft, c)
                  const feature = c.kind === 'categorical' || c.kind === 'numeric' || c.kind === 'multi'
                  return (
                    <tr key={c.column} data-column={c.column} data-kind={key ?? c.kind}>
                      <th scope="row" title={c.reason}>
                        {c.column}
                      </th>
                      {key ? (
                        <td colSpan={2} className="muted">
                          {key}
                        </td>
                      ) : (
                        <>
                          <td>
                            <select
                              aria-label={`Kind of ${c.column}`}
                              value={c.kind}
                              disabled={disabled}
                              onChange={(e) => setColumn(c, { kind: e.target.value as EditableKind })}
                            >
                              {EDITABLE_KINDS.map((k) => (
                                <option key={k} value={k}>
                                  {KIND_LABELS[k]}
                                </option>
                              ))}
                            </select>
                          </td>
                          <td>
                            {table.role === 'interactions' && feature ? (
                              <select
                                aria-label={`Tower of ${c.column}`}
                                value={c.tower}
                                disabled={disabled}
                                onChange={(e) => setColumn(c, { tower: e.target.value as Tower })}
                              >
                                {TOWERS.map((t) => (
                                  <option key={t} value={t}>
                                    {t}
                                  </option>
                                ))}
                              </select>
                            ) : (
                              <span className="muted">{feature ? c.tower : '—'}</span>
                            )}
                          </td>
                        </>
                      )}
                    </tr>
                  )
                })}
            </tbody>
          </table>
        </fieldset>
      ))}
      <p className="help">
        Timestamp and text columns (other than the interaction time) are not model inputs.
      </p>
      <CleaningPanel
        cleaning={state.cleaning}
        steps={state.applied?.steps ?? null}
        disabled={disabled}
        onChange={actions.setCleaning}
      />
      {problems.map((p) => (
        <p key={p} className="status-error">
          {p}
        </p>
      ))}
      <div className="buttons">
        <button
          type="submit"
          className="primary"
          data-testid="mapping-apply"
          disabled={disabled || problems.length > 0}
        >
          Apply
        </button>
        {state.applied && (
          <span className="muted" data-testid="mapping-applied">
            Applied: {formatCount(state.applied.summary.interactions)} interactions,{' '}
            {formatCount(state.applied.summary.users)} users, {formatCount(state.applied.summary.items)} items
            ({state.applied.seconds.toFixed(1)} s).
          </span>
        )}
      </div>
    </form>
  )
}
