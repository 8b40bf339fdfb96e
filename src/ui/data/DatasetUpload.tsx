import { useId, useState, type DragEvent } from 'react'
import type { IngestParseOverrides } from '../../worker/protocol'
import { describeProblem, type DatasetState } from './datasetState'
import { formatBytes, formatCount } from '../shared/format'
import type { IngestActions } from './useIngest'

const DELIMITERS: { value: string; label: string }[] = [
  { value: '', label: 'detect' },
  { value: ',', label: 'comma ,' },
  { value: '\t', label: 'tab' },
  { value: ';', label: 'semicolon ;' },
  { value: '|', label: 'pipe |' },
  { value: '::', label: 'double colon ::' },
]

/**
 * Drop zone and file picker for the person's own data, with parse progress, cancel, the parse reports
 * and any problem (naming file, row and column). Parse choices can be overridden and the files re-read.
 */
export function DatasetUpload({
  state,
  actions,
  busy,
}: {
  state: DatasetState
  actions: IngestActions
  busy: boolean
}) {
  const inputId = useId()
  const [dragging, setDragging] = useState(false)
  const [files, setFiles] = useState<File[]>([])
  const [overrides, setOverrides] = useState<IngestParseOverrides>({})
  const [showOptions, setShowOptions] = useState(false)
  const parsing = state.pending?.kind === 'parse'

  const upload = (list: FileList | null) => {
    const picked = list ? Array.from(list) : []
    if (picked.length === 0 || busy) return
    setFiles(picked)
    actions.upload(picked, overrides)
  }
  const onDrop = (e: DragEvent) => {
    e.preventDefault()
    setDragging(false)
    upload(e.dataTransfer.files)
  }
  const { progress } = state
  const share = progress && progress.totalBytes > 0 ? progress.bytesRead / progress.totalBytes : 0

  return (
    <div className="upload">
      <div
        className={`dropzone${dragging ? ' dropzone-active' : ''}`}
        onDragOver={(e) => {
          e.preventDefault()
          setDragging(true)
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <p>
          <strong>Your own data:</strong> drop an interactions file and, if you have them, a user table and an
          item table (CSV, TSV, MovieLens, TheLook, .zip, .gz). They are read in this page only.
        </p>
        <input
          id={inputId}
          className="visually-hidden"
          type="file"
          multiple
          data-testid="dataset-input"
          disabled={busy || parsing}
          onChange={(e) => {
            upload(e.target.files)
            e.target.value = ''
          }}
        />
        <label htmlFor={inputId} className="upload-button">
          Choose files…
        </label>
      </div>
      <button
        type="button"
        className="link-button"
        aria-expanded={showOptions}
        aria-controls={`${inputId}-options`}
        onClick={() => setShowOptions(!showOptions)}
      >
        Parsing options {showOptions ? '▾' : '▸'}
      </button>
      <div className="parse-options" id={`${inputId}-options`} hidden={!showOptions}>
        <div className="settings">
          <div className="field">
            <label htmlFor={`${inputId}-delimiter`}>Delimiter</label>
            <select
              id={`${inputId}-delimiter`}
              value={overrides.delimiter ?? ''}
              onChange={(e) => setOverrides({ ...overrides, delimiter: e.target.value || undefined })}
            >
              {DELIMITERS.map((d) => (
                <option key={d.label} value={d.value}>
                  {d.label}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${inputId}-header`}>Header row</label>
            <select
              id={`${inputId}-header`}
              value={overrides.header === undefined ? '' : String(overrides.header)}
              onChange={(e) =>
                setOverrides({
                  ...overrides,
                  header: e.target.value === '' ? undefined : e.target.value === 'true',
                })
              }
            >
              <option value="">detect</option>
              <option value="true">yes</option>
              <option value="false">no</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${inputId}-encoding`}>Encoding</label>
            <select
              id={`${inputId}-encoding`}
              value={overrides.encoding ?? ''}
              onChange={(e) =>
                setOverrides({
                  ...overrides,
                  encoding: (e.target.value || undefined) as IngestParseOverrides['encoding'],
                })
              }
            >
              <option value="">detect</option>
              <option value="utf-8">UTF-8</option>
              <option value="windows-1252">Latin-1 / Windows-1252</option>
            </select>
          </div>
        </div>
        <button
          type="button"
          disabled={files.length === 0 || busy || parsing}
          onClick={() => actions.upload(files, overrides)}
        >
          Read the files again
        </button>
      </div>

      {parsing && (
        <div className="ingest-progress" data-testid="ingest-progress" aria-live="polite">
          <progress max={1} value={share} aria-label="Reading the files" />
          <p className="muted">
            {progress
              ? `Reading ${progress.file} (${progress.fileIndex + 1} of ${progress.fileCount}): ${formatBytes(progress.bytesRead)} of ${formatBytes(progress.totalBytes)}, ${formatCount(progress.rows)} rows`
              : `Reading ${state.pending?.files.map((f) => f.name).join(', ')}…`}
          </p>
          <button type="button" data-testid="ingest-cancel" onClick={actions.cancel}>
            Cancel
          </button>
        </div>
      )}
      {state.pending?.kind === 'map' && <p className="muted">Proposing a mapping for those roles…</p>}
      {state.pending?.kind === 'apply' && <p className="muted">Cleaning and encoding…</p>}
      {state.notice && <p className="muted">{state.notice}</p>}
      {state.problem && (
        <div className="error" data-testid="error-message" role="alert">
          <p>{describeProblem(state.problem)}</p>
          <p className="muted">
            {state.active
              ? `Still using ${state.active.name}.`
              : 'The demo data stays loaded; nothing else changed.'}
          </p>
        </div>
      )}
      {state.proposal && <ParseReports proposal={state.proposal} />}
    </div>
  )
}

function ParseReports({ proposal }: { proposal: NonNullable<DatasetState['proposal']> }) {
  const warnings = [
    ...proposal.reports.flatMap((r) => r.warnings.map((w) => `${r.file}: ${w}`)),
    ...proposal.notes,
  ]
  return (
    <details className="reports" data-testid="parse-reports">
      <summary>
        Read {proposal.reports.length} file(s) in {proposal.seconds.toFixed(1)} s
        {warnings.length > 0 && ` · ${warnings.length} note(s)`}
      </summary>
      <ul>
        {proposal.reports.map((r) => (
          <li key={r.file}>
            <strong>{r.file}</strong>: {formatCount(r.rows)} rows, {r.encoding},{' '}
            {r.delimiter === null ? 'one column' : `delimiter ${JSON.stringify(r.delimiter)}`},{' '}
            {r.header ? 'header' : 'no header'}
          </li>
        ))}
        {proposal.skipped.map((s) => (
          <li key={s.file}>
            Skipped {s.file}: {s.reason}
          </li>
        ))}
        {warnings.map((w) => (
          <li key={w}>{w}</li>
        ))}
      </ul>
    </details>
  )
}
