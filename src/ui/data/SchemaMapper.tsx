import { useId } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'
import type { FileRole } from '../../data/formats'
import { CleaningPanel } from './CleaningPanel'
import {
  appliedDraft,
  draftIssues,
  EDITABLE_KINDS,
  KIND_LABELS,
  keyRole,
  withoutInput,
  withRole,
  type DatasetState,
  type DraftColumn,
  type DraftTower,
  type EditableKind,
  type MappingDraft,
} from './datasetState'
import { formatCount } from '../shared/format'
import type { IngestActions } from './useIngest'

const ROLES: FileRole['role'][] = ['interactions', 'users', 'items', 'unused']
const ROLE_LABELS: Record<FileRole['role'], string> = {
  interactions: 'interactions',
  users: 'user table',
  items: 'item table',
  unused: 'not used',
}
/** Where a column of the interactions can go: nowhere by default (see `DraftTower`). */
const INTERACTION_TOWERS: DraftTower[] = ['none', 'context', 'user', 'item']
const TOWER_LABELS: Record<DraftTower, string> = {
  none: 'not an input',
  context: 'context (known when recommending)',
  user: 'user tower (constant per user)',
  item: 'item tower (constant per item)',
}
const LABEL_KEY: Partial<Record<string, 'itemLabel' | 'userLabel'>> = {
  items: 'itemLabel',
  users: 'userLabel',
}

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
  const issues = draftIssues(draft, proposal)
  const errors = issues.filter((i) => i.severity === 'error')
  const warnings = issues.filter((i) => i.severity === 'warning')
  const disabled = busy || state.pending !== null
  // The applied data may come from earlier files or an earlier draft: it stays in use until this is applied.
  const applied = appliedDraft(state)
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
        if (errors.length === 0) actions.apply()
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
        <p className="help" data-testid="context-rule">
          Other columns of the interactions are not model inputs unless you say so. Known when recommending?
          Mark it context (a device, a channel, the hour). A rating, an outcome or anything observed after the
          choice is not: as an input it would give the answer away.
        </p>
      </fieldset>
      {proposal.tables.map((table) => (
        <fieldset key={`${table.role}-${table.file}`}>
          <legend>
            {ROLE_LABELS[table.role]}: {table.file}
          </legend>
          {LABEL_KEY[table.role] && (
            <div className="field field-row">
              <label htmlFor={`${id}-label-${table.role}`}>
                Shown as each {table.role === 'items' ? 'item' : 'user'}&apos;s name
              </label>
              <select
                id={`${id}-label-${table.role}`}
                data-key={LABEL_KEY[table.role]}
                value={draft[LABEL_KEY[table.role]!]}
                disabled={disabled}
                onChange={(e) => set({ [LABEL_KEY[table.role]!]: e.target.value })}
              >
                <option value="">(the id)</option>
                {table.columns
                  .filter((c) => c !== (table.role === 'items' ? draft.itemId : draft.userId))
                  .map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
              </select>
            </div>
          )}
          <ScrollFrame label={`Columns of ${table.role}`}>
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
                  <th scope="col">Input</th>
                </tr>
              </thead>
              <tbody>
                {draft.columns
                  .filter((c) => c.table === table.role && c.file === table.file)
                  .map((c) => {
                    const key = keyRole(draft, c)
                    const feature = c.kind === 'categorical' || c.kind === 'numeric' || c.kind === 'multi'
                    return (
                      <tr
                        key={c.column}
                        data-column={c.column}
                        data-kind={key ?? c.kind}
                        data-tower={key || !feature ? '' : c.tower}
                      >
                        <th scope="row">
                          {c.column}
                          {c.reason && !key && <span className="column-reason">{c.reason}</span>}
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
                                  aria-label={`Input use of ${c.column}`}
                                  value={c.tower}
                                  disabled={disabled}
                                  onChange={(e) => setColumn(c, { tower: e.target.value as DraftTower })}
                                >
                                  {INTERACTION_TOWERS.map((t) => (
                                    <option key={t} value={t}>
                                      {TOWER_LABELS[t]}
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
          </ScrollFrame>
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
      {issues.length > 0 && (
        <ul className="mapping-issues" data-testid="mapping-issues">
          {errors.map((p) => (
            <li key={p.message} className="status-error" data-severity="error">
              {p.message}
            </li>
          ))}
          {warnings.map((p) => (
            <li key={p.message} className="status-warning" data-severity="warning">
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="buttons">
        <button
          type="submit"
          className="primary"
          data-testid="mapping-apply"
          disabled={disabled || errors.length > 0}
        >
          Apply
        </button>
        {applied ? (
          <span className="muted" data-testid="mapping-applied">
            Applied: {formatCount(applied.summary.interactions)} interactions,{' '}
            {formatCount(applied.summary.users)} users, {formatCount(applied.summary.items)} items
            {applied.summary.itemsWithoutInteractions
              ? ` (${formatCount(applied.summary.itemsWithoutInteractions)} of them only in the item table)`
              : ''}{' '}
            ({applied.seconds.toFixed(1)} s).
          </span>
        ) : (
          state.applied && (
            <span className="muted" data-testid="mapping-not-applied">
              Not applied yet: the next run still trains on {state.applied.source.name}.
            </span>
          )
        )}
      </div>
      {applied && applied.leaks.length > 0 && (
        <div className="leak-warning" data-testid="leak-warning" role="alert">
          <strong>Likely leak — check before training.</strong>
          {applied.leaks.map((leak) => (
            <p key={`${leak.field}-${leak.target}`} data-field={leak.field}>
              {leak.message}{' '}
              <button
                type="button"
                disabled={disabled}
                onClick={() => actions.apply(withoutInput(draft, leak.field))}
              >
                Leave “{leak.field}” out and apply again
              </button>
            </p>
          ))}
        </div>
      )}
    </form>
  )
}
