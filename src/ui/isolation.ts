/**
 * The page's service worker (`public/isolate.js`): cross-origin isolation on static hosts, and the page
 * offline after a first visit. WebAssembly threads need SharedArrayBuffer, which a browser gives only
 * to a cross-origin isolated page (COOP + COEP headers). `npm start`, `npm run dev` and `vite preview`
 * send those headers; GitHub Pages cannot, so there the service worker adds them and the page reloads
 * once when it takes control. It is registered on every host, for the offline cache. Where service
 * workers are unavailable (a file:// page, a private window that refuses them) the page runs as before,
 * online, on one thread, and the backend badge says why.
 */

/** Set for the one reload, so a browser that refuses isolation anyway never loops. */
const RELOADED_KEY = 'attentive-isolation-reload'

export function startServiceWorker(): void {
  try {
    start()
  } catch {
    // Storage refused (sessionStorage throws where site data is blocked): the page works on one thread.
  }
}

function start(): void {
  // The dev server serves no precache list: no service worker there.
  if (import.meta.env.DEV) return
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return
  const isolatedAlready = self.crossOriginIsolated
  if (isolatedAlready) sessionStorage.removeItem(RELOADED_KEY)
  const reloadOnce = () => {
    if (isolatedAlready || sessionStorage.getItem(RELOADED_KEY)) return
    sessionStorage.setItem(RELOADED_KEY, '1')
    location.reload()
  }
  navigator.serviceWorker
    // Not through the HTTP cache: a host's caching (GitHub Pages: 10 minutes) would delay the check that
    // finds a new build's precache.js.
    .register(new URL('isolate.js', document.baseURI), { updateViaCache: 'none' })
    .then(() => {
      if (isolatedAlready) return
      // Controlled already (the worker was installed on an earlier visit, this load came from before
      // it was active): a reload goes through it. Otherwise, reload when it takes control.
      if (navigator.serviceWorker.controller) reloadOnce()
      else navigator.serviceWorker.addEventListener('controllerchange', reloadOnce)
    })
    .catch(() => {
      // Refused (storage blocked, an insecure origin): the page works online, on one thread.
    })
}
