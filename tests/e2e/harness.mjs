// Shared harness for the end-to-end tests: serves dist/ on loopback with
// tools/serve.mjs (any sub-path works because asset URLs are relative) and
// drives Debian's Chromium through playwright-core.
import { before, after } from 'node:test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { serve } from '../../tools/serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.resolve(here, '../../dist');

/**
 * Serves `root` under `prefix` (e.g. "/blog/sim/") on 127.0.0.1 and a
 * random port, with the site's precompressed copies as a compressing host
 * does (tools/serve.mjs; `encodings: []` for a host that does not compress).
 * `requests` lists the paths asked for, `responses` the bodies sent.
 */
export async function serveDist({ root = DIST, prefix = '/', encodings, hold } = {}) {
  const requests = [];
  const responses = [];
  const server = await serve({
    root, prefix, encodings, hold,
    onRequest: (p) => requests.push(p),
    onResponse: (r) => responses.push(r),
  });
  return { url: server.url, requests, responses, close: server.close };
}

/**
 * The test file's Chromium and its server of dist/ (`serveDist(options)`;
 * none with `serve: false`), started before the file's tests and closed
 * after them: `app.browser`, `app.server`.
 */
export function servedApp({ serve = true, ...options } = {}) {
  const app = {};
  before(async () => {
    app.browser = await launch();
    if (serve) app.server = await serveDist(options);
  });
  after(async () => { await app.browser?.close(); await app.server?.close(); });
  return app;
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
  // A request the page itself abandons (a reload or a new address while
  // the service worker still caches the app: net::ERR_ABORTED) is not a
  // failure of the site; one the network or the server fails is.
  page.on('requestfailed', (req) => {
    if (req.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`);
  });
  pageErrors.set(page, errors);
  await page.goto(url);
  return { page, context, errors };
}

/** The errors `openPage` records, by page, for `ready`'s report. */
const pageErrors = new WeakMap();

/** Waits until the playground on `page` has computed its run (after a load or a reload). */
export async function ready(page) {
  try {
    await page.waitForSelector('.shell[data-ready=true]', { timeout: 60_000 });
  } catch (e) {
    // Say where the page got to: a rare CI failure here had nothing else
    // to go on (the boot's progress, whether a run is computing, whether
    // Chromium thought the page hidden, which throttles its timers).
    // (A page whose main thread is stuck would never answer: give up after 5 s.)
    const seen = await Promise.race([
      page.evaluate(() => ({
        url: location.href,
        visibility: document.visibilityState,
        boot: window.vipsimBoot,
        bootText: document.querySelector('#vipsim-boot .boot-text')?.textContent,
        shell: document.querySelector('.shell')?.dataset.ready ?? 'no shell',
        computing: document.querySelector('.computing')?.textContent,
      })).catch((why) => ({ evaluate: String(why) })),
      new Promise((answer) => setTimeout(() => answer({ evaluate: 'no answer in 5 s' }), 5_000)),
    ]);
    // `ready` also takes an embed's frame; the errors are its page's.
    const errors = pageErrors.get(typeof page.page === 'function' ? page.page() : page) ?? [];
    // Playwright wrote the message into the stack already: both, for
    // reporters that print either.
    const more = `\npage state: ${JSON.stringify(seen)}\npage errors: ${JSON.stringify(errors)}`;
    e.message += more;
    if (e.stack) e.stack += more;
    throw e;
  }
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

/**
 * Whether the focus comes to an element matching `selector` within
 * `timeout` ms. Focus is moved by yew effects, which run after the render
 * that shows the element; yew 0.23 may yield to the browser between the
 * two when a render takes longer than 16 ms, so a test reading the DOM
 * state can see the element before it has the focus.
 */
export async function focusComesTo(page, selector, timeout = 5_000) {
  return page.waitForFunction((s) => document.activeElement?.matches(s), selector, { timeout })
    .then(() => true, () => false);
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

/** Opens the Hand in menu, names the learner, and returns the code and the downloaded file's path. */
export async function handIn(page, name) {
  const { mkdtemp, copyFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  await page.click('.handin-menu summary');
  await page.fill('.handin-menu input[name=learner]', name);
  const code = await page.inputValue('.handin-menu textarea[name=handin-code]');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-do=hand-in-file]')]);
  const dir = await mkdtemp(path.join(tmpdir(), 'vipsim-handin-'));
  const file = path.join(dir, download.suggestedFilename());
  await copyFile(await download.path(), file);
  return { code, file, suggested: download.suggestedFilename() };
}

/**
 * Applies a fault from the What-if form at `seconds`, as a learner does:
 * moves the cursor there, picks the fault and its host, and branches.
 * (`faultAt(page, 35, 'flush-arp', 'router')`: exercise 6's remedy, the
 * router's ARP cache flushed during the blackhole.)
 */
export async function faultAt(page, seconds, fault, host) {
  await scrubTo(page, seconds);
  await page.selectOption('select[name=fault]', fault);
  await page.selectOption('select[name=fault-host]', host);
  await page.click('.branches form button[type=submit]');
}
