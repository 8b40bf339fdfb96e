import { defineConfig } from '@playwright/test'
import { execFileSync } from 'node:child_process'

/**
 * Browser tests of the built page (`npm run build` first), served by `vite preview` from a sub-path,
 * as GitHub Pages serves a project site. Debian's chromium, never a downloaded browser.
 */

// Playwright's worker processes re-read this file: pick the free port once and pass it on via env.
if (!process.env.E2E_PORT) {
  process.env.E2E_PORT = execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ])
    .toString()
    .trim()
}
const PORT = Number(process.env.E2E_PORT)
export const BASE_PATH = '/some/repo/'

export default defineConfig({
  testDir: 'e2e',
  // Training saturates both cores; tests run one at a time so timings stay meaningful.
  workers: 1,
  fullyParallel: false,
  timeout: 240_000,
  expect: { timeout: 20_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}${BASE_PATH}`,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--enable-unsafe-swiftshader',
        '--use-angle=swiftshader',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort --host 127.0.0.1 --base ${BASE_PATH}`,
    url: `http://127.0.0.1:${PORT}${BASE_PATH}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
})
