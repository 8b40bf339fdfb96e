import { expect, test } from '@playwright/test'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drop, expectClean, openForUpload, rng, waitForDone } from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backend-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 50 users with 10 timestamped plays each of 30 tracks, written for this test. */
function writePlays(): string {
  const r = rng(11)
  const rows = ['listener,track,played_at']
  for (let u = 0; u < 50; u++)
    for (let k = 0; k < 10; k++)
      rows.push(`L${u},T${Math.floor(r() * 30)},${1_700_000_000 + u * 3600 + k * 86_400}`)
  const path = join(dir, 'plays.csv')
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

test('switching the backend keeps the applied upload: the next run trains on it without a new upload', async ({
  page,
  baseURL,
}, testInfo) => {
  const guards = await openForUpload(page, baseURL)
  await drop(page, [writePlays()])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('500 interactions')
  await expect(page.getByTestId('training-source')).toContainText('plays.csv')

  await page.locator('#setting-backend').selectOption('cpu')
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu')
  await expect(page.getByTestId('training-source')).toContainText('plays.csv')
  await expect(page.getByTestId('train-start')).toHaveText(/your data/)

  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expect(page.getByTestId('error-message')).toHaveCount(0)

  const downloadPromise = page.waitForEvent('download')
  await page.getByTestId('run-export').click()
  const path = testInfo.outputPath('switched.run.json')
  await (await downloadPromise).saveAs(path)
  const run = JSON.parse(readFileSync(path, 'utf8'))
  expect(run.backend.name).toBe('cpu')
  expect(run.dataset.name).toContain('plays.csv')
  expect(run.dataset.counts).toMatchObject({ users: 50 })
  expectClean(guards)
})
