/** What the device test (`DeviceTest.tsx`) tries and how it picks, without React or workers. */
import type { BackendName } from '../../model/config'
import type { BenchmarkResult } from '../../worker/protocol'

/** One backend tried by the device test, with what it did or why it could not run. */
export interface DeviceTestRow {
  /** What was asked for; `threads` set for wasm held to that many threads. */
  backend: BackendName
  threads?: number
  label: string
  result: BenchmarkResult | null
  /** Why it did not run (refused, fell back to another backend, or failed). */
  problem: string | null
}

/**
 * The backends the device test tries: every one this browser may offer, and wasm on one thread beside
 * wasm on all of its threads when the page is isolated and has cores to spare.
 */
export function deviceTestPlan(
  isolated: boolean,
  cores: number,
): Omit<DeviceTestRow, 'result' | 'problem'>[] {
  return [
    { backend: 'webgpu', label: 'webgpu' },
    { backend: 'webgl', label: 'webgl' },
    { backend: 'wasm', label: 'wasm' },
    ...(isolated && cores >= 4 ? [{ backend: 'wasm' as const, threads: 1, label: 'wasm, 1 thread' }] : []),
    { backend: 'cpu', label: 'cpu' },
  ]
}

/** The row that trained fastest, or null when none ran. */
export function fastestRow(rows: DeviceTestRow[]): DeviceTestRow | null {
  let best: DeviceTestRow | null = null
  for (const row of rows)
    if (row.result && (!best || row.result.steps.examplesPerSecond > best.result!.steps.examplesPerSecond))
      best = row
  return best
}
