// Shared harness for the end-to-end tests: serves dist/ on loopback with a
// tiny static server (any sub-path works because asset URLs are relative) and
// drives Debian's Chromium through playwright-core.
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../../dist');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.yaml': 'text/yaml',
  '.png': 'image/png', '.webmanifest': 'application/manifest+json',
};

/** Serves `root` under `prefix` (e.g. "/blog/sim/") on 127.0.0.1 and a random port. */
export async function serveDist({ root = DIST, prefix = '/' } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    requests.push(url.pathname);
    if (!url.pathname.startsWith(prefix)) { res.writeHead(404).end('outside prefix'); return; }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, rel);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      await stat(file);
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}${prefix}`, requests, close: () => new Promise((ok) => {
    // Chromium keeps connections alive: end them so the port is really gone.
    server.close(ok);
    server.closeAllConnections();
  }) };
}

/** Launches headless Chromium with the flags this sandbox needs. */
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors and uncaught exceptions. */
export async function openPage(browser, url, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => { if (msg.type() === 'error') errors.push(msg.text()); });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`));
  await page.goto(url);
  return { page, context, errors };
}

/** Waits until the playground on `page` has computed its run (after a load or a reload). */
export async function ready(page) {
  await page.waitForSelector('.shell[data-ready=true]', { timeout: 60_000 });
}

/** Opens the playground (at `hash`, e.g. "#bgp-ecmp") and waits until its first run is computed. */
export async function openApp(browser, url, hash = '', options = {}) {
  const opened = await openPage(browser, url + hash, options);
  await ready(opened.page);
  return opened;
}

/** Moves the timeline's scrubber to `seconds`, as dragging it would. */
export async function scrubTo(page, seconds) {
  await page.$eval('.scrubber input[type=range]', (el, ms) => {
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    set.call(el, String(ms));
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, Math.round(seconds * 1000));
}

/** The playhead and cursor step shown by the timeline. */
export async function clock(page) {
  return page.$eval('.clock', (el) => ({
    ns: Number(el.dataset.timeNs),
    step: Number(el.dataset.step),
    seekBackMs: Number(el.dataset.seekBackMs),
    worstSeekBackMs: Number(el.dataset.worstSeekBackMs),
  }));
}

/** Chooses a shipped scenario (by id) and a variant ('' for the original) in the picker. */
export async function choose(page, id, variant) {
  await page.selectOption('select[aria-label=Scenario]', id);
  await page.waitForFunction((id) => document.querySelector('select[aria-label=Scenario]')?.value === id, id);
  if (variant !== undefined) await page.selectOption('select[aria-label=Variant]', variant);
  await page.waitForSelector('.shell[data-ready=true]');
}

const ROOT = path.resolve(here, '../..');

/** `vipsim run <file> --format jsonl` from the native CLI (built by cargo if needed). */
export function nativeJsonl(file, ...args) {
  return execFileSync('cargo', ['run', '--quiet', '--bin', 'vipsim', '--', 'run', file, '--format', 'jsonl', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 256 << 20, stdio: ['ignore', 'pipe', 'inherit'],
  });
}
