import { useEffect, useId, useState } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'
import type { FieldValue, ItemRef, UserHit, UserView, WhatIf } from '../../model/explore.types'
import type { ExploreAnswer, ExploreQuery } from '../../worker/protocol'
import { fileSlug } from '../shared/chartExport'
import {
  hasLabel,
  nameOf,
  nameWithId,
  recommendationCsvRows,
  searchLabel,
  searchPlaceholder,
} from './explorerRows'
import { ExportButtons } from '../shared/ExportButtons'
import { historyItemsOf, tokenNames } from './heatmap'
import { LatestOnly } from '../shared/latestOnly'
import { WeightBars } from './WeightBars'

/** Quiet time after the last keystroke before the user search is sent, in ms. */
const SEARCH_DEBOUNCE_MS = 250

/**
 * One user's top recommendations, history and attention, with what-if changes (a different feature
 * value, an item taken out of the history) answered by the trained model in the worker without
 * retraining. Requests are serialised and only the newest answer is shown.
 */
export function RecommendationsExplorer({
  available,
  note,
  explore,
  view,
  onView,
  mapReady,
}: {
  /** Whether the finished run's model is in the worker's memory. */
  available: boolean
  /** Why it is not, when it is not. */
  note: string
  explore: (query: ExploreQuery) => Promise<ExploreAnswer>
  view: UserView | null
  /** A stable setter (the explorer calls it from worker answers). */
  onView: (view: UserView | null) => void
  /** The embedding map exists, so a user view can include the user's position on it. */
  mapReady: boolean
}) {
  const id = useId()
  const [text, setText] = useState('')
  const [hits, setHits] = useState<UserHit[] | null>(null)
  /** The users the first (empty) search listed: the search box's example comes from them. */
  const [examples, setExamples] = useState<UserHit[] | null>(null)
  const [chosen, setChosen] = useState<number | null>(null)
  const [whatIf, setWhatIf] = useState<WhatIf>({})
  const [pending, setPending] = useState(false)
  const [problem, setProblem] = useState<string | null>(null)

  const [userQueue] = useState(
    () =>
      new LatestOnly<ExploreQuery, ExploreAnswer>(explore, (answer) => {
        setPending(false)
        if (answer.kind === 'user') {
          setProblem(null)
          onView(answer.view)
        } else if (answer.kind === 'error') setProblem(answer.message)
      }),
  )
  const ask = (user: number, next: WhatIf) => {
    setChosen(user)
    setWhatIf(next)
    setPending(true)
    userQueue.request({ kind: 'user', user, whatIf: next })
  }
  const [searchQueue] = useState(
    () =>
      new LatestOnly<ExploreQuery, ExploreAnswer>(explore, (answer) => {
        if (answer.kind === 'users') {
          setHits(answer.users)
          setExamples((first) => first ?? answer.users)
          // Start with the first user so the view is never empty.
          if (userQueue.latest === null && answer.users.length > 0) ask(answer.users[0].user, {})
        } else if (answer.kind === 'error') setProblem(answer.message)
      }),
  )

  useEffect(() => {
    if (!available) return
    const timer = setTimeout(() => searchQueue.request({ kind: 'users', text }), SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(timer)
  }, [available, text, searchQueue])

  // Once the map exists, ask again so the user's point can be drawn on it.
  const needsPoint = mapReady && view !== null && view.mapPoint === null
  useEffect(() => {
    if (needsPoint && chosen !== null) userQueue.request({ kind: 'user', user: chosen, whatIf })
  }, [needsPoint, chosen, whatIf, userQueue])

  if (!available)
    return (
      <figure className="inspect-figure" data-testid="recommendations" data-state="unavailable">
        <figcaption>Recommendations for one user</figcaption>
        <p className="note">{note}</p>
      </figure>
    )

  const setField = (field: FieldValue, code: number) =>
    chosen !== null && ask(chosen, { ...whatIf, fields: { ...whatIf.fields, [field.name]: code } })
  const removeItem = (item: number) =>
    chosen !== null && ask(chosen, { ...whatIf, removedHistory: [...(whatIf.removedHistory ?? []), item] })
  const changed = Object.keys(whatIf.fields ?? {}).length > 0 || (whatIf.removedHistory ?? []).length > 0
  const shown = view && view.user === chosen ? view : null
  const labelled = (examples ?? []).some(hasLabel)
  const shownUser = shown && { id: shown.userId, label: shown.userLabel }

  return (
    <figure
      className="inspect-figure"
      data-testid="recommendations"
      data-state={pending ? 'loading' : shown ? 'ready' : 'empty'}
      data-user={shown?.userId ?? ''}
    >
      <figcaption>Recommendations for one user</figcaption>
      <div className="explorer">
        <div className="explorer-pick">
          <div className="field">
            <label htmlFor={`${id}-search`}>{searchLabel(labelled)}</label>
            <input
              id={`${id}-search`}
              type="search"
              value={text}
              onChange={(e) => setText(e.target.value)}
              placeholder={searchPlaceholder(examples ?? [])}
              autoComplete="off"
            />
          </div>
          {hits && hits.length === 0 && (
            <p className="empty">
              No user {labelled ? 'id or name' : 'id'} contains “{text}”.
            </p>
          )}
          {hits && hits.length > 0 && (
            <ul className="user-list" aria-label="Matching users" data-testid="user-list">
              {hits.map((h) => (
                <li key={h.user}>
                  <button
                    type="button"
                    aria-pressed={h.user === chosen}
                    onClick={() => ask(h.user, {})}
                    data-user={h.id}
                  >
                    {hasLabel(h) ? (
                      <>
                        <span className="user-name">{nameOf(h)}</span>
                        <span className="muted">
                          {' '}
                          · id <span className="user-id">{h.id}</span>
                        </span>
                      </>
                    ) : (
                      <span className="user-id">{h.id}</span>
                    )}
                    <span className="muted"> · {h.interactions} training items</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="explorer-main">
          {problem && (
            <p className="error" role="status" data-testid="explore-error">
              {problem}
            </p>
          )}
          {!shown && !problem && (
            <p className="empty">{pending ? 'Scoring the catalogue…' : 'Pick a user.'}</p>
          )}
          {shown && shownUser && (
            <>
              <div className="explorer-head">
                <h3>
                  User {nameOf(shownUser)}
                  {hasLabel(shownUser) && (
                    <span className="muted">
                      {' '}
                      · id <span className="user-id">{shown.userId}</span>
                    </span>
                  )}
                  {pending && <span className="muted"> · updating…</span>}
                </h3>
                <button type="button" onClick={() => ask(shown.user, {})} disabled={!changed}>
                  Reset what-ifs
                </button>
              </div>
              <HeldOutLine view={shown} />
              <div className="explorer-columns">
                <div>
                  <fieldset className="what-if">
                    <legend>Features (change one to ask “what if”)</legend>
                    {shown.fields.map((field) => (
                      <FieldPicker
                        key={field.name}
                        idBase={id}
                        field={field}
                        onPick={(c) => setField(field, c)}
                      />
                    ))}
                  </fieldset>
                  <HistoryList view={shown} whatIf={whatIf} onRemove={removeItem} />
                </div>
                <div>
                  <ScrollFrame label="Recommendations">
                    <table className="metrics recs" data-testid="recommendation-list">
                      <caption>
                        Top {shown.recommendations.length} recommendations (training items excluded)
                      </caption>
                      <thead>
                        <tr>
                          <th scope="col">#</th>
                          <th scope="col">Item</th>
                          <th scope="col">Score</th>
                        </tr>
                      </thead>
                      <tbody>
                        {shown.recommendations.map((r, k) => (
                          <tr key={r.item} className={r.heldOut ? 'held-out' : undefined} data-item={r.id}>
                            <td>{k + 1}</td>
                            <th scope="row">
                              <ItemName item={r} />
                              {r.heldOut && (
                                <span className="held-out-badge">held-out {shown.heldOut?.part}</span>
                              )}
                            </th>
                            <td>{r.score.toFixed(4)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </ScrollFrame>
                  <ExportButtons
                    what="recommendations"
                    fileBase={fileSlug('recommendations', shown.userId)}
                    csv={() => recommendationCsvRows(shown)}
                  />
                </div>
              </div>
              <WeightBars
                caption={`Pooling weights of user ${nameWithId(shownUser)}${changed ? ' (with the what-if changes)' : ''}`}
                tokens={shown.tokens}
                names={tokenNames(shown.tokens, historyItemsOf(shown.tokens, shown.historyTokens))}
                weights={shown.pooling}
                scoreDrops={shown.topDrops}
                scoreDropOf={
                  shown.recommendations[0] ? `#1 ${nameWithId(shown.recommendations[0])}` : undefined
                }
                testId="user-pooling-weights"
              />
            </>
          )}
        </div>
      </div>
    </figure>
  )
}

function HeldOutLine({ view }: { view: UserView }) {
  const h = view.heldOut
  if (!h) return <p className="muted">This user has no held-out interaction to check against.</p>
  const inList = view.recommendations.some((r) => r.heldOut)
  return (
    <p className="held-out-line" data-testid="held-out">
      Held-out {h.part} item <strong>{nameOf(h)}</strong>
      {hasLabel(h) && (
        <span className="muted">
          {' '}
          · id <span className="item-id">{h.id}</span>
        </span>
      )}
      {h.detail && ` (${h.detail})`}: rank <strong>{h.rank}</strong>
      {inList ? ', in the list below (marked).' : `, not in the top ${view.recommendations.length}.`}
    </p>
  )
}

function FieldPicker({
  idBase,
  field,
  onPick,
}: {
  idBase: string
  field: FieldValue
  onPick: (code: number) => void
}) {
  const selectId = `${idBase}-field-${field.name.replace(/[^a-zA-Z0-9_-]/g, '_')}`
  const choices = field.choices.some((c) => c.code === field.code)
    ? field.choices
    : [...field.choices, { code: field.code, label: field.label }]
  return (
    <div className={field.changed ? 'field what-if-field changed' : 'field what-if-field'}>
      <label htmlFor={selectId} title={field.name}>
        {field.name}
        {field.tower === 'context' && <span className="muted"> (context)</span>}
        {field.changed && <span className="changed-mark"> · changed</span>}
      </label>
      {choices.length === 0 ? (
        <output id={selectId}>{field.label}</output>
      ) : (
        <select id={selectId} value={field.code} onChange={(e) => onPick(Number(e.target.value))}>
          {choices.map((c) => (
            <option key={c.code} value={c.code}>
              {c.label || '(empty)'}
            </option>
          ))}
        </select>
      )}
    </div>
  )
}

function HistoryList({
  view,
  whatIf,
  onRemove,
}: {
  view: UserView
  whatIf: WhatIf
  onRemove: (item: number) => void
}) {
  const removed = whatIf.removedHistory ?? []
  return (
    <div className="history" data-testid="history-tokens">
      <h4>History tokens (most recent first)</h4>
      {view.historyTokens.length === 0 ? (
        <p className="muted">
          {view.tokens.some((t) => t.startsWith('history_'))
            ? 'No history items left.'
            : 'This model does not use history tokens (history length 0).'}
        </p>
      ) : (
        <ul>
          {view.historyTokens.map((item) => (
            <li key={item.item} data-item={item.id}>
              <span>
                <ItemName item={item} />
              </span>
              <button
                type="button"
                className="small"
                onClick={() => onRemove(item.item)}
                aria-label={`Remove ${nameWithId(item)} from the history`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {removed.length > 0 && <p className="muted">Removed from the history: {removed.length} item(s).</p>}
      <p className="muted">
        {view.trainItems.length >= 50 ? 'At least 50' : view.trainItems.length} training item
        {view.trainItems.length === 1 ? '' : 's'} (excluded from the list).
      </p>
    </div>
  )
}

/**
 * An item as a row reads it: its label with the id muted beside it, or (without a label) its id; then
 * its description from the first categorical fields.
 */
function ItemName({ item }: { item: ItemRef }) {
  return (
    <>
      {hasLabel(item) ? (
        <>
          <span className="item-name">{nameOf(item)}</span>
          <span className="muted">
            {' '}
            · id <span className="item-id">{item.id}</span>
          </span>
        </>
      ) : (
        <span className="item-id">{item.id}</span>
      )}
      {item.detail && <span className="item-detail"> · {item.detail}</span>}
    </>
  )
}
