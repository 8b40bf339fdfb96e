import { expect, test, type Browser, type Page } from '@playwright/test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drop, expectClean, guardPage, rng, TINY, TINY_UPLOAD, waitForDone } from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'share-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The model's test cells as the table shows them (value ± interval), by metric. */
async function modelRow(page: Page): Promise<string[]> {
  const row = page.getByTestId('baseline-table').locator('tr[data-scorer="model"] td[data-metric]')
  return row.allTextContents()
}

/** Opens the page on wasm with these settings, the clipboard allowed, guarding console and requests. */
async function openSharing(page: Page, baseURL: string, hash: string) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
  const guards = await guardPage(page, new URL(baseURL).origin)
  await page.goto(`./?backend=wasm#${hash}`)
  return guards
}

/** Opens a link in a fresh browser context (nothing stored, as on another machine). */
async function openElsewhere(browser: Browser, baseURL: string, link: string) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const guards = await guardPage(page, new URL(baseURL).origin)
  await page.goto(link)
  return { page, guards, close: () => context.close() }
}

/** Clicks "Copy share link" and returns the link the page shows (and copied). */
async function shareLink(page: Page): Promise<string> {
  await page.getByTestId('share-link').click()
  const link = await page.getByTestId('share-link-text').inputValue()
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link)
  return link
}

test('a share link reproduces the demo run in a fresh browser context: the same settings and test numbers', async ({
  page,
  browser,
  baseURL,
}) => {
  const guards = await openSharing(page, baseURL!, `${TINY}&seed=5`)
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  const trained = await modelRow(page)
  expect(trained.length).toBeGreaterThan(3)

  const link = await shareLink(page)
  const url = new URL(link)
  // The backend choice moved from the query into the hash, with every setting and the data.
  expect(url.search).toBe('')
  const params = new URLSearchParams(url.hash.slice(1))
  expect(params.get('backend')).toBe('wasm')
  expect(params.get('seed')).toBe('5')
  expect(params.get('data')).toBe('demo')
  expect(params.get('layers')).toBe('1')

  const { page: other, guards: freshGuards, close } = await openElsewhere(browser, baseURL!, link)
  await expect(other.getByTestId('backend-badge')).toHaveText('wasm')
  await expect(other.getByTestId('error-message')).toHaveCount(0)
  await expect(other.locator('#setting-seed')).toHaveValue('5')
  await other.getByTestId('train-start').click()
  await waitForDone(other)
  expect(await modelRow(other)).toEqual(trained)
  await expectClean(freshGuards)
  await close()
  await expectClean(guards)
})

/** A small timestamped log; `seed` changes its rows. */
function writeLog(name: string, seed: number): string {
  const r = rng(seed)
  const rows = ['user,item,ts']
  for (let u = 1; u <= 60; u++)
    for (let k = 0; k < 10; k++)
      rows.push(`u${u},i${1 + Math.floor(r() * 40)},${1_600_000_000 + u * 100 + k}`)
  const path = join(dir, name)
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

test('a share link of an upload names it by fingerprint only, and checks the files dropped where it is opened', async ({
  page,
  browser,
  baseURL,
}) => {
  const guards = await openSharing(page, baseURL!, TINY_UPLOAD)
  const log = writeLog('my-private-log.csv', 3)
  await drop(page, [log])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('interactions')
  // Nothing uploaded goes into the address bar: it holds settings only.
  expect(page.url()).not.toContain('private')
  expect(new URLSearchParams(new URL(page.url()).hash.slice(1)).has('fingerprint')).toBe(false)
  const link = await shareLink(page)
  const params = new URLSearchParams(new URL(link).hash.slice(1))
  expect(params.get('data')).toBe('upload')
  const fingerprint = params.get('fingerprint')!
  expect(fingerprint).toMatch(/^[0-9a-f]{8}$/)
  // Nothing of the files but the fingerprint: no file name, no column name as a key or a value.
  expect(link).not.toContain('private')
  for (const [key, value] of params) expect(['user', 'item', 'ts'], key).not.toContain(value)
  expect([...params.keys()].filter((k) => ['user', 'item', 'ts'].includes(k))).toEqual([])
  await expect(page.getByTestId('share-link-text').locator('..')).toContainText(fingerprint)

  const { page: other, guards: freshGuards, close } = await openElsewhere(browser, baseURL!, link)
  const note = other.getByTestId('shared-data-note')
  await expect(note).toHaveAttribute('data-match', 'pending')
  await expect(note).toContainText(fingerprint)
  // Other files: the page says they are not the link's data.
  await drop(other, [writeLog('other.csv', 4)])
  await other.getByTestId('mapping-apply').click()
  await expect(note).toHaveAttribute('data-match', 'no')
  // The same files (under another name): they match.
  await drop(other, [writeLog('copy-of-the-log.csv', 3)])
  await other.getByTestId('mapping-apply').click()
  await expect(note).toHaveAttribute('data-match', 'yes')
  await expectClean(freshGuards)
  await close()
  await expectClean(guards)
})
