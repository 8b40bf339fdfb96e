import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Locator, type Page } from '@playwright/test'
import { readFile } from 'node:fs/promises'
import { download, expectClean, guardPage, screenshot, TINY, waitForDone } from './helpers'

/** The demo with history tokens (so they can be removed) and no trained baselines (faster). */
const INSPECT = `${TINY}&historyLength=2&compareBaselines=0`
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
const USER_FIELDS = ['age_band', 'income_band', 'card_tier', 'region', 'tenure_years', 'device']

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).include('[data-testid="inspect-panel"]').analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

async function expectPng(page: Page, button: Locator, keepAs?: string): Promise<void> {
  const { download: file, bytes } = await download(page, button)
  if (keepAs) await file.saveAs(test.info().outputPath(keepAs))
  expect(file.suggestedFilename()).toMatch(/\.png$/)
  expect(bytes.length).toBeGreaterThan(1000)
  expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE)
}

test('inspect a trained model: heatmaps with epoch replay, explorer what-ifs, embedding map, exports', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${INSPECT}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await expect(page.getByTestId('error-message')).toHaveCount(0)
  await page.getByTestId('train-start').click()
  await waitForDone(page)

  // Heatmap of the user tower: field names on both axes, a legend, epoch replay.
  await page.getByRole('tab', { name: 'Attention heatmaps' }).click()
  const heatmap = page.getByTestId('attention-heatmap')
  await expect(heatmap).toHaveAttribute('data-tower', 'user')
  const svg = heatmap.locator('svg.heatmap-svg')
  await expect(svg).toBeVisible()
  for (const field of USER_FIELDS) await expect(svg.locator('text', { hasText: field })).toHaveCount(2)
  await expect(svg.locator('text', { hasText: /^weight$/ })).toBeVisible()
  const tokenCount = USER_FIELDS.length + 3 // user_id, the fields, device, two history tokens
  await expect(heatmap.getByTestId('pooling-weights').locator('tbody tr')).toHaveCount(tokenCount)
  await expect(heatmap.getByTestId('pooling-weights')).toContainText('NDCG@10 drop')

  const slider = heatmap.getByRole('slider', { name: 'Epoch replay' })
  await expect(heatmap.locator('output')).toContainText('final model')
  const finalSvg = await svg.innerHTML()
  await slider.focus()
  await page.keyboard.press('Home')
  await expect(heatmap.locator('output')).toHaveText('epoch 1 of 2')
  await expect(heatmap).toHaveAttribute('data-step', 'epoch 1 of 2')
  expect(await svg.innerHTML()).not.toEqual(finalSvg)
  await page.keyboard.press('End')
  await expect(heatmap.locator('output')).toContainText('final model')
  const zeroBased = await svg.innerHTML()
  await heatmap.getByLabel('Colour scale', { exact: true }).selectOption('min')
  expect(await svg.innerHTML()).not.toEqual(zeroBased)
  await heatmap.getByLabel('Colour scale', { exact: true }).selectOption('zero')

  // Hover shows the exact value; the keyboard reads it too.
  await svg.focus()
  await page.keyboard.press('ArrowRight')
  await expect(heatmap.locator('.heatmap-readout')).toContainText(/attends to .*: 0\.\d{4}/)
  const box = (await svg.boundingBox())!
  await svg.hover({ position: { x: box.width * 0.5, y: box.height * 0.6 } })
  await expect(heatmap.locator('.heatmap-tooltip')).toBeVisible()
  await heatmap.locator('.heatmap-canvas').screenshot({ path: 'e2e/screenshots/inspect-heatmap-hover.png' })
  await page.mouse.move(0, 0)

  await expectPng(
    page,
    heatmap.getByRole('button', { name: 'Save PNG of the attention heatmap' }),
    'heatmap.png',
  )
  const csv = await download(page, heatmap.getByRole('button', { name: 'Save CSV of the attention heatmap' }))
  const lines = csv.bytes.toString('utf8').trim().split(/\r?\n/)
  expect(lines[0]).toMatch(/^field,attention_to:user_id,/)
  expect(lines.length).toBe(tokenCount + 1)
  await heatmap.screenshot({ path: 'e2e/screenshots/inspect-heatmap.png' })
  const valuesButton = heatmap.getByRole('button', { name: 'Attention values as a table' })
  await valuesButton.click()
  await expect(valuesButton).toHaveAttribute('aria-expanded', 'true')
  await expect(heatmap.locator('.values-table tbody tr')).toHaveCount(tokenCount)
  expect(await seriousViolations(page)).toEqual([])

  // Item tower.
  await heatmap.getByLabel('Tower', { exact: true }).selectOption('item')
  await expect(svg.locator('text', { hasText: 'category' })).toHaveCount(2)
  await heatmap.screenshot({ path: 'e2e/screenshots/inspect-heatmap-item.png' })
  await heatmap.getByLabel('Tower', { exact: true }).selectOption('user')

  // Explorer: pick a user, change a feature, remove a history item.
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  const explorer = page.getByTestId('recommendations')
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  const userButtons = explorer.getByTestId('user-list').getByRole('button')
  await expect(userButtons).toHaveCount(20)
  // The search box's example is a user id of this dataset (the demo's have no names).
  const search = explorer.getByLabel('Search users by id')
  await expect(search).toHaveAttribute(
    'placeholder',
    `e.g. ${await userButtons.first().getAttribute('data-user')}`,
  )
  await expect(explorer.getByText('Search users by id or name')).toHaveCount(0)
  await search.fill('1')
  await expect(userButtons.first()).toContainText('1')
  const second = userButtons.nth(1)
  const secondId = (await second.getAttribute('data-user'))!
  await second.click()
  await expect(explorer).toHaveAttribute('data-user', secondId)
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  const list = explorer.getByTestId('recommendation-list')
  await expect(list.locator('tbody tr')).toHaveCount(20)
  await expect(explorer.getByTestId('held-out')).toContainText('rank')
  const before = await list.locator('tbody').innerText()

  // The CSV names the user and each item by id, label (none in the demo) and description.
  const shownItems = await list
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-item')))
  const recsCsv = await download(
    page,
    explorer.getByRole('button', { name: 'Save CSV of the recommendations' }),
  )
  const recLines = recsCsv.bytes.toString('utf8').trim().split(/\r?\n/)
  expect(recLines[0]).toBe('user_id,user_label,rank,item_id,item_label,item_detail,score,held_out')
  expect(recLines.slice(1).map((line) => line.split(',').slice(0, 5))).toEqual(
    shownItems.map((item, k) => [secondId, '', String(k + 1), item, '']),
  )
  expect(recLines[1].split(',')[5]).not.toBe('')

  const ageBand = explorer.getByLabel('age_band')
  const current = await ageBand.inputValue()
  const options = await ageBand
    .locator('option')
    .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))
  const other = options.find((v) => v !== current && v !== '0')!
  await ageBand.selectOption(other)
  await expect(explorer.locator('.what-if-field.changed')).toHaveCount(1)
  await expect.poll(() => list.locator('tbody').innerText()).not.toEqual(before)
  await expect(explorer).toHaveAttribute('data-state', 'ready')

  const history = explorer.getByTestId('history-tokens')
  await expect(history.locator('li')).toHaveCount(2)
  const firstHistory = (await history.locator('li .item-id').first().innerText()).trim()
  const afterWhatIf = await list.locator('tbody').innerText()
  await history.getByRole('button', { name: `Remove ${firstHistory} from the history` }).click()
  await expect(history.locator('li .item-id').first()).not.toHaveText(firstHistory)
  await expect(history).toContainText('Removed from the history: 1 item')
  await expect.poll(() => list.locator('tbody').innerText()).not.toEqual(afterWhatIf)
  await expect(explorer).toHaveAttribute('data-state', 'ready')
  await screenshot(page, 'inspect-explorer-page')
  await explorer.screenshot({ path: 'e2e/screenshots/inspect-explorer.png' })
  expect(await seriousViolations(page)).toEqual([])

  await explorer.getByRole('button', { name: 'Reset what-ifs' }).click()
  await expect(explorer.locator('.what-if-field.changed')).toHaveCount(0)
  await expect(history).not.toContainText('Removed from the history')
  await expect(history.locator('li')).toHaveCount(2)
  const historyIds = await history.locator('li .item-id').allInnerTexts()
  // The pooling weights name the item each history token holds.
  await expect(
    explorer.getByTestId('user-pooling-weights').locator('tr[data-field="history_1"]'),
  ).toContainText(`history_1 · ${historyIds[0]}`)
  // Beside each weight: the score of #1 lost when that token is removed (a number for every token).
  const userWeights = explorer.getByTestId('user-pooling-weights')
  await expect(userWeights.getByRole('columnheader', { name: 'Score lost if removed' })).toBeVisible()
  for (const token of ['age_band', 'history_1', 'history_2'])
    await expect(userWeights.locator(`tr[data-field="${token}"] td.drop`)).toHaveText(/^[+−]?\d\.\d{4}$/)

  // The heatmap of the chosen user shows the weights the explorer got with that user's scores.
  await page.getByRole('tab', { name: 'Attention heatmaps' }).click()
  await heatmap.getByLabel('Averaged over', { exact: true }).selectOption('chosen')
  await expect(heatmap).toHaveAttribute('data-step', `user ${secondId}`)
  const weightsOf = (table: Locator) =>
    table
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => `${r.getAttribute('data-field')}=${r.querySelector('.weight-value')?.textContent}`),
      )
  await expect
    .poll(() => weightsOf(heatmap.getByTestId('pooling-weights')))
    .toEqual(await weightsOf(explorer.getByTestId('user-pooling-weights')))
  await expect(slider).toBeDisabled()
  // One user's history tokens are past items: the axes and the CSV name them.
  for (const [k, item] of historyIds.entries())
    await expect(svg.locator('text[data-axis="row"]', { hasText: `history_${k + 1} · ${item}` })).toHaveCount(
      1,
    )
  const chosenCsv = await download(
    page,
    heatmap.getByRole('button', { name: 'Save CSV of the attention heatmap' }),
  )
  const chosenLines = chosenCsv.bytes.toString('utf8').trim().split(/\r?\n/)
  expect(chosenLines[0]).toMatch(/,history_item_id,history_item_label$/)
  expect(chosenLines.filter((l) => l.startsWith('history_')).map((l) => l.split(',').slice(-2))).toEqual(
    historyIds.map((item) => [item, '']),
  )

  // Embedding map.
  await page.getByRole('tab', { name: 'Embedding map' }).click()
  const map = page.getByTestId('embedding-map')
  await expect(map).toHaveAttribute('data-points', '60')
  await expect(map.getByLabel('Colour by item field')).toBeVisible()
  await map.getByLabel('Colour by item field').selectOption('category')
  await expect(map.locator('canvas')).toHaveAttribute('aria-label', /user .* is marked with a star/)
  await map.screenshot({ path: 'e2e/screenshots/inspect-map.png' })
  await expectPng(page, map.getByRole('button', { name: 'Save PNG of the embedding map' }), 'map.png')

  // Keyboard: step to an item on the map and open its attention in the item tower's heatmap.
  await map.locator('canvas').focus()
  await page.keyboard.press('ArrowRight')
  await expect(map.locator('.map-tooltip')).toBeVisible()
  const itemId = (await map.locator('.map-tooltip strong').innerText()).trim()
  await page.keyboard.press('Enter')
  await expect(heatmap).toBeVisible()
  await expect(heatmap).toHaveAttribute('data-tower', 'item')
  await expect(heatmap).toHaveAttribute('data-step', `item ${itemId}`)
  await expect(heatmap.getByTestId('pooling-weights').locator('tbody tr')).toHaveCount(7)
  await page.getByRole('tab', { name: 'Embedding map' }).click()

  // The learning curves can be saved too.
  await expectPng(page, page.getByRole('button', { name: 'Save PNG of the loss curve' }), 'loss.png')
  const ranking = await download(page, page.getByRole('button', { name: 'Save CSV of the ranking chart' }))
  expect(ranking.bytes.toString('utf8').trim().split(/\r?\n/)).toEqual([
    'epoch,model,id-only,mean-pooling,sequence,co-occurrence,popularity,random,oracle',
    expect.stringMatching(/^1,0\.\d+,/),
    expect.stringMatching(/^2,0\.\d+,/),
  ])
  const mapCsv = await download(page, map.getByRole('button', { name: 'Save CSV of the embedding map' }))
  const mapLines = mapCsv.bytes.toString('utf8').trim().split(/\r?\n/)
  expect(mapLines).toHaveLength(61)
  expect(mapLines[0]).toBe('item_id,item_label,item_detail,pc1,pc2,category')
  expect(await seriousViolations(page)).toEqual([])

  // Tabs work from the keyboard.
  await page.getByRole('tab', { name: 'Embedding map' }).focus()
  await page.keyboard.press('Home')
  await expect(page.getByRole('tab', { name: 'Attention heatmaps' })).toHaveAttribute('aria-selected', 'true')
  await expect(page.getByRole('tab', { name: 'Attention heatmaps' })).toBeFocused()

  await screenshot(page, 'inspect-page')

  // A run file with 30 long field names: readable labels, and the explorer explains that no model is
  // loaded (the file is saved without weights).
  await page.getByTestId('run-export-weights').uncheck()
  const [exported] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('run-export').click(),
  ])
  const run = JSON.parse(await readFile(await exported.path(), 'utf8'))
  const wide = wideAttention(30)
  run.attention.user = wide.final
  run.attention.snapshots = run.attention.snapshots.map((snap: { epoch: number }, k: number) => ({
    ...snap,
    user: wide.snapshots[k % wide.snapshots.length],
  }))
  run.importance = [
    ...run.importance.filter((i: { tower: string }) => i.tower === 'item'),
    ...wide.final.tokens.map((field, k) => ({
      field,
      tower: 'user',
      attentionWeight: wide.final.pooling[k],
      ndcgWithout: 0.2,
      drop: (k % 7) / 100 - 0.02,
    })),
  ]
  await page.getByTestId('run-import').setInputFiles({
    name: 'wide.run.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(run)),
  })
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done')
  await expect(page.getByRole('tab', { name: 'Attention heatmaps' })).toHaveAttribute('aria-selected', 'true')
  await expect(svg.locator('text[data-axis="row"]')).toHaveCount(30)
  await expect(svg.locator('text[data-axis="row"]').first()).toContainText('…')
  const layout = await svg.evaluate((el) => {
    const box = (e: Element) => e.getBoundingClientRect()
    const cells = box(el.querySelector('[data-role="cells"]')!)
    const rows = [...el.querySelectorAll('text[data-axis="row"]')].map(box)
    const cols = [...el.querySelectorAll('text[data-axis="col"]')].map(box)
    const overlaps = (list: DOMRect[]) =>
      list.some((a, i) =>
        list.some(
          (b, j) =>
            i < j &&
            a.left < b.right - 0.5 &&
            b.left < a.right - 0.5 &&
            a.top < b.bottom - 0.5 &&
            b.top < a.bottom - 0.5,
        ),
      )
    return {
      rowOverlap: overlaps(rows),
      colOverlap: overlaps(cols),
      rowsLeftOfCells: rows.every((r) => r.right <= cells.left + 0.5 && r.left >= box(el).left - 0.5),
      colsAboveCells: cols.every((c) => c.bottom <= cells.top + 0.5 && c.top >= box(el).top - 0.5),
    }
  })
  expect(layout).toEqual({
    rowOverlap: false,
    colOverlap: false,
    rowsLeftOfCells: true,
    colsAboveCells: true,
  })
  await heatmap.locator('svg').hover({ position: { x: 200, y: 200 } })
  await heatmap.screenshot({ path: 'e2e/screenshots/inspect-heatmap-30-fields.png' })
  await page.getByRole('tab', { name: 'Recommendations' }).click()
  await expect(explorer).toContainText('wide.run.json')
  await expect(explorer).toContainText("saved without the model's weights")
  await page.getByRole('tab', { name: 'Embedding map' }).click()
  await expect(map).toContainText("saved without the model's weights")
  expect(await seriousViolations(page)).toEqual([])
  await expectClean(guards)
})

/** Attention over `n` tokens with long, similar names; rows sum to 1 and epochs differ. */
function wideAttention(n: number) {
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const tokens = Array.from({ length: n }, (_, k) =>
    k % 3 === 0
      ? `customer_lifetime_value_bucket_${2000 + k}`
      : k % 3 === 1
        ? `f${k}`
        : `monthly_spend_${k}_eur`,
  )
  const normalised = (values: number[]) => {
    const sum = values.reduce((a, b) => a + b, 0)
    return values.map((v) => v / sum)
  }
  const matrix = (sharpness: number) =>
    Array.from({ length: n }, () => normalised(Array.from({ length: n }, () => random() ** sharpness))).flat()
  const tower = (sharpness: number) => ({
    tokens,
    pooling: normalised(Array.from({ length: n }, () => random() ** sharpness)),
    layers: [[matrix(sharpness), matrix(sharpness)]],
  })
  return { final: tower(4), snapshots: [tower(1), tower(4)] }
}
