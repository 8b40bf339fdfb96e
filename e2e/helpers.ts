import { expect, type Download, type Locator, type Page } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import type { BenchmarkHookRequest, BenchmarkHookResult } from '../src/ui/training/benchmarkHook'
import type { BackendName } from '../src/worker/protocol'

/** A demo small enough for SwiftShader WebGL: ~20 steps of batch 128 with 8-wide tokens. */
export const TINY =
  'demoUsers=300&demoItems=60&demoInteractions=4000&epochs=2&batchSize=128&dim=8&mlpHidden=16'
/** An upload's model, small enough to train in seconds on wasm. */
export const TINY_UPLOAD = 'epochs=1&batchSize=64&dim=8&mlpHidden=16'

/** Opens the page on wasm with the tiny upload settings, guarding console and requests. */
export async function openForUpload(page: Page, baseURL: string | undefined): Promise<PageGuards> {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY_UPLOAD}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  return guards
}

/** Drops files on the page's file input. */
export async function drop(page: Page, files: string[]): Promise<void> {
  await page.getByTestId('dataset-input').setInputFiles(files)
}

/** Large enough that pause and stop can be exercised mid-run on wasm (a few seconds per epoch). */
export const MEDIUM =
  'demoUsers=1500&demoItems=200&demoInteractions=30000&epochs=3&batchSize=256&dim=16&mlpHidden=32'

export interface PageGuards {
  consoleErrors: string[]
  foreignRequests: string[]
  page: Page
}

/**
 * Records console errors, uncaught exceptions and any request that leaves the page's origin (the data
 * is private: nothing may go anywhere else). Check with `expectClean` at the end of a test.
 */
export async function guardPage(page: Page, origin: string): Promise<PageGuards> {
  const guards: PageGuards = { consoleErrors: [], foreignRequests: [], page }
  // Content-Security-Policy violations of the document, counted (the built page carries a policy).
  await page.addInitScript(() => {
    const w = window as unknown as { cspViolations: string[] }
    w.cspViolations = []
    document.addEventListener('securitypolicyviolation', (e) =>
      w.cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`),
    )
  })
  page.on('console', (m) => {
    if (m.type() === 'error') guards.consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => guards.consoleErrors.push(`uncaught: ${e.message}`))
  page.on('request', (r) => {
    const url = r.url()
    if (url.startsWith('data:') || url.startsWith('blob:')) return
    if (new URL(url).origin !== origin) guards.foreignRequests.push(url)
  })
  // Workers' requests are seen by the context, not the page.
  page.context().on('request', (r) => {
    const url = r.url()
    if (!url.startsWith('data:') && !url.startsWith('blob:') && new URL(url).origin !== origin)
      guards.foreignRequests.push(url)
  })
  return guards
}

export async function expectClean(guards: PageGuards): Promise<void> {
  expect(guards.consoleErrors, 'console errors').toEqual([])
  expect(guards.foreignRequests, 'requests that left the origin').toEqual([])
  const violations = await guards.page
    .evaluate(() => (window as unknown as { cspViolations?: string[] }).cspViolations ?? null)
    .catch(() => null)
  expect(violations, 'Content-Security-Policy violations').toEqual([])
}

export async function lossPoints(page: Page): Promise<number> {
  return Number(await page.getByTestId('loss-chart').getAttribute('data-points'))
}

export async function waitForDone(page: Page, timeoutMs = 180_000): Promise<void> {
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done', {
    timeout: timeoutMs,
  })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true })
}

/** A deterministic pseudo-random sequence in [0, 1), so generated files are the same on every run. */
export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

/** Clicks a button that saves a file; gives the download and its bytes. */
export async function download(page: Page, button: Locator): Promise<{ download: Download; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()])
  const path = await file.path()
  return { download: file, bytes: await readFile(path) }
}

/**
 * The model learned on this page's backend: its test Recall@10 beats random's by three standard errors
 * of the difference over the held-out interactions (the tiny demo: 0.56 against 0.25 over 300, a
 * standard error near 0.04). An untrained or garbled model ranks like random.
 */
export async function expectModelBeatsRandom(page: Page): Promise<void> {
  const baselines = page.getByTestId('baseline-table')
  const recall = async (scorer: string) =>
    parseFloat(
      (await baselines.locator(`tr[data-scorer="${scorer}"] td[data-metric="recall@10"]`).textContent())!,
    )
  const heldOut = Number(
    (await baselines.textContent())!.match(/([\d,]+) held-out interactions/)![1].replace(/,/g, ''),
  )
  const [model, random] = [await recall('model'), await recall('random')]
  const standardError = Math.sqrt((model * (1 - model) + random * (1 - random)) / heldOut)
  expect(model - random, `model ${model}, random ${random}, ${heldOut} held out`).toBeGreaterThan(
    3 * standardError,
  )
}

/**
 * Runs the page's benchmark hook (src/ui/training/benchmarkHook.ts; the page must be open with `?bench`)
 * on `backend`, in a worker of its own.
 */
export async function runBenchmark(
  page: Page,
  backend: BackendName,
  request: BenchmarkHookRequest,
): Promise<BenchmarkHookResult> {
  await page.waitForFunction(() => typeof window.__runBenchmark === 'function')
  return page.evaluate(([backend, request]) => window.__runBenchmark!(backend, request), [
    backend,
    request,
  ] as const)
}
