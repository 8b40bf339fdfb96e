import { expect, test, type Page } from '@playwright/test'
import { expectClean, guardPage, screenshot, TINY, waitForDone } from './helpers'

// A shared link is often opened on a phone: 390 × 844 CSS pixels, touch, and the mobile viewport rules
// (a page wider than the screen makes the browser lay it out wider and zoom out).
test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })

/** How far the page reaches past the screen's right edge, in CSS pixels (0: no horizontal scroll). */
async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
}

/** Whether a tap at the middle of the element reaches it (nothing else lies on top of it). */
async function tappable(page: Page, testId: string): Promise<boolean> {
  const target = page.getByTestId(testId)
  await target.scrollIntoViewIfNeeded()
  return target.evaluate((el) => {
    const r = el.getBoundingClientRect()
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2)
    return hit !== null && (hit === el || el.contains(hit))
  })
}

test('on a 390 px phone the page is one column, nothing scrolls sideways, and tapping trains the demo', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY}`)
  await expect(page.getByTestId('train-start')).toBeEnabled()
  // The layout viewport is the screen's width: the page did not force a wider one.
  expect(await page.evaluate(() => window.innerWidth)).toBe(390)
  expect(await overflow(page)).toBe(0)
  for (const id of ['train-start', 'train-pause', 'train-stop', 'device-test'])
    expect(await tappable(page, id), id).toBe(true)

  await page.getByTestId('train-start').tap()
  await waitForDone(page)
  await expect(page.getByTestId('training-status')).toContainText('Done')
  // Results, wide tables included, scroll inside their own frames, not the page.
  await expect(page.getByTestId('baseline-table')).toHaveAttribute('data-ready', 'true')
  expect(await overflow(page)).toBe(0)
  const table = page.getByTestId('metrics-table')
  expect(await table.evaluate((t) => t.parentElement!.scrollWidth > t.parentElement!.clientWidth)).toBe(true)
  for (const tab of ['Attention heatmaps', 'Recommendations', 'Embedding map']) {
    await page.getByRole('tab', { name: tab }).tap()
    await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true')
    expect(await overflow(page), tab).toBe(0)
  }
  expect(await tappable(page, 'run-export')).toBe(true)
  await screenshot(page, 'phone-390')
  await expectClean(guards)
})
