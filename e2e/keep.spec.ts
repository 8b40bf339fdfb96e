import { expect, test, type Page } from '@playwright/test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drop, expectClean, guardPage, openForUpload, rng, TINY, TINY_UPLOAD, waitForDone } from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'keep-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A timestamped log of `users` × 10 events. */
function writeLog(name: string, users: number): string {
  const r = rng(7)
  const rows = ['user_id,item_id,timestamp']
  for (let u = 1; u <= users; u++)
    for (let k = 0; k < 10; k++)
      rows.push(`u${u},i${1 + Math.floor(r() * 40)},${1_600_000_000 + u * 100 + k}`)
  const path = join(dir, name)
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

const modelRecall = (page: Page) =>
  page
    .getByTestId('baseline-table')
    .locator('tr[data-scorer="model"] td[data-metric="recall@10"]')
    .textContent()

test('a reload brings back the applied upload and the last run, explorer included; Forget deletes both', async ({
  page,
  baseURL,
}) => {
  const guards = await openForUpload(page, baseURL)
  const kept = page.getByTestId('kept')
  await expect(kept).toContainText('Nothing is kept in this browser yet')
  await expect(page.getByTestId('kept-forget')).toBeDisabled()

  await drop(page, [writeLog('my-log.csv', 80)])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('interactions')
  await expect(kept).toHaveAttribute('data-upload', 'yes')
  await expect(kept).toContainText('your data “my-log.csv” (800 interactions, encoded)')
  await expect(page.getByTestId('kept-usage')).toContainText(
    /^Storage this page uses, its offline copy included: [\d.]+ [KMG]?B of [\d.]+ [KMG]?B the browser allows it\.$/,
  )
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expect(kept).toHaveAttribute('data-run', 'yes')
  await expect(kept).toContainText('the last run trained here, with its model')
  const recall = await modelRecall(page)
  const points = await page.getByTestId('loss-chart').getAttribute('data-points')

  // Reload: the same data is what the next run trains on, and the last run is on screen with its model.
  await page.reload()
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done')
  await expect(page.getByTestId('run-imported-note')).toContainText(
    'Showing your last run, kept in this browser (trained on wasm). Its model was rebuilt from the weights.',
  )
  expect(await modelRecall(page)).toBe(recall)
  expect(await page.getByTestId('loss-chart').getAttribute('data-points')).toBe(points)
  await expect(kept).toHaveAttribute('data-upload', 'yes')
  await expect(page.getByText('Next run trains on:')).toContainText('my-log.csv')
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  const explorer = page.getByTestId('recommendations')
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  await explorer.getByTestId('user-list').getByRole('button').first().click()
  await expect(explorer.getByTestId('recommendation-list').locator('tbody tr').first()).toBeVisible()
  // Training again works on the kept data, no files dropped.
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  expect(await modelRecall(page)).toBe(recall)

  // Forget: nothing is kept; what is on screen stays until the next reload, which starts clean.
  await page.getByTestId('kept-forget').click()
  await expect(kept).toHaveAttribute('data-upload', 'no')
  await expect(kept).toHaveAttribute('data-run', 'no')
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done')
  await page.reload()
  await expect(kept).toContainText('Nothing is kept in this browser yet')
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'idle')
  await expect(page.getByText('Next run trains on:')).toContainText('the demo data')
  await expectClean(guards)
})

test('a full storage quota is said in words, and the page works on without keeping', async ({
  page,
  baseURL,
}) => {
  const guards = await openForUpload(page, baseURL)
  // Chromium lets a test set this origin's quota: 1 byte, so every write to IndexedDB fails.
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(baseURL!).origin, quotaSize: 1 })
  await drop(page, [writeLog('big-log.csv', 80)])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('interactions')
  const problem = page.getByTestId('kept-problem')
  await expect(problem).toContainText('Your data (')
  await expect(problem).toContainText('could not be kept in this browser: its storage for this page is full')
  await expect(page.getByTestId('kept')).toHaveAttribute('data-upload', 'no')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expect(problem).toContainText('The last run')
  await expect(page.getByTestId('error-message')).toHaveCount(0)
  await expectClean(guards)
})

test('an upload brought back while a big demo is still drawn stays what the next run trains on', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  // 300,000 demo interactions take a second or more to draw, the kept upload far less to come back: the
  // demo's load, started first, must not answer last and put the demo back in the upload's place.
  await page.goto(`./?backend=wasm#${TINY_UPLOAD}&demoInteractions=300000`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await drop(page, [writeLog('kept-log.csv', 60)])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('kept')).toHaveAttribute('data-upload', 'yes')
  await page.reload()
  const next = page.getByText('Next run trains on:')
  const counts = page.getByLabel('Dataset counts')
  await expect(next).toContainText('kept-log.csv')
  // Long enough for the demo's draws to have ended had its load gone on (about 1.5 s here).
  await page.waitForTimeout(4000)
  await expect(next).toContainText('kept-log.csv')
  await expect(counts.locator('dd').first()).toHaveText('600')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  // The run's split is the upload's: 60 users of 10 events, the last two of each held out.
  await expect(page.getByText(/^Split: temporal leave-last-out per user/)).toContainText(
    '— 480 train, 60 validation, 60 test interactions',
  )
  await expectClean(guards)
})

/** The tiny demo over three epochs: a checkpoint after epochs 1 and 2. */
const THREE_EPOCHS = `${TINY.replace('epochs=2', 'epochs=3')}&earlyStoppingPatience=0`

/** What a finished run shows: every model's test metrics, validation per epoch, the loss points. */
async function results(page: Page) {
  const cells = (table: string) =>
    page
      .getByTestId(table)
      .locator('td[data-metric]')
      .evaluateAll((tds) =>
        tds.map(
          (td) =>
            `${td.closest('tr')!.getAttribute('data-scorer') ?? td.closest('tr')!.getAttribute('data-epoch')} ${td.getAttribute('data-metric')} ${td.textContent}`,
        ),
      )
  return {
    test: await cells('baseline-table'),
    validation: await cells('metrics-table'),
    lossPoints: await page.getByTestId('loss-chart').getAttribute('data-points'),
  }
}

test('a reload during training resumes from the last finished epoch and ends as the uninterrupted run', async ({
  page,
  browser,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${THREE_EPOCHS}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  // Pause the moment epoch 1 is kept, from inside the page: a tiny epoch takes well under a second,
  // so a click after Playwright's polling (up to a second late) could land after the last epoch.
  await page.evaluate(() => {
    new MutationObserver((_, observer) => {
      const kept = document.querySelector('[data-testid="kept"]')
      if (kept?.getAttribute('data-checkpoint') === '1') {
        observer.disconnect()
        document.querySelector<HTMLButtonElement>('[data-testid="train-pause"]')!.click()
      }
    }).observe(document.body, { attributes: true, childList: true, subtree: true })
  })
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'paused', {
    timeout: 120_000,
  })
  // The pause acts at the next step, so epoch 2 may have ended (and been kept) on the way.
  await expect(page.getByTestId('kept')).toHaveAttribute('data-checkpoint', /^[12]$/)
  const kept = await page.getByTestId('kept').getAttribute('data-checkpoint')
  await expect(page.getByTestId('kept')).toContainText(`the run in progress after epoch ${kept}`)

  await page.reload()
  await expect(page.getByTestId('resumed-note')).toContainText(`went on from the end of epoch ${kept}`)
  await expect(page.getByTestId('metrics-table')).toHaveAttribute('data-rows', /[123]/)
  await waitForDone(page)
  await expect(page.getByTestId('metrics-table')).toHaveAttribute('data-rows', '3')
  const resumed = await results(page)
  // Done: nothing left to resume, the run is kept as the last run.
  await expect(page.getByTestId('kept')).toHaveAttribute('data-checkpoint', '0')
  await expect(page.getByTestId('kept')).toHaveAttribute('data-run', 'yes')
  await expectClean(guards)

  // The same settings in a fresh browser, never interrupted.
  const context = await browser.newContext()
  const fresh = await context.newPage()
  await fresh.goto(`${baseURL}?backend=wasm#${THREE_EPOCHS}`)
  await expect(fresh.getByTestId('backend-badge')).toHaveText('wasm')
  await fresh.getByTestId('train-start').click()
  await waitForDone(fresh)
  expect(resumed).toEqual(await results(fresh))
  expect(resumed.test.length).toBeGreaterThan(20)
  await context.close()
})
