import type { RunResult } from '../model/run'
import type { TrainingState } from './trainingState'

interface Props {
  state: TrainingState
  canStart: boolean
  totalEpochs: number
  onStart: () => void
  onPause: () => void
  onResume: () => void
  onStop: () => void
  /** Text of the train button: says what will be trained. */
  trainLabel: string
}

const DONE_TEXT: Record<RunResult['end'], (r: RunResult) => string> = {
  completed: (r) => ` in ${r.timing.totalSeconds.toFixed(1)} s`,
  stopped: () => ' (stopped early)',
  'early-stopping': (r) => ` (early stopping: tested the weights of epoch ${r.testedEpoch})`,
  diverged: () => ' (the loss diverged)',
}

const STATUS_TEXT: Record<TrainingState['status'], string> = {
  idle: 'Ready to train',
  training: 'Training',
  paused: 'Paused',
  done: 'Done',
  error: 'Error',
}

/** Train / pause-resume / stop, and the run's status with a progress bar. */
export function TrainingControls({
  trainLabel,
  state,
  canStart,
  totalEpochs,
  onStart,
  onPause,
  onResume,
  onStop,
}: Props) {
  const running = state.status === 'training' || state.status === 'paused'
  const stepsDone = state.lossPoints.length > 0 ? state.lossPoints[state.lossPoints.length - 1].step : 0
  const totalSteps = state.dataset ? state.dataset.stepsPerEpoch * totalEpochs : 0
  const progress = state.status === 'done' ? 1 : totalSteps > 0 ? Math.min(1, stepsDone / totalSteps) : 0
  let text = STATUS_TEXT[state.status]
  if (running) text += ` · epoch ${Math.min(state.currentEpoch, totalEpochs)} of ${totalEpochs}`
  if (state.status === 'done' && state.result) text += DONE_TEXT[state.result.end](state.result)
  return (
    <div className="controls">
      <div className="buttons">
        <button
          type="button"
          className="primary"
          data-testid="train-start"
          onClick={onStart}
          disabled={!canStart || running}
        >
          {trainLabel}
        </button>
        <button
          type="button"
          data-testid="train-pause"
          onClick={state.status === 'paused' ? onResume : onPause}
          disabled={!running}
          aria-pressed={state.status === 'paused'}
        >
          {state.status === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button type="button" data-testid="train-stop" onClick={onStop} disabled={!running}>
          Stop
        </button>
      </div>
      <div
        className={`status status-${state.status}`}
        data-testid="training-status"
        data-state={state.status}
        data-epoch={state.currentEpoch}
        role="status"
        aria-live="polite"
      >
        <strong>{text}</strong>
        {state.detail && <span className="detail"> — {state.detail}</span>}
      </div>
      <progress max={1} value={progress} aria-label="Training progress" />
      {running && totalSteps > 0 && (
        <p className="muted steps" data-testid="training-steps">
          Step {stepsDone.toLocaleString('en-US')} of {totalSteps.toLocaleString('en-US')} (
          {state.dataset!.batchSize.toLocaleString('en-US')} interactions each)
        </p>
      )}
    </div>
  )
}
