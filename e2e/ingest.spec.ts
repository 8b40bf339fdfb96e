import AxeBuilder from '@axe-core/playwright'
import { expect, test, type FileChooser, type Page } from '@playwright/test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { drop, expectClean, openForUpload, rng, screenshot, waitForDone } from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ingest-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a file into the test's temp dir and returns its path. */
function write(name: string, content: string | Uint8Array, sub = ''): string {
  if (sub) mkdirSync(join(dir, sub), { recursive: true })
  const path = join(dir, sub, name)
  writeFileSync(path, content)
  return path
}

/** MovieLens-100K-style files written for this test (not real MovieLens data); `u.item` is Latin-1. */
function writeMovieLens(): string[] {
  const r = rng(7)
  const data: string[] = []
  for (let u = 1; u <= 80; u++)
    for (let k = 0; k < 12; k++)
      data.push(
        [u, 1 + Math.floor(r() * 60), 1 + Math.floor(r() * 5), 874724710 + u * 3600 + k * 86400].join('\t'),
      )
  const occupations = ['writer', 'student', 'engineer', 'artist']
  const users = Array.from(
    { length: 80 },
    (_, i) => `${i + 1}|${18 + (i % 40)}|${i % 3 ? 'M' : 'F'}|${occupations[i % 4]}|${String(10000 + i * 7)}`,
  )
  const flags = (i: number) =>
    Array.from({ length: 19 }, (_, g) => (g === 1 + (i % 18) || g === (i * 5) % 19 ? 1 : 0))
  const items = Array.from(
    { length: 60 },
    (_, i) =>
      `${i + 1}|Caf\u00e9 Cr\u00e8me ${i} (199${i % 10})|01-Jan-199${i % 10}||http://example.invalid/${i}|${flags(i).join('|')}`,
  )
  // MovieLens is recognised by file name: the files keep their real names in their own folder.
  return [
    write('u.data', data.join('\n') + '\n', 'ml100k'),
    write('u.user', users.join('\n') + '\n', 'ml100k'),
    write('u.item', Buffer.from(items.join('\n') + '\n', 'latin1'), 'ml100k'),
  ]
}

/** TheLook-style export: users, products and order items (column names as the public export has them). */
function writeTheLook(): string[] {
  const sub = join(dir, 'thelook')
  mkdirSync(sub, { recursive: true })
  const r = rng(11)
  const users = ['id,first_name,last_name,email,age,gender,state,country,traffic_source,created_at']
  for (let i = 1; i <= 70; i++)
    users.push(
      `${i},Ann${i},Lee,a${i}@example.invalid,${20 + (i % 45)},${i % 2 ? 'F' : 'M'},State${i % 5},${['Brasil', 'China', 'United States'][i % 3]},${['Search', 'Email', 'Facebook'][i % 3]},2022-0${1 + (i % 9)}-1${i % 9} 10:00:00 UTC`,
    )
  const products = ['id,cost,category,name,brand,retail_price,department,sku,distribution_center_id']
  for (let i = 1; i <= 50; i++)
    products.push(
      `${i},${(5 + (i % 17)).toFixed(2)},${['Jeans', 'Tops & Tees', 'Socks', 'Outerwear & Coats'][i % 4]},"Item ${i}, classic",Brand${i % 6},${(12 + (i % 23) * 3.5).toFixed(2)},${i % 2 ? 'Women' : 'Men'},SKU${1000 + i},${1 + (i % 4)}`,
    )
  const orders = [
    'id,order_id,user_id,product_id,inventory_item_id,status,created_at,shipped_at,delivered_at,returned_at,sale_price',
  ]
  let id = 1
  for (let u = 1; u <= 70; u++)
    for (let k = 0; k < 10; k++) {
      const p = 1 + Math.floor(r() * 50)
      orders.push(
        `${id},${u * 100 + k},${u},${p},${id + 5000},Complete,2023-0${1 + (k % 9)}-${String(1 + (u % 28)).padStart(2, '0')} 12:${String(k).padStart(2, '0')}:00 UTC,,,,${(10 + p).toFixed(2)}`,
      )
      id++
    }
  // Web events: per user a home page, two product pages, the cart; every 5th user also browses a
  // product signed out (no user_id).
  const events = ['id,user_id,sequence_number,session_id,created_at,browser,traffic_source,uri,event_type']
  id = 1
  for (let u = 1; u <= 70; u++) {
    const at = (minute: number) =>
      `2023-03-${String(1 + (u % 28)).padStart(2, '0')} 09:${String(minute).padStart(2, '0')}:00.000000 UTC`
    const pages = ['/home', `/product/${1 + (u % 50)}`, `/product/${1 + ((u * 7) % 50)}`, '/cart']
    const types = ['home', 'product', 'product', 'cart']
    pages.forEach((uri, k) =>
      events.push(`${id++},${u},${k + 1},sess-${u},${at(k)},Chrome,Search,${uri},${types[k]}`),
    )
    if (u % 5 === 0) events.push(`${id++},,1,anon-${u},${at(30)},Safari,Email,/product/${u % 50},product`)
  }
  const paths = {
    'users.csv': users,
    'products.csv': products,
    'order_items.csv': orders,
    'events.csv': events,
  }
  return Object.entries(paths).map(([name, rows]) => {
    const path = join(sub, name)
    writeFileSync(path, rows.join('\r\n') + '\r\n')
    return path
  })
}

/** A CSV whose layout is not a known format: the page infers ids, time and kinds from names and values. */
function writeGeneric(): string {
  const r = rng(3)
  const rows = ['client_key,track_id,played_at,device,seconds_played,mood']
  for (let u = 0; u < 60; u++)
    for (let k = 0; k < 10; k++)
      rows.push(
        `C${String(u).padStart(4, '0')},T${Math.floor(r() * 40)},2024-03-${String(1 + k * 2).padStart(2, '0')}T0${k % 10}:15:00Z,${['ios', 'android', 'web'][(u + k) % 3]},${Math.floor(30 + r() * 200)},${u % 4 === 0 ? '' : ['calm', 'happy', 'sad'][k % 3]}`,
      )
  return write('listening_log.csv', rows.join('\n') + '\n')
}

async function expectCharts(page: Page): Promise<void> {
  const panel = page.getByTestId('eda-panel')
  await expect(panel).toBeVisible()
  await expect(panel.getByTestId('eda-per-users').locator('.recharts-surface')).toBeVisible()
  await expect(panel.getByTestId('eda-per-items').locator('.recharts-bar-rectangle').first()).toBeVisible()
}

test('MovieLens 100K files are recognised, explored, applied and trained on', async ({ page, baseURL }) => {
  const files = writeMovieLens()
  const guards = await openForUpload(page, baseURL)
  await drop(page, files)
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper).toHaveAttribute('data-format', 'MovieLens 100K')
  await expect(mapper.locator('select[data-key="userId"]')).toHaveValue('user_id')
  await expect(mapper.locator('select[data-key="itemId"]')).toHaveValue('item_id')
  await expect(mapper.locator('select[data-key="timestamp"]')).toHaveValue('timestamp')
  await expect(mapper.locator('select[data-key="rating"]')).toHaveValue('rating')
  await expect(mapper.locator('select[data-file="u.user"]')).toHaveValue('users')
  await expect(mapper.locator('select[data-file="u.item"]')).toHaveValue('items')
  await expect(mapper.locator('table[data-table="items"] tr[data-column="genres"]')).toHaveAttribute(
    'data-kind',
    'multi',
  )
  await expectCharts(page)
  const panel = page.getByTestId('eda-panel')
  await expect(panel.locator('[data-count="rows"]')).toHaveText('960')
  await expect(panel.getByTestId('eda-time').locator('.recharts-area-area')).toBeVisible()
  await expect(panel.getByTestId('eda-ratings').locator('.recharts-bar-rectangle')).toHaveCount(5)
  // Latin-1 titles are decoded, never shown as U+FFFD.
  await expect(page.getByTestId('parse-reports')).toContainText('windows-1252')
  await screenshot(page, 'ingest-movielens-proposed')

  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('960 interactions')
  await expect(page.getByTestId('cleaning-steps')).toContainText('duplicate')
  await expect(page.getByTestId('training-source')).toContainText('MovieLens 100K')
  await expect(page.getByTestId('eda-panel')).toHaveAttribute('data-stage', 'after cleaning')

  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expect(page.getByTestId('metrics-table')).toHaveAttribute('data-rows', '1')
  await screenshot(page, 'ingest-movielens-trained')
  await expectClean(guards)
})

test('a TheLook export is mapped without questions', async ({ page, baseURL }) => {
  const files = writeTheLook()
  const guards = await openForUpload(page, baseURL)
  await drop(page, files)
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper).toHaveAttribute('data-format', 'TheLook e-commerce')
  await expect(mapper.locator('select[data-key="userId"]')).toHaveValue('user_id')
  await expect(mapper.locator('select[data-key="itemId"]')).toHaveValue('product_id')
  await expect(mapper.locator('select[data-key="timestamp"]')).toHaveValue('created_at')
  await expect(mapper.locator('table[data-table="items"] tr[data-column="category"]')).toHaveAttribute(
    'data-kind',
    'categorical',
  )
  await expectCharts(page)
  // Many feature columns: their charts are folded away until asked for.
  await page
    .getByTestId('eda-panel')
    .getByText(/^Feature columns/)
    .click()
  await expect(page.getByTestId('eda-panel').getByTestId('eda-category').first()).toBeVisible()
  await expect(page.getByTestId('eda-panel').getByTestId('eda-histogram').first()).toBeVisible()
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('700 interactions')
  await expect(mapper.locator('select[data-file="events.csv"]')).toHaveValue('unused')
  await screenshot(page, 'ingest-thelook')

  // Without order items, the product page views of signed-in users are the interactions.
  await drop(
    page,
    files.filter((f) => !f.endsWith('order_items.csv')),
  )
  await expect(mapper).toHaveAttribute('data-format', 'TheLook e-commerce')
  await expect(mapper.locator('select[data-file="events.csv"]')).toHaveValue('interactions')
  await expect(mapper.locator('select[data-key="itemId"]')).toHaveValue('product_id')
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('140 interactions, 70 users')
  await expect(page.getByTestId('training-source')).toContainText('TheLook')
  await expectClean(guards)
})

test('a generic CSV gets an inferred, editable mapping and cleaning', async ({ page, baseURL }) => {
  const file = writeGeneric()
  const guards = await openForUpload(page, baseURL)
  await drop(page, [file])
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper).toHaveAttribute('data-format', '')
  await expect(mapper.locator('select[data-key="userId"]')).toHaveValue('client_key')
  await expect(mapper.locator('select[data-key="itemId"]')).toHaveValue('track_id')
  await expect(mapper.locator('select[data-key="timestamp"]')).toHaveValue('played_at')
  await expectCharts(page)
  await expect(page.getByTestId('eda-panel').getByTestId('eda-missing')).toContainText('mood')

  // The person corrects the proposal: seconds_played is ignored, and users need 3 interactions.
  const row = mapper.locator('tr[data-column="seconds_played"]')
  await row.getByLabel('Kind of seconds_played').selectOption('ignore')
  await page.getByLabel('Min. interactions per user').fill('3')
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toBeVisible()
  await expect(page.getByTestId('cleaning-steps').locator('li[data-step="k-core"]')).toBeVisible()
  await expect(page.getByTestId('training-source')).toContainText('listening_log.csv')
  await screenshot(page, 'ingest-generic')
  // The mapper, the cleaning panel and the EDA charts are labelled and keyboard-usable.
  const axe = await new AxeBuilder({ page })
    .include('[data-testid="schema-mapper"]')
    .include('[data-testid="eda-panel"]')
    .include('.upload')
    .analyze()
  expect(
    axe.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([])

  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expectClean(guards)
})

test('keyboard alone picks a file, corrects the mapping, applies it and trains', async ({
  page,
  baseURL,
}) => {
  const file = writeGeneric()
  // Listening from the start: Playwright turns on file-chooser interception asynchronously, and a
  // chooser opened before that is done is missed (1 in 8 with waitForEvent right before the key press).
  const chooser = new Promise<FileChooser>((resolve) => page.once('filechooser', resolve))
  const guards = await openForUpload(page, baseURL)
  /** Presses Tab until the focused element matches `selector`; false if 80 presses do not reach it. */
  const tabTo = async (selector: string): Promise<boolean> => {
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab')
      if (await page.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return true
    }
    return false
  }
  // Start from a settled page: the demo loaded, the file input enabled.
  await expect(page.getByTestId('train-start')).toBeEnabled()
  await expect(page.getByTestId('dataset-input')).toBeEnabled()
  expect(await tabTo('[data-testid="dataset-input"]')).toBe(true)
  // The hidden input's label shows the focus ring.
  const ring = await page.locator('.upload-button').evaluate((el) => getComputedStyle(el).outlineStyle)
  expect(ring).not.toBe('none')
  await page.keyboard.press('Space')
  await (await chooser).setFiles(file)
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper.locator('select[data-key="userId"]')).toHaveValue('client_key')

  // seconds_played: numeric -> ignore, with arrow keys on the focused select.
  expect(await tabTo('[aria-label="Kind of seconds_played"]')).toBe(true)
  const kind = mapper.getByLabel('Kind of seconds_played')
  await expect(kind).toHaveValue('numeric')
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown')
  await expect(kind).toHaveValue('ignore')
  // The minimum per user, typed.
  const minPerUser = page.getByLabel('Min. interactions per user')
  expect(await tabTo(`[id="${await minPerUser.getAttribute('id')}"]`)).toBe(true)
  await page.keyboard.press('ControlOrMeta+a')
  await page.keyboard.type('3')
  await expect(minPerUser).toHaveValue('3')
  expect(await tabTo('[data-testid="mapping-apply"]')).toBe(true)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('mapping-applied')).toBeVisible()
  await expect(page.getByTestId('cleaning-steps').locator('li[data-step="k-core"]')).toBeVisible()
  await expect(mapper.locator('tr[data-column="seconds_played"]')).toHaveAttribute('data-kind', 'ignore')

  expect(await tabTo('[data-testid="train-start"]')).toBe(true)
  await page.keyboard.press('Enter')
  await waitForDone(page)
  await expect(page.getByTestId('training-source')).toContainText('listening_log.csv')
  await expectClean(guards)
})

test('bad files get a message naming file, row and column; the previous data stays', async ({
  page,
  baseURL,
}) => {
  const empty = write('empty.csv', '')
  const png = write(
    'picture.csv',
    Uint8Array.from([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0,
    ]),
  )
  const raggedRows = ['user,item,rating']
  // Good rows beyond the part read to detect the delimiter, then a stretch of broken ones (over 10%).
  for (let i = 0; i < 6000; i++)
    raggedRows.push(i < 4500 ? `u${i % 300},i${i % 97},${1 + (i % 5)}` : `u${i % 300};i${i % 97}`)
  const ragged = write('ragged.csv', raggedRows.join('\n'))
  const guards = await openForUpload(page, baseURL)

  // With the demo loaded: a bad file says so and the demo stays.
  await drop(page, [empty])
  const error = page.getByTestId('error-message')
  await expect(error).toContainText('empty.csv')
  await expect(error).toContainText('demo data stays')
  await expect(page.getByTestId('training-source')).toContainText('the demo data')

  // With an upload applied: bad files leave it in place.
  await drop(page, [writeGeneric()])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('training-source')).toContainText('listening_log.csv')

  await drop(page, [png])
  await expect(error).toContainText('picture.csv')
  await expect(error).toContainText('Still using listening_log.csv')
  await drop(page, [ragged])
  await expect(error).toContainText('ragged.csv')
  await expect(error).toContainText(/row \d+/)
  await expect(page.getByTestId('training-source')).toContainText('listening_log.csv')
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible()
  await screenshot(page, 'ingest-bad-file')

  // A mapping naming the same column twice is refused by the mapper before the worker sees it.
  const mapper = page.getByTestId('schema-mapper')
  await mapper.locator('select[data-key="itemId"]').selectOption('client_key')
  await expect(page.getByTestId('mapping-apply')).toBeDisabled()
  await expect(mapper).toContainText('choose two different columns')
  await expectClean(guards)
})

test('a large file shows bytes and rows while it is read, and Cancel keeps what was loaded', async ({
  page,
  baseURL,
}) => {
  const lines = ['user_id,item_id,timestamp']
  for (let r = 0; r < 1_200_000; r++) lines.push(`${r % 40_000},${(r * 7) % 9_000},${1_600_000_000 + r}`)
  const big = write('big.csv', lines.join('\n'))
  const guards = await openForUpload(page, baseURL)
  await drop(page, [big])
  const progress = page.getByTestId('ingest-progress')
  await expect(progress).toContainText(/MB, [\d,]+ rows/)
  await screenshot(page, 'ingest-progress')
  await page.getByTestId('ingest-cancel').click()
  await expect(page.getByText('Loading was cancelled.')).toBeVisible()
  await expect(progress).toHaveCount(0)
  await expect(page.getByTestId('error-message')).toHaveCount(0)
  await expect(page.getByTestId('schema-mapper')).toHaveCount(0)
  await expect(page.getByTestId('training-source')).toContainText('the demo data')
  await expectClean(guards)
})
