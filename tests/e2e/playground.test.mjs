// The playground end to end in Chromium: every shipped scenario plays to
// its end and steps back; the failover story's ARP state before the flush;
// the blackhole with and without GARP; the console; branching; the loader's
// errors; keyboard-only use; and the exported trace equals the native CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { servedApp, DIST, openApp, scrubTo, clock, choose, nativeJsonl } from './harness.mjs';

const SCENARIOS = ['bgp-ecmp', 'cilium-lb-ipam', 'metallb-l2-failover', 'metallb-traffic-policy'];

const app = servedApp();

/** The router's ARP row for the VIP in the inspector (the router is selected at load). */
async function routerVipRow(page, vip) {
  return page.$eval(`.host-tables[data-host=router] tr[data-ip="${vip}"]`, (tr) => tr.dataset.owner).catch(() => null);
}

test('every shipped scenario plays to its end at 50x and steps back 10 events', async () => {
  // predict=0: the stories' checkpoints would pause playback (issue 19);
  // this test is about playing through.
  const { page, errors } = await openApp(app.browser, app.server.url, '?predict=0');
  for (const id of SCENARIOS) {
    await choose(page, id);
    await page.selectOption('select[aria-label="Playback speed"]', '50');
    await page.click('button.play');
    await page.waitForFunction(() => document.querySelector('button.play')?.getAttribute('aria-pressed') === 'false',
      null, { timeout: 30_000 });
    const end = await clock(page);
    const total = Number((await page.textContent('.clock')).match(/of (\d+)/)[1]);
    assert.equal(end.step, total, `${id}: playing stops at the last step`);
    for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
    const back = await clock(page);
    assert.ok(back.step < end.step && back.ns < end.ns, `${id}: 10 events back moves the cursor back`);
    // The event list follows: its cursor row is the last record at or before the cursor.
    const row = await page.$eval('.event-table tr.cursor', (tr) => Number(tr.dataset.record));
    assert.ok(Number.isInteger(row), `${id}: the event list marks the cursor row`);
  }
  assert.deepEqual(errors, []);
});

test('failover: stepping back from the flush shows the router still pointing the VIP at node-a', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.keyboard.press('End');
  assert.equal(await routerVipRow(page, '192.168.1.201'), 'node-b', 'after the flush the router learns node-b');
  // The flush's mark may sit under a neighbour's label: click it as the keyboard would reach it.
  await page.$eval('.mark.fault[aria-label*="flush-arp"]', (b) => b.click());
  assert.match(await page.textContent('.timeline .now'), /flush-arp|neigh/);
  for (let i = 0; i < 10; i++) await page.keyboard.press('ArrowLeft');
  const { ns } = await clock(page);
  assert.ok(ns < 90e9, 'ten events before the flush are before 90 s');
  assert.equal(await routerVipRow(page, '192.168.1.201'), 'node-a', 'before the flush: the stale entry to node-a');
  // The callout beside the router shows the same row without any click.
  assert.equal(await page.$eval('.callout .row[data-vip="192.168.1.201"]', (t) => t.dataset.via), 'node-a');
  assert.deepEqual(errors, []);
});

test('failover: a long blackhole with garp: ignore, only the detection time with garp-honor', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  const outage = () => page.$eval('figure[data-chart=requests]', (f) => Number(f.dataset.longestOutageMs));
  const ignored = await outage();
  await choose(page, 'metallb-l2-failover', 'garp-honor');
  const honoured = await outage();
  console.log(`# longest outage: garp ignore ${ignored} ms, garp honor ${honoured} ms`);
  assert.ok(ignored >= 60_000, `the blackhole lasts until the flush at 90 s (${ignored} ms)`);
  assert.ok(honoured > 0 && honoured <= 8_000, `with GARP honoured only the ~5 s detection remains (${honoured} ms)`);
  assert.match(await page.textContent('figure[data-chart=requests] .chart-summary'), /longest outage lasted/);
  assert.deepEqual(errors, []);
});

test('charts: a lane whose every request the Local policy dropped says none was answered, not "All 0 succeeded"', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#ex02-why-local-drops');
  await page.keyboard.press('End');
  const said = await page.textContent('figure[data-chart=requests] .chart-summary');
  assert.doesNotMatch(said, /All 0 requests/);
  // "lb-0 → ...: None of the 28 requests was answered. All 28 turned away by externalTrafficPolicy: Local ..."
  const [, total, dropped] = said.match(/None of the (\d+) requests was answered\. All (\d+) turned away by externalTrafficPolicy: Local/) ?? [];
  assert.ok(total && total === dropped, said);
  assert.doesNotMatch(said, /not an outage/, 'nothing was answered: no "the policy working, not an outage"');
  assert.deepEqual(errors, []);
});

test('compare overlays the original and a variant on one time axis', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.selectOption('select[aria-label="Compare with"]', 'variant:garp-honor');
  await page.waitForSelector('.compare-table tbody tr:nth-child(2)');
  const outages = await page.$$eval('.compare-table tbody tr', (rows) => rows.map((r) => Number(r.dataset.longestOutageMs)));
  assert.equal(outages.length, 2);
  assert.ok(outages[0] > 10 * outages[1], `A ${outages[0]} ms against B ${outages[1]} ms`);
  assert.ok(await page.$('figure[data-chart=compare-requests] svg'), 'the overlaid chart is drawn');
  assert.deepEqual(errors, []);
});

test('compare takes the whole width at 1440 px: the sticky lesson column does not cover it', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover',
    { viewport: { width: 1440, height: 900 } });
  await page.selectOption('select[aria-label="Compare with"]', 'variant:garp-honor');
  await page.waitForSelector('figure[data-chart=compare-requests] svg');
  await page.$eval('figure[data-chart=compare-requests]', (f) => f.scrollIntoView({ block: 'center' }));
  const box = (sel) => page.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, top: r.top, bottom: r.bottom }; });
  const lesson = await box('.col-lesson');
  const compare = await box('section[data-panel=compare]');
  const overlaps = lesson.left < compare.right && compare.left < lesson.right && lesson.top < compare.bottom && compare.top < lesson.bottom;
  assert.ok(!overlaps, `lesson ${JSON.stringify(lesson)} over compare ${JSON.stringify(compare)}`);
  assert.ok(compare.right - compare.left > 1300, `compare is ${compare.right - compare.left} px wide`);
  assert.deepEqual(errors, []);
});

test('charts: faint grid lines and bars are faint in their paint, not by element opacity (no effect per shape)', async () => {
  // An SVG element's `opacity` below 1 is an effect of its own in
  // Chromium; a run's charts had about 380, sorted into compositor layers
  // again on every step (ui/charts.rs paint_opacity).
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.selectOption('select[aria-label="Compare with"]', 'variant:garp-honor');
  await page.waitForSelector('figure[data-chart=compare-requests] svg');
  for (const chart of ['requests', 'path', 'served', 'compare-requests']) {
    const shapes = await page.$$eval(`figure[data-chart=${chart}] svg *`, (l) => l.map((e) => ({
      tag: e.tagName, opacity: e.getAttribute('opacity'), fill: e.getAttribute('fill-opacity'), stroke: e.getAttribute('stroke-opacity'),
      computed: getComputedStyle(e).opacity,
    })));
    assert.ok(shapes.length > 50, `${chart}: ${shapes.length} shapes`);
    assert.deepEqual(shapes.filter((s) => s.opacity !== null || s.computed !== '1'), [], `${chart}: no shape has an element opacity`);
    // The mesh's faint lines (0.12) are still faint, through the stroke.
    assert.ok(shapes.some((s) => s.tag === 'line' && s.stroke === '0.12' && s.fill === '0.12'), `${chart}: the faint grid`);
  }
  assert.deepEqual(errors, []);
});

test('console: kubectl get svc prints the Service row at once; curl runs in a branch', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  await page.fill('input[aria-label=Command]', 'kubectl get svc');
  await page.keyboard.press('Enter');
  const out = await page.locator('.console-log li.typed').last().locator('.out').textContent();
  assert.match(out, /^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/m);
  assert.match(out, /^web\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+192\.168\.1\.201\s+80:\d+\/TCP\s+\S+$/m);
  const runs = await page.$$eval('.runs li', (l) => l.length);
  await page.selectOption('select[aria-label="Console host"]', 'client');
  await page.fill('input[aria-label=Command]', 'curl -m 1 http://192.168.1.201/');
  await page.keyboard.press('Enter');
  assert.equal(await page.$$eval('.runs li', (l) => l.length), runs + 1, 'curl takes time: it runs in a new branch');
  assert.match(await page.locator('.console-log li.typed').last().locator('.out').textContent(),
    /^curl: \(28\) Connection timed out after \d+ milliseconds/);
  assert.deepEqual(errors, []);
});

test('branching: flushing the router ARP cache at 30 s shortens the outage', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  await page.click('text=Flush router\'s ARP cache');
  const label = await page.textContent('.runs li.active .run-label');
  assert.match(label, /flush-arp router/);
  const outage = await page.$eval('figure[data-chart=requests]', (f) => Number(f.dataset.longestOutageMs));
  assert.ok(outage < 15_000, `the branch recovers soon after 30 s (${outage} ms)`);
  await page.click('.runs li:first-child button:has-text("Show")');
  assert.match(await page.textContent('.runs li.active .run-label'), /original/);
  assert.deepEqual(errors, []);
});

test('a pasted scenario with an error is reported at file:line with the line quoted', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url);
  await page.click('summary:has-text("Paste YAML")');
  const yaml = 'apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: broken\nspec:\n  duratoin: 5s\n';
  await page.fill('textarea[aria-label="Scenario YAML"]', yaml);
  await page.click('text=Load pasted scenario');
  await page.waitForSelector('.load-problem');
  const where = await page.$$eval('.load-problem .where', (w) => w.map((e) => e.textContent));
  assert.ok(where.some((w) => /^pasted\.yaml:6:\d+$/.test(w)), where.join(', '));
  assert.match(await page.textContent('.load-problem'), /duratoin/);
  assert.deepEqual(errors, []);
});

test('keyboard only: Tab reaches the play button and the scrubber, shortcuts drive the timeline', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url);
  const reach = async (selector, limit = 60) => {
    for (let i = 0; i < limit; i++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return i + 1;
    }
    return null;
  };
  assert.ok(await reach('button.play'), 'Tab reaches the play button');
  await page.keyboard.press('Enter');
  assert.equal(await page.getAttribute('button.play', 'aria-pressed'), 'true', 'Enter on it plays');
  await page.keyboard.press('Enter');
  assert.ok(await reach('.scrubber input[type=range]'), 'Tab reaches the scrubber');
  const before = await clock(page);
  await page.keyboard.press('ArrowRight');
  assert.ok((await clock(page)).ns > before.ns, 'arrows on the scrubber move the time');
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('button.play', 'aria-pressed'), 'true', 'Space plays');
  await page.keyboard.press('Space');
  assert.equal(await page.getAttribute('button.play', 'aria-pressed'), 'false', 'Space pauses');
  await page.keyboard.press('Home');
  await page.keyboard.press('Shift+ArrowRight');
  const mark = await clock(page);
  assert.ok(mark.step > 0, 'Shift+Right jumps to the first interesting event');
  await page.keyboard.press('ArrowRight');
  assert.ok((await clock(page)).step > mark.step, 'Right steps one event');
  await page.keyboard.press('?');
  assert.ok(await page.isVisible('[role=dialog] >> text=Keyboard shortcuts'));
  await page.keyboard.press('Escape');
  assert.equal(await page.$('[role=dialog]'), null);
  // A host is chosen with Enter from the topology.
  await page.focus('g.host[data-host=node-b]');
  await page.keyboard.press('Enter');
  assert.ok(await page.$('.host-tables[data-host=node-b]'));
  assert.deepEqual(errors, []);
});

test('the exported jsonl equals the native CLI trace for every shipped scenario', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url);
  for (const id of SCENARIOS) {
    await choose(page, id);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Download jsonl')]);
    assert.equal(download.suggestedFilename(), `${id}.jsonl`);
    const browserTrace = await readFile(await download.path(), 'utf8');
    const nativeTrace = nativeJsonl(`scenarios/${id}.yaml`);
    assert.ok(browserTrace.length > 1000);
    assert.equal(browserTrace, nativeTrace, `${id}: the browser's trace is byte-identical to the CLI's`);
  }
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    choose(page, 'metallb-l2-failover', 'garp-honor').then(() => page.click('text=Download jsonl')),
  ]);
  assert.equal(await readFile(await download.path(), 'utf8'),
    nativeJsonl('scenarios/metallb-l2-failover.yaml', '--variant', 'garp-honor'));
  assert.deepEqual(errors, []);
});

test('budgets (printed): wasm size, time to the first interactive frame, worst seek back', async () => {
  // The reader-facing budgets (embed, first paint, throttled loads) are `./dev size` (tools/size.mjs).
  const wasm = readdirSync(DIST).find((f) => f.endsWith('_bg.wasm'));
  const kb = (suffix) => (statSync(path.join(DIST, wasm + suffix)).size / 1024).toFixed(1);
  console.log(`# wasm: ${kb('.gz')} KB gzip -9, ${kb('.br')} KB brotli 11, ${kb('')} KB raw`);
  const started = Date.now();
  const { page, errors } = await openApp(app.browser, app.server.url);
  const interactive = Date.now() - started;
  const nav = await page.evaluate(() => performance.now());
  console.log(`# first interactive frame: ${interactive} ms from navigation (page clock ${nav.toFixed(0)} ms)`);
  for (const id of SCENARIOS) {
    await choose(page, id);
    await page.keyboard.press('End');
    const { ns, step: last } = await clock(page);
    // Backwards across the whole run in 0.5 s jumps: each seek restores a snapshot and replays.
    for (let t = ns / 1e9; t >= 0; t -= 0.5) await scrubTo(page, t);
    const seek = await clock(page);
    // Key-to-render of a step back is timed within a frame by learner.test.mjs
    // ('speed'): a key pressed through the driver and a page.evaluate after it
    // time the driver's round trips, not the page, so they are not printed here.
    console.log(`# ${id}: worst seek back ${seek.worstSeekBackMs.toFixed(3)} ms (core)`);
    // Printed, not judged; but the figure must come from seeks that ran: the
    // cursor went back to the run's first second, and a backward seek (a
    // snapshot restored and up to 255 steps replayed, about a millisecond)
    // was timed above zero.
    assert.ok(seek.step < last && seek.ns < 1e9, `${id}: the scrub went back to ${seek.ns / 1e9} s, step ${seek.step} of ${last}`);
    assert.ok(seek.worstSeekBackMs > 0, `${id}: no backward seek was timed`);
  }
  assert.deepEqual(errors, []);
});

test('the remedies include the same story in BGP mode', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.click('text=Open the BGP version');
  await page.waitForFunction(() => document.querySelector('select[aria-label=Scenario]')?.value === 'bgp-ecmp');
  assert.match(await page.textContent('.callout'), /no route to 192\.168\.1\.201 yet/);
  await scrubTo(page, 10);
  assert.match(await page.textContent('.callout'), /route 192\.168\.1\.201\/32/);
  assert.deepEqual(errors, []);
});
