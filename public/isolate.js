/*
 * Service worker that makes the page cross-origin isolated on hosts that cannot send headers (GitHub
 * Pages and other static hosts): it re-serves every same-origin response with the COOP and COEP headers
 * the dev and preview servers send themselves. Isolation is what lets WebAssembly use threads
 * (SharedArrayBuffer). It changes nothing else: no cache, no request to another origin.
 * Registered by src/ui/isolation.ts only when the page is not isolated already.
 */
self.addEventListener('install', () => self.skipWaiting())
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()))

self.addEventListener('fetch', (event) => {
  const request = event.request
  if (new URL(request.url).origin !== self.location.origin) return
  // A request the browser may only answer from its cache cannot be re-fetched here.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return
  event.respondWith(
    fetch(request).then((response) => {
      if (response.status === 0) return response
      const headers = new Headers(response.headers)
      headers.set('Cross-Origin-Opener-Policy', 'same-origin')
      headers.set('Cross-Origin-Embedder-Policy', 'require-corp')
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      })
    }),
  )
})
