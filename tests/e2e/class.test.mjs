// The class view (issue 20, point 2), in real Chromium: an instructor drops
// thirty hand-ins on #/class; each is replayed in the page, one per turn of
// the event loop, and the table reads learner x goal with the replay's
// verdicts (never the file's claims), sortable, exported as CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { servedApp, openApp, openPage, handIn, faultAt } from './harness.mjs';

const app = servedApp();

/**
 * The hand-in `base` renamed to `learner` and sealed again as vipsim seals
 * it: SHA-256 over the compact JSON with the integrity empty (the fields
 * keep the order vipsim wrote them in, which JSON.parse keeps).
 */
function renamed(base, learner) {
  const h = { ...base, learner, integrity: '' };
  h.integrity = createHash('sha256').update(JSON.stringify(h)).digest('hex');
  return JSON.stringify(h, null, 2);
}

test('thirty hand-ins dropped on the class view replay to a sortable table of learners and goals', async () => {
  // Two real hand-ins from the playground: the untouched exercise, and the
  // author's remedy (flush the router's ARP cache during the blackhole).
  const { page: player, context: playerContext } = await openApp(app.browser, app.server.url, '#ex06-garp-blackhole');
  const lazy = JSON.parse(await readFile((await handIn(player, 'Lazy')).file, 'utf8'));
  await player.click('.handin-menu summary');
  await faultAt(player, 35, 'flush-arp', 'router');
  const solvedHandIn = await handIn(player, 'Solved');
  const solved = JSON.parse(await readFile(solvedHandIn.file, 'utf8'));
  await playerContext.close();

  const dir = await mkdtemp(path.join(tmpdir(), 'vipsim-class-'));
  const files = [];
  const write = async (name, text) => { const f = path.join(dir, name); await writeFile(f, text); files.push(f); };
  for (let i = 1; i <= 28; i++) {
    const name = `Learner ${String(i).padStart(2, '0')}`;
    await write(`learner-${i}.vipsim.json`, renamed(i <= 18 ? solved : lazy, name));
  }
  // Edited after the hand-in (the name changed, the seal not), and no hand-in at all.
  await write('mallory.vipsim.json', JSON.stringify({ ...solved, learner: 'Mallory' }, null, 2));
  await write('notes.txt', 'these are my notes, not a hand-in');
  assert.equal(files.length, 30);

  const { page, context, errors } = await openPage(app.browser, app.server.url + '#/class');
  await page.waitForSelector('.class-view .class-status');
  await page.setInputFiles('input[name=handins]', files);
  // The page answers while it replays: its status is read in between.
  const seen = new Set();
  for (;;) {
    const rows = Number(await page.getAttribute('.class-status', 'data-rows'));
    seen.add(rows);
    if (rows === 30 && (await page.getAttribute('.class-status', 'data-ms')) !== '') break;
    await page.waitForTimeout(20);
  }
  const ms = Number(await page.getAttribute('.class-status', 'data-ms'));
  console.log(`# class view: 30 hand-ins replayed in ${(ms / 1000).toFixed(2)} s (goal under 10 s)`);
  assert.ok([...seen].some((n) => n > 0 && n < 30), `progress seen between the first and the last: ${[...seen].join(' ')}`);
  assert.match(await page.textContent('.class-status'), /^30 hand-ins replayed in [0-9.]+ s\. 18 of 30 passed\.$/);

  const standings = await page.$$eval('table.class tbody tr', (l) => l.map((tr) => tr.dataset.standing));
  const count = (s) => standings.filter((x) => x === s).length;
  assert.deepEqual([count('passed'), count('failed'), count('tampered'), count('unreadable')], [18, 10, 1, 1]);
  // A goal column per goal of the exercise; a failed learner fails one.
  const goals = await page.$$eval('table.class thead th', (l) => l.map((th) => th.textContent.trim()));
  assert.deepEqual(goals.slice(0, 4), ['Learner ▲', 'Exercise', 'Result', 'Goals']);
  assert.deepEqual(goals.slice(-3), ['Solved at (run time)', 'Hints', 'File']);
  const row = (name) => page.locator(`table.class tbody tr[data-learner="${name}"]`);
  assert.equal(await row('Learner 01').locator('td.goal.fail').count(), 0);
  assert.ok(await row('Learner 20').locator('td.goal.fail').count() > 0);
  assert.equal(await row('Learner 01').locator('td.num').nth(1).textContent(), '35.000 s');
  assert.match(await row('Mallory').locator('.problem').textContent(), /integrity hash/);
  assert.equal(await row('Mallory').locator('td.goal.pass').count(), 0, 'an edited file shows no results');

  // Sorted by learner (the unnamed last), then descending, then by result.
  const learners = () => page.$$eval('table.class tbody tr', (l) => l.map((tr) => tr.dataset.learner));
  assert.deepEqual((await learners()).slice(-3), ['Learner 28', 'Mallory', '']);
  await page.click('table.class thead th:nth-child(1) button');
  assert.equal(await page.getAttribute('table.class thead th:nth-child(1)', 'aria-sort'), 'descending');
  assert.deepEqual((await learners()).slice(0, 2), ['Mallory', 'Learner 28']);
  await page.click('table.class thead th:nth-child(3) button');
  assert.equal(await page.getAttribute('table.class thead th:nth-child(3)', 'aria-sort'), 'ascending');
  assert.equal((await page.$$eval('table.class tbody tr', (l) => l.map((tr) => tr.dataset.standing)))[0], 'passed');

  // The CSV: a header and a line per hand-in, in the order on screen.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-do=export-csv]')]);
  assert.equal(download.suggestedFilename(), 'vipsim-class.csv');
  const csv = (await readFile(await download.path(), 'utf8')).trimEnd().split('\r\n');
  assert.equal(csv.length, 31);
  assert.match(csv[0], /^learner,exercise,file,result,goals passed,.*,solved at \(s\),hints,actions,problem$/);
  assert.match(csv[1], /^Learner 01,ex06-garp-blackhole,learner-1\.vipsim\.json,passed,(\d+)\/\1,/);

  // A code pasted from a chat joins the class.
  await page.fill('textarea[name=handin-codes]', solvedHandIn.code);
  await page.click('.codes button[type=submit]');
  await page.waitForSelector('.class-status[data-rows="31"][data-queued="0"]');
  assert.equal(await row('Solved').getAttribute('data-standing'), 'passed');
  assert.deepEqual(errors, []);
  await context.close();
});
