import { useId } from 'react'
import type { CleaningOptions, CleaningStep, CleaningStepName } from '../../data/clean'

const STEP_LABELS: Record<CleaningStepName, string> = {
  'float-ids': 'Float-looking ids',
  'missing-ids': 'Missing ids',
  'unknown-ids': 'Unknown ids',
  duplicates: 'Duplicates',
  'missing-features': 'Missing values',
  'clip-outliers': 'Outliers',
  'k-core': 'Minimum counts',
}
const DEFAULT_CLIP = { lower: 0.01, upper: 0.99 }

/**
 * The cleaning steps, each switchable with its parameters; after Apply, what each step did. Steps run
 * on the tables as read, so switching one off and applying again restores what it removed.
 */
export function CleaningPanel({
  cleaning,
  steps,
  disabled,
  onChange,
}: {
  cleaning: CleaningOptions
  steps: CleaningStep[] | null
  disabled: boolean
  onChange: (cleaning: CleaningOptions) => void
}) {
  const id = useId()
  const set = (patch: Partial<CleaningOptions>) => onChange({ ...cleaning, ...patch })
  const check = (
    key: 'normalizeFloatIds' | 'dropUnknownIds' | 'dropDuplicates',
    label: string,
    help: string,
  ) => (
    <div className="field field-check">
      <input
        id={`${id}-${key}`}
        type="checkbox"
        checked={cleaning[key]}
        disabled={disabled}
        onChange={(e) => set({ [key]: e.target.checked })}
      />
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <span className="help">{help}</span>
    </div>
  )
  const count = (key: 'minInteractionsPerUser' | 'minInteractionsPerItem', label: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input
        id={`${id}-${key}`}
        type="number"
        min={1}
        max={1000}
        step={1}
        value={cleaning[key]}
        disabled={disabled}
        onChange={(e) => set({ [key]: Math.max(1, Math.min(1000, Math.round(Number(e.target.value) || 1))) })}
      />
    </div>
  )
  const clip = cleaning.clipQuantiles
  const quantile = (which: 'lower' | 'upper', label: string) => (
    <div className="field">
      <label htmlFor={`${id}-clip-${which}`}>{label}</label>
      <input
        id={`${id}-clip-${which}`}
        type="number"
        min={0}
        max={1}
        step={0.01}
        value={clip?.[which] ?? DEFAULT_CLIP[which]}
        disabled={disabled || !clip}
        onChange={(e) => {
          const v = Math.max(0, Math.min(1, Number(e.target.value)))
          if (clip && Number.isFinite(v)) set({ clipQuantiles: { ...clip, [which]: v } })
        }}
      />
    </div>
  )

  return (
    <fieldset className="cleaning" data-testid="cleaning-panel">
      <legend>Cleaning</legend>
      {check('normalizeFloatIds', 'Read 21148.0 as 21148', 'Ids written by a float column.')}
      {check('dropDuplicates', 'Drop duplicate interactions', 'Same user, item (and time); keeps the first.')}
      {check('dropUnknownIds', 'Drop unknown ids', 'Interactions whose user or item is not in its table.')}
      <div className="field field-check">
        <input
          id={`${id}-clip`}
          type="checkbox"
          checked={clip !== null}
          disabled={disabled}
          onChange={(e) => set({ clipQuantiles: e.target.checked ? DEFAULT_CLIP : null })}
        />
        <label htmlFor={`${id}-clip`}>Clip numeric outliers to quantiles</label>
      </div>
      <div className="settings">
        {quantile('lower', 'Lower quantile')}
        {quantile('upper', 'Upper quantile')}
        {count('minInteractionsPerUser', 'Min. interactions per user')}
        {count('minInteractionsPerItem', 'Min. interactions per item')}
      </div>
      <p className="help">
        Rows with a missing user or item id are always dropped; missing feature values become “(missing)”.
      </p>
      {steps && (
        <ol className="steps" data-testid="cleaning-steps" aria-label="What cleaning did">
          {steps.map((s) => (
            <li key={s.step} data-step={s.step} data-removed={s.rowsBefore - s.rowsAfter}>
              <strong>{STEP_LABELS[s.step]}:</strong> {s.message}
            </li>
          ))}
        </ol>
      )}
    </fieldset>
  )
}
