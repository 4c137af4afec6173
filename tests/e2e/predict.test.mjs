// Predict, then observe, and the packet log (issue 19), in real Chromium:
// playback pauses at a checkpoint and takes a keyboard answer, then pauses
// at the reveal with the proof selected; a branch that changes what happens
// changes the answer; `predict=0` plays through; the live region says, at
// chosen moves, the core's sentences (tests/golden/*.sentences.txt, which
// tests/narrate.rs checks against the core).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedApp, openApp, openPage, ready, scrubTo, clock, focusComesTo } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const app = servedApp();

const card = (page) => page.$eval('.checkpoint', (el) => ({ ...el.dataset }));
const seconds = async (page) => (await clock(page)).ns / 1e9;

/** Waits until playback is paused with checkpoint `id`'s card in `state`. */
async function pausedAt(page, id, state) {
  await page.waitForFunction(([id, state]) => {
    const c = document.querySelector('.checkpoint');
    return c?.dataset.checkpoint === id && c.dataset.state === state
      && document.querySelector('.transport .play')?.getAttribute('aria-pressed') === 'false';
  }, [id, state], { timeout: 30_000 });
}

/** Plays at 10x until playback pauses at checkpoint `id` in `state`. */
async function playUntil(page, id, state) {
  await page.selectOption('select[name=speed]', '10');
  await page.click('.transport .play');
  await pausedAt(page, id, state);
}

test('a checkpoint pauses, takes a keyboard answer and reveals the proof', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 20.5);
  await playUntil(page, 'who-takes-over', 'asking');
  assert.equal(await seconds(page), 21, 'paused at the question');
  assert.ok(await focusComesTo(page, '.checkpoint [data-choice="0"]'), 'the first choice has the focus');
  assert.match(await page.textContent('.checkpoint h3'), /Which node will answer ARP for 192\.168\.1\.201 next\?/);

  await page.keyboard.press('1'); // node-b; playback goes on
  await pausedAt(page, 'who-takes-over', 'revealed');
  assert.equal(await seconds(page), 27, 'paused at the answer');
  const revealed = await card(page);
  assert.equal(revealed.answer, '0');
  assert.equal(revealed.right, 'true');
  assert.match(await page.textContent('.checkpoint .happened'), /^What happened: node-b Your guess was right\./);
  // The proof (node-b's leader record) is the selected row of the event list.
  const selected = await page.getAttribute('.event-table tr[aria-selected=true]', 'data-record');
  assert.equal(selected, revealed.proofRecord);
  assert.match(await page.textContent('.event-table tr[aria-selected=true]'), /node-b/);
  // The guess is kept with the progress.
  const saved = JSON.parse(await page.evaluate(() => Object.values(localStorage).find((v) => v.includes('"guesses"'))));
  assert.deepEqual(saved.guesses['metallb-l2-failover']['who-takes-over'], { choice: 'node-b', right: true });
  // Showing the proof keeps the answer on screen.
  await page.click('.checkpoint .show-proof');
  assert.equal((await card(page)).state, 'revealed');
  // The next question, asked at the same moment, comes when playback goes on.
  await page.click('.transport .play');
  await pausedAt(page, 'where-next', 'asking');
  assert.equal(await seconds(page), 27);
  assert.deepEqual(errors, []);
});

test('a branch where the router was flushed answers otherwise, with its own proof', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  // On the original, the router's next packet goes to node-a's stale MAC.
  await scrubTo(page, 31);
  assert.equal((await card(page)).answer, '0');
  assert.match(await page.textContent('.checkpoint .happened'), /to node-a's MAC/);

  await scrubTo(page, 26);
  await page.selectOption('select[name=fault]', 'flush-arp');
  await page.selectOption('select[name=fault-host]', 'router');
  await page.click('.branches form button[type=submit]');
  await playUntil(page, 'where-next', 'asking');
  await page.keyboard.press('1'); // "node-a's MAC": wrong in this branch
  await pausedAt(page, 'where-next', 'revealed');
  const revealed = await card(page);
  assert.equal(revealed.answer, '1', "to node-b's MAC");
  assert.equal(revealed.right, 'false');
  assert.match(await page.textContent('.checkpoint .happened'), /to node-b's MAC.*You guessed: to node-a's MAC/);
  assert.match(await page.textContent('.event-table tr[aria-selected=true]'), /router/);
  assert.deepEqual(errors, []);
});

test('predict=0 plays through the checkpoints', async () => {
  const { page, errors } = await openPage(app.browser, `${app.server.url}embed.html?scenario=metallb-l2-failover&at=20s&predict=0`);
  // The embed loads the app when Run is pressed, and Run plays.
  await page.click('.facade .run');
  await ready(page);
  await page.selectOption('select[name=speed]', '10');
  await page.waitForFunction(() => Number(document.querySelector('.clock')?.dataset.timeNs) > 28e9, null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('.transport .play', 'aria-pressed'), 'true', 'still playing past 21 s and 27 s');
  assert.deepEqual(errors, []);
});

/** The core's sentences of a shipped scenario, with their steps. */
async function coreSentences(id) {
  const text = await readFile(path.join(here, '../golden', `${id}.sentences.txt`), 'utf8');
  return text.split('\n').map((l) => l.match(/^\[r\d+ s(\d+)\] (.*)$/)).filter(Boolean)
    .map((m) => ({ step: Number(m[1]), text: m[2] }));
}

/** What narrate::announce says for a move from `prev` to `cur`. */
function announce(sentences, prev, cur) {
  if (cur <= prev) return sentences.filter((s) => s.step === cur).map((s) => s.text).join(' ');
  return sentences.filter((s) => s.step > prev && s.step <= cur).slice(-5).map((s) => s.text).join(' ');
}

test("the live region says the core's sentences at each step", async () => {
  const sentences = await coreSentences('metallb-l2-failover');
  const { page, errors } = await openApp(app.browser, app.server.url, '?predict=0#metallb-l2-failover');
  await scrubTo(page, 19.9);
  let said = 0;
  // Single steps through the failure, then interesting moments (jumps
  // over many steps), then single steps back.
  const keys = [...Array(20).fill('ArrowRight'), ...Array(12).fill('Shift+ArrowRight'), ...Array(5).fill('ArrowLeft')];
  for (const key of keys) {
    const prev = (await clock(page)).step;
    await page.keyboard.press(key);
    await page.waitForFunction((prev) => Number(document.querySelector('.clock').dataset.step) !== prev, prev);
    const cur = (await clock(page)).step;
    const live = await page.$eval('.packet-log', (el) => el.textContent);
    assert.equal(live, announce(sentences, prev, cur), `move ${prev} -> ${cur}`);
    if (live) said++;
  }
  assert.ok(said >= 5, `the moves around the failover said something (${said})`);
  const live = await page.$eval('.packet-log', (el) => el.getAttribute('aria-live'));
  assert.equal(live, 'polite');
  assert.deepEqual(errors, []);
});
