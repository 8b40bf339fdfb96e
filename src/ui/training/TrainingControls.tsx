import type { RunResult } from '../../model/results'
import { trendNote } from '../results/testTable'
import type { TrainingState } from './trainingState'
import './training.css'

interface Props {
  state: TrainingState
  canStart: boolean
  /** The epoch setting on the form; the running (or imported) run's own config wins when there is one. */
  totalEpochs: number
  onStart: () => void
  onPause: () => void
  onResume: () => void
  onStop: () => void
  /** Text of the train button: says what will be trained. */
  trainLabel: string
}

const DONE_TEXT: Record<RunResult['end'], (r: RunResult) => string> = {
  completed: (r) =>
    ` in ${r.timing.totalSeconds.toFixed(1)} s` +
    (r.testedEpoch > 0 && r.testedEpoch < r.history.length
      ? ` (tested the weights of epoch ${r.testedEpoch}, the best on validation)`
      : ''),
  stopped: () => ' (stopped early)',
  'early-stopping': (r) => ` after ${r.history.length} epochs (early stopping)`,
  diverged: () => ' (the loss diverged)',
}

const STATUS_TEXT: Record<TrainingState['status'], string> = {
  idle: 'Ready to train',
  training: 'Training',
  paused: 'Paused',
  done: 'Done',
  error: 'Error',
}

/** Why Pause and Stop are off while a run tests. */
const TESTING_TITLE =
  'Training is over: the run is testing the weights it keeps on the held-out split, to its end'

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
  const config = state.run?.config
  const epochCap = config?.epochs ?? totalEpochs
  const earlyStopping = (config?.earlyStoppingPatience ?? 0) > 0
  const stepsDone = state.lossPoints.length > 0 ? state.lossPoints[state.lossPoints.length - 1].step : 0
  const stepsPerEpoch = state.dataset?.stepsPerEpoch ?? 0
  // Under early stopping the number of epochs is not known in advance: the bar shows the epoch in progress.
  const epoch = Math.min(state.currentEpoch, epochCap)
  const stepsInEpoch = Math.min(stepsPerEpoch, Math.max(0, stepsDone - (epoch - 1) * stepsPerEpoch))
  const totalSteps = stepsPerEpoch * epochCap
  const progress =
    state.status === 'done'
      ? 1
      : earlyStopping
        ? stepsPerEpoch > 0
          ? stepsInEpoch / stepsPerEpoch
          : 0
        : totalSteps > 0
          ? Math.min(1, stepsDone / totalSteps)
          : 0
  // Once training is over the run tests: nothing is left for Pause or Stop to act on.
  const testing = running && state.testing
  let text = testing ? 'Testing' : STATUS_TEXT[state.status]
  if (running && !testing) text += ` · epoch ${epoch} of ${earlyStopping ? 'at most ' : ''}${epochCap}`
  if (state.status === 'done' && state.record) text += DONE_TEXT[state.record.end](state.record)
  const note = state.status === 'done' && state.record ? trendNote(state.record, epochCap) : null
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
          disabled={!running || testing}
          title={testing ? TESTING_TITLE : undefined}
          aria-pressed={state.status === 'paused'}
        >
          {state.status === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button
          type="button"
          data-testid="train-stop"
          onClick={onStop}
          disabled={!running || testing}
          title={testing ? TESTING_TITLE : undefined}
        >
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
      <progress
        max={1}
        value={progress}
        aria-label={earlyStopping && running ? `Progress of epoch ${epoch}` : 'Training progress'}
      />
      {running && stepsPerEpoch > 0 && (
        <p className="muted steps" data-testid="training-steps">
          {earlyStopping
            ? `Epoch ${epoch}: step ${stepsInEpoch.toLocaleString('en-US')} of ${stepsPerEpoch.toLocaleString('en-US')}`
            : `Step ${stepsDone.toLocaleString('en-US')} of ${totalSteps.toLocaleString('en-US')}`}{' '}
          ({state.dataset!.batchSize.toLocaleString('en-US')} interactions each)
          {earlyStopping &&
            `. Early stopping: ends after ${config!.earlyStoppingPatience} epochs without a better validation NDCG@10 and keeps the best epoch.`}
        </p>
      )}
      {state.resumedFrom !== null && (
        <p className="muted" data-testid="resumed-note">
          A reload interrupted this run; it went on from the end of epoch {state.resumedFrom}, kept in this
          browser, with the same weights, optimizer state and batch order, so it ends as it would have.
        </p>
      )}
      {note && (
        <p className="trend-note" data-testid="validation-trend">
          {note}
        </p>
      )}
    </div>
  )
}
