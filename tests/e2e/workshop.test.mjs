// Workshops and embedding (issue 8), in real Chromium: an exercise is
// completed by acting and its progress survives a reload; progress moves to
// a fresh profile through its export file (and a bad file changes nothing);
// a permalink reopens the same step with the same inspector content; the
// embed player inside an iframe reports its height and plays; the Korean
// switch changes the UI text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { servedApp, openApp, openPage, scrubTo, clock } from './harness.mjs';

const app = servedApp();
let exported;

const taskStates = (page) => page.$$eval('.tasks .task', (els) => els.map((e) => e.dataset.state));

/** Types `line` into the console on `host`; a command that takes time runs the cursor to its end. */
async function consoleRun(page, host, line) {
  await page.selectOption('select[name=console-host]', host);
  await page.fill('.console-input input', line);
  await page.press('.console-input input', 'Enter');
  return page.locator('.console-log li.typed').last().locator('.out').textContent();
}

const exerciseStatus = (page, id) =>
  page.$eval(`.exercise[data-exercise="${id}"]`, (el) => el.dataset.status);

test('an exercise completed by acting turns green and stays done after a reload', async () => {
  const { page, context, errors } = await openApp(app.browser, app.server.url, '#ex01-find-the-leader');
  assert.deepEqual(await taskStates(page), ['fail', 'fail', 'fail']);

  await scrubTo(page, 10);
  const arping = await consoleRun(page, 'router', 'arping -c 3 192.168.1.200');
  assert.match(arping, /^Unicast reply from 192\.168\.1\.200 \[02:[0-9A-F:]+\]/m);
  await page.waitForFunction(() => document.querySelector('.tasks .task[data-goal="0"]')?.dataset.state === 'pass');

  // A read-only command that a goal grades is recorded in the run too.
  const logs = await consoleRun(page, 'client', 'kubectl logs -n metallb-system -l component=speaker --prefix');
  assert.match(logs, /"event":"serviceAnnounced"/);
  await page.waitForFunction(() => document.querySelector('.tasks .task[data-goal="1"]')?.dataset.state === 'pass');

  // Take node-a out of the election without touching node-c.
  await page.selectOption('select[name=fault]', 'stop-speaker');
  await page.selectOption('select[name=fault-host]', 'node-a');
  await page.click('.branches form button[type=submit]');
  await page.keyboard.press('End');
  await page.waitForSelector('.tasks[data-complete=true]');
  assert.deepEqual(await taskStates(page), ['pass', 'pass', 'pass']);
  assert.equal(await page.$$eval('.tasks .task.pass', (l) => l.length), 3, 'every goal shows green');

  await page.reload();
  await page.waitForSelector('.shell[data-ready=true]');
  await page.waitForSelector('.tasks[data-complete=true]');
  await page.goto(app.server.url + '#/workshop');
  await page.waitForSelector('.workshop-index .exercise');
  assert.equal(await exerciseStatus(page, 'ex01-find-the-leader'), 'done');
  assert.match(await page.textContent('.workshop-index .summary'), /^1 of 8 /);

  // Export the progress file for the next test.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-do=export-progress]')]);
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'vipsim-')), download.suggestedFilename());
  await download.saveAs(file);
  exported = file;
  const json = JSON.parse(await readFile(file, 'utf8'));
  assert.equal(typeof json.version, 'number');
  assert.deepEqual(errors, []);
  await context.close();
});

test('exported progress imports into a fresh profile; a bad file is refused and changes nothing', async () => {
  assert.ok(exported, 'the previous test exported a progress file');
  const { page, context, errors } = await openPage(app.browser, app.server.url + '#/workshop');
  await page.waitForSelector('.workshop-index .exercise');
  assert.equal(await exerciseStatus(page, 'ex01-find-the-leader'), 'not-started');

  const bad = path.join(path.dirname(exported), 'bad.json');
  await writeFile(bad, '{"version": 99, "exercises": 3}');
  await page.setInputFiles('input[name=import-progress]', bad);
  await page.waitForSelector('.import-result[data-result=refused]');
  assert.equal(await exerciseStatus(page, 'ex01-find-the-leader'), 'not-started');

  await page.setInputFiles('input[name=import-progress]', exported);
  await page.waitForSelector('.import-result[data-result=merged]');
  assert.equal(await exerciseStatus(page, 'ex01-find-the-leader'), 'done');
  await page.reload();
  await page.waitForSelector('.workshop-index .exercise');
  assert.equal(await exerciseStatus(page, 'ex01-find-the-leader'), 'done', 'the import is saved');
  assert.deepEqual(errors, []);
  await context.close();
});

test('a permalink reopens the same step with the same inspector content', async () => {
  const { page, context } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 27.3);
  await page.selectOption('select[name=inspect-host]', 'router');
  await page.waitForFunction(() => location.hash.startsWith('#/link/'));
  const link = page.url();
  const before = await clock(page);
  const inspector = await page.textContent('.inspector');
  assert.match(inspector, /192\.168\.1\.201/);
  await context.close();

  const again = await openApp(app.browser, link, '');
  assert.equal((await clock(again.page)).step, before.step);
  assert.equal(await again.page.textContent('.inspector'), inspector);
  assert.deepEqual(again.errors, []);
  await again.context.close();

  const broken = await openApp(app.browser, app.server.url, '#/link/AAAA%%');
  assert.match(await broken.page.textContent('[role=alert]'), /link/i);
  await broken.context.close();
});

test('the embed player in an iframe reports its height, runs and plays', async () => {
  const context = await app.browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const src = `${app.server.url}embed.html?scenario=metallb-l2-failover&at=18s&panels=topology,timeline`;
  // The host page is what a blog author pastes: the iframe and the sizing script.
  await page.setContent(`<!doctype html><h1>A blog post</h1>
    <iframe id="player" src="${src}" style="width:100%;border:0" height="300"></iframe>
    <script>
      window.heights = [];
      addEventListener('message', (e) => {
        const d = e.data;
        if (d && d.type === 'vipsim:height') {
          window.heights.push(d.height);
          document.getElementById('player').style.height = d.height + 'px';
        }
      });
    </script>`);
  await page.waitForFunction(() => window.heights.length > 0, null, { timeout: 60_000 });
  const frame = page.frames().find((f) => f.url().includes('embed.html'));
  // The poster (embed.html before it runs) reports its height too.
  await frame.click('.facade .run');
  await frame.waitForSelector('.shell[data-ready=true]');
  await page.waitForFunction(() => {
    const f = document.getElementById('player');
    return f.getBoundingClientRect().height === window.heights[window.heights.length - 1];
  });
  const reported = await page.evaluate(() => window.heights[window.heights.length - 1]);
  assert.ok(reported > 300, `reported height ${reported}`);
  // Chrome-less: no header, lesson or console; no scrollbars inside.
  assert.equal(await frame.$$eval('.topbar, .col-lesson, .console', (l) => l.length), 0);
  assert.ok(await frame.$('.embed-bar'));
  const overflow = await frame.evaluate(() => document.documentElement.scrollHeight - innerHeight);
  assert.ok(overflow <= 1, `the player scrolls by ${overflow}px`);

  // Run plays from the moment asked for.
  const start = await clock(frame);
  assert.ok(start.ns >= 18e9 && start.ns < 30e9, `opens at 18 s, not ${start.ns / 1e9}`);
  assert.equal(await frame.getAttribute('.timeline button.play', 'aria-pressed'), 'true');
  await frame.waitForFunction((t) => Number(document.querySelector('.clock').dataset.timeNs) > t, start.ns);
  assert.deepEqual(errors, []);
  await context.close();
});

test('switching to Korean changes the UI text, and the choice is remembered', async () => {
  const { page, context } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  const english = await page.textContent('.tagline');
  await page.selectOption('select[name=lang]', 'ko');
  await page.waitForFunction((en) => document.querySelector('.tagline').textContent !== en, english);
  assert.match(await page.textContent('.tagline'), /[가-힣]/);
  assert.equal(await page.getAttribute('html', 'lang'), 'ko');
  assert.match(await page.textContent('#lesson-title'), /^MetalLB L2 장애 조치/);
  await page.reload();
  await page.waitForSelector('.shell[data-ready=true]');
  assert.match(await page.textContent('.tagline'), /[가-힣]/);
  await context.close();

  // A browser that prefers Korean opens in Korean.
  const korean = await openApp(app.browser, app.server.url, '#ex01-find-the-leader', { locale: 'ko-KR' });
  assert.equal(await korean.page.getAttribute('html', 'lang'), 'ko');
  // The tasks say what they found in Korean too (the values stay as the tools print them).
  // (Tool names are set as code, not between literal backticks: issue 18, point 8.)
  assert.match(await korean.page.textContent('.tasks .task[data-goal="0"] .detail'), /^현재 상태: 아직 성공한 arping 없음$/);
  assert.equal(await korean.page.textContent('.tasks .task[data-goal="0"] .detail code'), 'arping');
  await korean.context.close();
});
