import { useState } from 'react'
import { ScrollFrame } from '../shared/ScrollFrame'
import type { BackendName, TrainConfig } from '../../model/config'
import type { DemoSource } from '../../worker/protocol'
import { deviceTestPlan, fastestRow, type DeviceTestRow } from './deviceTest'
import { TrainerClient } from './trainerClient'

/** Steps timed per backend: one to warm up (compiles), then 3 each way; a few seconds on most machines. */
const STEPS = { itemVocabularies: [], warmupSteps: 1, maxWarmupSteps: 2, timedSteps: 3 }

async function tryBackend(
  row: Omit<DeviceTestRow, 'result' | 'problem'>,
  config: TrainConfig,
  demo: DemoSource,
): Promise<DeviceTestRow> {
  const client = new TrainerClient(row.backend, undefined, row.threads)
  try {
    // A backend this browser does not offer falls back to another: said at once, and not timed.
    const started = await client.setBackend(row.backend)
    if (started.backend !== row.backend)
      return { ...row, result: null, problem: `not available here: ${started.reason}` }
    const result = await client.benchmark({ ...STEPS, config, demo })
    return { ...row, result, problem: null }
  } catch (e) {
    return { ...row, result: null, problem: e instanceof Error ? e.message : String(e) }
  } finally {
    client.terminate('The device test ended.')
  }
}

const format = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

/**
 * "Test my device": times a few training steps of the current model settings on every backend, each in a
 * worker of its own, shows the figures and picks the fastest for this visit (`onPick`, with the why).
 */
export function DeviceTest({
  config,
  demo,
  disabled,
  onPick,
}: {
  config: TrainConfig
  demo: DemoSource
  disabled: boolean
  onPick: (backend: BackendName, why: string) => void
}) {
  const [rows, setRows] = useState<DeviceTestRow[]>([])
  const [testing, setTesting] = useState<string | null>(null)
  const [choice, setChoice] = useState<string | null>(null)

  const run = async () => {
    setRows([])
    setChoice(null)
    const done: DeviceTestRow[] = []
    for (const row of deviceTestPlan(self.crossOriginIsolated, navigator.hardwareConcurrency || 1)) {
      setTesting(row.label)
      done.push(await tryBackend(row, config, demo))
      setRows([...done])
    }
    setTesting(null)
    const best = fastestRow(done)
    if (!best) {
      setChoice('No backend could train here.')
      return
    }
    const others = done
      .filter((r) => r !== best && r.result)
      .map((r) => `${r.label} ${format(r.result!.steps.examplesPerSecond)}`)
    const why =
      `fastest in the device test: ${format(best.result!.steps.examplesPerSecond)} examples/s` +
      (others.length ? ` (${others.join(', ')})` : '')
    setChoice(`Picked ${best.backend}: ${why}.`)
    onPick(best.backend, why)
  }

  return (
    <div className="device-test">
      <button type="button" data-testid="device-test" disabled={disabled || testing !== null} onClick={run}>
        {testing ? `Testing ${testing}…` : 'Test my device'}
      </button>
      {rows.length > 0 && (
        <ScrollFrame label="Device test results">
          <table className="metrics" data-testid="device-test-results">
            <caption>A few training steps of the current settings on each backend</caption>
            <thead>
              <tr>
                <th scope="col">Backend</th>
                <th scope="col">Examples/s</th>
                <th scope="col">ms per step alone</th>
                <th scope="col">First step, ms</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={row.label} data-testid={`device-test-row-${row.label.replace(/\W+/g, '-')}`}>
                  <th scope="row" title={row.result?.reason ?? row.problem ?? ''}>
                    {row.label}
                  </th>
                  {row.result ? (
                    <>
                      <td>{format(row.result.steps.examplesPerSecond)}</td>
                      <td>{format(row.result.steps.latencyMs)}</td>
                      <td>{format(row.result.steps.firstStepMs)}</td>
                    </>
                  ) : (
                    <td colSpan={3}>{row.problem}</td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollFrame>
      )}
      {choice && (
        <p className="device-test-choice" data-testid="device-test-choice">
          {choice}
        </p>
      )}
    </div>
  )
}
