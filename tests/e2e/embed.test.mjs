// embed.html is a click-to-load facade (issue 17): before the reader runs
// it, a blog post pays for a poster, not for the simulator. Then Run (click,
// Enter, Space) or autoplay=1 loads the app, which plays from the requested
// moment. A service worker is registered in somebody else's page only with sw=1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, serveDist, ready, clock } from './harness.mjs';

const app = servedApp({ serve: false });

const APP_FILE = /\/vipsim-[0-9a-f]{1,16}(_bg)?\.(js|wasm)$/;
const GOAL = 30 * 1024;

/** A blog post with one player, at `src`; returns the page and the player's frame. */
async function post(context, src) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.setContent(`<!doctype html><h1>A blog post</h1>
    <iframe id="player" src="${src}" style="width:100%;border:0" height="300"></iframe>
    <script>
      window.heights = [];
      addEventListener('message', (e) => {
        if (e.data?.type === 'vipsim:height') {
          window.heights.push(e.data.height);
          document.getElementById('player').style.height = e.data.height + 'px';
        }
      });
    </script>`);
  let frame;
  for (let i = 0; i < 400 && !frame; i++) {
    frame = page.frames().find((f) => f.url().includes('embed.html'));
    if (!frame) await page.waitForTimeout(25);
  }
  await frame.waitForFunction(() => window.vipsimBoot?.poster, null, { timeout: 30_000 });
  return { page, frame, errors };
}

/** The height the drawn poster reported (its ResizeObserver reports after the frame it was laid out in). */
async function posterHeight(page, frame) {
  await frame.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  await page.waitForTimeout(100);
  return page.evaluate(() => window.heights.at(-1));
}

test('before it runs, the embed costs at most 30 KB gzip and requests nothing of the app', async () => {
  for (const [encodings, name] of [[['gzip'], 'gzip'], [['br', 'gzip'], 'brotli']]) {
    const server = await serveDist({ prefix: '/blog/vipsim/', encodings });
    const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
    const { page, frame, errors } = await post(context, `${server.url}embed.html?scenario=metallb-l2-failover`);
    assert.equal(await frame.evaluate(() => window.vipsimBoot.poster), 'scenario');
    // The poster is the scenario's network with the router's way to the VIP.
    await frame.waitForSelector('#poster svg.topology-svg g.host[data-host=router]', { state: 'visible' });
    assert.match(await frame.textContent('#poster .callout'), /router reaches the VIP via/);
    assert.match(await frame.textContent('.facade-title'), /^MetalLB L2 failover/);
    assert.ok(await frame.isVisible('.facade .run'));
    await page.waitForTimeout(1500);
    const bytes = server.responses.reduce((s, r) => s + r.bytes, 0);
    console.log(`# embed before interaction (${name}): ${(bytes / 1024).toFixed(1)} KB in ${server.responses.length} requests: ` +
      server.responses.map((r) => r.path.split('/').pop()).join(' '));
    assert.ok(server.requests.every((p) => !APP_FILE.test(p)), server.requests.join(' '));
    assert.ok(bytes <= GOAL, `${bytes} bytes`);
    if (name === 'gzip') assert.ok(server.responses.every((r) => r.encoding === 'gzip' || !/\.(html|css|js|svg)$/.test(r.path)));
    // It sizes the iframe like the player does.
    await page.waitForFunction(() => window.heights.length > 0);
    // No service worker in the blog's page.
    assert.ok(!server.requests.some((p) => p.endsWith('/sw.js')), server.requests.join(' '));
    assert.deepEqual(errors, []);
    await context.close();
    await server.close();
  }
});

test('Run by click, Enter or Space loads the app and plays from the requested moment', async () => {
  const server = await serveDist();
  for (const how of ['click', 'Enter', 'Space']) {
    const first = server.requests.length;
    const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
    const { page, frame, errors } = await post(context,
      `${server.url}embed.html?scenario=metallb-l2-failover&at=18s&panels=topology,timeline`);
    // Another moment than the posters': the generic poster, with the title and the moment.
    assert.equal(await frame.evaluate(() => window.vipsimBoot.poster), 'generic');
    assert.match(await frame.textContent('.facade-title'), /^MetalLB L2 failover/);
    assert.equal(await frame.textContent('.generic-moment'), 'at 18 s');
    const before = server.requests.length;
    await frame.waitForTimeout(300);
    assert.ok(server.requests.slice(first).every((p) => !APP_FILE.test(p)), `${how}: nothing loaded before`);
    if (how === 'click') await frame.click('.facade .run');
    else {
      await frame.focus('.facade .run');
      await page.keyboard.press(how);
    }
    await ready(frame);
    const settled = await page.evaluate(() => window.heights.at(-1));
    assert.ok(server.requests.slice(before).some((p) => p.endsWith('.wasm')), how);
    const start = await clock(frame);
    assert.ok(start.ns >= 18e9 && start.ns < 25e9, `${how}: opens at 18 s, not ${start.ns / 1e9}`);
    assert.equal(await frame.getAttribute('.timeline button.play', 'aria-pressed'), 'true', `${how}: playing`);
    await frame.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeNs) > t, start.ns);
    // The height settled before play: frames, callouts and drops come and go
    // while it plays, and the blog's page does not move (issue 18, point 14).
    await frame.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeNs) > t + 2e9, start.ns);
    assert.equal(await page.evaluate(() => window.heights.at(-1)), settled, `${how}: the height changed while playing: ${await page.evaluate(() => window.heights.join(" "))}`);
    // The chrome-less player, with the panels asked for.
    assert.equal(await frame.$$eval('.topbar, .col-lesson, .charts', (l) => l.length), 0);
    assert.ok(await frame.$('.embed-bar'));
    assert.deepEqual(errors, [], how);
    await context.close();
  }
  await server.close();
});

test('the embed\'s height settles before play, also through its first checkpoints', async () => {
  const server = await serveDist();
  for (const predict of ['', '&predict=0']) {
    const what = predict ? 'predict=0' : 'pausing at the checkpoints';
    const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
    const { page, frame, errors } = await post(context, `${server.url}embed.html?scenario=metallb-l2-failover${predict}`);
    const poster = await posterHeight(page, frame);
    await frame.click('.facade .run');
    await ready(frame);
    await frame.selectOption('select[name=speed]', '25');
    await frame.waitForFunction(() => Number(document.querySelector('.clock').dataset.timeNs) > 1e9);
    const [settled, from] = await page.evaluate(() => [window.heights.at(-1), window.heights.length]);
    // The poster keeps the charts' place: running it does not grow the
    // host page by the charts (about 880 px before).
    assert.ok(Math.abs(settled - poster) <= 24, `${what}: the poster was ${poster} px, the player ${settled} px`);
    const since = () => page.evaluate((from) => window.heights.slice(from), from);
    const paused = (state) => frame.waitForFunction((state) =>
      document.querySelector('.checkpoint')?.dataset.state === state
        && document.querySelector('.transport .play').getAttribute('aria-pressed') === 'false', state, { timeout: 60_000 });
    if (!predict) {
      // 21 s: the question pauses playback; an answer plays on to the
      // reveal at 27 s, where the next question waits for Play; its
      // answer shows at 31 s.
      await paused('asking');
      assert.deepEqual(await since(), [], `${what}: the question changed the height from ${settled}`);
      await frame.click('.checkpoint .choice[data-choice="0"]');
      await paused('revealed');
      await frame.click('.transport .play');
      await paused('asking');
      await frame.click('.checkpoint .choice[data-choice="0"]');
      await paused('revealed');
      await frame.click('.transport .play');
    }
    await frame.waitForFunction(() => Number(document.querySelector('.clock').dataset.timeNs) > 60e9, null, { timeout: 60_000 });
    assert.ok(await frame.$('.checkpoint[data-state=revealed]'), `${what}: an answer shows at 60 s`);
    const heights = await page.evaluate(() => window.heights.join(' '));
    console.log(`# embed, ${what}: heights reported ${heights} (settled at ${settled} before play)`);
    assert.deepEqual(await since(), [], `${what}: the height changed while playing: ${heights}`);
    assert.deepEqual(errors, [], what);
    await context.close();
  }
  await server.close();
});

test('on a phone too, the poster is as tall as the player it turns into', async () => {
  const server = await serveDist();
  // A 360 px phone: the page's first screen is the poster; running it
  // must not push the host page's text down.
  const context = await app.browser.newContext({ viewport: { width: 360, height: 740 } });
  const { page, frame, errors } = await post(context, `${server.url}embed.html?scenario=metallb-l2-failover&predict=0`);
  const poster = await posterHeight(page, frame);
  await frame.click('.facade .run');
  await ready(frame);
  await frame.waitForFunction(() => Number(document.querySelector('.clock').dataset.timeNs) > 1e9);
  const player = await page.evaluate(() => window.heights.at(-1));
  assert.ok(Math.abs(player - poster) <= 24, `the poster was ${poster} px, the player ${player} px`);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('"Open in the playground" keeps the moment, the panels and the language', async () => {
  const server = await serveDist();
  const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
  const { frame, errors } = await post(context,
    `${server.url}embed.html?scenario=metallb-l2-failover&at=30s&lang=ko&panels=topology,timeline,console`);
  await frame.click('.facade .run');
  await ready(frame);
  // Paused, so the moment to keep stands still.
  await frame.click('.timeline button.play');
  assert.equal(await frame.getAttribute('.timeline button.play', 'aria-pressed'), 'false');
  const at = (await clock(frame)).ns;
  assert.ok(at >= 30e9, `the embed plays from 30 s (${at / 1e9})`);
  const [tab] = await Promise.all([context.waitForEvent('page'), frame.click('.embed-bar a')]);
  await ready(tab);
  assert.match(tab.url(), /#\/link\//, 'the link carries the moment');
  const opened = await clock(tab);
  assert.ok(Math.abs(opened.ns - at) < 1e9, `the playground opens at ${opened.ns / 1e9} s, the embed was at ${at / 1e9} s`);
  assert.equal(await tab.getAttribute('html', 'lang'), 'ko');
  const panels = await tab.$$eval('section[data-panel]', (l) => l.map((p) => p.dataset.panel));
  assert.ok(!panels.includes('charts') && panels.includes('console'), `the embed's panels: ${panels}`);
  assert.deepEqual(errors, []);
  await context.close();
  await server.close();
});

test('autoplay=1 loads at once; the offline copy is kept only with sw=1', async () => {
  const server = await serveDist();
  for (const sw of ['', '&sw=1']) {
    const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.url}embed.html?scenario=bgp-ecmp&autoplay=1${sw}`);
    await ready(page);
    assert.equal(await page.getAttribute('.timeline button.play', 'aria-pressed'), 'true');
    const registered = () => page.evaluate(() => navigator.serviceWorker.getRegistrations().then((r) => r.length));
    if (sw) await page.waitForFunction(() => navigator.serviceWorker.getRegistrations().then((r) => r.length === 1));
    else {
      await page.waitForTimeout(1000);
      assert.equal(await registered(), 0);
    }
    await context.close();
  }
  await server.close();
});

test('the embed poster is the playground poster of the same moment', async () => {
  const server = await serveDist();
  const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  await page.route('**/*.wasm', () => {});
  const svg = async () => page.$eval('svg.topology-svg.poster-wide', (el) => {
    const clone = el.cloneNode(true);
    clone.removeAttribute('style');
    return clone.outerHTML;
  });
  await page.goto(`${server.url}embed.html?scenario=cilium-lb-ipam`);
  await page.waitForFunction(() => window.vipsimBoot?.poster === 'scenario');
  const embedded = await svg();
  await page.goto(`${server.url}cilium-lb-ipam.html`);
  const main = await page.$eval('.first-paint[data-l=en] svg.topology-svg.poster-wide', (el) => {
    const clone = el.cloneNode(true);
    clone.removeAttribute('style');
    return clone.outerHTML;
  });
  assert.equal(embedded, main);
  await context.close();
  await server.close();
});

test('a permalink embed shows the generic poster with the scenario title it carries', async () => {
  const server = await serveDist();
  const context = await app.browser.newContext();
  const page = await context.newPage();
  // Open a scenario, then read the embed code the Share menu gives (a permalink for a branch).
  await page.goto(`${server.url}#bgp-ecmp`);
  await ready(page);
  const code = await page.evaluate(() => location.hash);
  await page.goto(`${server.url}embed.html${code.startsWith('#/link/') ? code : '#/link/AAAA'}`);
  await page.waitForFunction(() => window.vipsimBoot?.poster);
  assert.equal(await page.evaluate(() => window.vipsimBoot.poster), 'generic');
  if (code.startsWith('#/link/')) assert.match(await page.textContent('.facade-title'), /BGP/);
  await context.close();
  await server.close();
});
