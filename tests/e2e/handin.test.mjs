// Hand in (issue 20, point 1), in real Chromium: a learner solves an
// exercise by acting, hands it in, and the native `vipsim verify` replays
// the downloaded file and the copied code to a pass; the untouched
// exercise handed in fails; the author's solution run cannot be handed in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { servedApp, openApp, handIn, faultAt } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = servedApp();

/** `vipsim verify ARGS...`: its exit code and what it printed. */
function verify(...args) {
  const out = spawnSync('cargo', ['run', '--quiet', '--bin', 'vipsim', '--', 'verify', ...args], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20,
  });
  return { code: out.status, text: out.stdout + out.stderr };
}

test('an exercise solved in the browser and handed in passes vipsim verify; the untouched one fails', async () => {
  const { page, context, errors } = await openApp(app.browser, app.server.url, '#ex06-garp-blackhole');
  const lazy = await handIn(page, 'Lazy');
  assert.equal(lazy.suggested, 'ex06-garp-blackhole-Lazy.vipsim.json');
  assert.equal(await page.$eval('.handin-menu', (el) => el.dataset.actions), '0');
  await page.click('.handin-menu summary');

  // The author's remedy: flush the router's ARP cache during the blackhole.
  await faultAt(page, 35, 'flush-arp', 'router');
  const solved = await handIn(page, 'Ada Lovelace');
  assert.equal(solved.suggested, 'ex06-garp-blackhole-Ada-Lovelace.vipsim.json');
  assert.equal(await page.$eval('.handin-menu', (el) => el.dataset.actions), '1');
  assert.match(solved.code, /^[A-Za-z0-9_-]{40,}$/);

  const good = verify(solved.file, solved.code);
  assert.equal(good.code, 0, good.text);
  assert.match(good.text, /: Ada Lovelace in ex06-garp-blackhole \(vipsim [0-9.]+, 1 action\)/);
  assert.doesNotMatch(good.text, /FAIL/);
  const bad = verify(lazy.file);
  assert.equal(bad.code, 1, bad.text);
  assert.match(bad.text, /Lazy in ex06-garp-blackhole .*\n  FAIL /);

  // Edited after the hand-in: reported, not passed.
  const edited = path.join(path.dirname(solved.file), 'edited.json');
  const json = JSON.parse(await (await import('node:fs/promises')).readFile(solved.file, 'utf8'));
  json.learner = 'Mallory';
  await writeFile(edited, JSON.stringify(json));
  const forged = verify(edited);
  assert.equal(forged.code, 1);
  assert.match(forged.text, /TAMPERED its content does not match its integrity hash/);

  // The author's solution is not the learner's to hand in.
  await page.click('[data-do=solution]');
  await page.waitForSelector('.handin-own-run');
  assert.deepEqual(errors, []);
  await context.close();
});
