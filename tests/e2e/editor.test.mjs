// The scenario editor loses no work: an unapplied edit survives a reload
// (kept in this browser), comes back only over the scenario it was made
// on, and is dropped once applied or reverted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, openApp, ready, choose } from './harness.mjs';

const app = servedApp();

const AREA = 'textarea[name=scenario-yaml]';

async function openEditor(page) {
  if (!(await page.$(AREA))) await page.click('button.edit-yaml');
  await page.waitForSelector(AREA);
}

async function reload(page) {
  await page.reload();
  await ready(page);
  await openEditor(page);
}

const restoredNotice = (page) => page.$('.editor .restored');

test('an unapplied edit survives a reload, only on its own scenario, until reverted', async () => {
  const { page, context, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await openEditor(page);
  const original = await page.inputValue(AREA);
  assert.match(original, /name: metallb-l2-failover/);
  assert.equal(await restoredNotice(page), null);

  const edited = `${original}# my note: try garp honor next\n`;
  await page.fill(AREA, edited);
  await reload(page);
  assert.equal(await page.inputValue(AREA), edited);
  assert.match(await page.textContent('.editor .restored'), /unapplied edit/);

  // Another scenario's text is not overwritten by it.
  await choose(page, 'bgp-ecmp');
  await openEditor(page);
  assert.match(await page.inputValue(AREA), /name: bgp-ecmp/);
  assert.equal(await restoredNotice(page), null);

  // Back on the failover it is still there; Revert drops it for good.
  await choose(page, 'metallb-l2-failover');
  await openEditor(page);
  assert.equal(await page.inputValue(AREA), edited);
  await page.click('button[data-do=revert-yaml]');
  assert.equal(await page.inputValue(AREA), original);
  await reload(page);
  assert.equal(await page.inputValue(AREA), original);
  assert.equal(await restoredNotice(page), null);
  assert.deepEqual(errors, []);
  await context.close();
});

test('applying an edit drops the kept draft', async () => {
  const { page, context, errors } = await openApp(app.browser, app.server.url, '#cilium-lb-ipam');
  await openEditor(page);
  const edited = `${await page.inputValue(AREA)}# applied note\n`;
  await page.fill(AREA, edited);
  await page.click('button[data-do=apply-yaml]');
  await page.waitForSelector('.editor .applied');
  assert.equal(await page.evaluate(() => localStorage.getItem('vipsim.editor-draft')), null);
  await context.close();
  assert.deepEqual(errors, []);
});
