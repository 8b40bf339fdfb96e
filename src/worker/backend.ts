/**
 * Picks the TensorFlow.js backend inside the worker: webgl (WebGL2 on an OffscreenCanvas) -> wasm -> cpu,
 * or the one forced by `?backend=` (webgpu only so). Always says why, because a person comparing speeds
 * needs to know whether a GPU, a software GPU or the CPU is doing the work.
 */
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import '@tensorflow/tfjs-backend-webgl'
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'
import type { BackendChoice, BackendName } from './protocol'

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
})

/** Why WebGL2 cannot run in this worker, or null when it can. */
function webglProblem(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return 'this browser has no OffscreenCanvas in workers'
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2')
    if (!gl) return 'this browser gives workers no WebGL2 context'
  } catch {
    return 'creating a WebGL2 context in the worker failed'
  }
  return null
}

/** Renderer string of the WebGL context, e.g. to tell a software rasteriser from a GPU. */
function webglRenderer(): string {
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2')
    const info = gl?.getExtension('WEBGL_debug_renderer_info')
    return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : ''
  } catch {
    return ''
  }
}

/** The parts of WebGPU's adapter read here (TypeScript's DOM types have no WebGPU yet). */
interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean }
  isFallbackAdapter?: boolean
}

/** The WebGPU adapter this worker would get, in words, or why there is none. */
async function webgpuAdapter(): Promise<{ name: string; software: boolean } | { problem: string }> {
  const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu
  if (!gpu) return { problem: 'this browser offers workers no WebGPU' }
  try {
    const adapter = await gpu.requestAdapter()
    if (!adapter) return { problem: 'this browser found no WebGPU adapter' }
    const info = adapter.info ?? {}
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ')
    const fallback = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter)
    return { name: name || 'an unnamed adapter', software: fallback || SOFTWARE_RENDERER.test(name) }
  } catch (e) {
    return { problem: `asking for a WebGPU adapter failed (${e instanceof Error ? e.message : String(e)})` }
  }
}

async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === 'webgl') {
    const problem = webglProblem()
    if (problem) return problem
  }
  if (name === 'webgpu') {
    const adapter = await webgpuAdapter()
    if ('problem' in adapter) return adapter.problem
    try {
      // Loaded only when asked for: it stays out of the worker's bundle otherwise.
      await import('@tensorflow/tfjs-backend-webgpu')
    } catch (e) {
      return `the WebGPU backend could not be loaded (${e instanceof Error ? e.message : String(e)})`
    }
  }
  try {
    const ok = await tf.setBackend(name)
    if (!ok) return `tfjs could not start the ${name} backend`
    await tf.ready()
    if (name === 'webgpu') tf.env().set(WEBGPU_CPU_FORWARD, false)
    return null
  } catch (e) {
    return `the ${name} backend failed to start (${e instanceof Error ? e.message : String(e)})`
  }
}

/**
 * Off on webgpu. On (tfjs's default), tfjs-backend-webgpu runs a kernel in JavaScript when all its
 * inputs are still on the CPU and smaller than 1,000 values, whatever the size of its output: the loss's
 * masks compare the batch's [512] item ids and positions as [512, 1] against [1, 512], and each such
 * broadcast `equal` filled its 262,144 values in JavaScript (19 ms in Node) before they were uploaded,
 * four a step. Here (SwiftShader's WebGPU, batch 512, one run each way twice, 2026-12-04) a step then
 * kept the worker busy 173–226 ms instead of 49–55 ms; on an H200 the step waited 93–175 ms on the host
 * (2,713–5,321 examples/s) where it waited 31–42 ms with the masks uploaded from JavaScript instead
 * (10,787–11,868), a figure not yet re-timed on a GPU with this setting. WebGL hands off only below 128
 * values, so the batch's ids there go to the GPU.
 */
const WEBGPU_CPU_FORWARD = 'WEBGPU_CPU_FORWARD'

const ORDER: BackendName[] = ['webgl', 'wasm', 'cpu']
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|softpipe|software/i
const WHAT: Record<BackendName, string> = {
  webgpu: 'WebGPU in the worker',
  webgl: 'WebGL2 in the worker',
  wasm: 'WebAssembly on the CPU',
  cpu: 'plain JavaScript on the CPU (slowest)',
}

/** How many threads wasm runs on, and why not more. */
function threadsNote(): string {
  const threads = getThreadsCount()
  const cores = navigator.hardwareConcurrency || 1
  if (!self.crossOriginIsolated)
    return `1 thread: the page is not cross-origin isolated, so WebAssembly cannot share memory between threads`
  // tfjs's wasm backend caps its thread pool at half the logical cores (seen here: 1 thread of 2
  // cores whatever setThreadsCount asks; 2 of 4).
  return `${threads} thread${threads === 1 ? '' : 's'}, cross-origin isolated (tfjs uses at most half of the ${cores} logical cores)`
}

/**
 * `wasmThreads` caps wasm's threads (the device test's wasm-on-one-thread row); it applies only when
 * wasm starts for the first time in this worker.
 */
export async function selectBackend(
  choice: BackendChoice,
  wasmThreads?: number,
): Promise<{ backend: BackendName; reason: string; softwareGpu: boolean }> {
  if (wasmThreads !== undefined) setThreadsCount(wasmThreads)
  const candidates = choice === 'auto' ? ORDER : [choice, ...ORDER.filter((b) => b !== choice)]
  const failures: string[] = []
  for (const name of candidates) {
    // Unless chosen, a software WebGL (no GPU) is skipped, in auto mode and when another choice falls
    // back: measured here it trains ~15× slower than wasm.
    if (name === 'webgl' && choice !== 'webgl' && webglProblem() === null) {
      const renderer = webglRenderer()
      if (SOFTWARE_RENDERER.test(renderer)) {
        failures.push(`webgl: the GPU is a software renderer (${renderer}), slower than wasm`)
        continue
      }
    }
    const problem = await tryBackend(name)
    if (problem) {
      failures.push(`${name}: ${problem}`)
      continue
    }
    let reason =
      choice === name
        ? `${WHAT[name]}, as chosen (the Backend setting or the link: backend=${name})`
        : failures.length === 0
          ? `${WHAT[name]}, the first choice`
          : `${WHAT[name]}; fell back because ${failures.join('; ')}`
    if (name === 'wasm') reason += `. ${threadsNote()}`
    let softwareGpu = false
    if (name === 'webgpu') {
      const adapter = await webgpuAdapter()
      softwareGpu = 'name' in adapter && adapter.software
      if ('name' in adapter)
        reason += adapter.software
          ? `. The adapter is a software one (${adapter.name}): ?backend=wasm is probably faster here`
          : ` (${adapter.name})`
    }
    if (name === 'webgl') {
      const renderer = webglRenderer()
      softwareGpu = SOFTWARE_RENDERER.test(renderer)
      if (softwareGpu)
        reason += `. The GPU is a software renderer (${renderer}): ?backend=wasm is probably faster here`
      else if (renderer) reason += ` (${renderer})`
    }
    return { backend: name, reason, softwareGpu }
  }
  throw new Error(`No TensorFlow.js backend could start: ${failures.join('; ')}`)
}
