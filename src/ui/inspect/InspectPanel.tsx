import { memo, useId, useRef, useState, type KeyboardEvent } from 'react'
import type { EmbeddingMap as MapData, ItemRef, ItemView, UserView } from '../../model/explore.types'
import type { TowerSide } from '../../model/results'
import type { ExploreAnswer, ExploreQuery } from '../../worker/protocol'
import { AttentionHeatmap, type HeatmapSource } from './AttentionHeatmap'
import { EmbeddingMap } from './EmbeddingMap'
import { LatestOnly } from '../shared/latestOnly'
import { RecommendationsExplorer } from './RecommendationsExplorer'
import { importedLabel, type TrainingState } from '../training/trainingState'
import './inspect.css'

type Tab = 'heatmap' | 'recommendations' | 'map'
const TABS: { key: Tab; label: string }[] = [
  { key: 'heatmap', label: 'Attention heatmaps' },
  { key: 'recommendations', label: 'Recommendations' },
  { key: 'map', label: 'Embedding map' },
]
/** Most catalogue items offered in the heatmap's item picker (besides the chosen user's items). */
const MAX_ITEM_CHOICES = 500

/**
 * Looking inside the trained model: heatmaps, one user's recommendations with what-ifs, and the item
 * embedding map, as tabs that keep their state. Mount it with `key={state.runId}` so a new run starts
 * from a clean slate.
 */
function InspectPanelView({
  status,
  attention,
  result,
  importedFrom,
  importedModel,
  explore,
}: {
  status: TrainingState['status']
  attention: TrainingState['attention']
  result: TrainingState['record']
  importedFrom: TrainingState['importedFrom']
  importedModel: TrainingState['importedModel']
  explore: (query: ExploreQuery) => Promise<ExploreAnswer>
}) {
  const id = useId()
  const [tab, setTab] = useState<Tab>('heatmap')
  const [userView, setUserView] = useState<UserView | null>(null)
  const [itemView, setItemView] = useState<ItemView | null>(null)
  const [itemProblem, setItemProblem] = useState<string | null>(null)
  const [map, setMap] = useState<{ data: MapData | null; loading: boolean; problem: string | null }>({
    data: null,
    loading: false,
    problem: null,
  })
  const [tower, setTower] = useState<TowerSide>('user')
  const [source, setSource] = useState<HeatmapSource>('mean')
  const tabRefs = useRef(new Map<Tab, HTMLButtonElement>())

  // The model is in the worker: trained here and finished, or imported with weights and rebuilt.
  const available =
    status === 'done' && result !== null && (importedFrom === null || importedModel?.state === 'ready')
  const note = importedFrom
    ? importedNote(importedFrom, importedModel)
    : status === 'training' || status === 'paused'
      ? 'The model can be explored once training finishes; the heatmaps already replay each finished epoch.'
      : 'Train a model (or drop a run file) to inspect it.'

  const [itemQueue] = useState(
    () =>
      new LatestOnly<ExploreQuery, ExploreAnswer>(explore, (answer) => {
        if (answer.kind === 'item') {
          setItemView(answer.view)
          setItemProblem(null)
        } else if (answer.kind === 'error') setItemProblem(answer.message)
      }),
  )
  const pickItem = (item: number) => {
    if (available) itemQueue.request({ kind: 'item', item })
  }

  const open = (next: Tab) => {
    setTab(next)
    if (next === 'map' && available && !map.data && !map.loading) {
      setMap({ data: null, loading: true, problem: null })
      void explore({ kind: 'map' }).then((answer) =>
        setMap(
          answer.kind === 'map'
            ? { data: answer.map, loading: false, problem: null }
            : {
                data: null,
                loading: false,
                problem: answer.kind === 'error' ? answer.message : 'Unexpected answer.',
              },
        ),
      )
    }
  }
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    const k = TABS.findIndex((t) => t.key === tab)
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    const to =
      event.key === 'Home'
        ? 0
        : event.key === 'End'
          ? TABS.length - 1
          : step
            ? (k + step + TABS.length) % TABS.length
            : -1
    if (to < 0) return
    event.preventDefault()
    open(TABS[to].key)
    tabRefs.current.get(TABS[to].key)?.focus()
  }

  const itemChoices = collectItems(userView, map.data)

  return (
    <div className="inspect" data-testid="inspect-panel">
      <div role="tablist" aria-label="Inspect views" className="tabs">
        {TABS.map((t) => (
          <button
            key={t.key}
            ref={(el) => {
              if (el) tabRefs.current.set(t.key, el)
              else tabRefs.current.delete(t.key)
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${t.key}`}
            aria-selected={tab === t.key}
            aria-controls={`${id}-panel-${t.key}`}
            tabIndex={tab === t.key ? 0 : -1}
            onClick={() => open(t.key)}
            onKeyDown={onTabKey}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div
        role="tabpanel"
        id={`${id}-panel-heatmap`}
        aria-labelledby={`${id}-tab-heatmap`}
        hidden={tab !== 'heatmap'}
      >
        <AttentionHeatmap
          snapshots={attention}
          result={result}
          userView={userView}
          itemView={itemView}
          itemChoices={itemChoices}
          onPickItem={pickItem}
          chosenNote={available ? itemProblem : note}
          tower={tower}
          source={source}
          onTower={setTower}
          onSource={setSource}
        />
      </div>
      <div
        role="tabpanel"
        id={`${id}-panel-recommendations`}
        aria-labelledby={`${id}-tab-recommendations`}
        hidden={tab !== 'recommendations'}
      >
        <RecommendationsExplorer
          available={available}
          note={note}
          explore={explore}
          view={userView}
          onView={setUserView}
          mapReady={map.data !== null}
        />
      </div>
      <div role="tabpanel" id={`${id}-panel-map`} aria-labelledby={`${id}-tab-map`} hidden={tab !== 'map'}>
        <EmbeddingMap
          map={map.data}
          loading={map.loading}
          problem={map.problem}
          note={available ? null : note}
          user={
            userView?.mapPoint
              ? { point: userView.mapPoint, who: { id: userView.userId, label: userView.userLabel } }
              : null
          }
          onPickItem={(item) => {
            pickItem(item)
            setTower('item')
            setSource('chosen')
            setTab('heatmap')
          }}
        />
      </div>
    </div>
  )
}

export const InspectPanel = memo(InspectPanelView)

/** Why the explorer of an imported run is not (yet) there. */
function importedNote(importedFrom: string, model: TrainingState['importedModel']): string {
  const from = importedLabel(importedFrom)
  switch (model?.state) {
    case 'restoring':
      return `Rebuilding the model of ${from} from its weights…`
    case 'failed':
      return `The model of ${from} could not be rebuilt: ${model.message} The heatmaps and importance come from the saved run.`
    default:
      return `These results come from ${from}, saved without the model's weights, so the recommendations and the embedding map need a model trained here (or a run file saved with its weights); the heatmaps and importance come from the saved run.`
  }
}

/** Items the heatmap can show: the chosen user's recommendations and history first, then the catalogue. */
function collectItems(view: UserView | null, map: MapData | null): ItemRef[] {
  const seen = new Set<number>()
  const out: ItemRef[] = []
  const add = (item: ItemRef) => {
    if (seen.has(item.item)) return
    seen.add(item.item)
    out.push(item)
  }
  if (view) {
    view.recommendations.forEach(add)
    if (view.heldOut) add(view.heldOut)
    view.historyTokens.forEach(add)
  }
  map?.items.slice(0, MAX_ITEM_CHOICES).forEach(add)
  return out
}
