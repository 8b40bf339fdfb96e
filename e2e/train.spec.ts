import { expect, test } from '@playwright/test'
import { expectClean, guardPage, lossPoints, MEDIUM, screenshot, TINY, waitForDone } from './helpers'

for (const backend of ['webgl', 'wasm'] as const) {
  test(`trains the demo end to end on ${backend}, served from a sub-path`, async ({ page, baseURL }) => {
    const guards = guardPage(page, new URL(baseURL!).origin)
    await page.goto(`./?backend=${backend}#${TINY}`)
    expect(page.url()).toContain('/some/repo/')
    await expect(page.getByTestId('backend-badge')).toHaveText(backend)
    await expect(page.getByTestId('train-start')).toBeEnabled()
    expect(await lossPoints(page)).toBe(0)

    await page.getByTestId('train-start').click()
    await expect.poll(() => lossPoints(page), { timeout: 120_000 }).toBeGreaterThan(0)
    await waitForDone(page)
    const status = page.getByTestId('training-status')
    await expect(status).toHaveAttribute('data-epoch', '2')
    await expect(status).toContainText('Done')
    expect(await lossPoints(page)).toBeGreaterThan(1)

    const table = page.getByTestId('metrics-table')
    await expect(table).toHaveAttribute('data-rows', '2')
    const recall = await table.locator('tr[data-epoch="2"] td[data-metric="recall@10"]').textContent()
    expect(Number(recall)).toBeGreaterThan(0)
    await expect(table.locator('tr[data-epoch="2"] td[data-metric="popularity-recall@10"]')).not.toHaveText(
      '—',
    )
    await expect(page.getByTestId('baseline-table')).toHaveAttribute('data-ready', 'true')
    await expect(page.getByTestId('baseline-table').locator('tr[data-scorer="popularity"]')).toBeVisible()
    // Every test number carries its 95% interval.
    await expect(
      page.getByTestId('baseline-table').locator('tr[data-scorer="model"] td[data-metric="recall@10"]'),
    ).toHaveText(/^\d\.\d{4}±\d\.\d{4}$/)
    await screenshot(page, `trained-${backend}`)
    expectClean(guards)
  })
}

test('pause, resume and stop control a running wasm run; the page answers clicks meanwhile', async ({
  page,
  baseURL,
}) => {
  const guards = guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${MEDIUM}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await page.getByTestId('train-start').click()
  const status = page.getByTestId('training-status')
  await expect.poll(() => lossPoints(page), { timeout: 60_000 }).toBeGreaterThan(2)

  // The main thread is free while the worker trains: a click opens the details at once and timers fire on time.
  await page.getByText('Demo size and seed').click()
  await expect(page.locator('details')).toHaveAttribute('open', '', { timeout: 1000 })
  const lateMs = await page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const t0 = performance.now()
        setTimeout(() => resolve(performance.now() - t0 - 50), 50)
      }),
  )
  expect(lateMs).toBeLessThan(200)

  await page.getByTestId('train-pause').click()
  await expect(status).toHaveAttribute('data-state', 'paused')
  await expect(page.getByTestId('train-pause')).toHaveText('Resume')
  const pausedAt = await lossPoints(page)
  const stepsText = await page.getByTestId('training-steps').textContent()
  // Early stopping is on by default, so the run's length is unknown: the steps are those of the epoch.
  expect(stepsText).toMatch(/^Epoch \d+: step [\d,]+ of [\d,]+ \([\d,]+ interactions each\)\. Early stopping/)
  await expect(status).toContainText(/epoch \d+ of at most 3/)
  await page.waitForTimeout(1500)
  expect(await lossPoints(page)).toBe(pausedAt)
  await expect(page.getByTestId('training-steps')).toHaveText(stepsText!)
  await screenshot(page, 'paused')

  await page.getByTestId('train-pause').click()
  await expect(status).toHaveAttribute('data-state', 'training')
  await expect.poll(() => lossPoints(page), { timeout: 30_000 }).toBeGreaterThan(pausedAt)

  await page.getByTestId('train-stop').click()
  await waitForDone(page, 60_000)
  await expect(status).toContainText('stopped early')
  await expect(page.getByTestId('baseline-table')).toContainText('stopped early')
  // A new run starts cleanly after a stopped one.
  await expect(page.getByTestId('train-start')).toBeEnabled()
  expectClean(guards)
})

test('the demo CSVs are served next to the page', async ({ request }) => {
  const response = await request.get('demo/interactions.csv')
  expect(response.status()).toBe(200)
  const text = await response.text()
  expect(text.split('\n')[0]).toBe('user_id,offer_id,timestamp,device')
  expect(text.split('\n').length).toBeGreaterThan(90_000)
})

test('a bad link gives a message, not a crash, and the page still trains', async ({ page, baseURL }) => {
  const guards = guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY}&epochs=lots&heads=99&nonsense=1`)
  const error = page.getByTestId('error-message')
  await expect(error).toContainText('"lots" is not a number for Epochs')
  await expect(error).toContainText('Attention heads 99 is outside 1–8; using 8')
  await expect(error).toContainText('Unknown setting "nonsense"')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  expectClean(guards)
})

test('auto skips a software WebGL (no GPU) for wasm and says why', async ({ page }) => {
  await page.goto('./')
  const badge = page.getByTestId('backend-badge')
  await expect(badge).not.toHaveText('starting…')
  const reason = (await page.locator('.backend-reason').textContent()) ?? ''
  const renderer = await page.evaluate(() => {
    const gl = document.createElement('canvas').getContext('webgl2')
    const info = gl?.getExtension('WEBGL_debug_renderer_info')
    return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : ''
  })
  if (/swiftshader|llvmpipe|software/i.test(renderer)) {
    await expect(badge).toHaveText('wasm')
    expect(reason).toMatch(/software renderer/)
  } else {
    await expect(badge).toHaveText(renderer ? 'webgl' : 'wasm')
  }
})
