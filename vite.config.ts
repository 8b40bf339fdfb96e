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

export default defineConfig({
  base: './',
  plugins: [react(), demoCsvPlugin()],
  worker: { format: 'es' },
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
