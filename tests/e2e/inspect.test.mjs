// Looking closer: the event list's filters and its sync with the cursor,
// a frame's layers, bytes and "why", host tables, reduced motion, links
// that open a scenario, and the embed player.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, openApp, ready, scrubTo, clock } from './harness.mjs';

const app = servedApp();

test('the event list filters, and choosing a row moves the cursor there', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.selectOption('.events .filters select >> nth=0', { label: 'drops only' });
  const protocols = await page.$$eval('.event-table tr.ev', (rows) => rows.map((r) => r.className));
  assert.ok(protocols.length > 0 && protocols.every((c) => c.includes('k-drop')), 'only drops are listed');
  await page.selectOption('.events .filters select >> nth=0', { label: 'ARP only' });
  await page.selectOption('.events .filters select >> nth=1', 'router');
  await page.fill('.events input[type=search]', 'Gratuitous');
  const rows = await page.$$eval('.event-table tr.ev', (r) => r.map((e) => e.textContent));
  assert.ok(rows.length > 0 && rows.every((t) => /router.*GARP.*Gratuitous/.test(t)), rows.slice(0, 3).join(' | '));
  const record = Number(await page.getAttribute('.event-table tr.ev >> nth=-1', 'data-record'));
  // A DOM click, not a pointer one: the list renders only the rows in view,
  // and scrolling the last rendered row into view first would put another
  // row under the pointer (the failover's second GARP burst made the list
  // longer than its viewport).
  await page.$eval('.event-table tr.ev >> nth=-1', (row) => row.click());
  assert.equal(Number(await page.getAttribute('.event-table tr.cursor', 'data-record')), record, 'the row becomes the cursor row');
  assert.match(await page.textContent('.timeline .now'), /router eth0 rx Gratuitous ARP/);
  assert.deepEqual(errors, []);
});

test('the event filter ignores case, in any script', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await page.fill('.events input[type=search]', 'GRATUITOUS');
  const garps = await page.$$eval('.event-table tr.ev', (r) => r.map((e) => e.textContent));
  assert.ok(garps.length > 0 && garps.every((t) => /Gratuitous/.test(t)), garps.slice(0, 3).join(' | '));
  // A note in another script: Rust lowers ASCII only, so the filter lowers
  // other text through the browser (src/ui/events.rs).
  await page.click('button.edit-yaml');
  const area = 'textarea[name=scenario-yaml]';
  const yaml = await page.inputValue(area);
  assert.match(yaml, /note: "Calm: node-a is the leader/);
  await page.fill(area, yaml.replace('note: "Calm: node-a is the leader', 'note: "ÄRGERLICH RUHIG: node-a is the leader'));
  await page.click('button[data-do=apply-yaml]');
  await page.waitForSelector('.editor .applied');
  await ready(page);
  await page.fill('.events input[type=search]', 'ärgerlich ruhig');
  const notes = await page.$$eval('.event-table tr.ev', (r) => r.map((e) => e.textContent));
  assert.equal(notes.length, 1, notes.join(' | '));
  assert.match(notes[0], /ÄRGERLICH RUHIG: node-a is the leader/);
  assert.deepEqual(errors, []);
});

test('a GARP the router ignored: layers, bytes and the policy that ignored it', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  await page.fill('.events input[type=search]', 'router eth0 rx Gratuitous');
  await page.click('.event-table tr.ev >> nth=-1');
  const why = await page.$$eval('.frame-view .why li', (l) => l.map((e) => e.textContent));
  assert.match(why[0], /^Why: router ignored this ARP: garp=ignore policy/);
  assert.ok(why.some((w) => /gratuitous ARP: sender IP = target IP/.test(w)), why.join(' | '));
  const layers = await page.$$eval('.frame-view .layer > summary strong', (s) => s.map((e) => e.textContent));
  assert.deepEqual(layers.slice(0, 1), ['Ethernet II']);
  assert.match(layers[1], /^Address Resolution Protocol/);
  // Focusing a field lights up exactly its bytes: the sender IP is 4 bytes.
  await page.focus('.frame-view .fields li[aria-label^="Sender IP address"]');
  assert.equal(await page.$$eval('.hex .byte.lit', (b) => b.length), 4);
  assert.deepEqual(await page.$$eval('.hex .byte.lit', (b) => b.map((e) => e.textContent)), ['c0', 'a8', '01', 'c9']);
  assert.deepEqual(errors, []);
});

test('host tables: the switch MAC table, a node\'s Service rules and announcer state', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  await page.click('g.host[data-host=switch]');
  const macs = await page.$$eval('table.macs tbody tr[data-mac]', (r) => r.length);
  assert.ok(macs >= 3, `the switch has learned MACs (${macs})`);
  await page.click('g.host[data-host=node-b]');
  assert.match(await page.textContent('table.services'), /192\.168\.1\.201:80 \(LB\)/);
  assert.match(await page.textContent('.announcer'), /answers ARP for 192\.168\.1\.201/);
  assert.deepEqual(errors, []);
});

test('host tables at 1440 px: addresses and words stay whole, MACs wrap only at colons', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover',
    { viewport: { width: 1440, height: 900 } });
  await scrubTo(page, 27);
  await page.click('g.host[data-host=router]');
  // Each text piece of an address, state or route cell on one line.
  const broken = await page.$$eval('table.neighbors th[scope=row], table.neighbors td.state, table.routes td, table.routes th',
    (cells) => cells.flatMap((cell) => {
      const text = cell.firstChild;
      // Single words only ("192.168.1.11", "REACHABLE", "kernel"); "directly connected" may wrap at its space.
      if (!text || text.nodeType !== Node.TEXT_NODE || !text.textContent.trim() || /\s/.test(text.textContent.trim())) return [];
      const range = document.createRange();
      range.selectNodeContents(text);
      return range.getClientRects().length > 1 ? [text.textContent] : [];
    }));
  assert.deepEqual(broken, [], 'no address, state or route word is split across lines');
  // A MAC that wraps does so after a colon.
  const macLines = await page.$$eval('table.neighbors code.mac', (codes) => codes.map((c) => {
    const lines = [];
    for (const node of c.childNodes) {
      if (node.nodeType !== Node.TEXT_NODE) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (range.getClientRects().length > 1) lines.push(node.textContent);
    }
    return lines;
  }));
  assert.deepEqual(macLines.flat(), [], 'each colon-separated part of a MAC stays whole');
  assert.deepEqual(errors, []);
});

test('reduced motion: frames are drawn as still markers', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover', { reducedMotion: 'reduce' });
  await scrubTo(page, 15.5);
  await page.keyboard.press('ArrowRight');
  await page.waitForSelector('g.flight');
  assert.equal(await page.$eval('g.flight', (g) => getComputedStyle(g).animationName), 'none');
  assert.deepEqual(errors, []);
});

test('links open a scenario and variant; embed.html is the chrome-less player', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '?scenario=bgp-ecmp');
  assert.equal(await page.inputValue('select[aria-label=Scenario]'), 'bgp-ecmp');
  const hashed = await openApp(app.browser, app.server.url, '#metallb-l2-failover/garp-honor');
  // Ready is the scenario's own run on screen; the variant computes after
  // it (in slices, as any run), then shows.
  await hashed.page.waitForFunction(() => document.querySelector('select[aria-label=Variant]')?.value === 'garp-honor',
    null, { timeout: 60_000 }).catch(() => {});
  assert.equal(await hashed.page.inputValue('select[aria-label=Variant]'), 'garp-honor');
  // The embed runs when asked (Run, or autoplay=1 as here) and plays; paused, it steps.
  const embed = await openApp(app.browser, app.server.url + 'embed.html', '?scenario=cilium-lb-ipam&autoplay=1');
  await embed.page.click('.timeline button.play');
  await embed.page.waitForSelector('.timeline button.play[aria-pressed=false]');
  assert.equal(await embed.page.$('.topbar'), null, 'no picker in the embed player');
  assert.match(await embed.page.textContent('.embed-bar'), /Cilium LB IPAM/);
  assert.ok(await embed.page.$('.topology-svg'));
  const before = await clock(embed.page);
  await embed.page.keyboard.press('ArrowRight');
  assert.ok((await clock(embed.page)).step > before.step, 'the embed player steps too');
  assert.deepEqual([...errors, ...hashed.errors, ...embed.errors], []);
});
