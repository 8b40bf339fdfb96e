import { describe, expect, it } from 'vitest'
import { RunControls } from './runControls'

describe('RunControls', () => {
  it('pauses, resumes and stops the run in progress, and lets a paused run go on', () => {
    const controls = new RunControls()
    const run = controls.begin(1)
    expect(run).toMatchObject({ paused: false, stopped: false })
    controls.pause(1)
    expect(run.paused).toBe(true)
    let resumed = 0
    run.resume = () => resumed++
    controls.resume(1)
    expect(run).toMatchObject({ paused: false, resume: null })
    expect(resumed).toBe(1)
    run.resume = () => resumed++
    controls.stop(1)
    expect(run.stopped).toBe(true)
    expect(resumed).toBe(2)
  })

  it('keeps a Pause and a Stop asked while the run is still queued', () => {
    const controls = new RunControls()
    controls.pause(3)
    expect(controls.begin(3)).toMatchObject({ paused: true, stopped: false })
    controls.stop(4)
    expect(controls.begin(4)).toMatchObject({ stopped: true })
  })

  it('forgets a queued Pause once resumed, and does not carry it to a later run', () => {
    const controls = new RunControls()
    controls.pause(2)
    controls.resume(2)
    expect(controls.begin(2).paused).toBe(false)
    controls.pause(5)
    // Run 5 never started (replaced); run 6 must not start paused.
    controls.replaceWith(6)
    expect(controls.begin(6)).toMatchObject({ paused: false, stopped: false })
  })

  it('a new run stops the one in progress and every one queued before it', () => {
    const controls = new RunControls()
    const first = controls.begin(1)
    controls.replaceWith(3)
    expect(first.stopped).toBe(true)
    expect(controls.begin(2).stopped).toBe(true)
    expect(controls.begin(3).stopped).toBe(false)
  })

  it('ignores requests for other runs, and for a run that has ended', () => {
    const controls = new RunControls()
    const run = controls.begin(2)
    controls.pause(1)
    controls.stop(1)
    expect(run).toMatchObject({ paused: false, stopped: false })
    controls.end(run)
    controls.pause(2)
    expect(run.paused).toBe(false)
    expect(controls.begin(3).paused).toBe(false)
  })
})
