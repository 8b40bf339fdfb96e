import { chromium, expect, test } from '@playwright/test'
import {
  cpSync,
  createReadStream,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, join, normalize } from 'node:path'
import { BASE_PATH } from '../playwright.config'
import { expectClean, guardPage, TINY, waitForDone } from './helpers'

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

function plainStaticHost(rootOf: () => string = () => join(process.cwd(), 'dist')): Promise<Server> {
  const server = createServer((req, res) => {
    const root = rootOf()
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

test('the preview server isolates the page itself, with no reload; the service worker is there for offline use', async ({
  page,
  baseURL,
}) => {
  const loads: string[] = []
  page.on('load', () => loads.push(page.url()))
  await page.goto(baseURL!)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true)
  await expect(page.locator('.backend-reason')).toContainText('cross-origin isolated')
  await expect
    .poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length))
    .toBe(1)
  await page.waitForTimeout(500)
  expect(loads).toHaveLength(1)
})

test('after one visit the page works offline: it reloads from the cache and trains the demo', async ({
  page,
  context,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=wasm#${TINY}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  // Installed (its precache filled) and in control of the page.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
    if (!navigator.serviceWorker.controller)
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve))
  })
  await context.setOffline(true)
  try {
    await page.reload()
    await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
    // The network is really off: a file this page never fetched fails.
    expect(
      await page.evaluate(() =>
        fetch('demo/users.csv').then(
          () => 'fetched',
          () => 'failed',
        ),
      ),
    ).toBe('failed')
    // That failure is logged; it is the only console error expected.
    await expect.poll(() => guards.consoleErrors).toEqual(['Failed to load resource: net::ERR_FAILED'])
    guards.consoleErrors.length = 0
    await page.getByTestId('train-start').click()
    await waitForDone(page)
    await expect(page.getByTestId('baseline-table')).toHaveAttribute('data-ready', 'true')
  } finally {
    await context.setOffline(false)
  }
  await expectClean(guards)
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

/**
 * The next deployment of this build as a static host would get it: the page's main script under a new
 * hashed name (its content is the same, which does not matter here), a mark in the page, and a
 * precache list of a new version that names the new script.
 */
function nextVersion(from: string, to: string): { oldScript: string; newScript: string; version: string } {
  cpSync(from, to, { recursive: true })
  const html = readFileSync(join(to, 'index.html'), 'utf8')
  const oldScript = html.match(/assets\/index-[\w-]+\.js/)![0]
  const newScript = oldScript.replace('.js', 'n3xt.js')
  renameSync(join(to, oldScript), join(to, newScript))
  writeFileSync(
    join(to, 'index.html'),
    html.replace(oldScript, newScript).replace('<head>', '<head><meta name="build" content="next" />'),
  )
  const precache = readFileSync(join(to, 'precache.js'), 'utf8')
  const version = 'n3xtb11d'
  writeFileSync(
    join(to, 'precache.js'),
    precache.replace(oldScript, newScript).replace(/"version":"\w+"/, `"version":"${version}"`),
  )
  return { oldScript, newScript, version }
}

const cacheNames = (page: import('@playwright/test').Page) =>
  page.evaluate(() => caches.keys()).catch(() => [] as string[])

test('a new version on the host is picked up on the next visit: its files only, the old cache gone, offline too', async ({
  page,
  context,
}) => {
  const dir = join(tmpdir(), `update-e2e-${process.pid}`)
  rmSync(dir, { recursive: true, force: true })
  const first = join(dir, 'first')
  cpSync(join(process.cwd(), 'dist'), first, { recursive: true })
  const next = nextVersion(first, join(dir, 'next'))
  const firstVersion = readFileSync(join(first, 'precache.js'), 'utf8').match(/"version":"(\w+)"/)![1]
  let root = first
  const server = await plainStaticHost(() => root)
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${BASE_PATH}`
    await page.goto(url)
    await expect.poll(() => page.evaluate(() => self.crossOriginIsolated).catch(() => false)).toBe(true)
    await expect.poll(() => cacheNames(page)).toEqual([`attentive-${firstVersion}`])

    // The host now serves the next version; the person comes back.
    root = join(dir, 'next')
    const requested: string[] = []
    page.on('request', (r) => requested.push(new URL(r.url()).pathname))
    await page.reload()
    await expect(page.locator('meta[name="build"]')).toHaveAttribute('content', 'next')
    await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
    expect(requested.some((p) => p.endsWith(next.newScript))).toBe(true)
    expect(requested.some((p) => p.endsWith(next.oldScript))).toBe(false)
    // The new service worker replaced the old one's cache with the new build's files.
    await expect.poll(() => cacheNames(page), { timeout: 30_000 }).toEqual([`attentive-${next.version}`])
    const cached = await page.evaluate(async (name) => {
      const cache = await caches.open(name)
      return (await cache.keys()).map((r) => new URL(r.url).pathname)
    }, `attentive-${next.version}`)
    expect(cached.some((p) => p.endsWith(next.newScript))).toBe(true)
    expect(cached.some((p) => p.endsWith(next.oldScript))).toBe(false)

    // Offline, the page is the new version.
    await context.setOffline(true)
    await page.reload()
    await expect(page.locator('meta[name="build"]')).toHaveAttribute('content', 'next')
    await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  } finally {
    await context.setOffline(false)
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  }
})

test('the page is an installable web app: Chromium finds nothing missing in its manifest, icon or worker', async ({
  baseURL,
  browserName,
}, testInfo) => {
  // Installability is judged outside incognito, which Playwright's usual contexts are: a real profile.
  const profile = testInfo.outputPath('profile')
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-component-update', '--no-first-run'],
  })
  try {
    expect(browserName).toBe('chromium')
    const page = await context.newPage()
    await page.goto(baseURL!)
    await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
    await expect
      .poll(() => page.evaluate(async () => (await navigator.serviceWorker.ready).active !== null))
      .toBe(true)
    const cdp = await context.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    expect(installabilityErrors).toEqual([])
    const manifest = await cdp.send('Page.getAppManifest')
    expect(manifest.errors).toEqual([])
  } finally {
    await context.close()
  }
})
