import { describe, expect, it } from 'vitest'
import type { BenchmarkResult } from '../../worker/protocol'
import { deviceTestPlan, fastestRow, type DeviceTestRow } from './deviceTest'

const ran = (label: string, examplesPerSecond: number): DeviceTestRow => ({
  backend: 'wasm',
  label,
  problem: null,
  result: { steps: { examplesPerSecond } } as BenchmarkResult,
})

describe('device test', () => {
  it('tries every backend, and wasm on one thread only where isolation gives it more', () => {
    expect(deviceTestPlan(false, 16).map((r) => r.label)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu'])
    expect(deviceTestPlan(true, 2).map((r) => r.label)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu'])
    const rows = deviceTestPlan(true, 8)
    expect(rows.map((r) => r.label)).toEqual(['webgpu', 'webgl', 'wasm', 'wasm, 1 thread', 'cpu'])
    expect(rows[3]).toMatchObject({ backend: 'wasm', threads: 1 })
  })

  it('picks the row with the most examples per second, never one that did not run', () => {
    const failed: DeviceTestRow = { backend: 'webgl', label: 'webgl', result: null, problem: 'no WebGL2' }
    expect(fastestRow([failed, ran('wasm', 3000), ran('cpu', 200)])?.label).toBe('wasm')
    expect(fastestRow([ran('cpu', 200), failed, ran('wasm, 1 thread', 3100), ran('wasm', 3000)])?.label).toBe(
      'wasm, 1 thread',
    )
    expect(fastestRow([failed])).toBeNull()
    expect(fastestRow([])).toBeNull()
  })
})
