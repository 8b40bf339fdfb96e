import { expect, test } from '@playwright/test'
import { expectClean, guardPage } from './helpers'

test('the built page carries a Content-Security-Policy: own origin only, and an injected inline script is refused', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  const response = await page.goto('./?backend=wasm')
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
  // The same policy in the page (static hosts) and as the preview server's header (which covers the worker).
  expect(response!.headers()['content-security-policy']).toBe(meta)
  expect(meta).toContain("default-src 'self'")
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval' blob:")
  expect(meta).not.toContain('unsafe-inline')
  expect(meta).not.toMatch(/https?:/)

  // The violation counter of `guardPage` sees a refused inline script (so zero elsewhere means zero):
  // once per policy, the page's and the header's.
  const ran = await page.evaluate(() => {
    const w = window as unknown as { injectedRan?: boolean }
    const script = document.createElement('script')
    script.textContent = 'window.injectedRan = true'
    document.body.append(script)
    return w.injectedRan === true
  })
  expect(ran).toBe(false)
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations))
    .toEqual(['script-src-elem inline', 'script-src-elem inline'])
  // Refusals are also logged as console errors: this test expects exactly those, nothing else.
  expect(guards.consoleErrors.every((e) => /Content Security Policy/.test(e))).toBe(true)
  guards.consoleErrors.length = 0
  await page.evaluate(() => ((window as unknown as { cspViolations: string[] }).cspViolations.length = 0))
  await expectClean(guards)
})
