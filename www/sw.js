// vipsim's service worker: after one visit the playground opens and runs
// with no network (a workshop on a plane, a blog read on a train).
//
// What it keeps: the pages (index.html, embed.html, and each scenario's
// page once visited), the embed's posters once shown, every same-origin
// file the pages load, and the files the app fetches when asked (FETCHED). Trunk names the JS glue, the wasm, the CSS and the icon
// after a hash of their bytes, so those are immutable: served from the cache
// first. Pages are fetched from the network first, so a new deploy is seen as
// soon as the network is there; the cache answers only when it is not.
// Nothing here knows the build's file names: they are read from the page.
const CACHE = 'vipsim-offline-v1';
const PAGES = ['./', './index.html', './embed.html'];
// Files the app fetches itself, only when asked (no page names them):
// "How real is this?" reads FIDELITY.md when it first opens.
const FETCHED = ['./FIDELITY.md'];
// Trunk writes the 64-bit hash in hex without leading zeros: 16 digits or
// fewer (`favicon-d0f49fc12f9f333.svg`).
const HASHED = /-[0-9a-f]{1,16}(_bg)?\.(js|wasm|css|svg)$/;

const scoped = (href) => new URL(href, self.registration.scope).href;

/**
 * Same-origin files a page refers to: href= and src= in its markup, and
 * the app's JS and wasm named in its boot script (`js:"./vipsim-….js"`).
 */
function filesOf(html) {
  const files = new Set();
  const refs = [
    ...html.matchAll(/\b(?:href|src)=["']([^"'#?]+)["']/g),
    ...html.matchAll(/["'](\.\/[^"'#?\s]+\.(?:js|wasm))["']/g),
  ];
  for (const [, ref] of refs) {
    const url = new URL(ref, self.registration.scope);
    if (url.origin === self.location.origin) files.add(url.href);
  }
  return files;
}

/** Forgets cached hashed files that no kept page refers to (an old deploy's). */
async function prune(cache) {
  const live = new Set();
  for (const page of PAGES) {
    const kept = await cache.match(scoped(page));
    if (kept) for (const file of filesOf(await kept.text())) live.add(file);
  }
  for (const request of await cache.keys()) {
    if (HASHED.test(new URL(request.url).pathname) && !live.has(request.url)) await cache.delete(request);
  }
}

// The page registers this worker once it has started, so on the first visit
// its files are already in the HTTP cache: force-cache keeps them from being
// downloaded twice.
self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const page of PAGES) {
      // embed.html exists in built sites, not under `trunk serve`.
      const response = await fetch(scoped(page)).catch(() => null);
      if (!response?.ok) continue;
      const html = await response.clone().text();
      await cache.put(scoped(page), response);
      for (const file of filesOf(html)) {
        const got = await fetch(file, { cache: 'force-cache' });
        if (got.ok) await cache.put(file, got);
      }
    }
    for (const file of FETCHED) {
      const got = await fetch(scoped(file)).catch(() => null);
      if (got?.ok) await cache.put(scoped(file), got);
    }
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

// Pages and other unhashed files: the network when there is one (a new
// deploy shows at once), else the kept copy. A page is kept without its
// query (?scenario=… does not change the page); after a new page is kept,
// its hashed files are cached as it requests them (cacheFirst) and the
// previous deploy's are forgotten.
async function networkFirst(event) {
  const { request } = event;
  const isPage = request.mode === 'navigate';
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      const key = new URL(request.url);
      if (isPage) key.search = '';
      const kept = cache.put(key.href, response.clone());
      event.waitUntil(isPage ? kept.then(() => prune(cache)) : kept);
    }
    return response;
  } catch (offline) {
    // A scenario's page not visited before: index.html runs any scenario
    // (the app reads the page's name; the boot script hides the other
    // scenario's first paint).
    const kept = await cache.match(request, { ignoreSearch: isPage }) ??
      (isPage ? await cache.match(scoped('./index.html')) : undefined);
    if (kept) return kept;
    throw offline;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(request);
  if (kept) return kept;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!url.href.startsWith(self.registration.scope)) return;
  event.respondWith(HASHED.test(url.pathname) ? cacheFirst(request) : networkFirst(event));
});
