/**
 * A door for `npm run bench` (bench/run.mjs): with `?bench` in the URL, `window.__runBenchmark` times
 * training steps in a fresh training worker (its own `TrainerClient`) on a chosen backend. Without
 * `?bench` it does nothing.
 */
import { DEFAULT_DEMO_SEED, DEFAULT_DEMO_SIZE } from '../../demo/cardOffers'
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../model/config'
import type { BackendName, BenchmarkRequest, BenchmarkResult, DemoSource } from '../../worker/protocol'
import { TrainerClient } from './trainerClient'

/** A benchmark request whose config and demo may be partial; missing values are the page's defaults. */
export type BenchmarkHookRequest = Omit<BenchmarkRequest, 'config' | 'demo'> & {
  config?: Partial<TrainConfig>
  demo?: Partial<Omit<DemoSource, 'kind'>>
}

/** The worker's result plus the config and demo it ran with, so the report names what was timed. */
export type BenchmarkHookResult = BenchmarkResult & Pick<BenchmarkRequest, 'config' | 'demo'>

export type RunBenchmark = (
  backend: BackendName,
  request: BenchmarkHookRequest,
) => Promise<BenchmarkHookResult>

declare global {
  interface Window {
    __runBenchmark?: RunBenchmark
  }
}

/** The full request the worker receives: the page's default config and demo under any overrides. */
export function completeBenchmarkRequest(request: BenchmarkHookRequest): BenchmarkRequest {
  return {
    ...request,
    config: { ...DEFAULT_TRAIN_CONFIG, ...request.config },
    demo: { kind: 'demo', seed: DEFAULT_DEMO_SEED, ...DEFAULT_DEMO_SIZE, ...request.demo },
  }
}

/** Runs one benchmark in a worker of its own, which is terminated afterwards whatever the outcome. */
const runBenchmark: RunBenchmark = async (backend, request) => {
  const full = completeBenchmarkRequest(request)
  const client = new TrainerClient(backend)
  try {
    const result = await client.benchmark(full)
    return { ...result, config: full.config, demo: full.demo }
  } finally {
    client.terminate('The benchmark ended.')
  }
}

/** Defines `window.__runBenchmark` when the page was opened with `?bench`; otherwise changes nothing. */
export function installBenchmarkHook(): void {
  if (!new URLSearchParams(location.search).has('bench')) return
  window.__runBenchmark = runBenchmark
}
