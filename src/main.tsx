import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
// The base sheet first: each feature's sheet, imported by its panel, refines it.
import './ui/app.css'
import { App } from './ui/App'
import { startServiceWorker } from './ui/isolation'
import { installBenchmarkHook } from './ui/training/benchmarkHook'

startServiceWorker()
installBenchmarkHook()

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
