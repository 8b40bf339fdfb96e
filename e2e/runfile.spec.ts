import { expect, test } from '@playwright/test'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { strFromU8, unzipSync } from 'fflate'
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { HAS_TORCH, PYTHON } from '../src/model/export/python.testing'
import { download, expectClean, guardPage, screenshot, TINY, waitForDone } from './helpers'

test('trains on wasm, exports a run file whose numbers match the page, and restores it without training', async ({
  page,
  browser,
  baseURL,
}, testInfo) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await expect(page.getByTestId('run-export')).toBeDisabled()
  await page.getByTestId('train-start').click()
  await waitForDone(page)

  // Saved without the model's weights: plain JSON (the test below saves them).
  await expect(page.getByTestId('run-export-weights')).toBeChecked()
  await page.getByTestId('run-export-weights').uncheck()
  const downloadPromise = page.waitForEvent('download')
  await page.getByTestId('run-export').click()
  const download = await downloadPromise
  expect(download.suggestedFilename()).toMatch(/\.run\.json$/)
  const path = testInfo.outputPath('exported.run.json')
  await download.saveAs(path)
  const run = JSON.parse(await readFile(path, 'utf8'))

  expect(run.format).toBe('attentive-run')
  expect(run.backend.name).toBe('wasm')
  expect(run.config.epochs).toBe(2)
  expect(run.history).toHaveLength(2)
  expect(run.dataset.split.kind).toBe('leave-last-out')
  expect(run.dataset.fingerprint).toMatch(/^[0-9a-f]{8}$/)
  for (const key of ['recall@10', 'ndcg@10', 'recall@50', 'mrr', 'coverage@10'])
    expect(typeof run.test.model[key]).toBe('number')
  // The demo has timestamps, so the sequence-only model trains, and a truth, so the oracle is ranked.
  for (const name of ['random', 'popularity', 'id-only', 'mean-pooling', 'sequence', 'oracle'])
    expect(run.test.baselines[name], name).toBeDefined()
  expect(run.config.historyLength).toBe(20)
  await expect(page.getByTestId('baseline-table').locator('tr[data-scorer="oracle"]')).toContainText(
    'Planted oracle',
  )
  expect(run.attention.user.tokens).toContain('age_band')
  expect(run.importance.length).toBe(run.attention.user.tokens.length + run.attention.item.tokens.length)
  expect(run.timing.examplesPerSecond).toBeGreaterThan(0)

  // The file carries intervals and paired comparisons next to the plain metric numbers.
  expect(run.version).toBe(3)
  expect(run.test.uncertainty.model['recall@10']).toBeGreaterThan(0)
  expect(typeof run.test.uncertainty.differences['mean-pooling']['recall@10'].standardError).toBe('number')

  // The tables show the same numbers as the file (4 decimals), each followed by its 95% interval.
  const table = page.getByTestId('baseline-table')
  const cell = (scorer: string, metric: string) =>
    table.locator(`tr[data-scorer="${scorer}"] td[data-metric="${metric}"]`).textContent()
  const halfWidth = (se: number) => `±${(1.959963984540054 * se).toFixed(4)}`
  expect(await cell('model', 'recall@10')).toBe(
    run.test.model['recall@10'].toFixed(4) + halfWidth(run.test.uncertainty.model['recall@10']),
  )
  expect(await cell('model', 'ndcg@10')).toMatch(new RegExp(`^${run.test.model['ndcg@10'].toFixed(4)}±`))
  expect(await cell('popularity', 'recall@10')).toMatch(
    new RegExp(`^${run.test.baselines.popularity['recall@10'].toFixed(4)}±`),
  )
  expect(await cell('mean-pooling', 'mrr')).toMatch(
    new RegExp(`^${run.test.baselines['mean-pooling'].mrr.toFixed(4)}±`),
  )
  const epochRow = page.getByTestId('metrics-table').locator('tr[data-epoch="2"] td[data-metric="ndcg@10"]')
  expect(await epochRow.textContent()).toBe(run.history[1].validation['ndcg@10'].toFixed(4))

  // The CSV of the test table carries the intervals too.
  const csvPromise = page.waitForEvent('download')
  await page.getByRole('button', { name: 'Save CSV of the test table' }).click()
  const csvPath = testInfo.outputPath('test-metrics.csv')
  await (await csvPromise).saveAs(csvPath)
  const csv = (await readFile(csvPath, 'utf8')).trim().split('\r\n')
  expect(csv[0]).toBe('row,scorer,metric,value,standard_error,ci95_low,ci95_high,verdict,ratio,queries')
  const modelRecall = csv.find((line) => line.startsWith('metric,model,recall@10,'))!.split(',')
  expect(Number(modelRecall[3])).toBe(run.test.model['recall@10'])
  expect(Number(modelRecall[4])).toBe(run.test.uncertainty.model['recall@10'])
  expect(csv.some((line) => line.startsWith('model minus baseline,popularity,recall@10,'))).toBe(true)
  await expectClean(guards)

  // A fresh page restores every table from the file alone.
  const fresh = await browser.newPage()
  const freshGuards = await guardPage(fresh, new URL(baseURL!).origin)
  await fresh.goto(`./?backend=wasm`)
  await fresh.getByTestId('run-import').setInputFiles(path)
  await expect(fresh.getByTestId('training-status')).toHaveAttribute('data-state', 'done')
  await expect(fresh.getByTestId('metrics-table')).toHaveAttribute('data-rows', '2')
  expect(
    await fresh
      .getByTestId('baseline-table')
      .locator('tr[data-scorer="model"] td[data-metric="recall@10"]')
      .textContent(),
  ).toBe(run.test.model['recall@10'].toFixed(4) + halfWidth(run.test.uncertainty.model['recall@10']))
  expect(Number(await fresh.getByTestId('loss-chart').getAttribute('data-points'))).toBe(run.lossCurve.length)
  await screenshot(fresh, 'imported-run')

  // A file that is not a run file is refused with a message; the restored results stay.
  await fresh
    .getByTestId('run-import')
    .setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": 1}') })
  await expect(fresh.getByTestId('error-message')).toContainText('notes.json is not an attentive-run file')
  await expect(fresh.getByTestId('metrics-table')).toHaveAttribute('data-rows', '2')
  // A tampered one (a metric made text) is refused by name and path; the restored results stay.
  const tamperedRun = JSON.parse(JSON.stringify(run))
  tamperedRun.history[1].validation['recall@10'] = 'lots'
  await fresh.getByTestId('run-import').setInputFiles({
    name: 'edited.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(tamperedRun)),
  })
  await expect(fresh.getByTestId('error-message')).toContainText(
    'edited.run.json is damaged or not from this page: run.history[1].validation.recall@10 is not a number',
  )
  await expect(fresh.getByTestId('metrics-table')).toHaveAttribute('data-rows', '2')
  // A file that passes the checks but holds little (metrics missing, no snapshots, no importance)
  // shows "—" where numbers are missing, without an error.
  const sparse = JSON.parse(JSON.stringify(run))
  sparse.test.model = { queries: 300 }
  sparse.history[0].validation = {}
  sparse.importance = []
  sparse.attention.snapshots = []
  delete sparse.test.uncertainty
  await fresh.getByTestId('run-import').setInputFiles({
    name: 'sparse.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(sparse)),
  })
  await expect(fresh.getByText('Showing sparse.run.json')).toBeVisible()
  await expect(
    fresh.getByTestId('baseline-table').locator('tr[data-scorer="model"] td[data-metric="recall@10"]'),
  ).toContainText('—')
  await fresh.getByRole('tab', { name: 'Attention heatmaps' }).click()
  await expect(fresh.getByTestId('attention-heatmap').first()).toBeVisible()
  await fresh.getByRole('tab', { name: 'Recommendations' }).click()
  // Names in a file are text, never markup: a field named like an HTML tag shows as those characters.
  const hostile = JSON.parse(JSON.stringify(run))
  const tag = '<img src=x onerror="window.injected=1">'
  hostile.importance[0].field = tag
  hostile.attention.user.tokens[0] = tag
  await fresh.getByTestId('run-import').setInputFiles({
    name: 'hostile.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(hostile)),
  })
  await expect(fresh.getByText('Showing hostile.run.json')).toBeVisible()
  await fresh.getByRole('tab', { name: 'Attention heatmaps' }).click()
  await expect(fresh.getByTestId('attention-heatmap').first()).toContainText(tag)
  await expect(fresh.locator('img[src="x"]')).toHaveCount(0)
  expect(await fresh.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined()

  // A version 1 file (saved before intervals) still opens: values as saved, "—" for every interval,
  // and no difference claimed.
  const old = { ...run, version: 1, test: { model: run.test.model, baselines: run.test.baselines } }
  delete old.trend
  delete old.baselineEpochs
  await fresh.getByTestId('run-import').setInputFiles({
    name: 'old.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(old)),
  })
  await expect(fresh.getByText('Showing old.run.json')).toBeVisible()
  const oldCell = fresh
    .getByTestId('baseline-table')
    .locator('tr[data-scorer="model"] td[data-metric="recall@10"]')
  await expect(oldCell).toHaveText(`${run.test.model['recall@10'].toFixed(4)}± —`)
  await expect(fresh.getByTestId('test-no-intervals')).toBeVisible()
  await expect(fresh.getByTestId('test-verdicts')).toHaveCount(0)
  await expectClean(freshGuards)
  await fresh.close()
})

test('a run file with the model brings back the explorer and the embedding map in a fresh browser; the model export scores as the page does and opens in the page', async ({
  page,
  browser,
  baseURL,
}, testInfo) => {
  const origin = new URL(baseURL!).origin
  const guards = await guardPage(page, origin)
  await page.goto(`./?backend=wasm#${TINY}&compareBaselines=0`)
  await page.getByTestId('train-start').click()
  await waitForDone(page)

  /** One user's top 20 (ids and scores) and pooling weights, and the item map's CSV, as the page shows them. */
  const looks = async (p: typeof page, userId: string | null) => {
    await p.getByRole('tab', { name: 'Recommendations' }).click()
    const explorer = p.getByTestId('recommendations')
    await expect(explorer).toHaveAttribute('data-state', 'ready')
    const users = explorer.getByTestId('user-list').getByRole('button')
    const user = userId ? users.and(p.locator(`[data-user="${userId}"]`)) : users.nth(2)
    if (userId) await explorer.getByLabel('Search users by id').fill(userId)
    const id = (await user.first().getAttribute('data-user'))!
    await user.first().click()
    await expect(explorer).toHaveAttribute('data-user', id)
    await expect(explorer).toHaveAttribute('data-state', 'ready')
    const rows = explorer.getByTestId('recommendation-list').locator('tbody tr')
    await expect(rows).toHaveCount(20)
    const top = await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).innerText))
    const pooling = await explorer.getByTestId('user-pooling-weights').innerText()
    await p.getByRole('tab', { name: 'Embedding map' }).click()
    const map = p.getByTestId('embedding-map')
    await expect(map).toHaveAttribute('data-points', '60')
    const mapCsv = (await download(p, map.getByRole('button', { name: 'Save CSV of the embedding map' })))
      .bytes
    const recall = await p
      .getByTestId('baseline-table')
      .locator('tr[data-scorer="model"] td[data-metric="recall@10"]')
      .textContent()
    return { id, top, pooling, map: mapCsv.toString('utf8'), recall }
  }
  const here = await looks(page, null)

  // The model export, scored outside the page by the recipe shipped in it, gives the explorer's scores.
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  const explorer = page.getByTestId('recommendations')
  const features = Object.fromEntries(
    await explorer
      .locator('.what-if-field')
      .evaluateAll((fields) =>
        fields.map((f) => [
          f.querySelector('label')!.getAttribute('title')!,
          f.querySelector('select')!.selectedOptions[0].textContent!,
        ]),
      ),
  )
  const history = await explorer
    .getByTestId('history-tokens')
    .locator('li[data-item]')
    .evaluateAll((items) => items.map((li) => li.getAttribute('data-item')!))
  const shown = await explorer
    .getByTestId('recommendation-list')
    .locator('tbody tr')
    .evaluateAll((rows) =>
      rows.map((tr) => ({
        id: tr.getAttribute('data-item')!,
        score: Number(tr.lastElementChild!.textContent),
      })),
    )
  const exported = await download(page, page.getByTestId('model-export'))
  expect(exported.download.suggestedFilename()).toMatch(/\.model\.zip$/)
  const files = unzipSync(new Uint8Array(exported.bytes))
  expect(Object.keys(files).sort()).toEqual([
    'README.md',
    'data.py',
    'interactions.csv',
    'items.bin',
    'mapping.json',
    'model.json',
    'model.py',
    'offers.csv',
    'requirements.txt',
    'run.json',
    'score.d.ts',
    'score.js',
    'train.py',
    'users.csv',
    'weights.bin',
  ])
  const dir = testInfo.outputPath('model')
  mkdirSync(dir, { recursive: true })
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes)
  const { loadTowers } = (await import(
    pathToFileURL(join(dir, 'score.js')).href
  )) as typeof import('../src/model/export/score.js')
  await tf.setBackend('cpu')
  const model = JSON.parse(strFromU8(files['model.json']))
  const towers = loadTowers(tf, model, files['weights.bin'])
  const user = towers.embedUsers([{ features, history }])
  const items = tf.tensor2d(new Float32Array(files['items.bin'].slice().buffer), model.catalogue.shape)
  const scores = (await towers.score(user, items).data()) as Float32Array
  expect(history.length).toBeGreaterThan(0)
  for (const { id, score } of shown)
    expect(Math.abs(scores[model.catalogue.ids.indexOf(id)] - score), id).toBeLessThanOrEqual(5.1e-5)
  // And the recipe orders those 20 as the page does.
  const best = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).map((i) => model.catalogue.ids[i])
  const shownIds = shown.map((s) => s.id)
  expect(best.filter((id) => shownIds.includes(id)).slice(0, 20)).toEqual(shownIds)
  towers.dispose()

  // Small models are saved with their weights by default; the size is shown.
  await expect(page.getByTestId('run-export-weights')).toBeChecked()
  await expect(page.locator('label', { hasText: "with the model's weights" })).toContainText(
    /\(\d+\.\d KB before/,
  )
  const saved = await download(page, page.getByTestId('run-export'))
  expect(saved.download.suggestedFilename()).toMatch(/\.run\.json\.gz$/)
  expect([saved.bytes[0], saved.bytes[1]]).toEqual([0x1f, 0x8b])
  const path = testInfo.outputPath('with-model.run.json.gz')
  await saved.download.saveAs(path)
  await expectClean(guards)

  // A fresh browser context (no worker, no cache) gets the same explorer from the file alone.
  const context = await browser.newContext()
  const fresh = await context.newPage()
  const freshGuards = await guardPage(fresh, origin)
  await fresh.goto(`./?backend=wasm`)
  await fresh.getByTestId('run-import').setInputFiles(path)
  await expect(fresh.getByTestId('run-imported-note')).toContainText('Its model was rebuilt from the weights')
  const there = await looks(fresh, here.id)
  expect(there).toEqual(here)

  // The model export opens in a fresh browser too: it carries its run, and the explorer comes back.
  const zipPath = testInfo.outputPath('demo.model.zip')
  await exported.download.saveAs(zipPath)
  const zipContext = await browser.newContext()
  const zipPage = await zipContext.newPage()
  const zipGuards = await guardPage(zipPage, origin)
  await zipPage.goto(`./?backend=wasm`)
  await zipPage.getByTestId('run-import').setInputFiles(zipPath)
  await expect(zipPage.getByTestId('run-imported-note')).toContainText(
    'Its model was rebuilt from the weights',
  )
  expect(await looks(zipPage, here.id)).toEqual(here)
  await expectClean(zipGuards)
  await zipContext.close()
  await screenshot(fresh, 'imported-run-with-model')

  // Its weights can be saved again from there, and the file still opens.
  const again = await download(fresh, fresh.getByTestId('run-export'))
  expect(again.download.suggestedFilename()).toMatch(/\.run\.json\.gz$/)

  // Weights that do not fit this model (a shape changed) leave the results shown and say why.
  const { gunzipSync, gzipSync } = await import('fflate')
  const run = JSON.parse(Buffer.from(gunzipSync(saved.bytes)).toString('utf8'))
  run.weights.variables[0].shape = [run.weights.variables[0].shape[0] - 1, run.weights.variables[0].shape[1]]
  const floats = run.weights.variables[0].shape[0] * run.weights.variables[0].shape[1]
  run.weights.variables[0].data = Buffer.from(new Float32Array(floats).buffer).toString('base64')
  await fresh.getByTestId('run-import').setInputFiles({
    name: 'misfit.run.json.gz',
    mimeType: 'application/gzip',
    buffer: Buffer.from(gzipSync(Buffer.from(JSON.stringify(run)))),
  })
  await expect(fresh.getByTestId('run-model-problem')).toContainText(
    "The run file's weights do not fit: user/embeddings has shape",
  )
  await expect(fresh.getByTestId('training-status')).toHaveAttribute('data-state', 'done')
  await fresh.getByRole('tab', { name: 'Recommendations' }).click()
  await expect(fresh.getByTestId('recommendations')).toContainText('could not be rebuilt')
  await expectClean(freshGuards)
  await context.close()
})

test('the exported PyTorch project trains on the demo files, and its run file opens in the page with the explorer listing PyTorch’s top 20', async ({
  page,
  browser,
  baseURL,
}, testInfo) => {
  test.skip(!HAS_TORCH, `${PYTHON} has no PyTorch (apt-get install -y python3-torch)`)
  const origin = new URL(baseURL!).origin
  const guards = await guardPage(page, origin)
  await page.goto(`./?backend=wasm#${TINY}&compareBaselines=0`)
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  const userId = (await page
    .getByTestId('recommendations')
    .getByTestId('user-list')
    .getByRole('button')
    .nth(3)
    .getAttribute('data-user'))!
  const exported = await download(page, page.getByTestId('model-export'))
  await expectClean(guards)
  const dir = testInfo.outputPath('project')
  mkdirSync(dir, { recursive: true })
  for (const [name, bytes] of Object.entries(unzipSync(new Uint8Array(exported.bytes))))
    writeFileSync(join(dir, name), bytes)

  // As the zip's README says: the page's settings from run.json, the demo's files beside mapping.json.
  const out = execFileSync(
    PYTHON,
    ['train.py', '--epochs', '1', '--out', 'pytorch.run.json.gz', '--recommend', userId],
    { cwd: dir, encoding: 'utf-8', env: { ...process.env, OMP_NUM_THREADS: '1' } },
  )
  const summary = JSON.parse(out.trim().split('\n').pop()!)
  const top: string[] = summary.recommendations[userId]
  expect(top).toHaveLength(20)

  const context = await browser.newContext()
  const fresh = await context.newPage()
  const freshGuards = await guardPage(fresh, origin)
  await fresh.goto(`./?backend=wasm`)
  await fresh.getByTestId('run-import').setInputFiles(join(dir, 'pytorch.run.json.gz'))
  await expect(fresh.getByTestId('run-imported-note')).toContainText('Its model was rebuilt from the weights')
  await expect(fresh.getByTestId('run-imported-note')).toContainText('trained on pytorch-cpu')
  await fresh.getByRole('tab', { name: 'Recommendations' }).click()
  const explorer = fresh.getByTestId('recommendations')
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  await explorer.getByLabel('Search users by id').fill(userId)
  await explorer.getByTestId('user-list').locator(`[data-user="${userId}"]`).first().click()
  await expect(explorer).toHaveAttribute('data-user', userId)
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  const shown = await explorer
    .getByTestId('recommendation-list')
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-item')!))
  expect(shown).toEqual(top)
  await screenshot(fresh, 'pytorch-run-imported')
  await expectClean(freshGuards)
  await context.close()
})
