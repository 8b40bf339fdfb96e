import { expect, test } from '@playwright/test'

test('smoke', async ({ page }) => {
  page.on('console', (m) => console.log('console', m.type(), m.text()))
  await page.goto('./?backend=wasm#demoUsers=300&demoItems=60&demoInteractions=4000&epochs=2&batchSize=128&dim=8&mlpHidden=16')
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  console.log(await page.locator('.backend-reason').textContent())
  await page.getByTestId('train-start').click()
  await expect(page.getByTestId('training-status')).toHaveAttribute('data-state', 'done', { timeout: 120000 })
  await page.screenshot({ path: 'test-results/smoke.png', fullPage: true })
})
