import { expect, test } from '@playwright/test'
import { gunzipSync } from 'fflate'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  drop,
  expectClean,
  guardPage,
  openForUpload,
  rng,
  runBenchmark,
  screenshot,
  TINY,
  waitForDone,
} from './helpers'

let dir = ''
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'backend-e2e-'))
})
test.afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** 50 users with 10 timestamped plays each of 30 tracks, written for this test. */
function writePlays(): string {
  const r = rng(11)
  const rows = ['listener,track,played_at']
  for (let u = 0; u < 50; u++)
    for (let k = 0; k < 10; k++)
      rows.push(`L${u},T${Math.floor(r() * 30)},${1_700_000_000 + u * 3600 + k * 86_400}`)
  const path = join(dir, 'plays.csv')
  writeFileSync(path, rows.join('\n') + '\n')
  return path
}

test('switching the backend keeps the applied upload: the next run trains on it without a new upload', async ({
  page,
  baseURL,
}, testInfo) => {
  const guards = await openForUpload(page, baseURL)
  await drop(page, [writePlays()])
  await page.getByTestId('mapping-apply').click()
  await expect(page.getByTestId('mapping-applied')).toContainText('500 interactions')
  await expect(page.getByTestId('training-source')).toContainText('plays.csv')

  await page.locator('#setting-backend').selectOption('cpu')
  await expect(page.getByTestId('backend-badge')).toHaveText('cpu')
  await expect(page.getByTestId('training-source')).toContainText('plays.csv')
  await expect(page.getByTestId('train-start')).toHaveText(/your data/)

  await page.getByTestId('train-start').click()
  await waitForDone(page)
  await expect(page.getByTestId('error-message')).toHaveCount(0)

  const downloadPromise = page.waitForEvent('download')
  await page.getByTestId('run-export').click()
  const path = testInfo.outputPath('switched.run.json.gz')
  await (await downloadPromise).saveAs(path)
  // Saved with the model's weights (small), so gzipped.
  const run = JSON.parse(Buffer.from(gunzipSync(readFileSync(path))).toString('utf8'))
  expect(run.weights.variables[0].name).toBe('user/embeddings')
  expect(run.backend.name).toBe('cpu')
  expect(run.dataset.name).toContain('plays.csv')
  expect(run.dataset.counts).toMatchObject({ users: 50 })
  await expectClean(guards)
})

test('"Test my device" times every backend offered, shows the figures and switches to the fastest', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./#${TINY}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await page.getByTestId('device-test').click()
  await expect(page.getByTestId('device-test')).toBeDisabled()
  const choice = page.getByTestId('device-test-choice')
  await expect(choice).toBeVisible({ timeout: 180_000 })
  const table = page.getByTestId('device-test-results')
  // Every backend ran here (webgl on SwiftShader, forced: the test is about what each can do).
  for (const backend of ['webgl', 'wasm', 'cpu']) {
    const cells = table.getByTestId(`device-test-row-${backend}`).locator('td')
    await expect(cells).toHaveCount(3)
    const examplesPerSecond = Number((await cells.first().textContent())!.replace(/,/g, ''))
    expect(examplesPerSecond, backend).toBeGreaterThan(0)
  }
  // WebGPU is off in this browser (no adapter without a flag): said at once, not timed.
  await expect(table.getByTestId('device-test-row-webgpu')).toContainText(
    'not available here: WebAssembly on the CPU; fell back because webgpu: this browser found no WebGPU adapter',
  )
  // wasm is the fastest where the only GPU is a software one; it is picked, and the badge says why.
  await expect(choice).toContainText('Picked wasm: fastest in the device test')
  await expect(page.locator('#setting-backend')).toHaveValue('wasm')
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  await expect(page.locator('.backend-reason')).toContainText('Chosen as the fastest in the device test')
  await expect(page.getByTestId('device-test')).toBeEnabled()
  await screenshot(page, 'device-test')
  await expectClean(guards)
})

test("WebGL compiles its shaders in the warm-up, not on and on: a batch's table rows are padded to a few sizes", async ({
  page,
}) => {
  // The benchmark hook times steps on the demo's data in a worker of its own, and counts the shader
  // programs the backend compiled. Unpadded, the rows a batch uses change in number from step to step,
  // and every new count compiled new programs (H200: 734 in 60 timed steps, 3.6× slower); padded
  // (lazyAdam.ts), the timed steps of these batches compile none. Deterministic: the same batches.
  await page.goto(`./?bench#${TINY}`)
  const compiled = (flags: Record<string, boolean>) =>
    runBenchmark(page, 'webgl', {
      itemVocabularies: [],
      // Exactly 8 warm-up steps (no settling check before the cap), so the same timed batches.
      warmupSteps: 8,
      timedSteps: 3,
      maxWarmupSteps: 8,
      flags,
      profile: true,
      config: { batchSize: 128 },
      demo: { users: 600, items: 80, interactions: 12_000 },
    }).then((r) => ({ backend: r.backend, programs: r.steps.compiledPrograms, profile: r.steps.profile! }))
  const padded = await compiled({})
  expect(padded.backend).toBe('webgl')
  expect(padded.programs!.firstStep).toBeGreaterThan(100)
  expect(padded.programs!.timed).toBe(0)
  // The profile counts the draws a step makes, by kernel: a packed texture's reshape or (un)packing is
  // a draw of its own, a reduction several (815 draws for 863 kernels at batch 512 on the demo).
  const { profile } = padded
  expect(profile.programs).toBeGreaterThan(profile.kernels / 2)
  const drawn = profile.top.map((k) => k.programs!)
  expect(drawn.every((n) => Number.isInteger(n) && n >= 0)).toBe(true)
  expect(drawn.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(profile.programs!)
  expect(profile.top.find((k) => k.name === 'BatchMatMul')!.programs).toBeGreaterThan(0)
  const unpadded = await compiled({ PLAYGROUND_BUCKET_ROWS: false })
  expect(unpadded.programs!.timed).toBeGreaterThan(30)
})

test('WebGPU asked for where the browser has no adapter: the page says why and runs on wasm, not on a software WebGL', async ({
  page,
  baseURL,
}) => {
  const guards = await guardPage(page, new URL(baseURL!).origin)
  await page.goto(`./?backend=webgpu#${TINY}`)
  await expect(page.getByTestId('backend-badge')).toHaveText('wasm')
  const reason = page.locator('.backend-reason')
  await expect(reason).toContainText('webgpu: this browser found no WebGPU adapter')
  await expect(reason).toContainText('webgl: the GPU is a software renderer')
  await expectClean(guards)
})
