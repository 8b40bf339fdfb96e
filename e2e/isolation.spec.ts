import { expect, test } from '@playwright/test'
import { createReadStream, existsSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { BASE_PATH } from '../playwright.config'

/**
 * WebAssembly threads need a cross-origin isolated page. The preview server sends the headers itself;
 * a static host such as GitHub Pages cannot, and there the page's service worker (public/isolate.js)
 * adds them. This test serves dist/ the way such a host does: plain files, no isolation headers.
 */
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.csv': 'text/csv',
}

function plainStaticHost(): Promise<Server> {
  const root = join(process.cwd(), 'dist')
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0])
    if (!path.startsWith(BASE_PATH)) return void res.writeHead(404).end()
    let file = normalize(join(root, path.slice(BASE_PATH.length)))
    if (!file.startsWith(root)) return void res.writeHead(403).end()
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html')
    if (!existsSync(file)) return void res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

test('the preview server isolates the page itself (wasm may share memory between threads): no service worker', async ({
  page,
  baseURL,
}) => {
  await page.goto(baseURL!)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true)
  await expect(page.locator('.backend-reason')).toContainText('cross-origin isolated')
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0)
})

test('on a static host without headers the service worker isolates the page after one reload', async ({
  page,
}) => {
  const server = await plainStaticHost()
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE_PATH}`
    const loads: string[] = []
    page.on('load', () => loads.push(page.url()))
    await page.goto(url)
    // The reload destroys the page's context under a running evaluate: that reading counts as not yet.
    const isolated = () => page.evaluate(() => self.crossOriginIsolated).catch(() => false)
    await expect.poll(isolated, { timeout: 30_000 }).toBe(true)
    await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
    await expect(page.locator('.backend-reason')).toContainText('cross-origin isolated')
    expect(loads).toHaveLength(2)
    // The page's own files still load through the service worker.
    expect(await page.evaluate(async () => (await fetch('demo/users.csv')).status)).toBe(200)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})
