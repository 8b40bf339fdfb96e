/**
 * Answers a person can trust on real files: files shaped like public data sets (generated, never
 * shipped) dropped on the built page. No rating or outcome becomes an input unless the person says so,
 * a leaky input is flagged before training, logs are not side tables, a new drop never replaces the
 * applied data, and the numbers on the page agree.
 */
import { expect, test } from '@playwright/test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { shapeFiles, type ShapeName } from '../src/data/testingShapes'
import { drop, expectClean, openForUpload, rng, screenshot, waitForDone } from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'trust-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a shape's files into their own folder (their real names) and returns the paths. */
function writeShape(shape: ShapeName, size?: number, only?: string[]): string[] {
  const sub = join(dir, shape)
  mkdirSync(sub, { recursive: true })
  return shapeFiles(shape, { seed: 5, size })
    .filter((f) => !only || only.includes(f.name))
    .map((f) => {
      const path = join(sub, f.name)
      writeFileSync(path, f.bytes)
      return path
    })
}

/**
 * A ratings log whose `genre` column is the genre of the rated film, recorded per rating with a few
 * slips (so it is not constant per item and stays a column of the interactions): known only once the
 * film is chosen — the kind of column that leaks when fed to the query.
 */
function writeRatingsWithGenre(): string {
  const r = rng(17)
  const genres = ['Drama', 'Comedy', 'Horror', 'Western', 'Musical', 'Crime', 'War', 'Sci-Fi']
  const rows = ['nutzer,film,bewertung,zeit,genre']
  for (let u = 0; u < 150; u++) {
    let t = 1_600_000_000 + u * 50_000
    for (let k = 0; k < 12; k++) {
      const film = Math.floor(120 * r() ** 2)
      t += Math.floor(r() * 3000)
      const genre = r() < 0.1 ? genres[Math.floor(r() * genres.length)] : genres[film % genres.length]
      rows.push(`n${u},f${film},${1 + Math.floor(r() * 5)},${t},${genre}`)
    }
  }
  const path = join(dir, 'bewertungen.csv')
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

test('a rating is never an input by default; a leaky context is flagged before training and one click leaves it out', async ({
  page,
  baseURL,
}) => {
  const guards = await openForUpload(page, baseURL)
  await drop(page, [writeRatingsWithGenre()])
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper.locator('select[data-key="rating"]')).toHaveValue('bewertung')
  await expect(mapper.locator('select[data-key="timestamp"]')).toHaveValue('zeit')
  const genre = mapper.locator('table[data-table="interactions"] tr[data-column="genre"]')
  await expect(genre).toHaveAttribute('data-tower', 'none')
  await expect(genre).toContainText('known when recommending? a rating is not')
  await expect(page.getByTestId('context-rule')).toBeVisible()

  // Taking the rating out of its role and feeding it as context is warned about, not silently taken.
  await mapper.locator('select[data-key="rating"]').selectOption('')
  const rating = mapper.locator('table[data-table="interactions"] tr[data-column="bewertung"]')
  await rating.getByLabel('Input use of bewertung').selectOption('context')
  await expect(page.getByTestId('mapping-issues')).toContainText(
    'Known when recommending? "bewertung" looks like a rating (values 1–5)',
  )
  await rating.getByLabel('Input use of bewertung').selectOption('none')
  await mapper.locator('select[data-key="rating"]').selectOption('bewertung')
  await expect(page.getByTestId('mapping-issues')).toHaveCount(0)

  // The genre of the chosen film, fed as context, is caught by the guard after Apply, before training.
  await genre.getByLabel('Input use of genre').selectOption('context')
  await page.getByTestId('mapping-apply').click()
  const leak = page.getByTestId('leak-warning')
  await expect(leak.locator('p[data-field="genre"]')).toContainText('"genre" gives away the held-out item')
  await screenshot(page, 'trust-leak-warning')
  await leak.getByRole('button', { name: /Leave “genre” out/ }).click()
  await expect(leak).toHaveCount(0)
  await expect(page.getByTestId('mapping-applied')).toBeVisible()
  await expect(genre).toHaveAttribute('data-tower', 'none')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expectClean(guards)
})

test('a log is not a side table, choosing it as one is refused, and the numbers on the page agree', async ({
  page,
  baseURL,
}) => {
  const guards = await openForUpload(page, baseURL)
  await drop(page, writeShape('thelook-pandas', 3000))
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper.locator('select[data-file="order_items_final.csv"]')).toHaveValue('interactions')
  await expect(mapper.locator('select[data-file="users_final.csv"]')).toHaveValue('users')
  await expect(mapper.locator('select[data-file="events_final.csv"]')).toHaveValue('unused')
  await expect(page.getByTestId('parse-reports')).toBeVisible()
  await page.getByTestId('mapping-apply').click()
  const applied = page.getByTestId('mapping-applied')
  await expect(applied).toBeVisible()

  // One count of users everywhere: the Data panel, the applied line and the exploration.
  const users = (await page
    .getByLabel('Dataset counts')
    .locator('div', { hasText: 'Users' })
    .locator('dd')
    .textContent())!
  await expect(applied).toContainText(`${users} users`)
  await expect(page.getByTestId('eda-panel').locator('[data-count="users"]')).toHaveText(users)

  // The person makes the event log the user table: refused before the worker sees it.
  await mapper.locator('select[data-file="events_final.csv"]').selectOption('users')
  await expect(page.getByTestId('mapping-issues')).toContainText(
    /events_final\.csv is not a user table: [\d,]+ user_id value\(s\) are on several rows that disagree \(e\.g\. \S+ on rows [\d,]+ and [\d,]+\)/,
  )
  await expect(page.getByTestId('mapping-apply')).toBeDisabled()
  await screenshot(page, 'trust-side-table')
  // Until something else is applied, the next run still trains on what was applied.
  await expect(page.getByTestId('mapping-not-applied')).toContainText(
    'the next run still trains on TheLook e-commerce',
  )
  await expectClean(guards)
})

test('a new drop never replaces the applied data until applied; bad drops say why; the error box goes once something works', async ({
  page,
  baseURL,
}) => {
  const guards = await openForUpload(page, baseURL)
  await drop(page, writeShape('recbole-ml-100k', 4000))
  const mapper = page.getByTestId('schema-mapper')
  await expect(mapper).toHaveAttribute('data-format', 'RecBole atomic files')
  await expect(mapper.locator('select[data-key="itemLabel"]')).toHaveValue('movie_title')
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('training-source')).toContainText('RecBole atomic files')

  // A lone movies.dat is an item table: refused, naming it; the applied data stays.
  await drop(page, writeShape('movielens-1m', 20_000, ['movies.dat']))
  const error = page.getByTestId('error-message')
  await expect(error).toContainText('movies.dat')
  await expect(error).toContainText('looks like a table of items')
  await expect(error).toContainText('Still using RecBole atomic files')
  await expect(page.getByTestId('mapping-applied')).toBeVisible()

  // A header-only file is refused at drop time.
  await drop(page, writeShape('header-only'))
  await expect(error).toContainText('but no data rows')

  // Other files, proposed but not applied, do not replace the applied data.
  await drop(page, writeShape('movielens-100k-renamed', 3000))
  await expect(error).toHaveCount(0)
  await expect(mapper.locator('select[data-key="timestamp"]')).toHaveValue('column_4')
  await expect(mapper.locator('select[data-key="rating"]')).toHaveValue('column_3')
  await expect(page.getByTestId('mapping-not-applied')).toContainText(
    'the next run still trains on RecBole atomic files',
  )
  await expect(page.getByTestId('training-source')).toContainText('RecBole atomic files')
  await expect(page.getByTestId('eda-panel')).toHaveAttribute('data-stage', 'as read, not applied yet')

  // The applied RecBole data trains; its titles are what the explorer shows.
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  const first = page.getByTestId('recommendation-list').locator('.item-name').first()
  await expect(first).not.toHaveText(/^\d+$/)
  await expect(first).toHaveText(/[a-z]/i)
  await screenshot(page, 'trust-recbole-titles')
  await expectClean(guards)
})
