/**
 * `npm run bench`: times training in the built page (dist/) in headless Chromium and prints ONE JSON
 * object to stdout (progress goes to stderr); the same JSON is written to bench/results/latest.json.
 *
 * Measures, per backend (webgpu only where the browser offers an adapter), the default demo model's training throughput (steps queued, loss read every 5
 * steps, as training runs) and step latency (every loss awaited), the first step apart, wasm with and
 * without cross-origin isolation (threads), the step time at item vocabularies of 1,000 to 1,000,000
 * and at 4 to 32 fields, evaluation users/s at 100,000 items (through `window.__runBenchmark`, see
 * src/ui/benchmarkHook.ts); the same model's step in PyTorch on the same machine (`bench/twotower.py`,
 * `wasmVsPytorch`); the default demo trained whole in the page (click to first loss point, click to
 * done); main-thread long tasks during a real training run in the page, on the demo and on a dropped
 * ratings log; gzip sizes of the main and worker chunks; the time and
 * peak memory of the page's renderer to read, map, clean and encode generated 1,000,000- and
 * 10,000,000-row CSVs dropped on the page (or to refuse them).
 *
 * Options: --dist <dir> (default dist), --out <file> (default bench/results/latest.json),
 * --skip <webgpu|webgl|wasm|wasmNotIsolated|cpu|pytorch|demo|longtasks|ingest|ingest10M> (repeatable;
 * `ingest` skips every ingest file, `wasm` both wasm pages).
 */
import { chromium } from '@playwright/test'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs'
import { spawnSync } from 'node:child_process'
import { createServer } from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { unzipSync } from 'fflate'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu']
/**
 * Run order: the slow, fragile software WebGL last, so a hang there costs the least. WebGPU runs only
 * where the browser offers an adapter (`training.webgpu.notOffered` says why not).
 */
const RUN_ORDER = ['wasm', 'cpu', 'webgpu', 'webgl']
/** Item vocabularies a step is timed at (synthetic data, 4 fields); the evaluation ranks one of them. */
const VOCABULARIES = [1_000, 100_000, 1_000_000]
const EVALUATION_ITEMS = 100_000
/** Field counts (both towers, ids included) a step is timed at, on synthetic data with 1,000 items. */
const FIELD_COUNTS = [4, 8, 16, 32]
/**
 * Steps per timing. Software WebGL (SwiftShader) compiles shaders during the first steps; the cpu
 * backend takes ~0.75 s per step at batch 512. The same counts apply to the demo and to each vocabulary.
 */
const STEPS = {
  webgpu: { warmupSteps: 3, timedSteps: 5 },
  webgl: { warmupSteps: 3, timedSteps: 5 },
  wasm: { warmupSteps: 3, timedSteps: 15 },
  cpu: { warmupSteps: 2, timedSteps: 5 },
}
/** Wall-clock limit of one backend's benchmark, in ms. */
const BACKEND_TIMEOUT_MS = { webgpu: 600_000, webgl: 600_000, wasm: 300_000, cpu: 480_000 }
const LONG_TASK_TIMEOUT_MS = 240_000
/** How long after "done" the long-task window stays open (the results are drawn in it). */
const AFTER_DONE_MS = 1000
/* The config and demo are the page's defaults (filled in by src/ui/benchmarkHook.ts and reported back). */
/** The page that hosts `__runBenchmark`: its own worker gets the cheapest backend and a tiny demo. */
const BENCH_PAGE = '?bench=1&backend=cpu#demoUsers=50&demoItems=10&demoInteractions=500'
/** A moderately small real training run, watched for main-thread long tasks. */
const LONG_TASK_PAGE = '?backend=wasm#demoUsers=1500&demoItems=300&demoInteractions=30000&epochs=2'
/**
 * The same, on a generated ratings log dropped on the page first (a run on an upload also has the
 * data's charts on the page, which the demo has not).
 */
const LONG_TASK_UPLOAD = { rows: 24_000, users: 600, items: 400, timestamps: true }
const LONG_TASK_UPLOAD_PAGE = '?backend=wasm#epochs=2'
/**
 * Generated interactions files dropped on the page. `ingest1M` is the target (about 25 MB);
 * `ingest1MIsoTimes` is the same with ISO date-times (`2021-02-03T04:05:06Z`) instead of epoch seconds;
 * the 10M-row files check that the page loads them without crashing, with and without a timestamp.
 */
const INGEST_FILES = {
  ingest1M: { rows: 1_000_000, users: 50_000, items: 10_000, timestamps: true },
  ingest1MIsoTimes: { rows: 1_000_000, users: 50_000, items: 10_000, timestamps: 'iso' },
  ingest10M: { rows: 10_000_000, users: 200_000, items: 50_000, timestamps: true, trainAfter: true },
  ingest10MNoTimestamps: { rows: 10_000_000, users: 200_000, items: 50_000, timestamps: false },
}
const INGEST_TIMEOUT_MS = 300_000
/** How often renderer memory is sampled while the file is read, in ms. */
const MEMORY_SAMPLE_MS = 100
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
}

const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}
/** The PyTorch version of the default model's training step (skipped where torch is missing). */
const PYTORCH_SCRIPT = path.join(ROOT, 'bench', 'twotower.py')
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3'
const PYTORCH_TIMEOUT_MS = 600_000
/** The default demo, trained whole in the page as a person does it (3 models, test, importance). */
const DEMO_RUN_TIMEOUT_MS = 1_200_000

const log = (...parts) => console.error('[bench]', ...parts)
const round = (x, digits = 1) => (x == null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)))

function parseArgs(argv) {
  const options = { dist: 'dist', out: path.join('bench', 'results', 'latest.json'), skip: new Set() }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`)
      return argv[++i]
    }
    if (arg === '--dist') options.dist = value()
    else if (arg === '--out') options.out = value()
    else if (arg === '--skip') options.skip.add(value())
    else
      throw new Error(
        `Unknown option ${arg} (use --dist <dir>, --out <file>, --skip <part>: see the top of bench/run.mjs)`,
      )
  }
  options.dist = path.resolve(ROOT, options.dist)
  options.out = path.resolve(ROOT, options.out)
  return options
}

/** Gzip sizes (bytes) of the entry chunk named by index.html and of the training worker chunk. */
function bundleSizes(dist) {
  const assets = path.join(dist, 'assets')
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8')
  const entry = /<script[^>]+src="\.?\/?assets\/([^"]+\.js)"/.exec(html)?.[1]
  const worker = readdirSync(assets).find((f) => /^trainer\.worker-.*\.js$/.test(f))
  const sizeOf = (file) => {
    if (!file) return null
    const bytes = readFileSync(path.join(assets, file))
    return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length }
  }
  const allJs = readdirSync(assets).filter((f) => f.endsWith('.js'))
  const totalJsGzipBytes = allJs.reduce(
    (sum, f) => sum + gzipSync(readFileSync(path.join(assets, f)), { level: 9 }).length,
    0,
  )
  return { main: sizeOf(entry), worker: sizeOf(worker), jsFiles: allJs.length, totalJsGzipBytes }
}

/**
 * A static file server for dist/ on a free port of 127.0.0.1. `isolated` adds the COOP/COEP headers
 * that `npm start` sends (wasm gets threads); without them the page is what a static host serves.
 */
function serve(dist, { isolated }) {
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    let file = path.join(dist, path.normalize(urlPath))
    if (!file.startsWith(dist)) {
      res.writeHead(403).end()
      return
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html')
    if (!existsSync(file)) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
      ...(isolated ? ISOLATION_HEADERS : {}),
    })
    res.end(readFileSync(file))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server))
  })
}

/** Waits until the Train button can be clicked (the backend started and the data are loaded). */
function trainStartEnabled(page) {
  return page.waitForFunction(
    () => !document.querySelector('[data-testid="train-start"]')?.hasAttribute('disabled'),
    null,
    { timeout: 60_000 },
  )
}

/** Waits until the run is done or failed (or, with `cancelled`, back to ready), at most `ms`. */
function runEnded(page, ms, what, { cancelled = false } = {}) {
  const status = page.getByTestId('training-status')
  const states = ['done', 'error', ...(cancelled ? ['idle'] : [])]
  return withTimeout(
    status.and(page.locator(states.map((s) => `[data-state="${s}"]`).join(', '))).waitFor({ timeout: 0 }),
    ms,
    what,
  )
}

/** Rejects after `ms` with a message naming `what`; `onTimeout` runs first (e.g. closes the page). */
function withTimeout(promise, ms, what, onTimeout) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.()
      reject(new Error(`${what} did not finish within ${ms / 1000} s`))
    }, ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function forwardConsole(page, label) {
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log(`${label} console.${m.type()}:`, m.text())
  })
  page.on('pageerror', (e) => log(`${label} page error:`, e.message))
}

/** Why this browser offers the page no WebGPU adapter, or null when it does. */
async function webgpuNotOffered(browser, baseUrl) {
  const page = await browser.newPage()
  try {
    await page.goto(baseUrl + BENCH_PAGE)
    return await page.evaluate(async () => {
      if (!navigator.gpu) return 'navigator.gpu is missing (WebGPU is off in this browser)'
      const adapter = await navigator.gpu.requestAdapter().catch((e) => String(e))
      return adapter === null
        ? 'requestAdapter() gave no adapter'
        : typeof adapter === 'string'
          ? adapter
          : null
    })
  } finally {
    await page.close().catch(() => {})
  }
}

/** One backend's benchmark in a fresh page; returns the worker's BenchmarkResult. */
async function benchmarkBackend(browser, baseUrl, backend, contextOptions = {}) {
  const context = await browser.newContext(contextOptions)
  const page = await context.newPage()
  forwardConsole(page, backend)
  try {
    await page.goto(baseUrl + BENCH_PAGE)
    await page.waitForFunction(() => typeof window.__runBenchmark === 'function', null, { timeout: 30_000 })
    // Let the page's own (tiny, cpu) demo load finish so it does not compete for the two cores.
    await page.getByTestId('backend-badge').filter({ hasText: 'cpu' }).waitFor({ timeout: 30_000 })
    await page.waitForTimeout(1000)
    const request = {
      itemVocabularies: VOCABULARIES,
      fieldCounts: FIELD_COUNTS,
      evaluationItems: EVALUATION_ITEMS,
      ...STEPS[backend],
    }
    return await withTimeout(
      page.evaluate(([b, r]) => window.__runBenchmark(b, r), [backend, request]),
      BACKEND_TIMEOUT_MS[backend],
      `The ${backend} benchmark`,
      () => void context.close().catch(() => {}),
    )
  } finally {
    await context.close().catch(() => {})
  }
}

/**
 * `bench/twotower.py` (the default model's step in PyTorch) at the given thread counts. OpenMP's
 * waiting threads spin by default, which on a busy 2-core machine made 2 threads 10–20× slower than 1;
 * `OMP_WAIT_POLICY=PASSIVE` keeps the comparison about the arithmetic.
 */
function runPytorch(threads) {
  if (!existsSync(PYTHON)) return { skipped: `${PYTHON} is missing (apt-get install -y python3-torch)` }
  const run = spawnSync(PYTHON, [PYTORCH_SCRIPT, '--threads', threads.join(',')], {
    encoding: 'utf8',
    timeout: PYTORCH_TIMEOUT_MS,
    env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
  })
  if (run.error) throw run.error
  if (run.status !== 0) throw new Error(`twotower.py exited ${run.status}: ${run.stderr.slice(-2000)}`)
  return JSON.parse(run.stdout)
}

/** Page wasm throughput over PyTorch's at the same thread count, for each count both have. */
function compareWithPytorch(training, pytorch) {
  if (!pytorch?.results) return { skipped: pytorch?.skipped ?? 'no PyTorch figures' }
  const pages = [training.wasmNotIsolated, training.wasm].filter((t) => t?.threads > 0)
  const byThreads = new Map(pages.map((t) => [t.threads, t]))
  return [...byThreads.values()].flatMap((page) => {
    const torch = pytorch.results.find((r) => r.threads === page.threads)
    if (!torch) return []
    return [
      {
        threads: page.threads,
        wasmExamplesPerSecond: page.examplesPerSecond,
        pytorchExamplesPerSecond: torch.throughput_examples_per_s,
        ratio: round(page.examplesPerSecond / torch.throughput_examples_per_s, 3),
        wasmLatencyMs: page.latencyMsPerStep,
        pytorchLatencyMs: torch.latency_ms_per_step,
        blas: pytorch.blas?.kind ?? null,
      },
    ]
  })
}

/** The default demo as a person runs it: seconds from the click to the first loss point and to done. */
async function measureDemoRun(browser, baseUrl) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  const page = await context.newPage()
  forwardConsole(page, 'demo')
  try {
    await page.goto(baseUrl)
    const badge = page.getByTestId('backend-badge')
    await page.locator('.backend-reason').filter({ hasNotText: 'Starting' }).waitFor({ timeout: 60_000 })
    const start = page.getByTestId('train-start')
    await trainStartEnabled(page)
    await page.waitForTimeout(1000)
    const t0 = Date.now()
    await start.click()
    await page.locator('[data-testid="loss-chart"]:not([data-points="0"])').waitFor({ timeout: 120_000 })
    const firstLossSeconds = (Date.now() - t0) / 1000
    const status = page.getByTestId('training-status')
    await runEnded(page, DEMO_RUN_TIMEOUT_MS, 'The default demo run')
    const seconds = (Date.now() - t0) / 1000
    const state = await status.getAttribute('data-state')
    if (state !== 'done') throw new Error(`the demo ended in state ${state}: ${await status.textContent()}`)
    const testCell = (metric) =>
      page.locator(`[data-testid="baseline-table"] tr[data-scorer="model"] td[data-metric="${metric}"]`)
    return {
      seconds: round(seconds, 1),
      firstLossSeconds: round(firstLossSeconds, 2),
      backend: await badge.textContent(),
      reason: await page.locator('.backend-reason').textContent(),
      // A cell reads "0.4466\n±0.0138": the value, then half its 95% interval.
      test: {
        'recall@10': Number((await testCell('recall@10').innerText()).split('\n')[0]),
        'ndcg@10': Number((await testCell('ndcg@10').innerText()).split('\n')[0]),
      },
      exportedProject: await trainExportedProject(page),
    }
  } finally {
    await context.close().catch(() => {})
  }
}

/**
 * The same run in PyTorch: the page's model export (a PyTorch project) after its demo run, unzipped,
 * and `train.py` run as its README says (the page's settings, the demo's CSV files): seconds, examples
 * per second and test metrics beside the page's. Skipped without a Python with torch.
 */
async function trainExportedProject(page) {
  if (!existsSync(PYTHON)) return { skipped: `${PYTHON} is missing (apt-get install -y python3-torch)` }
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('model-export').click(),
  ])
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-project-'))
  try {
    const zip = unzipSync(new Uint8Array(readFileSync(await download.path())))
    for (const [name, bytes] of Object.entries(zip)) writeFileSync(path.join(dir, name), bytes)
    const t0 = Date.now()
    const run = spawnSync(PYTHON, ['train.py', '--out', 'pytorch.run.json.gz'], {
      cwd: dir,
      encoding: 'utf-8',
    })
    const seconds = (Date.now() - t0) / 1000
    if (run.status !== 0) throw new Error(`train.py exited ${run.status}: ${run.stderr.slice(-2000)}`)
    const file = JSON.parse(gunzipSync(readFileSync(path.join(dir, 'pytorch.run.json.gz'))).toString('utf-8'))
    return {
      seconds: round(seconds, 1),
      epochs: file.history.length,
      testedEpoch: file.testedEpoch,
      examplesPerSecond: Math.round(file.timing.examplesPerSecond),
      test: {
        'recall@10': round(file.test.model['recall@10'], 4),
        'ndcg@10': round(file.test.model['ndcg@10'], 4),
      },
      backend: file.backend.reason,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Counts main-thread tasks over 50 ms from clicking train-start to a second after the run is done; with
 * `upload`, on a generated interactions CSV dropped on the page and applied first.
 */
async function measureLongTasks(browser, baseUrl, upload = null) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  const page = await context.newPage()
  const dir = upload ? mkdtempSync(path.join(os.tmpdir(), 'bench-longtasks-')) : null
  forwardConsole(page, 'longtasks')
  await page.addInitScript(() => {
    window.__longTasks = []
    new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        window.__longTasks.push({ startMs: e.startTime, durationMs: e.duration })
    }).observe({ type: 'longtask', buffered: true })
  })
  try {
    await page.goto(baseUrl + (upload ? LONG_TASK_UPLOAD_PAGE : LONG_TASK_PAGE))
    await page.getByTestId('backend-badge').filter({ hasText: 'wasm' }).waitFor({ timeout: 60_000 })
    if (upload) {
      await page.getByTestId('dataset-input').setInputFiles(writeIngestCsv(dir, upload))
      await page.getByTestId('mapping-apply').click({ timeout: INGEST_TIMEOUT_MS })
      const refused = await appliedOrRefused(page, 'the upload')
      if (refused) throw new Error(`the upload was refused: ${refused}`)
    }
    const start = page.getByTestId('train-start')
    await start.waitFor({ timeout: 30_000 })
    await trainStartEnabled(page)
    await page.waitForTimeout(1000)
    // A deliberate 80 ms task before the run proves the observer sees long tasks at all. It must be a
    // page task (setTimeout): work done directly by page.evaluate is not reported as a long task.
    await page.evaluate(
      () =>
        new Promise((resolve) =>
          setTimeout(() => {
            const until = performance.now() + 80
            while (performance.now() < until);
            resolve()
          }, 0),
        ),
    )
    await page.waitForTimeout(200)
    const observerWorks = await page.evaluate(() => window.__longTasks.some((t) => t.durationMs >= 79))
    const startMs = await page.evaluate(() => performance.now())
    await start.click()
    const status = page.getByTestId('training-status')
    await runEnded(page, LONG_TASK_TIMEOUT_MS, 'The long-task training run')
    const state = await status.getAttribute('data-state')
    if (state !== 'done') throw new Error(`training ended in state ${state}: ${await status.textContent()}`)
    // The window runs on past "done" for the results to be drawn: the status can be read between the
    // task that commits them and the frame that lays them out and paints them.
    const doneMs = await page.evaluate(() => performance.now())
    await page.waitForTimeout(AFTER_DONE_MS)
    const endMs = await page.evaluate(() => performance.now())
    // Entries are delivered after their task ends; give the observer a moment.
    await page.waitForTimeout(300)
    const tasks = await page.evaluate(
      ([from, to]) => window.__longTasks.filter((t) => t.startMs >= from && t.startMs <= to),
      [startMs, endMs],
    )
    const durations = tasks.map((t) => t.durationMs)
    return {
      count: tasks.length,
      maxMs: round(durations.length ? Math.max(...durations) : 0),
      totalMs: round(durations.reduce((a, b) => a + b, 0)),
      runSeconds: round((endMs - startMs) / 1000, 2),
      /** When the run was seen done (seconds after the click); the window ends `afterDoneSeconds` later. */
      doneAtSeconds: round((doneMs - startMs) / 1000, 2),
      afterDoneSeconds: AFTER_DONE_MS / 1000,
      observerWorks,
      /** When each long task started (seconds after the click) and how long it took. */
      tasks: tasks.map((t) => ({
        atSeconds: round((t.startMs - startMs) / 1000, 2),
        ms: round(t.durationMs),
      })),
      page: upload ? LONG_TASK_UPLOAD_PAGE : LONG_TASK_PAGE,
      ...(upload ? { upload } : {}),
    }
  } finally {
    await context.close().catch(() => {})
    if (dir) rmSync(dir, { recursive: true, force: true })
  }
}

/** Waits for the applied mapping (null) or the page's error message (its text). */
async function appliedOrRefused(page, what) {
  const outcome = page.getByTestId('mapping-applied').or(page.getByTestId('error-message'))
  await withTimeout(outcome.first().waitFor({ timeout: 0 }), INGEST_TIMEOUT_MS, `Applying ${what}`)
  return (await page.getByTestId('mapping-applied').isVisible())
    ? null
    : await page.getByTestId('error-message').textContent()
}

/**
 * A deterministic interactions CSV with a header (user_id,item_id[,timestamp],rating), written in blocks
 * so a 10M-row file never exists as one string. Item popularity is skewed (squared uniform).
 */
function writeIngestCsv(dir, spec) {
  const file = path.join(dir, `interactions_${spec.rows}.csv`)
  let s = 12345
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0), s / 2 ** 32)
  const fd = openSync(file, 'w')
  try {
    writeSync(fd, `user_id,item_id,${spec.timestamps ? 'timestamp,' : ''}rating\n`)
    const block = []
    for (let r = 0; r < spec.rows; r++) {
      const item = Math.floor(spec.items * next() ** 2)
      const user = Math.floor(next() * spec.users)
      const seconds = 1_600_000_000 + Math.floor(next() * 30_000_000)
      const time = !spec.timestamps
        ? ''
        : spec.timestamps === 'iso'
          ? `${new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')},`
          : `${seconds},`
      block.push(`${user},${item},${time}${1 + Math.floor(next() * 5)}`)
      if (block.length === 100_000 || r === spec.rows - 1) {
        writeSync(fd, block.join('\n') + '\n')
        block.length = 0
      }
    }
  } finally {
    closeSync(fd)
  }
  return file
}

/**
 * Resident memory (MB) of the Chromium renderer processes started by this Node process (Linux /proc):
 * `page` is the largest renderer that is not Chromium's own UI (`--top-chrome-webui`), i.e. the process
 * that hosts the page and its workers (the others are the UI renderer and an idle spare renderer kept
 * for the next navigation); `all` is every renderer together, for comparison.
 */
function rendererRssMB() {
  if (!existsSync('/proc/self/stat')) return null
  const parentOf = new Map()
  const renderers = []
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      parentOf.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes('--type=renderer'))
        renderers.push({ pid, ui: cmdline.includes('--top-chrome-webui') })
    } catch {
      // The process ended while we looked.
    }
  }
  const mine = (pid) => {
    for (let p = pid, hops = 0; p && p !== '0' && hops < 20; p = parentOf.get(p), hops++)
      if (p === String(process.pid)) return true
    return false
  }
  let page = 0
  let all = 0
  for (const { pid, ui } of renderers.filter((r) => mine(r.pid))) {
    try {
      const mb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024
      all += mb
      if (!ui) page = Math.max(page, mb)
    } catch {
      // Ended meanwhile.
    }
  }
  return { page, all }
}

/**
 * Drops a generated CSV on the page's file input and times it until the mapping is proposed (parse,
 * infer, EDA) and until it is applied (clean, encode, EDA again), sampling renderer memory. A file the
 * page refuses is a result too (`refused` holds the page's message), as long as the page did not crash.
 */
async function measureIngest(browser, baseUrl, spec) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-ingest-'))
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } })
  const page = await context.newPage()
  forwardConsole(page, 'ingest')
  const peak = { page: 0, all: 0 }
  const sample = () => {
    const now = rendererRssMB()
    peak.page = Math.max(peak.page, now?.page ?? 0)
    peak.all = Math.max(peak.all, now?.all ?? 0)
  }
  const sampler = setInterval(sample, MEMORY_SAMPLE_MS)
  try {
    const file = writeIngestCsv(dir, spec)
    const bytes = statSync(file).size
    let crashed = false
    page.on('crash', () => (crashed = true))
    await page.goto(baseUrl + '?backend=cpu')
    await page.getByTestId('backend-badge').filter({ hasText: 'cpu' }).waitFor({ timeout: 60_000 })
    await page.waitForTimeout(1000)
    const baseline = rendererRssMB()
    Object.assign(peak, baseline ?? { page: 0, all: 0 })
    const t0 = Date.now()
    await page.getByTestId('dataset-input').setInputFiles(file)
    const outcome = page.getByTestId('schema-mapper').or(page.getByTestId('error-message'))
    const what = `${spec.rows.toLocaleString('en-US')}-row file`
    await withTimeout(outcome.first().waitFor({ timeout: 0 }), INGEST_TIMEOUT_MS, `Reading the ${what}`)
    const parseSeconds = (Date.now() - t0) / 1000
    let refused = null
    let applySeconds = null
    if (!(await page.getByTestId('schema-mapper').isVisible())) {
      refused = await page.getByTestId('error-message').textContent()
    } else {
      const t1 = Date.now()
      await page.getByTestId('mapping-apply').click()
      refused = await appliedOrRefused(page, `the ${what}`)
      applySeconds = (Date.now() - t1) / 1000
    }
    const training = spec.trainAfter && !refused ? await firstStepAndStop(page) : null
    sample()
    if (crashed) throw new Error(`the page crashed on the ${what}`)
    return {
      training,
      seconds: round(parseSeconds + (applySeconds ?? 0), 2),
      parseSeconds: round(parseSeconds, 2),
      applySeconds: applySeconds === null ? null : round(applySeconds, 2),
      refused,
      peakMB: round(peak.page, 0),
      baselineMB: baseline ? round(baseline.page, 0) : null,
      allRenderersPeakMB: round(peak.all, 0),
      allRenderersBaselineMB: baseline ? round(baseline.all, 0) : null,
      rows: spec.rows,
      megabytes: round(bytes / 1024 / 1024, 1),
      memory:
        'peakMB: peak resident memory of the renderer process hosting the page and its workers, sampled ' +
        'every 100 ms; allRenderers*: the same summed over every renderer (with Chromium UI and spare renderers)',
    }
  } finally {
    clearInterval(sampler)
    await context.close().catch(() => {})
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Seconds between an applied upload (Train enabled) and the click on Train: a person looks at the
 * data's charts first, and the page uses the wait to warm up a training step (model/warmUp.ts).
 */
const CLICK_AFTER_UPLOAD_SECONDS = 3

/**
 * After an upload is applied: switches to wasm, waits `CLICK_AFTER_UPLOAD_SECONDS`, clicks Train and
 * times the first loss point on the chart (the first 5 steps: everything the run prepares before them
 * is in it), then clicks Stop and times until the run is done (the test of the weights so far is in
 * that). Then starts two more runs and stops each while it prepares, timing until the page is ready.
 */
async function firstStepAndStop(page) {
  await page.locator('#setting-backend').selectOption('wasm')
  await page.getByTestId('backend-badge').filter({ hasText: 'wasm' }).waitFor({ timeout: 60_000 })
  await trainStartEnabled(page)
  await page.waitForTimeout(CLICK_AFTER_UPLOAD_SECONDS * 1000)
  const t0 = Date.now()
  await page.getByTestId('train-start').click()
  await withTimeout(
    page.locator('[data-testid="loss-chart"]:not([data-points="0"])').waitFor({ timeout: 0 }),
    INGEST_TIMEOUT_MS,
    'The first loss point after Train',
  )
  const firstLossSeconds = (Date.now() - t0) / 1000
  const t1 = Date.now()
  await page.getByTestId('train-stop').click()
  const status = page.getByTestId('training-status')
  await runEnded(page, INGEST_TIMEOUT_MS, 'Stopping the run')
  const stopToDoneSeconds = round((Date.now() - t1) / 1000, 2)
  const state = await status.getAttribute('data-state')
  // Stops while the run prepares (the split, then the histories): before the first step a Stop
  // cancels the run, so the page is ready again as soon as the worker sees it. Each with a seed of its
  // own, whose split nothing has prepared yet (the worker keeps the last run's and makes the next one's
  // while the page waits, so with the same seed there would be nothing left to stop in).
  const stopsWhilePreparing = []
  for (const [i, after] of STOP_WHILE_PREPARING_AFTER_SECONDS.entries()) {
    await page.locator('#setting-seed').fill(String(1001 + i))
    await trainStartEnabled(page)
    await page.getByTestId('train-start').click()
    await page.waitForTimeout(after * 1000)
    const t = Date.now()
    await page.getByTestId('train-stop').click()
    await runEnded(page, INGEST_TIMEOUT_MS, 'Stopping the run while it prepares', { cancelled: true })
    stopsWhilePreparing.push({
      clickedAfterSeconds: after,
      stopSeconds: round((Date.now() - t) / 1000, 2),
      state: await status.getAttribute('data-state'),
    })
  }
  return {
    backend: 'wasm',
    clickedAfterSeconds: CLICK_AFTER_UPLOAD_SECONDS,
    firstLossSeconds: round(firstLossSeconds, 2),
    stopToDoneSeconds,
    state,
    stopsWhilePreparing,
  }
}

/**
 * Seconds after Train at which `firstStepAndStop` clicks Stop in a run that prepares: inside the split
 * and inside the histories of a 10,000,000-row upload (each 1.5 s or so here; the first loss at ~5 s).
 */
const STOP_WHILE_PREPARING_AFTER_SECONDS = [1, 2.5]

async function main() {
  const started = Date.now()
  const options = parseArgs(process.argv.slice(2))
  if (!existsSync(path.join(options.dist, 'index.html')))
    throw new Error(`${options.dist}/index.html is missing: run \`npm run build\` first`)

  const errors = []
  const result = {
    /**
     * Per backend (and wasm on a page that is not cross-origin isolated): examples/s with steps queued
     * and the loss read every 5 steps as training does; ms per step with every loss awaited; the first
     * step apart; wasm threads; whole-catalogue evaluation users/s at the largest vocabulary.
     */
    training: {},
    /** `bench/twotower.py`: the same model's step in PyTorch on this machine, or why it was skipped. */
    pytorch: null,
    /** Page wasm examples/s ÷ PyTorch examples/s at the same thread count (1: the page not isolated). */
    wasmVsPytorch: null,
    /** The default demo trained whole in the page: click → first loss point → done (seconds). */
    demoRun: null,
    trainExamplesPerSecond: Object.fromEntries(BACKENDS.map((b) => [b, null])),
    stepMsByVocabulary: Object.fromEntries(BACKENDS.map((b) => [b, null])),
    /** Step time at the largest vocabulary divided by the step time at the smallest, per backend. */
    vocabularyStepRatio: Object.fromEntries(BACKENDS.map((b) => [b, null])),
    /** Per backend: ms per step at each field count (`settings.fieldCounts`), 1,000 items. */
    stepMsByFields: Object.fromEntries(BACKENDS.map((b) => [b, null])),
    /** Step time at the most fields divided by the step time at the fewest, per backend. */
    fieldStepRatio: Object.fromEntries(BACKENDS.map((b) => [b, null])),
    mainThreadLongTasks: null,
    /** The same on a generated ratings log dropped on the page (`upload` says its shape). */
    mainThreadLongTasksUpload: null,
    /**
     * Seconds to read, map, clean and encode a CSV dropped on the page, and peak memory (MB); `refused`
     * is the page's message when it declined the file. Shapes in `settings.ingestFiles`.
     */
    ...Object.fromEntries(Object.keys(INGEST_FILES).map((k) => [k, null])),
    bundle: bundleSizes(options.dist),
    environment: {
      chromium: null,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      date: new Date().toISOString(),
    },
    settings: {
      steps: STEPS,
      vocabularies: VOCABULARIES,
      evaluationItems: EVALUATION_ITEMS,
      fieldCounts: FIELD_COUNTS,
      ingestFiles: INGEST_FILES,
      demo: null,
      config: null,
    },
    durationSeconds: null,
    errors,
  }

  const server = await serve(options.dist, { isolated: true })
  const plainServer = await serve(options.dist, { isolated: false })
  const isolatedUrl = `http://127.0.0.1:${server.address().port}/`
  const plainUrl = `http://127.0.0.1:${plainServer.address().port}/`
  const baseUrl = isolatedUrl
  let browser = null
  const cleanUp = async () => {
    await browser?.close().catch(() => {})
    await new Promise((resolve) => server.close(() => resolve()))
    await new Promise((resolve) => plainServer.close(() => resolve()))
  }
  const onSignal = (signal) => {
    log(`${signal}: closing the browser and the server`)
    cleanUp().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
    })
    result.environment.chromium = browser.version()
    log(`serving ${options.dist} at ${baseUrl}; chromium ${browser.version()}`)

    // Each backend on the isolated page (as `npm start` serves it); wasm also on a page that is not
    // isolated (as a static host serves it before the service worker, which is blocked there): 1 thread.
    const runs = RUN_ORDER.flatMap((backend) =>
      backend === 'wasm'
        ? [
            { key: 'wasm', backend, url: isolatedUrl, context: {} },
            { key: 'wasmNotIsolated', backend, url: plainUrl, context: { serviceWorkers: 'block' } },
          ]
        : [{ key: backend, backend, url: isolatedUrl, context: {} }],
    )
    for (const { key, backend, url, context } of runs) {
      if (options.skip.has(backend) || options.skip.has(key)) continue
      if (backend === 'webgpu') {
        const notOffered = await webgpuNotOffered(browser, url)
        if (notOffered) {
          result.training.webgpu = { notOffered }
          log(`webgpu: not run: ${notOffered}`)
          continue
        }
      }
      const t0 = Date.now()
      log(
        `${key}: benchmarking (warm-up until steady, then ${STEPS[backend].timedSteps} timed steps each way)`,
      )
      try {
        const r = await benchmarkBackend(browser, url, backend, context)
        if (r.backend !== backend) throw new Error(`asked for ${backend}, the worker ran ${r.backend}`)
        const ms = Object.fromEntries(
          VOCABULARIES.map((v) => [String(v), round(r.stepMsByVocabulary[String(v)])]),
        )
        const small = r.stepMsByVocabulary[String(VOCABULARIES[0])]
        const large = r.stepMsByVocabulary[String(VOCABULARIES.at(-1))]
        const byFields = Object.fromEntries(
          FIELD_COUNTS.map((f) => [String(f), round(r.stepMsByFields[String(f)])]),
        )
        const fewest = r.stepMsByFields[String(FIELD_COUNTS[0])]
        const most = r.stepMsByFields[String(FIELD_COUNTS.at(-1))]
        const threads = backend === 'wasm' ? Number(/(\d+) threads?/.exec(r.reason)?.[1] ?? NaN) : null
        result.training[key] = {
          examplesPerSecond: round(r.steps.examplesPerSecond),
          latencyMsPerStep: round(r.steps.latencyMs),
          // Ms per step until the step call returns (JS, dispatch, submission): near the step time on a
          // GPU, the host is what the step waits on.
          hostMsPerStep: round(r.steps.hostMs),
          firstStepMs: round(r.steps.firstStepMs),
          warmupSteps: r.steps.warmupSteps,
          settled: r.steps.settled,
          // Shader programs / pipelines compiled in the first step, the rest of the warm-up and the timed
          // steps (0 there when every shape was seen before); null on CPU backends.
          compiledPrograms: r.steps.compiledPrograms,
          threads,
          reason: r.reason,
          batchedProducts: r.batchedProducts,
          evaluation: r.evaluation && {
            items: r.evaluation.items,
            users: r.evaluation.users,
            usersPerSecond: round(r.evaluation.usersPerSecond),
          },
        }
        if (key in result.trainExamplesPerSecond) {
          result.trainExamplesPerSecond[key] = round(r.steps.examplesPerSecond)
          result.stepMsByVocabulary[key] = ms
          result.vocabularyStepRatio[key] = round(large / small, 2)
          result.stepMsByFields[key] = byFields
          result.fieldStepRatio[key] = round(most / fewest, 2)
        }
        result.settings.demo ??= r.demo
        result.settings.config ??= r.config
        log(
          `${key}: ${JSON.stringify(result.training[key])}; ms/step by vocabulary ${JSON.stringify(ms)}, ` +
            `by fields ${JSON.stringify(byFields)}`,
        )
      } catch (e) {
        errors.push({ part: key, message: e instanceof Error ? e.message : String(e) })
        log(`${key}: FAILED: ${errors.at(-1).message}`)
      }
      log(`${key}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }

    // One part at a time: its start, result and time are logged; a failure is recorded, not thrown.
    const part = async (name, intro, measure) => {
      const t0 = Date.now()
      log(`${name}: ${intro}`)
      try {
        const value = await measure()
        log(`${name}: ${JSON.stringify(value)}`)
        return value
      } catch (e) {
        errors.push({ part: name, message: e instanceof Error ? e.message : String(e) })
        log(`${name}: FAILED: ${errors.at(-1).message}`)
        return null
      } finally {
        log(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
      }
    }

    if (!options.skip.has('pytorch')) {
      const threads = [...new Set([1, result.training.wasm?.threads ?? 1, os.cpus().length])]
      result.pytorch = await part('pytorch', `${PYTHON} bench/twotower.py --threads ${threads}`, () =>
        runPytorch(threads),
      )
      result.wasmVsPytorch = compareWithPytorch(result.training, result.pytorch)
      log(`wasmVsPytorch: ${JSON.stringify(result.wasmVsPytorch)}`)
    }
    if (!options.skip.has('demo'))
      result.demoRun = await part(
        'demo',
        'the default demo trained whole in the page, as a person runs it',
        () => measureDemoRun(browser, isolatedUrl),
      )
    if (!options.skip.has('longtasks'))
      result.mainThreadLongTasks = await part('long tasks', 'training the demo in the page on wasm', () =>
        measureLongTasks(browser, baseUrl),
      )
    if (!options.skip.has('longtasks'))
      result.mainThreadLongTasksUpload = await part(
        'long tasks, upload',
        'training on a dropped ratings log in the page on wasm',
        () => measureLongTasks(browser, baseUrl, LONG_TASK_UPLOAD),
      )
    for (const [key, spec] of Object.entries(INGEST_FILES)) {
      if (
        options.skip.has('ingest') ||
        options.skip.has(key) ||
        (key.startsWith('ingest10M') && options.skip.has('ingest10M'))
      )
        continue
      const rows = spec.rows.toLocaleString('en-US')
      result[key] = await part(key, `dropping a generated ${rows}-row CSV on the page`, () =>
        measureIngest(browser, baseUrl, spec),
      )
    }
  } finally {
    await cleanUp()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }

  result.durationSeconds = round((Date.now() - started) / 1000)
  const json = JSON.stringify(result, null, 2)
  mkdirSync(path.dirname(options.out), { recursive: true })
  writeFileSync(options.out, json + '\n')
  process.stdout.write(json + '\n')
  log(`wrote ${path.relative(ROOT, options.out)} in ${result.durationSeconds} s`)
}

main().catch((e) => {
  log(e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = 1
})
