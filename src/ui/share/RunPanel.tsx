import { useId, useRef, useState } from 'react'
import type { RunRecord } from '../../model/results'
import { isZip, openModelZip } from '../../model/modelFile'
import { openRunFile, runFileBytes, toRunFile } from '../../model/runFile'
import type { ModelWeights } from '../../model/weights'
import { downloadBlob, fileSlug } from '../shared/chartExport'
import { formatBytes } from '../shared/format'
import type { TrainingState } from '../training/trainingState'
import './share.css'

/** Weights up to this size (float32, before compression) are included in a saved run file by default. */
export const WEIGHTS_BY_DEFAULT_BYTES = 16 * 1024 * 1024

/**
 * Saves the finished run as a run file, with the model's weights when asked (then the explorer and the
 * embedding map work after an import), and opens one: charts and tables come back without training.
 */
export function RunPanel({
  state,
  onImport,
  modelWeights,
  modelZip,
}: {
  state: TrainingState
  onImport: (record: RunRecord, fileName: string, weights: ModelWeights | null) => void
  modelWeights: () => Promise<{ weights: ModelWeights | null; message: string }>
  modelZip: (record: RunRecord) => Promise<{ zip: Uint8Array | null; message: string }>
}) {
  const id = useId()
  const [problem, setProblem] = useState<string | null>(null)
  const [saving, setSaving] = useState(false)
  const input = useRef<HTMLInputElement>(null)
  const { record, run, importedModel } = state
  const weightBytes = (record?.parameters ?? 0) * 4
  // The model is in the worker for a run trained here, or an import whose weights were restored.
  const modelHere = record !== null && (importedModel === null || importedModel.state === 'ready')
  const [withWeights, setWithWeights] = useState<boolean | null>(null)
  const includeWeights = modelHere && (withWeights ?? weightBytes <= WEIGHTS_BY_DEFAULT_BYTES)

  const exportRun = async () => {
    if (!record) return
    setSaving(true)
    try {
      let weights: ModelWeights | undefined
      if (includeWeights) {
        const read = await modelWeights()
        if (!read.weights) {
          setProblem(
            `The model's weights could not be read (${read.message}) Untick "with the model's weights" to save the run without them.`,
          )
          return
        }
        weights = read.weights
      }
      const file = toRunFile(record, new Date(), weights)
      const stamp = file.createdAt.slice(0, 19).replace(/[:T]/g, '-')
      const saved = runFileBytes(file, fileSlug(record.dataset.name, stamp))
      downloadBlob(new Blob([saved.bytes], { type: saved.type }), saved.name)
      setProblem(null)
    } finally {
      setSaving(false)
    }
  }

  const exportModel = async () => {
    if (!record) return
    setSaving(true)
    try {
      const { zip, message } = await modelZip(record)
      if (!zip) {
        setProblem(`The model could not be exported (${message})`)
        return
      }
      downloadBlob(
        new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
        `${fileSlug(record.dataset.name)}.model.zip`,
      )
      setProblem(null)
    } finally {
      setSaving(false)
    }
  }

  const importFile = async (file: File) => {
    const bytes = new Uint8Array(await file.arrayBuffer())
    // A model export carries its run: opened as a run file with weights.
    const opened = isZip(bytes) ? openModelZip(bytes, file.name) : openRunFile(bytes, file.name)
    if (!opened.ok) {
      setProblem(opened.reason)
      return
    }
    setProblem(null)
    onImport(opened.record, file.name, opened.weights)
  }

  return (
    <div className="run-panel">
      <div className="buttons">
        <button
          type="button"
          data-testid="run-export"
          onClick={() => void exportRun()}
          disabled={!record || saving}
        >
          {saving ? 'Saving…' : 'Save run file'}
        </button>
        <button
          type="button"
          data-testid="model-export"
          onClick={() => void exportModel()}
          disabled={!modelHere || saving}
          title="A zip: the towers as TensorFlow.js weights with a scoring recipe for another web app, and a PyTorch project (model.py, train.py, data.py) that trains the same model on your original files, on as many GPUs as you have"
        >
          Export model
        </button>
        <label className="file-button">
          Open run file
          <input
            ref={input}
            type="file"
            accept=".json,.gz,.zip,application/json,application/gzip,application/zip"
            data-testid="run-import"
            onChange={(e) => {
              const file = e.target.files?.[0]
              if (file) void importFile(file)
              e.target.value = ''
            }}
          />
        </label>
      </div>
      {record && (
        <div className="run-weights">
          <input
            id={`${id}-weights`}
            type="checkbox"
            data-testid="run-export-weights"
            checked={includeWeights}
            disabled={!modelHere}
            onChange={(e) => setWithWeights(e.target.checked)}
          />
          <label htmlFor={`${id}-weights`}>
            with the model&apos;s weights
            {weightBytes > 0 && ` (${formatBytes(weightBytes)} before compression)`}, so the explorer and the
            embedding map work where the file is opened
          </label>
        </div>
      )}
      {state.importedFrom && (
        <p className="muted" data-testid="run-imported-note">
          Showing {state.importedFrom} (trained on {run?.backend?.name}).{' '}
          {importedModel?.state === 'none' && 'The file has no weights.'}
          {importedModel?.state === 'restoring' && 'Rebuilding its model from the weights…'}
          {importedModel?.state === 'ready' && 'Its model was rebuilt from the weights.'}
        </p>
      )}
      {importedModel?.state === 'failed' && (
        <p className="note warn" role="status" data-testid="run-model-problem">
          {importedModel.message}
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
