/**
 * Cross-origin isolation for static hosts. WebAssembly threads need SharedArrayBuffer, which a browser
 * gives only to a cross-origin isolated page (COOP + COEP headers). `npm start`, `npm run dev` and
 * `vite preview` send those headers; GitHub Pages cannot, so there the page registers `isolate.js`, a
 * service worker that adds them, and reloads once when it takes control. Where service workers are
 * unavailable (a file:// page, a private window that refuses them) the page runs as before, on one thread,
 * and the backend badge says why.
 */

/** Set for the one reload, so a browser that refuses isolation anyway never loops. */
const RELOADED_KEY = 'attentive-isolation-reload'

export function isolateThroughServiceWorker(): void {
  try {
    isolate()
  } catch {
    // Storage refused (sessionStorage throws where site data is blocked): the page works on one thread.
  }
}

function isolate(): void {
  if (self.crossOriginIsolated) {
    sessionStorage.removeItem(RELOADED_KEY)
    return
  }
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return
  if (sessionStorage.getItem(RELOADED_KEY)) return
  const reloadOnce = () => {
    if (sessionStorage.getItem(RELOADED_KEY)) return
    sessionStorage.setItem(RELOADED_KEY, '1')
    location.reload()
  }
  navigator.serviceWorker
    .register(new URL('isolate.js', document.baseURI))
    .then(() => {
      // Controlled already (the worker was installed on an earlier visit, this load came from before
      // it was active): a reload goes through it. Otherwise, reload when it takes control.
      if (navigator.serviceWorker.controller) reloadOnce()
      else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce)
    })
    .catch(() => {
      // Refused (storage blocked, an insecure origin): the page works on one thread.
    })
}
