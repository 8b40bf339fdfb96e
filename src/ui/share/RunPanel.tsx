import { useRef, useState } from 'react'
import type { RunRecord } from '../../model/results'
import { parseRunFile, toRunFile } from '../../model/runFile'
import type { TrainingState } from '../training/trainingState'
import './share.css'

/** Saves the finished run as a run file, and opens one (charts and tables come back without training). */
export function RunPanel({
  state,
  onImport,
}: {
  state: TrainingState
  onImport: (record: RunRecord, fileName: string) => void
}) {
  const [problem, setProblem] = useState<string | null>(null)
  const input = useRef<HTMLInputElement>(null)
  const { record, run } = state

  const exportRun = () => {
    if (!record) return
    const file = toRunFile(record)
    const blob = new Blob([JSON.stringify(file, null, 1)], { type: 'application/json' })
    const url = URL.createObjectURL(blob)
    const a = document.createElement('a')
    a.href = url
    const slug = record.dataset.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')
    a.download = `${slug}-${file.createdAt.slice(0, 19).replace(/[:T]/g, '-')}.run.json`
    a.click()
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }

  const importFile = async (file: File) => {
    const parsed = parseRunFile(await file.text(), file.name)
    if (!parsed.ok) {
      setProblem(parsed.reason)
      return
    }
    setProblem(null)
    onImport(parsed.record, file.name)
  }

  return (
    <div className="run-panel">
      <div className="buttons">
        <button type="button" data-testid="run-export" onClick={exportRun} disabled={!record}>
          Save run file
        </button>
        <label className="file-button">
          Open run file
          <input
            ref={input}
            type="file"
            accept=".json,application/json"
            data-testid="run-import"
            onChange={(e) => {
              const file = e.target.files?.[0]
              if (file) void importFile(file)
              e.target.value = ''
            }}
          />
        </label>
      </div>
      {state.importedFrom && (
        <p className="muted">
          Showing {state.importedFrom} (trained on {run?.backend?.name}).
        </p>
      )}
      {problem && (
        <p className="error" role="alert" data-testid="error-message">
          {problem} The results on screen are unchanged.
        </p>
      )}
    </div>
  )
}
