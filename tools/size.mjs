// What readers download and wait for, measured on the built site in
// headless Chromium against tools/serve.mjs. Figures, not tests: it prints
// and never fails the build (the end-to-end tests assert the budgets).
//
// - the embed before interaction: requests and bytes (gzip) a blog post
//   pays for one player that nobody has run yet (goal: at most 30 KB);
// - the main page's first useful paint: bytes (gzip) until the title, the
//   lesson and the network are on screen (goal: at most 60 KB);
// - the wasm, gzip -9 and brotli 11 (goal: at most 950 KB gzip);
// - time to the first paint and to an interactive playground with the
//   network throttled like fast and slow 4G, against a compressing server.
//
// Usage: node tools/size.mjs [DIST]
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const dist = path.resolve(process.argv[2] ?? 'dist');
const KB = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (p) => existsSync(`${p}.gz`) ? statSync(`${p}.gz`).size : gzipSync(readFileSync(p), { level: 9 }).length;
const br = (p) => existsSync(`${p}.br`) ? statSync(`${p}.br`).size
  : brotliCompressSync(readFileSync(p), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// The app's own files.
const files = readdirSync(dist).filter((f) => /^(vipsim-.*\.(js|wasm)|style-.*\.css|favicon-.*\.svg|sw\.js|index\.html|embed\.html)$/.test(f));
console.log(`${'file'.padEnd(40)} ${'raw'.padStart(10)} ${'gzip -9'.padStart(10)} ${'brotli'.padStart(10)}`);
for (const f of files.sort((a, b) => statSync(path.join(dist, b)).size - statSync(path.join(dist, a)).size)) {
  const p = path.join(dist, f);
  console.log(`${f.padEnd(40)} ${KB(statSync(p).size).padStart(10)} ${KB(gz(p)).padStart(10)} ${KB(br(p)).padStart(10)}`);
}
const posters = existsSync(path.join(dist, 'posters')) ? readdirSync(path.join(dist, 'posters')).filter((f) => f.endsWith('.html')) : [];
if (posters.length) {
  const sizes = posters.map((f) => gz(path.join(dist, 'posters', f)));
  console.log(`posters/*.html (${posters.length})${' '.repeat(20)} gzip ${KB(Math.min(...sizes))} to ${KB(Math.max(...sizes))} each`);
}
const wasm = path.join(dist, files.find((f) => f.endsWith('.wasm')));

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

/** A server for `dist` that records every body it sends (`encodings` as for tools/serve.mjs). */
async function site(encodings, hold) {
  const sent = [];
  const server = await serve({ root: dist, encodings, hold, onResponse: (r) => sent.push(r) });
  return { ...server, sent };
}
const total = (list) => list.reduce((s, r) => s + r.bytes, 0);

// The embed before interaction, in a host page as a blog has it.
async function embedBeforeRun(encodings) {
  const server = await site(encodings);
  const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  await page.setContent(`<!doctype html><h1>A post</h1><iframe src="${server.url}embed.html?scenario=metallb-l2-failover"
    style="width:100%;border:0" height="560"></iframe>`);
  const frame = () => page.frames().find((f) => f.url().includes('embed.html'));
  await page.waitForFunction(() => true);
  for (let i = 0; i < 200 && !frame(); i++) await page.waitForTimeout(25);
  await frame().waitForFunction(() => window.vipsimBoot?.poster, null, { timeout: 30_000 });
  await page.waitForTimeout(500);
  await context.close();
  await server.close();
  return server.sent;
}

// The main page until its first useful paint: the app's JS and wasm are held.
async function firstPaint(encodings) {
  let release;
  const held = new Promise((ok) => { release = ok; });
  const server = await site(encodings, (p) => (/\.(wasm|js)$/.test(p) && !p.endsWith('sw.js') ? held : null));
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(server.url, { waitUntil: 'load' }).catch(() => {});
  await page.waitForSelector('.first-paint .lesson-title', { state: 'visible' });
  await page.waitForSelector('.first-paint svg.topology-svg', { state: 'visible' });
  const sent = [...server.sent];
  release();
  await context.close();
  await server.close();
  return sent;
}

const embedGz = await embedBeforeRun(['gzip']);
const embedBr = await embedBeforeRun(['br', 'gzip']);
const paintGz = await firstPaint(['gzip']);
const paintBr = await firstPaint(['br', 'gzip']);
const appFile = (r) => /vipsim-[0-9a-f]+(_bg)?\.(js|wasm)$/.test(r.path);

console.log('\nbudgets (goals in brackets)');
console.log(`  embed before interaction: ${KB(total(embedGz))} gzip, ${KB(total(embedBr))} brotli in ${embedGz.length} requests` +
  ` (${embedGz.map((r) => path.basename(r.path)).join(', ')}); app JS/wasm requested: ${embedGz.some(appFile) ? 'YES' : 'none'} [30 KB gzip]`);
console.log(`  main page, first useful paint: ${KB(total(paintGz))} gzip, ${KB(total(paintBr))} brotli in ${paintGz.length} requests` +
  ` (${paintGz.map((r) => path.basename(r.path)).join(', ')}) [60 KB gzip]`);
console.log(`  wasm: ${KB(gz(wasm))} gzip -9, ${KB(br(wasm))} brotli 11, ${KB(statSync(wasm).size)} raw [950 KB gzip]`);

// Cold visits to index.html with the network throttled (CDP), brotli served.
const PROFILES = [
  ['Fast-4G-like (9 Mbps, 150 ms)', 9e6, 150],
  ['Slow-4G-like (1.6 Mbps, 300 ms)', 1.6e6, 300],
];
for (const [name, bps, latency] of PROFILES) {
  const server = await site(['br', 'gzip']);
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false, latency, downloadThroughput: bps / 8, uploadThroughput: bps / 8 / 4,
  });
  const start = Date.now();
  await page.goto(server.url, { waitUntil: 'commit' });
  await page.waitForSelector('.first-paint .lesson-title', { state: 'visible', timeout: 120_000 });
  const lesson = Date.now() - start;
  await page.waitForSelector('.shell[data-ready=true]', { timeout: 180_000 });
  const interactive = Date.now() - start;
  const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN);
  console.log(`  ${name}: lesson on screen ${(lesson / 1000).toFixed(1)} s (first contentful paint ${(fcp / 1000).toFixed(1)} s),` +
    ` interactive ${(interactive / 1000).toFixed(1)} s`);
  await context.close();
  await server.close();
}
await browser.close();
