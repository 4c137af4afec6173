// "How real is this?": every scenario's lesson links to the fidelity panel;
// it opens and closes from the keyboard alone, marks the versions the open
// scenario runs, and filters behaviours by verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, openApp, choose, focusComesTo } from './harness.mjs';

const app = servedApp();

/** Presses Tab until the focused element matches `selector` (at most `limit` times). */
async function tabTo(page, selector, limit = 80) {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  throw new Error(`Tab never reached ${selector}`);
}

/** Waits for the dialog to have read FIDELITY.md (fetched on first open). */
const read = (dialog) => dialog.page().locator('[role=dialog][aria-labelledby=fidelity-title][aria-busy=false]').waitFor();

const focusedInDialog = (page) => page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'));

test('opens from the lesson by keyboard, traps focus, Esc returns to the opener', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await tabTo(page, '.lesson .how-real-open');
  await page.keyboard.press('Enter');
  const dialog = page.locator('[role=dialog][aria-labelledby=fidelity-title]');
  await read(dialog);
  assert.equal(await page.textContent('#fidelity-title'), 'How real is this?');
  assert.ok(await focusComesTo(page, '[role=dialog], [role=dialog] *'), 'focus moves into the dialog');
  // The versions this scenario runs are marked; Cilium is not among them.
  const marked = await dialog.locator('tr.changed th').allTextContents();
  assert.deepEqual(marked, ['Linux', 'MetalLB', 'kube-proxy']);
  assert.match(await dialog.locator('.in-use').textContent(), /Linux, MetalLB, kube-proxy/);
  // Tab wraps inside the dialog: forty presses never leave it.
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press('Tab');
    assert.ok(await focusedInDialog(page), `focus left the dialog after ${i + 1} Tabs`);
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.ok(await focusComesTo(page, '.lesson .how-real-open'), 'focus is back on the opener');
  assert.deepEqual(errors, []);
});

test('filters by verdict and marks what a Cilium scenario runs', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await choose(page, 'cilium-lb-ipam');
  await page.click('.lesson .how-real-open');
  const dialog = page.locator('[role=dialog][aria-labelledby=fidelity-title]');
  await read(dialog);
  assert.deepEqual(await dialog.locator('tr.changed th').allTextContents(), ['Linux', 'Cilium']);
  const verdicts = async () => new Set(await dialog.locator('tbody .verdict').allTextContents());
  assert.deepEqual(await verdicts(), new Set(['exact', 'simplified', 'not modelled']));
  const chip = dialog.locator('.chip', { hasText: /^simplified \(\d+\)$/ });
  await chip.click();
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  assert.deepEqual(await verdicts(), new Set(['simplified']));
  const [, count] = (await chip.textContent()).match(/\((\d+)\)/);
  assert.equal(await dialog.locator('tbody .verdict').count(), Number(count));
  await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
  await dialog.waitFor({ state: 'detached' });
  // The footer opens the same page, read once per visit (the wasm does
  // not carry it): no second request.
  const fetched = () => app.server.requests.filter((p) => p.endsWith('/FIDELITY.md')).length;
  const once = fetched();
  assert.ok(once >= 1, app.server.requests.join(' '));
  await page.click('footer .how-real-open');
  await read(dialog);
  assert.ok(await dialog.locator('tbody .verdict').count() > 0);
  assert.equal(fetched(), once);
  assert.deepEqual(errors, []);
});

test('says so when FIDELITY.md cannot be read', async () => {
  // No service worker: the route must see the page's own request.
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover', { serviceWorkers: 'block' });
  await page.route('**/FIDELITY.md', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.click('.lesson .how-real-open');
  const dialog = page.locator('[role=dialog][aria-labelledby=fidelity-title]');
  await dialog.locator('[role=alert]').waitFor();
  assert.match(await dialog.locator('[role=alert]').textContent(), /^FIDELITY\.md could not be read \(HTTP 404\)/);
  assert.equal(await page.textContent('#fidelity-title'), 'How real is this?');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  // The browser logs the failed request; nothing else went wrong.
  assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
});
