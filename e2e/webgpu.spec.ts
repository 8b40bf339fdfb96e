import { expect, test } from '@playwright/test'
import config from '../playwright.config'
import {
  expectClean,
  expectModelBeatsRandom,
  guardPage,
  lossPoints,
  runBenchmark,
  TINY,
  waitForDone,
} from './helpers'

/** The browser flags of every test, and WebGPU on top (Chromium on Linux offers it only so). */
const WEBGPU_ARGS = [...(config.use?.launchOptions?.args ?? []), '--enable-unsafe-webgpu']

/**
 * The tiny demo for one epoch, the model alone: a software WebGPU adapter runs it slowly (the tiny demo's
 * two epochs with the three trained baselines beside it took over 4 minutes here).
 */
const WEBGPU_RUN = `${TINY}&epochs=1&compareBaselines=0`

/** WebGPU on: Chromium then offers SwiftShader's software adapter here. */
test.use({ launchOptions: { ...config.use?.launchOptions, args: WEBGPU_ARGS } })

test('trains the demo end to end on webgpu, and the badge says the adapter is a software one', async ({
  page,
  baseURL,
}) => {
  // 3.6 minutes here on the software adapter, one run.
  test.setTimeout(480_000)
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=webgpu#${WEBGPU_RUN}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('webgpu')
  await expect(page.locator('.backend-reason')).toContainText('The adapter is a software one')
  await page.getByTestId('train-start').click()
  await expect.poll(() => lossPoints(page), { timeout: 120_000 }).toBeGreaterThan(0)
  await waitForDone(page, 420_000)
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-epoch', '1')
  await expectModelBeatsRandom(page)
  await expectClean(guards)
})

test("on webgpu the loss's batch-sized masks are computed on the GPU, not in JavaScript: a step runs more GPU programs than with tfjs's hand-off put back", async ({
  page,
}) => {
  // tfjs-backend-webgpu runs a kernel in JavaScript when its inputs are on the CPU and small, whatever
  // its output: the loss's [batch, batch] masks from [batch] ids were filled in JavaScript every step
  // (src/worker/backend.ts). The page turns that off; with it on again the same step runs fewer GPU
  // programs (each of those masks' compares is one).
  test.setTimeout(240_000)
  await page.goto(`./?bench#${TINY}`)
  const programs = (flags: Record<string, boolean>) =>
    runBenchmark(page, 'webgpu', {
      itemVocabularies: [],
      warmupSteps: 1,
      timedSteps: 1,
      maxWarmupSteps: 1,
      flags,
      profile: true,
      config: { batchSize: 32, dim: 8, mlpHidden: 16 },
      demo: { users: 100, items: 40, interactions: 1500 },
    }).then((r) => {
      expect(r.backend).toBe('webgpu')
      return r.steps.profile!.programs!
    })
  const onDevice = await programs({})
  const forwarded = await programs({ WEBGPU_CPU_FORWARD: true })
  expect(forwarded).toBeGreaterThan(0)
  expect(onDevice).toBeGreaterThan(forwarded)
})
