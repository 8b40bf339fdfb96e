import { useRef, useState } from 'react'
import type { ItemRef, ItemView, UserView } from '../../model/explore.types'
import type { AttentionSnapshot, RunResult, TowerSide } from '../../model/results'
import { AttentionHeatmapControls } from './AttentionHeatmapControls'
import { AttentionHeatmapSvg } from './AttentionHeatmapSvg'
import { AttentionHeatmapTable } from './AttentionHeatmapTable'
import { fileSlug, svgToPng } from '../shared/chartExport'
import { ExportButtons } from '../shared/ExportButtons'
import {
  chosenSourceText,
  chosenView,
  heatmapCsvRows,
  heatmapSelection,
  importanceOf,
  meanSourceText,
  replaySteps,
  stepChoiceAt,
  stepIndexOf,
  tokenAxisLabels,
  type HeatmapSource,
  type ScaleFrom,
} from './heatmap'
import { WeightBars } from './WeightBars'

export type { HeatmapSource } from './heatmap'

/**
 * Field×field self-attention of either tower (per layer and head, or the mean of the heads), with the
 * pooling weights and drop-field importance beside it. The epoch slider replays the per-epoch
 * snapshots of the mean attention; "the chosen user/item" shows one query's attention from the explorer.
 * This file holds the choices and composes the parts; heatmap.ts picks what they show.
 */
export function AttentionHeatmap({
  snapshots,
  result,
  userView,
  itemView,
  itemChoices,
  onPickItem,
  chosenNote,
  tower,
  source,
  onTower,
  onSource,
}: {
  snapshots: readonly AttentionSnapshot[]
  result: RunResult | null
  userView: UserView | null
  itemView: ItemView | null
  /** Items the person can pick for the item tower's "chosen item". */
  itemChoices: readonly ItemRef[]
  onPickItem: (item: number) => void
  /** Why no user or item can be chosen (e.g. an imported run has no model in memory), or null. */
  chosenNote: string | null
  tower: TowerSide
  source: HeatmapSource
  onTower: (tower: TowerSide) => void
  onSource: (source: HeatmapSource) => void
}) {
  const [layerChoice, setLayer] = useState(0)
  const [headChoice, setHead] = useState<number | 'mean'>(0)
  const [scaleFrom, setScaleFrom] = useState<ScaleFrom>('zero')
  /** Slider position; null follows the newest step (live during training). */
  const [stepChoice, setStep] = useState<number | null>(null)

  const steps = replaySteps(snapshots, result?.attention ?? null, result?.testedEpoch ?? null)
  const stepIndex = stepIndexOf(stepChoice, steps.length)
  const step = steps[stepIndex] ?? null
  const chosen = chosenView(tower, userView, itemView)
  const { view, items, names, layerCount, layer, headCount, head, matrix, sourceLabel, what, fileParts } =
    heatmapSelection({ tower, source, step, chosen, layerChoice, headChoice })
  const importance = importanceOf(result?.importance ?? [], tower)
  const svgRef = useRef<SVGSVGElement>(null)

  return (
    <figure
      className="inspect-figure heatmap-figure"
      data-testid="attention-heatmap"
      data-tower={tower}
      data-source={source}
      data-step={sourceLabel}
      data-layers={layerCount}
    >
      <figcaption>Attention of the {tower} tower</figcaption>
      <AttentionHeatmapControls
        tower={tower}
        source={source}
        onTower={onTower}
        onSource={onSource}
        meanText={meanSourceText(tower)}
        chosenText={chosenSourceText(tower, userView, itemView)}
        chosenDisabled={!chosen && tower === 'user'}
        itemPicker={
          source === 'chosen' && tower === 'item'
            ? { item: itemView?.item.item ?? null, choices: itemChoices, onPick: onPickItem }
            : null
        }
        layerCount={layerCount}
        layer={layer}
        onLayer={setLayer}
        headCount={headCount}
        head={head}
        onHead={setHead}
        scaleFrom={scaleFrom}
        onScaleFrom={setScaleFrom}
        replay={{
          stepCount: steps.length,
          stepIndex,
          valueText: step?.label ?? 'no epochs yet',
          outputText: source === 'chosen' ? 'final model (one query)' : (step?.label ?? 'no epochs yet'),
          disabled: source === 'chosen' || steps.length < 2,
          onPosition: (position) => setStep(stepChoiceAt(position, steps.length)),
        }}
      />
      {source === 'chosen' && !chosen && (
        <p className="empty">
          {chosenNote ??
            (tower === 'user'
              ? 'Pick a user under Recommendations to see their attention.'
              : 'Pick an item above, from a user’s recommendations or by clicking a point on the embedding map.')}
        </p>
      )}
      {!view ? (
        source === 'mean' && <p className="empty">The heatmaps appear after the first epoch.</p>
      ) : (
        <>
          <div className="heatmap-layout">
            {matrix ? (
              <AttentionHeatmapSvg
                svgRef={svgRef}
                names={names}
                labels={tokenAxisLabels(view.tokens, items)}
                matrix={matrix}
                scaleFrom={scaleFrom}
                title={`Self-attention, ${what}, ${sourceLabel}, layer ${layer + 1}, ${head === 'mean' ? 'mean of heads' : `head ${head + 1}`}`}
              />
            ) : (
              <p className="note">
                This model has no self-attention layers (attention layers = 0): each field is embedded on its
                own and only the attention-pooling weights below decide how fields are mixed.
              </p>
            )}
            <WeightBars
              caption={`Pooling weights, ${source === 'chosen' ? (chosen?.name ?? '') : sourceLabel}`}
              tokens={view.tokens}
              names={names}
              weights={view.pooling}
              importance={importance}
              testId="pooling-weights"
            />
            {result?.end === 'stopped' && result.importance.length === 0 && (
              <p className="note" data-testid="importance-skipped">
                Drop-field importance was left out: the run was stopped, and it ranks the inspection users
                once more per field.
              </p>
            )}
          </div>
          <ExportButtons
            what="attention heatmap"
            fileBase={fileSlug(...fileParts)}
            png={matrix ? () => svgToPng(svgRef.current!) : null}
            csv={() => heatmapCsvRows(view.tokens, matrix, view.pooling, importance, items)}
          />
          {matrix && <AttentionHeatmapTable names={names} matrix={matrix} />}
        </>
      )}
    </figure>
  )
}
