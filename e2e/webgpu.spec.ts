import { expect, test } from '@playwright/test'
import config from '../playwright.config'
import { expectClean, guardPage, lossPoints, TINY, waitForDone } from './helpers'

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
  // The model learned on this backend: its test Recall@10 beats random's by three standard errors.
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
  expect(model - random, `model ${model}, random ${random}`).toBeGreaterThan(3 * standardError)
  await expectClean(guards)
})
