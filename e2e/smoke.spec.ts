import { expect, test } from '@playwright/test'

test('default wasm', async ({ page }) => {
  page.on('console', (m) => console.log('console', m.type(), m.text()))
  const t0 = Date.now()
  await page.goto('./?backend=wasm')
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done', { timeout: 220000 })
  console.log('secs', (Date.now() - t0) / 1000, await page.getByTestId('training-status').textContent())
  await page.screenshot({ path: 'test-results/default.png', fullPage: true })
})
test('tiny webgl', async ({ page }) => {
  page.on('console', (m) => console.log('console', m.type(), m.text()))
  const t0 = Date.now()
  await page.goto(
    './?backend=webgl#demoUsers=300&demoItems=60&demoInteractions=4000&epochs=1&batchSize=128&dim=8&mlpHidden=16',
  )
  await expect(page.getByTestId('backend-badge')).toHaveText('webgl')
  console.log(await page.locator('.backend-reason').textContent())
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done', { timeout: 220000 })
  console.log('secs', (Date.now() - t0) / 1000, await page.getByTestId('training-status').textContent())
  await page.screenshot({ path: 'test-results/webgl.png', fullPage: true })
})
