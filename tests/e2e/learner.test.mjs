// The learner's path (issue 18) in Chromium: a console that answers like a
// terminal, one branch per console session, the scenario's own commands in
// the history, Tab completion of arguments, branches that free their memory
// and a cap on how many are kept.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, openApp, scrubTo, clock } from './harness.mjs';

let server, browser;
before(async () => {
  server = await serveDist();
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.close(); });

/** Types `line` into the console on `host` and presses Enter. */
async function type(page, host, line) {
  await page.selectOption('select[name=console-host]', host);
  await page.fill('.console-input input', line);
  await page.press('.console-input input', 'Enter');
}

/** The last line the learner typed, and what it shows under it. */
const lastTyped = (page) => page.locator('.console-log li.typed').last();

test('console: a command that takes time runs the cursor forward to its end and prints there', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  const runs = await page.$$eval('.runs li', (l) => l.length);
  // curl 8.5 with -m 1 in the blackhole: "(28) Connection timed out after 1000 ms" one second later.
  await type(page, 'client', 'curl -m 1 http://192.168.1.201/');
  assert.match(await lastTyped(page).locator('.out').textContent(),
    /^curl: \(28\) Connection timed out after 10\d\d milliseconds/);
  const { ns } = await clock(page);
  assert.ok(ns >= 31e9 && ns < 31.1e9, `the cursor waited for curl's -m 1: ${ns / 1e9} s`);
  assert.equal(await page.$$eval('.console-log .pending', (l) => l.length), 0, 'nothing says running…');
  assert.equal(await page.$$eval('.runs li', (l) => l.length), runs + 1);
  assert.match(await page.textContent('.runs li.active .run-label'), /^console at 30\.000 s: 1 command$/);

  // With `&` the cursor stays; the output waits for the cursor to pass the end.
  const { step } = await clock(page);
  await type(page, 'client', 'curl -m 1 http://192.168.1.201/ &');
  assert.equal((await clock(page)).step, step, 'a background command leaves the cursor');
  assert.match(await lastTyped(page).locator('.pending').textContent(), /running… \(completes at 32\.0\d\d s\)/);
  await lastTyped(page).locator('.pending button').click();
  assert.match(await lastTyped(page).locator('.out').textContent(), /^curl: \(28\) Connection timed out/);
  assert.deepEqual(errors, []);
});

test('console: the commands of one sitting make one short-named branch, and earlier outputs stay', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  const runs = await page.$$eval('.runs li', (l) => l.length);
  await type(page, 'router', 'ip neigh flush all');
  await type(page, 'router', 'arping -c 2 192.168.1.201');
  await type(page, 'client', 'curl -s -m 1 -o /dev/null -w "HTTP %{http_code}\\n" http://192.168.1.201/');
  assert.equal(await page.$$eval('.runs li', (l) => l.length), runs + 1, 'one branch for the session');
  assert.match(await page.textContent('.runs li.active .run-label'), /^console at 30\.000 s: 3 commands$/);
  const outs = await page.$$eval('.console-log li.typed', (l) => l.map((li) => li.querySelector('.out')?.textContent));
  // The flush prints nothing; node-b answers the fresh ARP request; the curl then succeeds.
  assert.equal(outs.length, 3);
  assert.equal(outs[0], '');
  assert.match(outs[1], /^ARPING 192\.168\.1\.201 from 192\.168\.1\.1 eth0\nUnicast reply from 192\.168\.1\.201 \[02:/);
  assert.equal(outs[2], 'HTTP 200\n');
  // Stepping back in the branch does not turn the outputs back into "running…".
  await scrubTo(page, 30.5);
  assert.equal(await page.$$eval('.console-log .pending', (l) => l.length), 0);
  assert.equal(await page.$$eval('.console-log li.typed .out', (l) => l.length), 3);
  assert.deepEqual(errors, []);
});

test('console: the scenario\'s own commands are in the history at their times, read-only', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-traffic-policy');
  await scrubTo(page, 16);
  const scripted = await page.$$eval('.console-log li.scripted', (l) => l.map((li) => ({
    cmd: li.querySelector('.cmd').textContent, out: li.querySelector('.out').textContent,
    from: li.dataset.from,
  })));
  const logs = scripted.find((s) => s.cmd.includes('kubectl logs -n metallb-system -l component=speaker --prefix'));
  assert.ok(logs, scripted.map((s) => s.cmd).join(' | '));
  assert.match(logs.cmd, /^\[14\.000 s\] scenarioclient\$ kubectl logs/);
  assert.match(logs.out, /"event":"serviceAnnounced"/);
  assert.equal(logs.from, 'scenario');
  // Nothing from after the cursor.
  assert.ok(scripted.every((s) => Number(s.cmd.match(/^\[(\d+)/)[1]) <= 16), scripted.map((s) => s.cmd).join(' | '));
  assert.deepEqual(errors, []);
});

test('console: the failover\'s curl loop is one line with its count', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  const loop = page.locator('.console-log li.scripted');
  assert.equal(await loop.count(), 1);
  assert.match(await loop.locator('.repeats').textContent(), /^×22 since 8\.000 s, every 1\.0 s; 10 failed$/);
  assert.deepEqual(errors, []);
});

test('console: Tab completes kubectl verbs, resources and names, and the VIP', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  const input = page.locator('.console-input input');
  const tab = async (text) => {
    await input.fill(text);
    await input.press('Tab');
    return input.inputValue();
  };
  assert.equal(await tab('kubectl ge'), 'kubectl get ');
  assert.equal(await tab('kubectl get sv'), 'kubectl get svc ');
  assert.equal(await tab('kubectl get svc w'), 'kubectl get svc web ');
  assert.equal(await tab('curl http://192.168.1.2'), 'curl http://192.168.1.201/');
  assert.equal(await tab('kubectl logs -n metallb-system spe'), 'kubectl logs -n metallb-system speaker-');
  const listed = await page.$$eval('.completions li code', (l) => l.map((c) => c.textContent));
  assert.equal(listed.length, 3, listed.join(' '));
  assert.deepEqual(errors, []);
});

test('branches: deleting one frees its memory; past the cap the oldest are dropped with a notice', async () => {
  const { page, errors } = await openApp(browser, server.url, '#metallb-l2-failover');
  const live = () => page.$eval('.runs', (ul) => Number(ul.dataset.liveBytes));
  await scrubTo(page, 30);
  const before = await live();
  await page.click('[data-remedy=flush-arp]');
  const withBranch = await live();
  await page.click('.runs li.active [data-do=delete]');
  await page.waitForFunction(() => document.querySelectorAll('.runs li').length === 1);
  // The figure is read while the panel renders, when the page before the
  // delete (its buttons hold the state they were drawn from) is still alive.
  await scrubTo(page, 30.5);
  await scrubTo(page, 30);
  const after = await live();
  console.log(`# live memory: ${(before / 1e6).toFixed(2)} MB, with a branch ${(withBranch / 1e6).toFixed(2)} MB, ` +
    `after deleting it ${(after / 1e6).toFixed(2)} MB`);
  assert.ok(withBranch - before > 500_000, 'a branch holds its own trace and snapshots');
  assert.ok(after - before < (withBranch - before) / 10, 'deleting it gives that memory back');
  assert.match(await page.textContent('.runs li.active .run-label'), /^original$/);

  // Thirteen branches, one after another: the cap keeps twelve and says so.
  for (let i = 0; i < 13; i++) {
    await page.click('.runs li:first-child [data-do=show]').catch(() => {});
    await scrubTo(page, 30 + i);
    await page.click('[data-remedy=flush-arp]');
  }
  assert.equal(await page.$$eval('.runs li', (l) => l.length), 13, 'the original and twelve branches');
  assert.match(await page.textContent('.branches .notice'), /At most 12 branches are kept; the oldest were dropped/);
  assert.deepEqual(errors, []);
});
