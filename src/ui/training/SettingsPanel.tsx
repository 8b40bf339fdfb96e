import { memo, useState } from 'react'
import { clampSetting } from '../../model/config'
import { SETTING_SPECS, type SettingSpec, type Settings } from './settings'

interface Props {
  settings: Settings
  disabled: boolean
  onChange: (patch: Partial<Settings>) => void
  /** Which group of settings to show. */
  group: 'model' | 'demo'
}

/** A number input that keeps the person's draft while it is not a valid number yet. */
function NumberField({
  spec,
  value,
  disabled,
  onCommit,
}: {
  spec: Extract<SettingSpec, { kind: 'number' }>
  value: number
  disabled: boolean
  onCommit: (value: number) => void
}) {
  const [draft, setDraft] = useState<string | null>(null)
  const id = `setting-${spec.key}`
  const commit = (text: string) => {
    const n = Number(text)
    if (text.trim() === '' || !Number.isFinite(n)) return
    onCommit(clampSetting(spec, n))
  }
  return (
    <div className="field">
      <label htmlFor={id}>{spec.label}</label>
      <input
        id={id}
        type="number"
        min={spec.min}
        max={spec.max}
        step={spec.step}
        value={draft ?? String(value)}
        disabled={disabled}
        aria-describedby={`${id}-help`}
        onChange={(e) => {
          setDraft(e.target.value)
          commit(e.target.value)
        }}
        onBlur={() => setDraft(null)}
      />
      <span id={`${id}-help`} className="help">
        {spec.help}
      </span>
    </div>
  )
}

/** The settings form, generated from the settings table so labels, ranges and the URL agree. */
function SettingsPanelView({ settings, disabled, onChange, group }: Props) {
  const specs = SETTING_SPECS.filter((s) => (s.part === 'demo') === (group === 'demo'))
  return (
    <div className="settings">
      {specs.map((spec) => {
        if (spec.kind === 'number')
          return (
            <NumberField
              key={spec.key}
              spec={spec}
              value={settings[spec.key]}
              disabled={disabled}
              onCommit={(value) => onChange({ [spec.key]: value })}
            />
          )
        const id = `setting-${spec.key}`
        if (spec.kind === 'boolean')
          return (
            <div className="field field-check" key={spec.key}>
              <input
                id={id}
                type="checkbox"
                checked={settings[spec.key]}
                disabled={disabled}
                aria-describedby={`${id}-help`}
                onChange={(e) => onChange({ [spec.key]: e.target.checked })}
              />
              <label htmlFor={id}>{spec.label}</label>
              <span id={`${id}-help`} className="help">
                {spec.help}
              </span>
            </div>
          )
        return (
          <div className="field" key={spec.key}>
            <label htmlFor={id}>{spec.label}</label>
            <select
              id={id}
              value={settings[spec.key]}
              disabled={disabled}
              aria-describedby={`${id}-help`}
              onChange={(e) => onChange({ [spec.key]: e.target.value as Settings['backend'] })}
            >
              {spec.choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
            <span id={`${id}-help`} className="help">
              {spec.help}
            </span>
          </div>
        )
      })}
    </div>
  )
}

/** Re-renders only when its own props change, not on every loss update of the page. */
export const SettingsPanel = memo(SettingsPanelView)
