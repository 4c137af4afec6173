// The app shell renders from a static host under a sub-path: title, the
// scenario list and a footer with the version, with no console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servedApp, openPage, ready } from './harness.mjs';

const app = servedApp({ prefix: '/some/blog/path/' });

test('renders the shell with title, scenario list and version footer', async () => {
  const cargo = await readFile(new URL('../../Cargo.toml', import.meta.url), 'utf8');
  const version = cargo.match(/^version = "([^"]+)"/m)[1];
  const { page, errors } = await openPage(app.browser, app.server.url);
  await page.waitForSelector('h1');
  assert.equal(await page.textContent('h1'), 'vipsim');
  assert.match(await page.title(), /vipsim/);
  await page.waitForSelector('nav[aria-label="Scenarios"]');
  assert.match(await page.textContent('footer'), new RegExp(`vipsim ${version.replace(/\./g, '\\.')}`));
  assert.deepEqual(errors, []);
  // Every asset came from under the sub-path: relative URLs work on any static host.
  assert.ok(app.server.requests.every((p) => p.startsWith('/some/blog/path/')), app.server.requests.join(' '));
});

test('says how much of the simulator has arrived, and says so plainly when the wasm cannot be downloaded', async () => {
  const context = await app.browser.newContext();
  const page = await context.newPage();
  let release;
  const held = new Promise((ok) => { release = ok; });
  await page.route('**/*.wasm', async (route) => { await held; await route.abort(); });
  await page.goto(app.server.url);
  await page.waitForSelector('#vipsim-boot', { state: 'visible' });
  assert.equal((await page.innerText('#vipsim-boot')).trim(), 'Loading the simulator… 0 %');
  assert.equal(await page.getAttribute('#vipsim-boot progress', 'value'), '0');
  release();
  await page.waitForFunction(() => /could not start/.test(document.querySelector('#vipsim-boot').textContent));
  assert.match((await page.innerText('#vipsim-boot')).trim(), /^The simulator could not start: .+\. Reload the page to try again\.$/);
  await context.close();
});

// The HTML parser may insert the status line before its text (it yields
// between tokens, more often on a busy machine), and the wasm's bytes can
// arrive in between. Drawing the progress then failed inside the counting
// stream, which aborted the compile: "WebAssembly compilation aborted:
// Network error: Failed to read from a ReadableStream" (a CI failure).
test('the download goes on when the progress line is not all there yet', async () => {
  const { page, context, errors } = await openPage(app.browser, 'about:blank');
  // The status line without its text, for the whole download.
  await context.addInitScript(() => {
    new MutationObserver(() => document.querySelectorAll('#vipsim-boot .boot-text').forEach((t) => t.remove()))
      .observe(document, { childList: true, subtree: true });
  });
  await page.goto(app.server.url);
  await ready(page);
  assert.equal(await page.evaluate(() => window.vipsimBoot.failed), undefined);
  assert.deepEqual(errors, []);
  await context.close();
});
