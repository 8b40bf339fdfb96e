import type { TrainingState } from './trainingState'
import './training.css'

/** Which backend the worker runs on, and why (the reason is shown as text, not only on hover). */
export function BackendBadge({ backend }: { backend: TrainingState['backend'] }) {
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
      <span className="backend-reason">{backend?.reason ?? 'Starting the training worker'}</span>
    </div>
  )
}
