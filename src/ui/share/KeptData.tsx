import type { KeptSummary } from '../../worker/protocol'
import { formatBytes, formatCount } from '../shared/format'

/**
 * What this browser keeps between visits (the applied upload, the last run), the storage it takes, and
 * the control that forgets it. A quota or storage problem is said here; the page goes on without keeping.
 */
export function KeptData({ kept, onForget }: { kept: KeptSummary | null; onForget: () => void }) {
  if (!kept) return null
  const { upload, run, checkpoint, usage, quota, problem } = kept
  const parts: string[] = []
  if (checkpoint)
    parts.push(`the run in progress after epoch ${checkpoint.epoch} (a reload resumes it there)`)
  if (upload)
    parts.push(`your data “${upload.name}” (${formatCount(upload.interactions)} interactions, encoded)`)
  if (run) parts.push(`the last run trained here${run.withWeights ? ', with its model' : ''}`)
  return (
    <div
      className="kept"
      data-testid="kept"
      data-upload={upload ? 'yes' : 'no'}
      data-run={run ? 'yes' : 'no'}
      data-checkpoint={checkpoint?.epoch ?? 0}
    >
      <p>
        {parts.length > 0
          ? `Kept in this browser for a reload or your next visit: ${listed(parts)}. It never leaves this browser.`
          : 'Nothing is kept in this browser yet: an applied upload and the last run trained here will be, so a reload loses nothing.'}
      </p>
      {usage !== null && quota !== null && (
        <p className="muted" data-testid="kept-usage">
          {`Storage this page uses, its offline copy included: ${formatBytes(usage)} of ${formatBytes(quota)} the browser allows it.`}
        </p>
      )}
      {problem && (
        <p className="note warn" role="status" data-testid="kept-problem">
          {problem}
        </p>
      )}
      <button
        type="button"
        data-testid="kept-forget"
        onClick={onForget}
        disabled={!upload && !run && !checkpoint}
      >
        Forget saved data
      </button>
    </div>
  )
}

/** "a", "a and b", "a, b and c". */
function listed(parts: string[]): string {
  return parts.length < 3 ? parts.join(' and ') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`
}
