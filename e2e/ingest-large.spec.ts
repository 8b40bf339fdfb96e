import { expect, test, type Page } from '@playwright/test'
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expectClean, guardPage, rng, screenshot, TINY_UPLOAD, waitForDone } from './helpers'

/**
 * The limit: "10,000,000 interaction rows must not crash the tab (it may refuse with a clear
 * message naming the limit)", and "bad input never replaces good data; the page never goes blank".
 * The page loads up to 10,000,000 rows (`npm run bench` measures loading exactly that many); here a file
 * just over the limit (~240 MB, written streamed, never one string) is read to its 10,000,001st row and
 * refused, after a small upload was applied.
 */

const HUGE_ROWS = 10_000_050
/** The row limit of src/data/parse.ts (MAX_ROWS), named with the row where reading stopped. */
const REFUSAL = /has more than 10,000,000 rows, the most this page loads/

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ingest-large-e2e-'))
})
test.afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** A few hundred interactions: 60 users × 8 items out of 40, distinct timestamps, ratings 1–5. */
function writeSmall(): string {
  const r = rng(5)
  const rows = ['user_id,item_id,timestamp,rating']
  for (let u = 0; u < 60; u++)
    for (let k = 0; k < 8; k++)
      rows.push(
        `u${u},i${Math.floor(r() * 40)},${1_650_000_000 + u * 86_400 + k * 3_600},${1 + Math.floor(r() * 5)}`,
      )
  const path = join(dir, 'small_interactions.csv')
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

/**
 * 10,000,050 rows of 200,000 users × 50,000 items with near-unique timestamps, written in ~1 MB blocks
 * so the test process never holds the file in memory.
 */
function writeHuge(): string {
  const path = join(dir, 'ten_million_interactions.csv')
  const r = rng(2024)
  const fd = openSync(path, 'w')
  try {
    let block = 'user_id,item_id,timestamp,rating\n'
    for (let i = 0; i < HUGE_ROWS; i++) {
      block +=
        Math.floor(r() * 200_000) +
        ',' +
        Math.floor(r() * 50_000) +
        ',' +
        (1_600_000_000 + Math.floor(r() * 300_000_000)) +
        ',' +
        (1 + Math.floor(r() * 5)) +
        '\n'
      if (block.length >= 1 << 20) {
        writeSync(fd, block)
        block = ''
      }
    }
    writeSync(fd, block)
  } finally {
    closeSync(fd)
  }
  return path
}

/** Rejects as soon as the page's renderer crashes, so a crash fails the test at once and says so. */
function crashed(page: Page): Promise<never> {
  return new Promise((_, reject) => {
    page.on('crash', () => reject(new Error('the page crashed (renderer out of memory?)')))
  })
}

test('a file over 10,000,000 rows is read to the limit and refused with a message naming it; the applied upload stays usable', async ({
  page,
  baseURL,
}) => {
  test.setTimeout(180_000)
  const crash = crashed(page)
  crash.catch(() => undefined)
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY_UPLOAD}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')

  // A small upload, applied: the data the next run trains on.
  await page.getByTestId('dataset-input').setInputFiles([writeSmall()])
  await expect(page.getByTestId('schema-mapper')).toBeVisible()
  await page.getByTestId('mapping-apply').click()
  const applied = page.getByTestId('mapping-applied')
  await expect(applied).toContainText(/Applied: \d+ interactions, 60 users/)
  const appliedText = (await applied.textContent()) ?? ''
  const source = page.getByTestId('training-source')
  await expect(source).toContainText('small_interactions.csv')

  const started = Date.now()
  const huge = writeHuge()
  const sizeMB = statSync(huge).size / 2 ** 20
  test.info().annotations.push({
    type: 'generated',
    description: `${HUGE_ROWS.toLocaleString('en-US')} rows, ${sizeMB.toFixed(0)} MB in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  })

  try {
    const dropped = Date.now()
    await page.getByTestId('dataset-input').setInputFiles([huge])
    const error = page.getByTestId('error-message').filter({ hasText: 'ten_million_interactions.csv' })
    await Promise.race([crash, expect(error).toBeVisible({ timeout: 120_000 })])
    await expect(error).toContainText(REFUSAL)
    await expect(error).toContainText('Still using small_interactions.csv')
    test.info().annotations.push({
      type: 'refused',
      description: `${((Date.now() - dropped) / 1000).toFixed(1)} s after the drop: ${(await error.textContent()) ?? ''}`,
    })
  } finally {
    rmSync(huge, { force: true })
  }

  // Nothing of the good data was replaced, and the page is not blank.
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0)
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await expect(source).toContainText('small_interactions.csv')
  await expect(applied).toHaveText(appliedText)
  await expect(page.getByTestId('schema-mapper')).toBeVisible()
  await expect(page.getByTestId('eda-panel')).toHaveAttribute('data-stage', 'after cleaning')
  await screenshot(page, 'ingest-large-refused')

  // The tab is alive: a run on the small upload trains to the end.
  await Promise.race([crash, page.getByTestId('train-start').click()])
  await Promise.race([crash, waitForDone(page, 60_000)])
  await expect(page.getByTestId('metrics-table')).toHaveAttribute('data-rows', '1')
  await expect(source).toContainText('small_interactions.csv')
  await expectClean(guards)
})
