// The narrated tour and accessibility (issue 19), in real Chromium: the
// tour (?tour=1) plays the failover to its end by keyboard, each caption
// naming the device the topology shows selected; axe-core (pinned in
// package-lock.json) reports no serious or critical violation on the main
// page with a checkpoint and the tour showing, the workshop and the embed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedApp, openApp, openPage, ready, scrubTo } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const AXE = path.resolve(here, '../../node_modules/axe-core/axe.min.js');
const app = servedApp();

const tourAt = (page) => page.$eval('.tour-caption', (el) => ({ ...el.dataset, text: el.querySelector('.tour-lines').textContent }));

test('the tour plays the story to the end by keyboard', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '?tour=1#metallb-l2-failover');
  let at = await tourAt(page);
  assert.equal(at.stop, '0');
  const stops = Number(at.stops);
  assert.ok(stops > 10, `the failover has ${stops} stops`);
  assert.match(at.text, /0\.0 s: default\/web got the address 192\.168\.1\.201/);
  const seen = [];
  let last = -1;
  while (await page.$('.tour-caption')) {
    at = await tourAt(page);
    assert.ok(Number(at.stop) > last, `stops go forward (${last} -> ${at.stop})`);
    last = Number(at.stop);
    seen.push(at.text);
    if (at.subject) {
      // The caption points at its device: the topology shows it selected.
      assert.equal(await page.getAttribute(`.topology [data-host="${at.subject}"]`, 'aria-pressed'), 'true', at.text);
    }
    await page.keyboard.press('Space');
    await page.waitForFunction((n) => document.querySelector('.tour-caption')?.dataset.stop !== n, at.stop);
  }
  assert.equal(last, stops - 1, 'the tour ended after its last stop');
  assert.ok(seen.length >= stops - 2, `Space moved through the stops (${seen.length} of ${stops})`);
  assert.ok(seen.some((t) => /router ignored a gratuitous ARP from node-b/.test(t)), 'the blackhole is told');
  assert.ok(seen.some((t) => /succeed again/.test(t)), 'and the recovery');

  // Escape ends a tour started with the button.
  await page.click('.tour-button');
  await page.waitForSelector('.tour-caption');
  await page.keyboard.press('Escape');
  await page.waitForSelector('.tour-caption', { state: 'detached' });
  assert.deepEqual(errors, []);
});

test('the tour moves on by itself after the reading time', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '?tour=1#metallb-l2-failover');
  await page.waitForFunction(() => document.querySelector('.tour-caption')?.dataset.stop === '1', null, { timeout: 15_000 });
  assert.deepEqual(errors, []);
});

/** Serious and critical axe-core violations on the page as it is. */
async function violations(page) {
  await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
}

test('axe-core finds no serious violation: main page, checkpoint, tour, workshop, embed', async () => {
  const { page } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 22);
  await page.waitForSelector('.checkpoint[data-state=asking]');
  assert.deepEqual(await violations(page), [], 'main page with a checkpoint question');
  await scrubTo(page, 32);
  await page.waitForSelector('.checkpoint[data-state=revealed]');
  assert.deepEqual(await violations(page), [], 'main page with a revealed checkpoint');
  await page.click('.tour-button');
  await page.waitForSelector('.tour-caption');
  assert.deepEqual(await violations(page), [], 'main page with the tour');

  const workshop = await openPage(app.browser, `${app.server.url}#/workshop`);
  await workshop.page.waitForSelector('.exercise');
  assert.deepEqual(await violations(workshop.page), [], 'workshop index');

  const embed = await openPage(app.browser, `${app.server.url}embed.html?scenario=metallb-l2-failover&at=22s`);
  // The click-to-load poster, then the player it loads on Run.
  await embed.page.waitForFunction(() => window.vipsimBoot?.poster);
  assert.deepEqual(await violations(embed.page), [], 'embed poster');
  await embed.page.click('.facade .run');
  await ready(embed.page);
  assert.deepEqual(await violations(embed.page), [], 'embed player');
});
