import { useState } from 'react'
import { downloadBlob, downloadCsv } from './chartExport'

/**
 * "Save PNG" and "Save CSV" for one chart. `what` names the chart in the accessible names
 * ("Save PNG of the attention heatmap"), so every chart's buttons are told apart.
 */
export function ExportButtons({
  what,
  fileBase,
  png,
  csv,
}: {
  what: string
  fileBase: string
  /** Renders the chart as a PNG; null disables the button (nothing drawn yet), undefined hides it. */
  png?: (() => Promise<Blob>) | null
  csv: (() => (string | number | null | undefined)[][]) | null
}) {
  const [problem, setProblem] = useState<string | null>(null)
  const savePng = async () => {
    if (!png) return
    try {
      setProblem(null)
      downloadBlob(await png(), `${fileBase}.png`)
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e))
    }
  }
  return (
    <div className="export-buttons">
      {png !== undefined && (
        <button
          type="button"
          disabled={!png}
          onClick={() => void savePng()}
          aria-label={`Save PNG of the ${what}`}
        >
          Save PNG
        </button>
      )}
      <button
        type="button"
        disabled={!csv}
        onClick={() => csv && downloadCsv(csv(), `${fileBase}.csv`)}
        aria-label={`Save CSV of the ${what}`}
      >
        Save CSV
      </button>
      {problem && (
        <span className="export-problem" role="status">
          {problem}
        </span>
      )}
    </div>
  )
}
