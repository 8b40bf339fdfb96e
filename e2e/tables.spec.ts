import { expect, test, type Locator } from '@playwright/test'
import { expectClean, guardPage, screenshot, waitForDone } from './helpers'

/** An untrained model (a learning rate too small to move it in one epoch): it ranks like noise. */
const UNTRAINED =
  'demoUsers=400&demoItems=60&demoInteractions=5000&epochs=1&learningRate=0.00001&batchSize=128&dim=8&mlpHidden=16'
/** A demo so small that its test split has fewer than 100 held-out interactions. */
const TOO_SMALL = 'demoUsers=60&demoItems=30&demoInteractions=900&epochs=1&batchSize=32&dim=8&mlpHidden=16'

/** The paired difference and half-width a comparison cell shows: "no difference +0.0012 ±0.0300" etc. */
async function shownDifference(cell: Locator): Promise<{ difference: number; halfWidth: number }> {
  const text = (await cell.textContent()) ?? ''
  const number = (s: string) => Number(s.replace('−', '-'))
  const match = /([+−]?\d\.\d{4}).*±(\d\.\d{4})/.exec(text)
  expect(match, `comparison cell "${text}"`).not.toBeNull()
  return { difference: number(match![1]), halfWidth: number(match![2]) }
}

test('the test table gives intervals and says "no difference" where the interval holds 0', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${UNTRAINED}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  const table = page.getByTestId('baseline-table')
  await expect(table).toHaveAttribute('data-status', 'compared')

  // Untrained, the model is noise: against the id-only model, as untrained, there is no difference;
  // most popular beats it. Random is exact chance (no noise of its own), so even an untrained model's
  // one arbitrary order of the catalogue can differ from it; the summary says what the cell says.
  const vsIdOnly = table.locator('tr[data-comparison="id-only"] td[data-metric="recall@10"]')
  await expect(vsIdOnly).toHaveAttribute('data-verdict', 'no-difference')
  await expect(vsIdOnly).toContainText(/^no difference/)
  const vsPopular = table.locator('tr[data-comparison="popularity"] td[data-metric="recall@10"]')
  await expect(vsPopular).toHaveAttribute('data-verdict', 'worse')
  await expect(vsPopular).toContainText('worse')
  const vsRandom = table.locator('tr[data-comparison="random"] td[data-metric="recall@10"]')
  const randomVerdict = await vsRandom.getAttribute('data-verdict')
  const said = randomVerdict === 'no-difference' ? 'no difference in' : `${randomVerdict} on`
  await expect(page.getByTestId('test-verdicts').locator('li[data-baseline="random"]')).toContainText(
    `Has it learned anything? Against random: ${said} Recall@10`,
  )

  // Every shown verdict agrees with the interval shown beside it; no ratio without a verdict.
  for (const cell of await table.locator('tr[data-comparison] td[data-verdict]').all()) {
    const verdict = await cell.getAttribute('data-verdict')
    const metric = await cell.getAttribute('data-metric')
    if (verdict === 'not-compared') {
      await expect(cell).toHaveText('—')
      continue
    }
    const { difference, halfWidth } = await shownDifference(cell)
    if (verdict === 'no-difference') {
      expect(Math.abs(difference), `${metric}`).toBeLessThanOrEqual(halfWidth + 0.0001)
      await expect(cell).not.toContainText('×')
    } else expect(Math.abs(difference), `${metric}`).toBeGreaterThanOrEqual(halfWidth - 0.0001)
  }
  // Coverage is never compared.
  for (const cell of await table.locator('tr[data-comparison] td[data-metric="coverage@10"]').all())
    await expect(cell).toHaveText('—')
  await screenshot(page, 'test-table-untrained')
  await expectClean(guards)
})

test('a test split of fewer than 100 interactions is called too small, with no ratios', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TOO_SMALL}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await page.getByTestId('train-start').click()
  await waitForDone(page)
  const table = page.getByTestId('baseline-table')
  await expect(table).toHaveAttribute('data-status', 'too-few')
  await expect(page.getByTestId('test-too-small')).toContainText('Too few test queries to compare scorers:')
  await expect(table.locator('tr[data-comparison]')).toHaveCount(0)
  await expect(table).not.toContainText('×')
  await expect(page.getByTestId('test-verdicts')).toHaveCount(0)
  // The values still carry their (wide) intervals.
  await expect(table.locator('tr[data-scorer="model"] td[data-metric="recall@10"]')).toHaveText(
    /^\d\.\d{4}±\d\.\d{4}$/,
  )
  await screenshot(page, 'test-table-too-small')
  await expectClean(guards)
})
