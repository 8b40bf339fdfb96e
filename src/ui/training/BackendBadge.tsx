import type { TrainingState } from './trainingState'
import './training.css'

/**
 * Which backend the worker runs on, and why (the reason is shown as text, not only on hover); `note`
 * says why it was chosen when the device test picked it.
 */
export function BackendBadge({
  backend,
  note = null,
}: {
  backend: TrainingState['backend']
  note?: string | null
}) {
  return (
    <div className="backend">
      <span className="backend-label">Backend</span>
      <span
        className={`badge badge-${backend?.name ?? 'pending'}`}
        data-testid="backend-badge"
        title={backend?.reason}
      >
        {backend?.name ?? 'starting…'}
      </span>
      <span className="backend-reason">
        {note && backend?.name ? `Chosen as the ${note}. ` : ''}
        {backend?.reason ?? 'Starting the training worker'}
      </span>
    </div>
  )
}
