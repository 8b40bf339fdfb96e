/**
 * What the page asked of the training runs: Pause, Resume and Stop for the run in progress and for one
 * still queued behind it (the worker's warm-up step, a run that is ending, a backend switch). A request
 * for a run that has not started yet is kept and applied when it starts, so no click is dropped.
 */

/** Control state of one run, read by its checkpoints. */
export interface RunControl {
  readonly runId: number
  paused: boolean
  stopped: boolean
  /** Set while the run waits at a checkpoint because it is paused; called to let it go on. */
  resume: (() => void) | null
}

export class RunControls {
  private current: RunControl | null = null
  /** The latest run id a Stop was asked for (ids only grow): a run queued up to it starts stopped. */
  private stopAsked = 0
  /** A run paused before it started: it starts paused, and waits at its first checkpoint. */
  private pauseAsked: number | null = null

  /** The control of run `runId`, which starts now (stopped or paused if that was asked while it queued). */
  begin(runId: number): RunControl {
    const control: RunControl = {
      runId,
      paused: this.pauseAsked === runId,
      stopped: runId <= this.stopAsked,
      resume: null,
    }
    if (this.pauseAsked !== null && this.pauseAsked <= runId) this.pauseAsked = null
    this.current = control
    return control
  }

  /** The run has ended (finished, stopped or failed). */
  end(control: RunControl): void {
    if (this.current === control) this.current = null
  }

  /** A new run `runId` was asked for: the one in progress and any still queued before it are stopped. */
  replaceWith(runId: number): void {
    this.stopCurrent()
    this.stopAsked = Math.max(this.stopAsked, runId - 1)
  }

  /** Stops the run in progress, if any (a backend switch, a new run). */
  stopCurrent(): void {
    if (this.current) this.stopRun(this.current)
  }

  pause(runId: number): void {
    if (this.current?.runId === runId) this.current.paused = true
    else if (runId > (this.current?.runId ?? 0) && runId > this.stopAsked) this.pauseAsked = runId
  }

  resume(runId: number): void {
    if (this.pauseAsked === runId) this.pauseAsked = null
    const run = this.current
    if (run?.runId !== runId) return
    run.paused = false
    run.resume?.()
    run.resume = null
  }

  stop(runId: number): void {
    this.stopAsked = Math.max(this.stopAsked, runId)
    if (this.pauseAsked !== null && this.pauseAsked <= runId) this.pauseAsked = null
    if (this.current?.runId === runId) this.stopRun(this.current)
  }

  private stopRun(run: RunControl): void {
    run.stopped = true
    run.resume?.()
    run.resume = null
  }
}
