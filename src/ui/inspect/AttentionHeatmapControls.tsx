import { useId } from 'react'
import type { ItemRef } from '../../model/explore.types'
import { itemOptionText } from './explorerRows'
import type { TowerSide } from '../../model/results'
import type { HeatmapSource, ScaleFrom } from './heatmap'

/** The epoch replay slider: its positions, the current one and what it shows. */
export interface ReplaySlider {
  stepCount: number
  stepIndex: number
  /** What the current position shows, for screen readers. */
  valueText: string
  /** What the label beside the slider says. */
  outputText: string
  disabled: boolean
  onPosition: (position: number) => void
}

/** The item menu of the chosen-item source: the item shown, the items to pick from, and the pick. */
export interface ItemPicker {
  item: number | null
  choices: readonly ItemRef[]
  onPick: (item: number) => void
}

/**
 * The heatmap's menus (tower, source, item, layer, head, colour scale) and the epoch replay slider.
 * It only shows and reports choices; AttentionHeatmap holds them and picks the matrix.
 */
export function AttentionHeatmapControls({
  tower,
  source,
  onTower,
  onSource,
  meanText,
  chosenText,
  chosenDisabled,
  itemPicker,
  layerCount,
  layer,
  onLayer,
  headCount,
  head,
  onHead,
  scaleFrom,
  onScaleFrom,
  replay,
}: {
  tower: TowerSide
  source: HeatmapSource
  onTower: (tower: TowerSide) => void
  onSource: (source: HeatmapSource) => void
  /** The source menu's entries for the mean and for one chosen query. */
  meanText: string
  chosenText: string
  chosenDisabled: boolean
  /** Shown for the chosen item only. */
  itemPicker: ItemPicker | null
  layerCount: number
  layer: number
  onLayer: (layer: number) => void
  headCount: number
  head: number | 'mean'
  onHead: (head: number | 'mean') => void
  scaleFrom: ScaleFrom
  onScaleFrom: (scaleFrom: ScaleFrom) => void
  replay: ReplaySlider
}) {
  const id = useId()
  return (
    <>
      <div className="inspect-controls">
        <div className="field">
          <label htmlFor={`${id}-tower`}>Tower</label>
          <select id={`${id}-tower`} value={tower} onChange={(e) => onTower(e.target.value as TowerSide)}>
            <option value="user">User (query) tower</option>
            <option value="item">Item tower</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-source`}>Averaged over</label>
          <select
            id={`${id}-source`}
            value={source}
            onChange={(e) => onSource(e.target.value as HeatmapSource)}
          >
            <option value="mean">{meanText}</option>
            <option value="chosen" disabled={chosenDisabled}>
              {chosenText}
            </option>
          </select>
        </div>
        {itemPicker && (
          <div className="field">
            <label htmlFor={`${id}-item`}>Item</label>
            <select
              id={`${id}-item`}
              value={itemPicker.item ?? ''}
              onChange={(e) => e.target.value !== '' && itemPicker.onPick(Number(e.target.value))}
            >
              <option value="">
                {itemPicker.choices.length > 0 ? 'Pick an item' : 'No items to pick yet'}
              </option>
              {itemPicker.choices.map((item) => (
                <option key={item.item} value={item.item}>
                  {itemOptionText(item)}
                </option>
              ))}
            </select>
          </div>
        )}
        {layerCount > 0 && (
          <>
            <div className="field">
              <label htmlFor={`${id}-layer`}>Layer</label>
              <select id={`${id}-layer`} value={layer} onChange={(e) => onLayer(Number(e.target.value))}>
                {Array.from({ length: layerCount }, (_, l) => (
                  <option key={l} value={l}>
                    Layer {l + 1}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-head`}>Head</label>
              <select
                id={`${id}-head`}
                value={head}
                onChange={(e) => onHead(e.target.value === 'mean' ? 'mean' : Number(e.target.value))}
              >
                {Array.from({ length: headCount }, (_, h) => (
                  <option key={h} value={h}>
                    Head {h + 1}
                  </option>
                ))}
                {headCount > 1 && <option value="mean">Mean of heads</option>}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`${id}-scale`}>Colour scale</label>
              <select
                id={`${id}-scale`}
                value={scaleFrom}
                onChange={(e) => onScaleFrom(e.target.value as ScaleFrom)}
              >
                <option value="zero">From 0 to the largest value</option>
                <option value="min">From the smallest to the largest value</option>
              </select>
            </div>
          </>
        )}
      </div>
      <div className="field epoch-slider">
        <label htmlFor={`${id}-epoch`}>Epoch replay</label>
        <input
          id={`${id}-epoch`}
          type="range"
          min={0}
          max={Math.max(0, replay.stepCount - 1)}
          step={1}
          value={Math.max(0, replay.stepIndex)}
          disabled={replay.disabled}
          aria-valuetext={replay.valueText}
          onChange={(e) => replay.onPosition(Number(e.target.value))}
        />
        <output htmlFor={`${id}-epoch`} className="epoch-label">
          {replay.outputText}
        </output>
      </div>
    </>
  )
}
