import { expect, test, type Page } from '@playwright/test'
import {
  expectClean,
  expectModelBeatsRandom,
  guardPage,
  lossPoints,
  MEDIUM,
  screenshot,
  TINY,
  waitForDone,
} from './helpers'

for (const backend of ['webgl', 'wasm'] as const) {
  test(`trains the demo end to end on ${backend}, served from a sub-path`, async ({ page, baseURL }) => {
    // SwiftShader's WebGL took 3.2-3.4 min for this run on a 2-core machine: more room than the default.
    if (backend === 'webgl') test.setTimeout(420_000)
    const guards = await guardPage(page, new URL(baseURL!).origin)
    await page.goto(`./?backend=${backend}#${TINY}`)
    expect(page.url()).toContain('/some/repo/')
    await expect(page.getByTestId('backend-badge')).toHaveText(backend)
    await expect(page.getByTestId('train-start')).toBeEnabled()
    expect(await lossPoints(page)).toBe(0)
    const workers: string[] = []
    page.on('worker', (worker) => workers.push(worker.url()))

    await page.getByTestId('train-start').click()
    await expect.poll(() => lossPoints(page), { timeout: 120_000 }).toBeGreaterThan(0)
    await waitForDone(page, backend === 'webgl' ? 360_000 : undefined)
    // The trained baselines trained in a second worker beside the model, and each has its test row.
    expect(workers.filter((url) => /comparisons\.worker/.test(url))).toHaveLength(1)
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
    const baselines = page.getByTestId('baseline-table')
    await expect(baselines).toHaveAttribute('data-ready', 'true')
    await expect(baselines.locator('tr[data-scorer="popularity"]')).toBeVisible()
    for (const trained of ['id-only', 'mean-pooling', 'sequence'])
      await expect(baselines.locator(`tr[data-scorer="${trained}"] td[data-metric="recall@10"]`)).toHaveText(
        /^\d\.\d{4}±\d\.\d{4}$/,
      )
    await expectModelBeatsRandom(page)
    // Every test number carries its 95% interval.
    await expect(baselines.locator('tr[data-scorer="model"] td[data-metric="recall@10"]')).toHaveText(
      /^\d\.\d{4}±\d\.\d{4}$/,
    )
    await expectChartsDrawn(page, 2)
    await screenshot(page, `trained-${backend}`)
    await expectClean(guards)
  })
}

/**
 * The loss and ranking charts (our own SVG) drew every point, list their series, read out the point
 * under the pointer, and follow the window when it narrows (a drawing that held its old width would make
 * the page scroll sideways).
 */
async function expectChartsDrawn(page: Page, epochs: number) {
  const loss = page.getByTestId('loss-chart')
  const points = await lossPoints(page)
  const path = await loss.locator('[data-series="loss"] path').getAttribute('d')
  expect(path?.match(/[ML]/g) ?? []).toHaveLength(points)
  const ranking = page.getByTestId('ranking-chart')
  await expect(ranking).toHaveAttribute('data-points', String(epochs))
  await expect(ranking.locator('[data-series="model"] circle')).toHaveCount(epochs)
  await expect(ranking.locator('[data-series="popularity"] path')).toHaveAttribute('d', /^M[\d.]+,[\d.]+L/)
  await expect(ranking.locator('.chart-legend li').first()).toHaveText('Attention two-tower')

  const box = (await loss.locator('svg.chart-svg').boundingBox())!
  await page.mouse.move(box.x + box.width - 30, box.y + 60)
  await expect(loss.getByTestId('chart-readout')).toContainText(/step \d+loss \d+\.\d{4}/)
  await page.mouse.move(0, 0)
  await expect(loss.getByTestId('chart-readout')).toHaveCount(0)

  const wide = page.viewportSize()!
  await page.setViewportSize({ width: 480, height: wide.height })
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(480)
  // Redrawn for the new width once the frame's resize is observed.
  await expect
    .poll(async () => (await loss.locator('svg.chart-svg').boundingBox())?.width)
    .toBeLessThan(box.width)
  await page.setViewportSize(wide)
}

/**
 * Share of a few seconds of the page's time in which its main thread could not run a timer on time: a
 * chain of 20 ms timers, each one's lateness beyond its delay summed over the time the chain ran. A
 * ratio, so it does not depend on the machine's speed; training on the main thread or heavy work per
 * worker message drives it towards 1.
 */
async function blockedShare(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        const delayMs = 20
        const windowMs = 3000
        const start = performance.now()
        let last = start
        let blockedMs = 0
        const tick = () => {
          const now = performance.now()
          blockedMs += Math.max(0, now - last - delayMs)
          last = now
          if (now - start >= windowMs) resolve(blockedMs / (now - start))
          else setTimeout(tick, delayMs)
        }
        setTimeout(tick, delayMs)
      }),
  )
}

test('pause, resume and stop control a running wasm run; the page answers clicks meanwhile', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${MEDIUM}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  const idle = await blockedShare(page)
  await page.getByTestId('train-start').click()
  const status = page.getByTestId('training-status')
  await expect.poll(() => lossPoints(page), { timeout: 60_000 }).toBeGreaterThan(2)

  // The main thread is free while the worker trains: the share of time it cannot run a timer on time
  // grows by less than a third over the idle page's (a ratio, not a time; measured here 0.07-0.12, with
  // two CPU burners beside it 0.11; a 150 ms busy loop per loss message gives 0.45-0.51), and a click
  // opens the details.
  const pointsBefore = await lossPoints(page)
  const training = await blockedShare(page)
  expect(await lossPoints(page), 'the loss chart grew while the timers ran').toBeGreaterThan(pointsBefore)
  expect(
    training - idle,
    `blocked share ${training.toFixed(3)} training, ${idle.toFixed(3)} idle`,
  ).toBeLessThan(1 / 3)
  await page.getByText('Demo size and seed').click()
  await expect(page.locator('details')).toHaveAttribute('open', '')

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

  // From the Stop to the end, every state the status shows (seen from inside the page, as React
  // commits it): once training is over the run tests, says so, and Pause and Stop are off.
  await page.evaluate(() => {
    const seen: { text: string; stopOff: boolean; pauseOff: boolean }[] = []
    ;(window as unknown as { seenStates: typeof seen }).seenStates = seen
    const look = () => {
      const button = (id: string) => document.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`)!
      const text = document.querySelector('[data-testid="training-status"]')!.textContent ?? ''
      seen.push({ text, stopOff: button('train-stop').disabled, pauseOff: button('train-pause').disabled })
    }
    new MutationObserver(look).observe(document.body, { attributes: true, childList: true, subtree: true })
  })
  await page.getByTestId('train-stop').click()
  await waitForDone(page, 60_000)
  const seen = await page.evaluate(
    () =>
      (window as unknown as { seenStates: { text: string; stopOff: boolean; pauseOff: boolean }[] })
        .seenStates,
  )
  const testing = seen.filter((s) => s.text.startsWith('Testing — '))
  expect(testing.map((s) => s.text)).toContainEqual(
    expect.stringMatching(
      /^Testing — Ranking the full catalogue on the test split: the model, [\d,]+ of [\d,]+ queries$/,
    ),
  )
  for (const s of testing) expect(s, s.text).toMatchObject({ stopOff: true, pauseOff: true })
  // The test is never shown as training.
  expect(seen.filter((s) => s.text.startsWith('Training') && /test split|importance/.test(s.text))).toEqual(
    [],
  )
  await expect(status).toContainText('stopped early')
  await expect(page.getByTestId('baseline-table')).toContainText('stopped early')
  // Every baseline of the registry that this run compares with is either a row of the test table or
  // named as left out by the Stop (co-occurrence before the first validation built it, a trained
  // baseline before its first epoch), never silently missing.
  const rows = await page
    .locator('[data-testid="baseline-table"] tbody tr[data-scorer]')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-scorer')))
  const leftOutNote = page.getByTestId('baselines-left-out')
  const leftOut =
    (await leftOutNote.count()) > 0 ? (await leftOutNote.getAttribute('data-baselines'))!.split(' ') : []
  expect([...rows, ...leftOut].sort()).toEqual(
    [
      'model',
      'random',
      'popularity',
      'co-occurrence',
      'id-only',
      'mean-pooling',
      'sequence',
      'oracle',
    ].sort(),
  )
  expect(rows.filter((r) => leftOut.includes(r!))).toEqual([])
  // A stop asks for the results now: drop-field importance is left out, and the heatmap says so.
  await page.getByRole('tab', { name: 'Attention heatmaps' }).click()
  await expect(page.getByTestId('importance-skipped').first()).toBeVisible()
  // A new run starts cleanly after a stopped one.
  await expect(page.getByTestId('train-start')).toBeEnabled()
  await expectClean(guards)
})

test('a Stop before the first step cancels the run: the page is ready again at once, nothing tested', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  // Train and Stop are clicked in one task of the page, Stop as soon as React enables it, so the worker
  // reads 'start' and 'stop' back to back: the run sees the Stop at its first yield, whether it still
  // waits behind the warm-up step the page starts on load or takes over the 300,000 interactions'
  // split prepared ahead. Two clicks from here would race the first step (a Stop read after it ends
  // with a test, as it should).
  await page.goto(
    './?backend=wasm#demoUsers=10000&demoItems=600&demoInteractions=300000&epochs=1&batchSize=256&dim=16&mlpHidden=32',
  )
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 60_000 })
  await expect(page.getByTestId('train-start')).toBeEnabled({ timeout: 60_000 })
  await page.evaluate(async () => {
    const button = (id: string) => document.querySelector<HTMLButtonElement>(`[data-testid=${id}]`)!
    button('train-start').click()
    // React 19 commits a click's state in a microtask; a frame is the fallback if it ever waits longer.
    for (let turns = 0; button('train-stop').disabled; turns++) {
      if (turns < 100) await Promise.resolve()
      else if (turns < 200) await new Promise(requestAnimationFrame)
      else throw new Error('Stop was never enabled after Train')
    }
    button('train-stop').click()
  })
  const status = page.getByTestId('training-status')
  // Not 'done': nothing was tested (an untrained model's test would take seconds here, and say little).
  await expect(status).toHaveAttribute('data-state', 'idle', { timeout: 30_000 })
  await expect(status).toContainText('Stopped before the first training step: nothing was trained or tested.')
  expect(await lossPoints(page)).toBe(0)
  await expect(page.getByTestId('train-start')).toBeEnabled()
  await expect(page.getByTestId('train-stop')).toBeDisabled()
  // No test table: the placeholder stays.
  await expect(page.getByTestId('baseline-table')).toHaveAttribute('data-ready', 'false')
  await screenshot(page, 'cancelled')
  await expectClean(guards)
})

test('a big demo is drawn in turns: the run shows how far the draws are, and a Stop is read during them', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  // 1,000,000 interactions take seconds to draw: the page's load and the run carry the same draws forward.
  await page.goto('./?backend=wasm#demoInteractions=1000000&epochs=1&batchSize=256&dim=16&mlpHidden=32')
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm', { timeout: 60_000 })
  await expect(page.getByTestId('train-start')).toBeEnabled({ timeout: 60_000 })
  // Still drawing when Train can be clicked (the backend is ready in about a second, the draws take
  // several), so the run below takes part in them.
  const counts = page.getByLabel('Dataset counts')
  expect(await counts.isVisible()).toBe(false)
  // The Data panel says how far the page's load has got, counts or not.
  const loading = page.locator('section[aria-labelledby=data-heading]').getByRole('status')
  await expect(loading).toHaveText(/^Drawing the demo data: [\d,]+ of 1,000,000 interactions…$/)
  await page.getByTestId('train-start').click()
  const status = page.getByTestId('training-status')
  await expect(status).toContainText(/Drawing the demo data: [\d,]+ of 1,000,000 interactions/, {
    timeout: 30_000,
  })
  const drawn = Number(
    (/Drawing the demo data: ([\d,]+) of/.exec((await status.textContent()) ?? '') ?? [])[1]?.replace(
      /,/g,
      '',
    ),
  )
  expect(drawn).toBeGreaterThan(0)
  await screenshot(page, 'big-demo-drawing')
  await page.getByTestId('train-stop').click()
  await expect(status).toHaveAttribute('data-state', 'idle', { timeout: 30_000 })
  await expect(status).toContainText('Stopped before the first training step: nothing was trained or tested.')
  // Stopped with half the draws or more still to go: the run ended first, not after them.
  if (drawn < 500_000) expect(await counts.isVisible()).toBe(false)
  // The page's load went on and finished the same draws: the demo is there for the next run.
  await expect(counts).toContainText(/1,0\d\d,\d\d\d|9\d\d,\d\d\d/, { timeout: 60_000 })
  await expect(loading).toHaveCount(0)
  expect(await lossPoints(page)).toBe(0)
  await expect(page.getByTestId('train-start')).toBeEnabled()

  // Another big demo (another seed) loaded by hand: the old counts stay, marked as the old data's,
  // until the new ones come.
  const before = await counts.textContent()
  await page.getByText('Demo size and seed').click()
  await page.getByLabel('Demo seed').fill('8')
  await page.getByTestId('demo-load').click()
  await expect(loading).toHaveText(
    /^Drawing the demo data: [\d,]+ of 1,000,000 interactions — the counts below are of the data loaded before\.$/,
  )
  await expect(counts).toHaveAttribute('aria-busy', 'true')
  await expect(loading).toHaveCount(0, { timeout: 60_000 })
  await expect(counts).toHaveAttribute('aria-busy', 'false')
  expect(await counts.textContent()).not.toBe(before)
  await expectClean(guards)
})

test('the demo CSVs are served next to the page', async ({ request }) => {
  const response = await request.get('demo/interactions.csv')
  expect(response.status()).toBe(200)
  const text = await response.text()
  expect(text.split('\n')[0]).toBe('user_id,offer_id,timestamp,device')
  expect(text.split('\n').length).toBeGreaterThan(90_000)
})

test('static files in public/ are served as they are: manifest, icon and the demo README', async ({
  request,
}) => {
  const manifest = await request.get('manifest.webmanifest')
  expect(manifest.status()).toBe(200)
  const { icons, start_url } = (await manifest.json()) as { icons: { src: string }[]; start_url: string }
  expect(start_url).toBe('./')
  for (const icon of icons) {
    const response = await request.get(icon.src)
    expect(response.status(), icon.src).toBe(200)
    expect(await response.text()).toContain('<svg')
  }
  const readme = await request.get('demo/README.md')
  expect(readme.status()).toBe(200)
  // The README names the files the build writes beside it.
  for (const file of ['users.csv', 'offers.csv', 'interactions.csv'])
    expect(await readme.text()).toContain(file)
})

test('a bad link gives a message, not a crash, and the page still trains', async ({ page, baseURL }) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY}&epochs=lots&heads=99&nonsense=1`)
  const error = page.getByTestId('error-message')
  await expect(error).toContainText('"lots" is not a number for Epochs')
  await expect(error).toContainText('Attention heads 99 is outside 1–8; using 8')
  await expect(error).toContainText('Unknown setting "nonsense"')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  // A run worked with the settings on screen: the message about the link has done its job.
  await expect(page.getByTestId('error-message')).toHaveCount(0)
  await expectClean(guards)
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
