// The main pages paint the lesson first (issue 17): index.html and each
// scenario's page show the title, the lesson and the network as static
// HTML in the first response, with the download's real progress, and the
// app then takes over in place. The static network is the app's first
// frame: same boxes, same words (both come from src/view/scene.rs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, serveDist, ready } from './harness.mjs';

const app = servedApp({ prefix: '/docs/sim/' });

/** A page at `url` whose wasm is held until `release()`. */
async function held(url, options = {}) {
  const context = await app.browser.newContext(options);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  let release;
  const gate = new Promise((ok) => { release = ok; });
  await page.route('**/*_bg.wasm', async (route) => { await gate; await route.continue(); });
  await page.goto(url);
  return { page, context, errors, release };
}

/** Boxes and words of every host in the visible topology drawing under `root`. */
const hostsOf = (page, root) => page.$$eval(`${root} svg.topology-svg`, (svgs) => {
  const svg = svgs.find((s) => s.getBoundingClientRect().width > 0);
  const hosts = [...svg.querySelectorAll('g.host')].map((g) => {
    const r = g.querySelector('rect');
    return {
      host: g.dataset.host,
      box: ['x', 'y', 'width', 'height'].map((a) => r.getAttribute(a)).join(' '),
      // The words sit beside the button, in the host-text group after it.
      words: [...g.nextElementSibling.querySelectorAll('text')].map((t) => t.textContent).join(' | '),
      text: g.nextElementSibling.getAttribute('class'),
      label: g.getAttribute('aria-label'),
      classes: g.getAttribute('class'),
    };
  });
  const callout = svg.querySelector('.callout')?.textContent ?? null;
  return { viewBox: svg.getAttribute('viewBox'), hosts, callout, cables: svg.querySelectorAll('line').length };
});

const box = (page, selector) => page.$$eval(selector, (els) => {
  const r = els.find((e) => e.getBoundingClientRect().width > 0).getBoundingClientRect();
  return { x: Math.round(r.x), y: Math.round(r.y), width: Math.round(r.width), height: Math.round(r.height) };
});

test('index.html shows the lesson and the network before the wasm, then the app takes over in place', async () => {
  for (const viewport of [{ width: 1440, height: 900 }, { width: 1024, height: 768 }, { width: 360, height: 740 }]) {
    const { page, context, errors, release } = await held(app.server.url, { viewport });
    await page.waitForSelector('.first-paint .lesson-title', { state: 'visible' });
    assert.match(await page.innerText('.first-paint .lesson:visible'), /^MetalLB L2 failover/);
    assert.ok((await page.innerText('.first-paint .lesson .description:visible')).length > 200);
    // One drawing shows: the reader's language, the layout for this width.
    const narrow = viewport.width < 720;
    assert.deepEqual(await page.$$eval('.first-paint svg.topology-svg:visible', (l) => l.map((s) => s.getAttribute('class'))),
      [`topology-svg ${narrow ? 'poster-narrow' : 'poster-wide'}`]);
    assert.equal(await page.evaluate(() => window.vipsimBoot.firstPaint), 'moment');
    assert.equal(await page.$$eval('.shell[data-ready=true]', (l) => l.length), 0);
    const staticTopology = await box(page, '.first-paint svg.topology-svg');
    const staticLesson = await box(page, '.first-paint .lesson');
    const staticTimeline = await box(page, '.first-paint .timeline');
    release();
    await ready(page);
    const progress = await page.evaluate(() => window.vipsimBoot.progress);
    assert.equal(progress.at(-1), 100, `progress ${progress.join(' ')}`);
    assert.ok(progress.every((p, i) => i === 0 || p >= progress[i - 1]), `progress ${progress.join(' ')}`);
    assert.ok(progress.some((p) => p > 0 && p < 100), `intermediate progress ${progress.join(' ')}`);
    assert.equal(await page.$$eval('.first-paint, #vipsim-boot', (l) => l.length), 0);
    const at = `${viewport.width}x${viewport.height}`;
    assert.deepEqual(await box(page, '.shell[data-ready=true] svg.topology-svg'), staticTopology, `${at}: the network moved`);
    assert.deepEqual(await box(page, '.shell[data-ready=true] .timeline'), staticTimeline, `${at}: the timeline moved`);
    // On a phone the lesson comes after the charts and events, below the fold.
    if (viewport.width >= 900) {
      assert.deepEqual(await box(page, '.shell[data-ready=true] .lesson'), staticLesson, `${at}: the lesson moved`);
    }
    assert.deepEqual(errors, []);
    await context.close();
  }
});

test("each scenario's page draws the app's first frame: same boxes and words", async () => {
  const ids = await (async () => {
    const { page, context, release } = await held(app.server.url);
    const list = await page.$$eval('.first-paint[data-l=en] select[name=scenario] option', (os) => os.map((o) => o.value));
    release();
    await context.close();
    return list;
  })();
  assert.ok(ids.length >= 12, ids.join(' '));
  for (const id of ids) {
    for (const viewport of id === 'bgp-ecmp' ? [{ width: 1440, height: 900 }, { width: 360, height: 740 }] : [{ width: 1440, height: 900 }]) {
      const { page, context, errors, release } = await held(`${app.server.url}${id}.html`, { viewport });
      await page.waitForSelector('.first-paint .lesson-title', { state: 'visible' });
      const poster = await hostsOf(page, '.first-paint');
      release();
      await ready(page);
      const drawn = await hostsOf(page, '.shell[data-ready=true]');
      assert.deepEqual(poster, drawn, `${id} at ${viewport.width}px`);
      assert.deepEqual(errors, [], id);
      await context.close();
    }
  }
});

test('index.html?scenario=X opens X\'s own page, whose first response has X\'s lesson', async () => {
  const { page, context, release } = await held(`${app.server.url}index.html?scenario=bgp-ecmp&lang=ko`);
  await page.waitForSelector('.first-paint .lesson-title:visible');
  assert.match(page.url(), /\/bgp-ecmp\.html\?scenario=bgp-ecmp&lang=ko$/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  // The Korean shell is the one shown.
  assert.match(await page.innerText('.first-paint .lesson-title:visible'), /[가-힣]/);
  assert.equal(await page.$$eval('.first-paint .lesson-title:visible', (l) => l.length), 1);
  release();
  await ready(page);
  assert.equal(await page.$eval('select[aria-label=시나리오]', (el) => el.value), 'bgp-ecmp');
  await context.close();
});

test('another moment keeps the lesson but not the network of the first moment; a permalink shows the loading line', async () => {
  const later = await held(`${app.server.url}?at=27s`);
  await later.page.waitForSelector('.first-paint .lesson-title', { state: 'visible' });
  assert.equal(await later.page.evaluate(() => window.vipsimBoot.firstPaint), 'lesson');
  assert.equal(await later.page.isVisible('.first-paint svg.topology-svg'), false);
  later.release();
  await ready(later.page);
  await later.context.close();

  const linked = await held(`${app.server.url}#/workshop`);
  await linked.page.waitForSelector('#vipsim-boot', { state: 'visible' });
  assert.equal(await linked.page.evaluate(() => window.vipsimBoot.firstPaint), 'generic');
  assert.equal(await linked.page.isVisible('.first-paint'), false);
  assert.match(await linked.page.innerText('#vipsim-boot'), /^Loading the simulator… \d+ %/);
  linked.release();
  await linked.context.close();
});

test('a host that does not compress serves the same site', async () => {
  const plain = await serveDist({ encodings: [] });
  const context = await app.browser.newContext();
  const page = await context.newPage();
  await page.goto(plain.url);
  await ready(page);
  assert.ok(plain.responses.every((r) => r.encoding === null));
  assert.equal(await page.evaluate(() => window.vipsimBoot.progress.at(-1)), 100);
  await context.close();
  await plain.close();
});
