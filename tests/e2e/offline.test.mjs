// Offline use: after one visit the playground opens and runs with the site's
// server gone (www/sw.js), and a new deploy replaces the kept copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { servedApp, DIST, serveDist, openApp, ready, choose, clock } from './harness.mjs';

const app = servedApp({ serve: false });
let site;
before(async () => {
  // A copy of the site we can redeploy without touching dist/.
  site = await mkdtemp(path.join(tmpdir(), 'vipsim-site-'));
  await cp(DIST, site, { recursive: true });
});
after(async () => { await rm(site, { recursive: true, force: true }); });

/** Waits until the service worker controls the page and has kept its copy. */
async function controlled(page) {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

const cachedFiles = (page) => page.evaluate(async () => {
  const cache = await caches.open('vipsim-offline-v1');
  return (await cache.keys()).map((r) => new URL(r.url).pathname.split('/').pop());
});

test('after one visit the playground opens, runs and embeds with the server gone', async () => {
  const server = await serveDist({ root: site, prefix: '/workshop/' });
  const { page, context, errors } = await openApp(app.browser, server.url);
  await controlled(page);
  const wasm = (await readdir(site)).find((f) => f.endsWith('.wasm'));
  const kept = await cachedFiles(page);
  for (const file of ['', 'index.html', 'embed.html', wasm, 'FIDELITY.md']) assert.ok(kept.includes(file), `${file} kept: ${kept}`);
  // The copy came from the HTTP cache: the wasm was downloaded once.
  assert.equal(server.requests.filter((p) => p.endsWith('.wasm')).length, 1, server.requests.join(' '));
  assert.deepEqual(errors, []);

  // A second visit downloads only the page: the wasm, JS, CSS and icon come
  // from the copy.
  const firstVisit = server.requests.length;
  await page.reload();
  await ready(page);
  const again = server.requests.slice(firstVisit);
  console.log(`# second visit requested: ${again.join(' ')}`);
  assert.ok(again.every((p) => !/\.(wasm|js|css|svg)$/.test(p) || p.endsWith('/sw.js')), again.join(' '));

  await server.close();
  await page.reload();
  await ready(page);
  await choose(page, 'bgp-ecmp');
  const before = await clock(page);
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((s) => Number(document.querySelector('.clock').dataset.step) > s, before.step);
  // "How real is this?" reads the kept FIDELITY.md (the wasm does not carry it).
  await page.click('.lesson .how-real-open');
  const fidelity = page.locator('[role=dialog][aria-labelledby=fidelity-title][aria-busy=false]');
  await fidelity.waitFor();
  assert.ok(await fidelity.locator('tbody .verdict').count() > 0, 'the fidelity page is read offline');
  await page.keyboard.press('Escape');

  // An address with a query (a shared link) and the embed player open too.
  const other = await context.newPage();
  await other.goto(`${server.url}index.html?scenario=cilium-lb-ipam`);
  await ready(other);
  assert.equal(await other.$eval('select[aria-label=Scenario]', (el) => el.value), 'cilium-lb-ipam');
  await other.goto(`${server.url}embed.html?scenario=metallb-l2-failover&autoplay=1`);
  await ready(other);
  // A scenario's own page never visited: index.html from the copy runs it.
  await other.goto(`${server.url}bgp-ecmp.html`);
  await ready(other);
  assert.equal(await other.$eval('select[aria-label=Scenario]', (el) => el.value), 'bgp-ecmp');
  await context.close();
});

test('a new deploy is shown at once and the old files are forgotten', async () => {
  const server = await serveDist({ root: site, prefix: '/' });
  const { page, context } = await openApp(app.browser, server.url);
  await controlled(page);
  const css = (await readdir(site)).find((f) => /^style-[0-9a-f]{1,16}\.css$/.test(f));
  assert.ok((await cachedFiles(page)).includes(css));

  // Deploy: the stylesheet gets a new hashed name (and a visible change).
  const next = 'style-00000000000000aa.css';
  await rename(path.join(site, css), path.join(site, next));
  await writeFile(path.join(site, next), `${await readFile(path.join(site, next), 'utf8')}\nh1 { letter-spacing: 3px; }\n`);
  for (const page of ['index.html', 'embed.html']) {
    const html = await readFile(path.join(site, page), 'utf8');
    // Drop the old file's integrity hash with its name: the bytes changed.
    await writeFile(path.join(site, page), html.replace(new RegExp(`href="./${css}"( integrity="[^"]+")?`), `href="./${next}"`));
  }
  await page.reload();
  await ready(page);
  assert.equal(await page.$eval('h1', (el) => getComputedStyle(el).letterSpacing), '3px');
  await page.waitForFunction(async ([oldCss, newCss]) => {
    const names = (await (await caches.open('vipsim-offline-v1')).keys()).map((r) => r.url.split('/').pop());
    return names.includes(newCss) && !names.includes(oldCss);
  }, [css, next]);
  await context.close();
  await server.close();
});
