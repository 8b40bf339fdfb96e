/*
 * The page's service worker: cross-origin isolation where the host cannot send headers, and the page
 * offline after a first visit.
 *
 * - Isolation: GitHub Pages and other static hosts cannot send the COOP and COEP headers the dev and
 *   preview servers send; every same-origin response is served here with them. Isolation is what lets
 *   WebAssembly use threads (SharedArrayBuffer).
 * - Offline: on install it caches the files of this build, listed in precache.js (written by the build:
 *   the page, its hashed assets, the worker and the wasm binaries, the icon and the manifest). The page
 *   itself and every other file are fetched from the network first and served from the cache only
 *   when the network fails, so a new version is picked up on the next visit online; hashed assets
 *   (their names change with their content) come from the cache first. A new build changes
 *   precache.js, so the browser installs this worker again and the old build's cache is deleted: no
 *   stale mix of files.
 * Cached files match whatever a server's Vary header names (the page's own requests differ only in how
 * they were made: a module script sends an Origin, the install did not). Nothing goes to another
 * origin; nothing but this origin's GET requests is touched.
 */
importScripts('precache.js')
const BUILD = self.PRECACHE
const CACHE = `attentive-${BUILD.version}`

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(BUILD.files))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names.filter((n) => n.startsWith('attentive-') && n !== CACHE).map((n) => caches.delete(n)),
        ),
      )
      .then(() => self.clients.claim()),
  )
})

/** The response with the isolation headers (a new Response: the original's headers are immutable). */
function isolated(response) {
  if (response.status === 0) return response
  const headers = new Headers(response.headers)
  headers.set('Cross-Origin-Opener-Policy', 'same-origin')
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp')
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

function remember(request, response) {
  if (response.ok && response.type === 'basic') {
    const copy = response.clone()
    caches.open(CACHE).then((cache) => cache.put(request, copy))
  }
  return response
}

function fromCache(request) {
  return caches
    .match(request, { ignoreSearch: request.mode === 'navigate', ignoreVary: true })
    .then((cached) => cached ?? Response.error())
}

self.addEventListener('fetch', (event) => {
  const request = event.request
  const url = new URL(request.url)
  if (url.origin !== self.location.origin || request.method !== 'GET') return
  // A request the browser may only answer from its cache cannot be re-fetched here.
  if (request.cache === 'only-if-cached' && request.mode !== 'same-origin') return
  const answer = url.pathname.includes('/assets/')
    ? caches
        .match(request, { ignoreVary: true })
        .then((cached) => cached ?? fetch(request).then((r) => remember(request, r)))
    : fetch(request)
        .then((r) => remember(request, r))
        .catch(() => fromCache(request))
  event.respondWith(answer.then(isolated))
})
