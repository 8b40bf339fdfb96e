import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { generateCardOffers, toCsv } from './src/demo/cardOffers'

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
        ['users.csv', toCsv(tables.users!)],
        ['offers.csv', toCsv(tables.items!)],
        ['interactions.csv', toCsv(tables.interactions)],
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

export default defineConfig({
  base: './',
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  plugins: [react(), demoCsvPlugin()],
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
