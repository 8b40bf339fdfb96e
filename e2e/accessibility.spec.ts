import AxeBuilder from '@axe-core/playwright'
import { expect, test, type Page } from '@playwright/test'
import { screenshot, TINY, waitForDone } from './helpers'

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze()
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)
}

test('no serious accessibility violations before and after training; keyboard alone runs training', async ({
  page,
}) => {
  await page.goto(`./?backend=wasm#${TINY}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await expect(page.getByTestId('train-start')).toBeEnabled()
  expect(await seriousViolations(page)).toEqual([])

  // Tab from the top of the page to the train button and press Enter.
  let reached = false
  for (let i = 0; i < 30 && !reached; i++) {
    await page.keyboard.press('Tab')
    reached = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') === 'train-start')
  }
  expect(reached).toBe(true)
  await page.keyboard.press('Enter')
  await expect(page.getByTestId('training-status')).not.toHaveAttribute('data-state', 'idle')
  await waitForDone(page)

  // Settings are reachable and editable by keyboard too.
  await page.getByRole('spinbutton', { name: 'Epochs' }).focus()
  await page.keyboard.press('ArrowUp')
  await page.keyboard.press('ArrowUp')
  await expect(page.getByRole('spinbutton', { name: 'Epochs' })).toHaveValue('4')
  // The link follows the form (the default epoch count would not be written).
  expect(page.url()).toContain('epochs=4')

  expect(await seriousViolations(page)).toEqual([])
  await screenshot(page, 'after-training')
})
