import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { csvOf } from './src/data/table'
import { generateCardOffers } from './src/demo/cardOffers'

/**
 * Serves the default demo's CSVs at demo/*.csv (dev) and writes them into the build, generated from the
 * same code the page uses, so nothing generated is committed and the files always match the demo.
 */
function demoCsvPlugin(): Plugin {
  let files: Map<string, string> | null = null
  const demoFiles = () => {
    if (!files) {
      const { tables } = generateCardOffers()
      files = new Map([
        ['users.csv', csvOf(tables.users!)],
        ['offers.csv', csvOf(tables.items!)],
        ['interactions.csv', csvOf(tables.interactions)],
      ])
    }
    return files
  }
  return {
    name: 'demo-csv',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const match = /\/demo\/([a-z]+\.csv)$/.exec(req.url?.split('?')[0] ?? '')
        const body = match ? demoFiles().get(match[1]) : undefined
        if (!body) return next()
        res.setHeader('Content-Type', 'text/csv; charset=utf-8')
        res.end(body)
      })
    },
    generateBundle() {
      for (const [name, source] of demoFiles())
        this.emitFile({ type: 'asset', fileName: `demo/${name}`, source })
    },
  }
}

/**
 * Cross-origin isolation, which wasm threads need (SharedArrayBuffer): the dev and preview servers send
 * the headers themselves; a static host that cannot gets them from `public/isolate.js` (a service
 * worker that adds them).
 */
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

/**
 * Writes precache.js: the files of this build the service worker (`public/isolate.js`) caches on
 * install, so the page works offline after a first visit, and a version named after them (their names
 * carry content hashes), so a new build replaces the old cache whole. The demo CSVs are left out (they
 * are downloads, cached when fetched).
 */
function precachePlugin(): Plugin {
  return {
    name: 'precache-list',
    apply: 'build',
    generateBundle(_, bundle) {
      const files = [
        './',
        'icon.svg',
        'manifest.webmanifest',
        ...Object.keys(bundle).filter((f) => !f.startsWith('demo/') && f !== 'index.html'),
      ].sort()
      let h = 0x811c9dc5
      for (const c of files.join('\n')) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193)
      const version = (h >>> 0).toString(16).padStart(8, '0')
      this.emitFile({
        type: 'asset',
        fileName: 'precache.js',
        source: `self.PRECACHE = ${JSON.stringify({ version, files })}\n`,
      })
    },
  }
}

/**
 * Content-Security-Policy of the built page: its own origin only, plus what it really needs —
 * 'wasm-unsafe-eval' (tfjs's WebAssembly backend compiles its .wasm), blob: workers and scripts (the
 * wasm backend starts its threads from a blob URL, and each thread loads the backend's code from
 * another), and data:/blob: images (a chart saved as PNG is drawn from its SVG). No inline script or style, no eval, no other host. The built index.html carries it in a
 * <meta> (static hosts cannot send headers); the preview server sends it as a header as well, which
 * also covers the worker's own script. The dev server has none (Vite injects inline code there).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'none'",
].join('; ')

function contentSecurityPolicyPlugin(): Plugin {
  return {
    name: 'content-security-policy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html.replace(
          '<meta charset="UTF-8" />',
          `<meta charset="UTF-8" />\n    <meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}" />`,
        ),
    },
  }
}

export default defineConfig({
  base: './',
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: { ...ISOLATION_HEADERS, 'Content-Security-Policy': CONTENT_SECURITY_POLICY } },
  plugins: [react(), demoCsvPlugin(), contentSecurityPolicyPlugin(), precachePlugin()],
  worker: {
    format: 'es',
    // tfjs's threaded wasm starts its threads from `factory.toString()`, which reads the variable
    // `_scriptDir` of the closure around it (guarded by `typeof`): renamed by the minifier, the threads
    // throw "e is not defined". Names stay; the code is still compressed.
    rolldownOptions: { output: { minify: { compress: false, mangle: false, codegen: true } } },
  },
  optimizeDeps: {
    include: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-webgl',
      '@tensorflow/tfjs-backend-wasm',
      'recharts',
      'react',
      'react-dom',
    ],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
})
