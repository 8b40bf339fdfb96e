/// <reference lib="webworker" />
import type { BackendName } from '../model/config'
import { selectBackend } from './backend'
import { serveComparisons, type Port } from './comparisons'

/**
 * The second worker of a run: the trained baselines (see `comparisons.ts`). The first message names
 * the backend the model's worker chose; the same one starts here before any call is answered.
 */
const scope = self as unknown as DedicatedWorkerGlobalScope
scope.onmessage = (event: MessageEvent<{ backend: BackendName }>) => {
  serveComparisons(scope as unknown as Port, selectBackend(event.data.backend))
}
