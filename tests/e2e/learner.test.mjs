// The learner's path (issue 18) in Chromium: a console that answers like a
// terminal, one branch per console session, the scenario's own commands in
// the history, Tab completion of arguments, branches that free their memory
// and a cap on how many are kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { servedApp, openApp, openPage, scrubTo, clock, nativeJsonl } from './harness.mjs';

const app = servedApp();

/** Types `line` into the console on `host` and presses Enter. */
async function type(page, host, line) {
  await page.selectOption('select[name=console-host]', host);
  await page.fill('.console-input input', line);
  await page.press('.console-input input', 'Enter');
}

/** The last line the learner typed, and what it shows under it. */
const lastTyped = (page) => page.locator('.console-log li.typed').last();

test('console: a command that takes time runs the cursor forward to its end and prints there', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
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
  // Before the moment it was typed, it is not running yet.
  await scrubTo(page, 10);
  assert.match(await lastTyped(page).locator('.pending').textContent(), /^runs from 31\.0\d\d s \(completes at 32\.0\d\d s\)/);
  await lastTyped(page).locator('.pending button').click();
  assert.match(await lastTyped(page).locator('.out').textContent(), /^curl: \(28\) Connection timed out/);
  assert.deepEqual(errors, []);
});

test('console: the commands of one sitting make one short-named branch, and earlier outputs stay', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
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
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-traffic-policy');
  await scrubTo(page, 16);
  const scripted = await page.$$eval('.console-log li.scripted', (l) => l.map((li) => ({
    cmd: li.querySelector('.cmd').textContent, out: li.querySelector('.out').textContent,
    from: li.dataset.from,
  })));
  const logs = scripted.find((s) => s.cmd.includes('kubectl logs -n metallb-system -l component=speaker --prefix'));
  assert.ok(logs, scripted.map((s) => s.cmd).join(' | '));
  // Words apart, as they read: "[14.000 s] scenario client$ kubectl logs ...".
  assert.match(logs.cmd, /^\[14\.000 s\] scenario client\$ kubectl logs/);
  assert.match(logs.out, /"event":"serviceAnnounced"/);
  assert.equal(logs.from, 'scenario');
  // Nothing from after the cursor.
  assert.ok(scripted.every((s) => Number(s.cmd.match(/^\[(\d+)/)[1]) <= 16), scripted.map((s) => s.cmd).join(' | '));
  assert.deepEqual(errors, []);
});

test('console: the failover\'s curl loop is one line with its count', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 30);
  const loop = page.locator('.console-log li.scripted');
  assert.equal(await loop.count(), 1);
  assert.match(await loop.locator('.repeats').textContent(), /^×22 since 8\.000 s, every 1\.0 s; 10 failed$/);
  assert.deepEqual(errors, []);
});

test('console: Tab completes kubectl verbs, resources and names, and the VIP', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
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
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
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

test('lesson: who answers in BGP mode (every speaker, the router\'s ECMP route) and for Cilium leases', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#bgp-ecmp');
  const vip = (ip) => page.locator(`.announcers li[data-vip="${ip}"]`);
  await scrubTo(page, 25);
  assert.equal(await vip('192.168.1.201').locator('strong').textContent(), 'node-a (powered off), node-b, node-c');
  assert.match(await vip('192.168.1.201').textContent(),
    /^192\.168\.1\.201 \(default\/web\): advertised over BGP by node-a \(powered off\), node-b, node-c/);
  assert.equal(await vip('192.168.1.201').locator('.detail').textContent(),
    'router routes it via node-a (powered off), node-b, node-c (ECMP)');
  assert.equal(await vip('192.168.1.201').locator('.order').count(), 0, 'no L2 election order in BGP mode');
  // The 9 s hold timer ran out at 28 s: the route lost node-a.
  await scrubTo(page, 30);
  assert.equal(await vip('192.168.1.201').locator('.detail').textContent(), 'router routes it via node-b, node-c (ECMP)');

  await page.goto(app.server.url + '#cilium-lb-ipam');
  await page.waitForSelector('.shell[data-ready=true]');
  await scrubTo(page, 20);
  assert.equal(await vip('192.0.2.10').locator('strong').textContent(), 'nobody', 'assigned, not announced yet');
  await scrubTo(page, 30);
  assert.equal(await vip('192.0.2.10').locator('strong').textContent(), 'worker-0');
  assert.equal(await vip('192.0.2.10').locator('.detail').textContent(), 'holder of the Lease cilium-l2announce-default-web');
  assert.deepEqual(errors, []);
});

test('lesson: after node-a powers off, the beat is the power-off, not "Calm: node-a is the leader"', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 17);
  assert.equal(await page.textContent('.note-now .label'), 'Note at 15.000 s');
  assert.match(await page.textContent('.note-now p'), /^Calm: node-a is the leader/);
  await scrubTo(page, 22);
  assert.equal(await page.textContent('.note-now .label'), 'Fault at 20.000 s');
  assert.match(await page.textContent('.note-now p'), /^power-off node-a/);
  assert.deepEqual(errors, []);
});

test('lesson: the story is revealed beat by beat, the whole text one click away', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  const items = () => page.$$eval('.lesson .description ol li:not(.later)', (l) => l.length);
  await scrubTo(page, 10);
  assert.equal(await items(), 0, 'before the power-off the lesson does not tell what happens');
  // Five beats, and the paragraph that tells how the variants end.
  assert.equal(await page.getAttribute('.lesson .description', 'data-hidden'), '6');
  const variants = () => page.$$eval('.lesson .description p:not(.later)', (l) => l.some((p) => p.textContent.startsWith('Variants')));
  await scrubTo(page, 20.5);
  assert.equal(await items(), 1);
  await scrubTo(page, 25.5);
  assert.equal(await items(), 3);
  assert.ok(!(await variants()), 'the variants\' outcomes wait for the end of the story');
  await page.click('[data-do=whole-story]');
  assert.equal(await items(), 5, 'the whole story on request');
  await page.click('[data-do=whole-story]');
  await page.keyboard.press('End');
  assert.equal(await items(), 5, 'all of it by the end');
  assert.ok(await variants(), 'the variants\' outcomes by the end');
  assert.deepEqual(errors, []);
});

test('stories list what their run shows, quietly; exercises keep graded tasks with one-line findings', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  assert.equal(await page.textContent('.tasks h2'), 'What this run shows');
  assert.equal(await page.$$eval('.tasks .task', (l) => l.length), 0, 'no graded cards on a story');
  assert.deepEqual(await page.$$eval('.shows-list li', (l) => l.map((li) => li.className)), ['shows', 'shows', 'shows']);
  await page.keyboard.press('End');
  assert.deepEqual(await page.$$eval('.shows-list li', (l) => l.map((li) => li.className)),
    ['shows shown', 'shows shown', 'shows shown']);

  // An exercise whose check reads a table: the finding is one line, with no backticks.
  await page.goto(app.server.url + '#ex03-spread-pods-for-local');
  await page.waitForSelector('.shell[data-ready=true]');
  await page.keyboard.press('End');
  const details = await page.$$eval('.tasks .task .detail', (l) => l.map((d) => d.textContent));
  assert.ok(details.length > 0);
  for (const d of details) {
    assert.ok(!d.includes('\n') && !d.includes('`'), JSON.stringify(d));
  }
  assert.ok(details.some((d) => /^Found: output: a table of 3 rows, the first: web-/.test(d)), details.join(' | '));
  assert.deepEqual(errors, []);
});

/** Who leads each VIP at `secs` in a scenario's native trace (the answer an exercise asks for). */
function leadersAt(file, secs) {
  const leaders = new Map();
  for (const line of nativeJsonl(file).trim().split('\n')) {
    const r = JSON.parse(line);
    if (r.kind === "leader" && r.t_ms <= secs * 1000) leaders.set(r.ip, r.node);
  }
  return leaders;
}

test('exercises: no panel shows who answers for the VIP before the learner has found it', async () => {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(new URL('../../scenarios/workshop/', import.meta.url))).filter((f) => f.endsWith('.yaml')).sort();
  assert.equal(files.length, 8);
  const { page, errors } = await openPage(app.browser, app.server.url + '#/workshop');
  let checked = 0;
  for (const file of files) {
    const id = (await readFile(new URL(`../../scenarios/workshop/${file}`, import.meta.url), 'utf8')).match(/^  name: (\S+)$/m)[1];
    await page.goto(`${app.server.url}#${id}`);
    await page.waitForSelector('.shell[data-ready=true]');
    const asks = await page.$$eval('.tasks .task[data-asks=who-answers]', (l) => l.length);
    if (asks === 0) continue;
    // At the start, and at 15 s when the VIP has long been announced (before any action).
    for (const secs of [0, 15]) {
      await scrubTo(page, secs);
      const leaders = leadersAt(`scenarios/workshop/${file}`, secs);
      const lesson = await page.textContent('.lesson');
      const callout = (await page.$$eval('.callout', (l) => l.map((c) => c.textContent))).join(' ');
      const owners = await page.$$eval('.host-tables tr[data-ip]', (l) => l.map((tr) => [tr.dataset.ip, tr.dataset.owner, tr.textContent]));
      // Nor the MAC that answers: the node's own entry, a row away, names it.
      const mac = /([0-9a-f]{2}:){5}[0-9a-f]{2}/;
      assert.ok(!mac.test(callout), `${id} at ${secs} s: the callout gives a MAC: ${callout}`);
      const marks = await page.$$eval('.mark.leader', (l) => l.map((m) => m.getAttribute('aria-label')));
      // The event list (the leader record, the speakers' logs, the GARP's
      // sender, even ahead of the cursor) and the other tasks' findings.
      assert.equal(await page.$$eval('.events .event-table', (l) => l.length), 0, `${id} at ${secs} s: the event list is shown`);
      const findings = (await page.$$eval('.tasks .task .detail', (l) => l.map((d) => d.textContent))).join(' ');
      // The drawn words (badges too) sit beside the host's button, in an
      // aria-hidden g.host-text (axe-core label-content-name-mismatch).
      const badges = await page.$$eval('g.host-text .vip-badge', (l) => l.length);
      assert.equal(badges, 0, `${id} at ${secs} s: a VIP badge shows the leader`);
      assert.equal(await page.$$eval('figure[data-chart=path] svg', (l) => l.length), 0, `${id}: the path chart shows it`);
      // The tour narrates who answers: it stays closed until it is found.
      assert.ok(await page.$eval('.tour-button', (b) => b.disabled), `${id} at ${secs} s: the tour can be started`);
      // Anywhere else a learner or a screen reader could read it: visible
      // text, tooltips (title attributes, SVG <title>), aria-labels and live
      // regions (what-if words, GARP marks, host labels, the packet log).
      // The checkpoints' questions and answers too (the author's text).
      const said = await page.evaluate(() => {
        return [
          ...document.body.innerText.split('\n'),
          ...[...document.querySelectorAll('[title]')].map((e) => e.getAttribute('title')),
          ...[...document.querySelectorAll('title')].map((e) => e.textContent),
          ...[...document.querySelectorAll('[aria-label]')].map((e) => e.getAttribute('aria-label')),
          ...[...document.querySelectorAll('[aria-live], [role=status]')].map((e) => e.textContent),
        ].flatMap((t) => t.split(/ (?=\d+\.\d(?: s|초): )/)); // the packet log's sentences, one by one
      });
      for (const [ip, node] of leaders) {
        if (!node) continue;
        // A text that names the node and speaks of the VIP (a host's own
        // name, or every node's endpoints, does not).
        const naming = said.filter((t) => t.includes(node) &&
          (t.includes(ip) || /announc|garp|gratuitous|leader|answers/i.test(t)));
        assert.deepEqual(naming, [], `${id} at ${secs} s: these name ${node}`);
        assert.ok(!lesson.includes(node), `${id} at ${secs} s: the lesson names ${node}`);
        assert.ok(!callout.includes(node), `${id} at ${secs} s: the callout names ${node}`);
        assert.ok(!owners.some(([i, o]) => i === ip && o === node), `${id} at ${secs} s: the inspector names ${node}`);
        assert.ok(!owners.some(([i, , text]) => i === ip && mac.test(text)), `${id} at ${secs} s: the inspector gives ${ip}'s MAC`);
        assert.ok(!marks.some((m) => m.includes(node)), `${id} at ${secs} s: a leader mark names ${node}`);
        assert.ok(!findings.includes(node), `${id} at ${secs} s: a task's finding names ${node}: ${findings}`);
      }
      checked += leaders.size;
    }
    // Once found (the author's solution asks the LAN), the answer shows.
    await page.click('[data-do=solution]');
    await page.keyboard.press('End');
    assert.equal(await page.getAttribute('.announcers', 'data-concealed'), 'false', `${id}: shown once found`);
    assert.equal(await page.$$eval('.events .event-table', (l) => l.length), 1, `${id}: the event list is back once found`);
  }
  assert.ok(checked >= 2, `the exercises that ask who answers were checked (${checked} VIPs)`);
  assert.deepEqual(errors, []);
});

test('Korean: the failover lesson is one list of five beats, and its note and goals are Korean', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover', { locale: 'ko-KR' });
  await page.keyboard.press('End');
  assert.deepEqual(await page.$$eval('.lesson .description ol', (l) => l.map((ol) => ol.querySelectorAll('li:not(.later)').length)), [5]);
  await scrubTo(page, 17);
  assert.match(await page.textContent('.note-now p'), /^평온: node-a가 리더/);
  for (const name of await page.$$eval('.shows-list .goal-name', (l) => l.map((n) => n.textContent))) {
    assert.match(name, /[가-힣]/);
  }
  await page.fill('.console-input input', 'help');
  await page.press('.console-input input', 'Enter');
  assert.match(await page.locator('.console-log li.typed').last().locator('.out').textContent(), /[가-힣]/);
  assert.deepEqual(errors, []);
});

test('what if: honouring GARP after the burst says it can change nothing, from the run', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 27);
  assert.equal(await page.$$eval('.futile', (l) => l.length), 0, 'during the burst honouring GARP still helps');
  // Between the bursts it still helps: the EndpointSlice resync at 70 s makes
  // node-b's speaker send GARP again (MetalLB 0.14 handleService -> SetBalancer).
  await scrubTo(page, 40);
  assert.equal(await page.$$eval('.futile', (l) => l.length), 0, 'the resync burst is still to come');
  await scrubTo(page, 80);
  assert.equal(await page.textContent('.futile[data-futile=honor-garp]'),
    'Honouring GARP on router changes nothing now: no more GARP for 192.168.1.201 will come ' +
    '(node-b\'s burst ended at 74.400 s). Flush router\'s ARP cache, or wait for its ARP timeout (4 h).');
  await page.keyboard.press('End');
  // The path chart's summary reads as one sentence: who looks up whom, then its steps.
  assert.equal(await page.textContent('.chart[data-chart=path] .path-steps'),
    'router → 192.168.1.201 — from 8.000 s: node-a; from 90.000 s: node-b.');
  assert.match(await page.textContent('.futile[data-futile=flush-arp]'),
    /^router's entry for 192\.168\.1\.201 already points at node-b, which answers for it/);
  assert.deepEqual(errors, []);
});

/**
 * Traces `n` frames that each start with `fn` (at a frame's start, pressing
 * End before each) and returns each frame's wall time and the CPU time the
 * renderer's main thread had in it: Chromium's top-level tasks' thread
 * durations (`tdur`), so a frame that waited for a core shows the wait.
 */
async function cpuOfFrames(page, n, fn) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { categories: 'toplevel,blink.user_timing', transferMode: 'ReportEvents' });
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('End');
    await page.waitForTimeout(30);
    await page.evaluate((fn) => new Promise((done) => requestAnimationFrame(() => {
      performance.mark('frame-start');
      // eslint-disable-next-line no-new-func
      new Function(fn)();
      setTimeout(() => { performance.mark('frame-end'); done(); }, 0);
    })), fn);
  }
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  const starts = events.filter((e) => e.name === 'frame-start').sort((a, b) => a.ts - b.ts);
  const ends = events.filter((e) => e.name === 'frame-end').sort((a, b) => a.ts - b.ts);
  return starts.map((s, i) => {
    const end = ends[i].ts;
    const tasks = events.filter((e) => e.tid === s.tid && e.ph === 'X' && e.cat === 'toplevel' && e.ts < end && e.ts + e.dur > s.ts);
    return { wall: (end - s.ts) / 1000, cpu: tasks.reduce((sum, e) => sum + (e.tdur ?? 0), 0) / 1000 };
  });
}

test('speed (printed, not asserted): step back key-to-render and branch creation, per shipped scenario', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url);
  // Key-to-render with the key at the start of a frame (in a rAF callback):
  // the key's handler, yew's render (a microtask), then the frame's style,
  // layout and paint; a task queued with the key runs after that frame.
  // `app` splits it: the reducer (the cursor move), the render, and the
  // style and layout the render caused (forced, to time it apart). `idle`
  // is the same frame after a key the app ignores, 30 ms after a step back:
  // what any frame costs while the step's frames still fly along the cables
  // (SVG transform animations repaint on the main thread, about 3 ms).
  const frame = (fn) => page.evaluate((fn) => new Promise((done) => requestAnimationFrame(() => {
    const t0 = performance.now();
    // eslint-disable-next-line no-new-func
    new Function(fn)();
    const t1 = performance.now();
    queueMicrotask(() => {
      const t2 = performance.now();
      void document.body.offsetHeight;
      const t3 = performance.now();
      setTimeout(() => done({ total: performance.now() - t0, reduce: t1 - t0, render: t2 - t1, layout: t3 - t2 }), 0);
    });
  })), fn);
  // Unaligned, as before: from the key to the next frame, which includes
  // waiting up to a display frame (16.7 ms) for it (a branch that takes
  // more than one slice to compute: the frame after the one where it is
  // shown).
  const nextFrame = (fn) => page.evaluate((fn) => new Promise((done) => {
    const t0 = performance.now();
    // eslint-disable-next-line no-new-func
    new Function(fn)();
    const shown = () => setTimeout(() => (document.querySelector('.computing')
      ? requestAnimationFrame(shown) : done(performance.now() - t0)), 0);
    requestAnimationFrame(shown);
  }), fn);
  const keyOf = (k) => `document.dispatchEvent(new KeyboardEvent('keydown', { key: '${k}', bubbles: true }))`;
  const fault = "document.querySelector('.branches form button[type=submit]').click()";
  const ms = (x) => x.toFixed(1);
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  for (const id of ['bgp-ecmp', 'cilium-lb-ipam', 'metallb-l2-failover', 'metallb-traffic-policy']) {
    await page.goto(`${app.server.url}#${id}`);
    await page.waitForSelector('.shell[data-ready=true]');
    const steps = [], idle = [], unaligned = [];
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press('End');
      await page.waitForTimeout(30);
      steps.push(await frame(keyOf('ArrowLeft')));
      await page.waitForTimeout(30);
      idle.push((await frame(keyOf('q'))).total);
      await page.keyboard.press('End');
      await page.waitForTimeout(30);
      unaligned.push(await nextFrame(keyOf('ArrowLeft')));
    }
    const totals = steps.map((s) => s.total);
    // The slowest frames are the machine's, not the app's: the same step
    // back, traced, takes as much of the main thread's CPU every time, and a
    // slow one waited for a core (the tests share two with builds).
    const traced = await cpuOfFrames(page, 10, keyOf('ArrowLeft'));
    const slowest = traced.reduce((a, b) => (b.wall > a.wall ? b : a));
    const part = (k) => ms(median(steps.map((s) => s[k])));
    const branches = [];
    for (let i = 0; i < 3; i++) {
      await page.click('.runs li:first-child [data-do=show]').catch(() => {});
      await scrubTo(page, 30 + i);
      // A fault the form applies at the cursor: the router is flushed (or the first host's fault).
      await page.selectOption('select[name=fault]', 'flush-arp');
      branches.push(await nextFrame(fault));
    }
    const live = await page.$eval('.runs', (ul) => Number(ul.dataset.liveBytes));
    console.log(`# ${id}: step back key-to-render median ${ms(median(totals))} ms, worst ${ms(Math.max(...totals))} ms ` +
      `(app: reducer ${part('reduce')} + render ${part('render')} + style/layout ${part('layout')} ms; ` +
      `a frame with nothing new while frames fly: median ${ms(median(idle))}, worst ${ms(Math.max(...idle))} ms); ` +
      `to the next display frame median ${ms(median(unaligned))}, worst ${ms(Math.max(...unaligned))} ms; ` +
      `traced: main thread CPU median ${ms(median(traced.map((t) => t.cpu)))} ms, slowest frame ${ms(slowest.wall)} ms of which ` +
      `CPU ${ms(slowest.cpu)} ms; ` +
      `branch creation ${branches.map((t) => t.toFixed(0)).join(', ')} ms; live memory ${(live / 1e6).toFixed(1)} MB ` +
      `with ${await page.$$eval('.runs li', (l) => l.length)} runs`);
  }
  assert.deepEqual(errors, []);
});

test('layout: the decode opens under the event list; VIP badges fit their node boxes', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 26.2);
  await page.click('.event-table tr.ev.k-frame');
  // (The decode renders on the next frame; a loaded machine can be slow.)
  await page.waitForSelector('.events .frame-view');
  const list = await page.$eval('.events .event-scroll', (e) => e.getBoundingClientRect());
  const decode = await page.$eval('.events .frame-view', (e) => e.getBoundingClientRect());
  assert.ok(decode.top >= list.bottom - 1 && decode.top - list.bottom < 40, `under the list: ${list.bottom} → ${decode.top}`);
  assert.ok(decode.left >= list.left - 1 && decode.right <= list.right + 1, 'as wide as the list, not in another column');
  assert.equal(await page.$$eval('.inspector .frame-view', (l) => l.length), 0);
  for (const [hash, secs] of [['#bgp-ecmp', 10], ['#metallb-l2-failover', 10]]) {
    await page.goto(app.server.url + hash);
    await page.waitForSelector('.shell[data-ready=true]');
    await scrubTo(page, secs);
    const badges = await page.$$eval('g.host-text .vip-badge', (l) => l.map((g) => {
      const r = g.querySelector('rect').getBBox();
      const t = g.querySelector('text').getBBox();
      // The node's box is the button drawn just before its words.
      const box = g.closest('g.host-text').previousElementSibling.querySelector('rect').getBBox();
      return { text: g.textContent, fits: t.x >= r.x && t.x + t.width <= r.x + r.width && r.x + r.width <= box.x + box.width };
    }));
    assert.ok(badges.length > 0, hash);
    for (const b of badges) assert.ok(b.fits, `${hash}: "${b.text}" overflows its badge or box`);
  }
  assert.deepEqual(errors, []);
});

/** Starts counting layout shifts (not those right after input) and the timeline panel's heights. */
async function watchLayout(page) {
  await page.evaluate(() => {
    window.shift = 0;
    window.shifts = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        if (e.hadRecentInput) continue;
        window.shift += e.value;
        window.shifts.push(`${(Number(document.querySelector('.clock').dataset.timeNs) / 1e9).toFixed(1)} s: ${e.value.toFixed(4)}`);
      }
    }).observe({ type: 'layout-shift' });
    window.timelineHeights = [];
    new ResizeObserver(([e]) => window.timelineHeights.push(Math.round(e.borderBoxSize[0].blockSize)))
      .observe(document.querySelector('.timeline'));
  });
}

/** Waits until the clock passes `seconds`. */
const past = (page, seconds) => page.waitForFunction((ns) => Number(document.querySelector('.clock').dataset.timeNs) > ns,
  seconds * 1e9, { timeout: 60_000 });

/** Waits until playback paused with a checkpoint card in `state`. */
const pausedWith = (page, state) => page.waitForFunction((state) =>
  document.querySelector('.checkpoint')?.dataset.state === state
    && document.querySelector('.transport .play').getAttribute('aria-pressed') === 'false', state, { timeout: 60_000 });

/** The shifts counted and the timeline's heights since `watchLayout`, after checking them. */
async function assertNoJump(page, what) {
  const { shift, shifts, heights } = await page.evaluate(() =>
    ({ shift: window.shift, shifts: window.shifts, heights: window.timelineHeights }));
  console.log(`# ${what}: cumulative layout shift ${shift.toFixed(4)} (${shifts.join(', ') || 'none'}); ` +
    `timeline heights ${heights.join(' ')}`);
  assert.ok(shift < 0.05, `${what}: the page jumped while playing: CLS ${shift} (${shifts.join(', ')})`);
  // The checkpoint card's space is reserved from the start: the timeline
  // panel keeps its height, and nothing under it moves (issue 18, point 14).
  assert.equal(new Set(heights).size, 1, `${what}: the timeline's height changed: ${heights.join(' ')}`);
}

const VIEWPORTS = [{ width: 1440, height: 900 }, { width: 1024, height: 768 }, { width: 360, height: 740 }];

test('layout: nothing jumps while the failover plays through its checkpoints (Layout Instability API)', async () => {
  // predict=0: the checkpoints do not pause playback; their cards (the
  // question at 21 s, its answer and the next question at 27 s, that
  // answer at 31 s) come and go while it plays.
  for (const viewport of VIEWPORTS) {
    const what = `${viewport.width}x${viewport.height}, 0-60 s with predict=0 at 25x`;
    const { page, context, errors } = await openApp(app.browser, app.server.url, '?predict=0#metallb-l2-failover',
      { viewport, ...(viewport.width < 720 ? { hasTouch: true, isMobile: true } : {}) });
    await watchLayout(page);
    await page.selectOption('select[aria-label="Playback speed"]', '25');
    await page.click('button.play');
    await past(page, 60);
    await page.click('button.play');
    await assertNoJump(page, what);
    assert.deepEqual(errors, [], what);
    await context.close();
  }
});

test('layout: nothing jumps when playback pauses at a checkpoint and reveals its answer', async () => {
  for (const viewport of VIEWPORTS) {
    const what = `${viewport.width}x${viewport.height}, 0-60 s pausing at the checkpoints`;
    const { page, context, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover',
      { viewport, ...(viewport.width < 720 ? { hasTouch: true, isMobile: true } : {}) });
    await watchLayout(page);
    await page.selectOption('select[aria-label="Playback speed"]', '25');
    await page.click('button.play');
    // 21 s: the question pauses playback; an answer plays on to the reveal
    // at 27 s, where the next question waits for Play.
    await pausedWith(page, 'asking');
    await page.click('.checkpoint .choice[data-choice="0"]');
    await pausedWith(page, 'revealed');
    await page.click('button.play');
    await pausedWith(page, 'asking');
    await page.click('.checkpoint .choice[data-choice="0"]');
    await pausedWith(page, 'revealed');
    await page.click('button.play');
    await past(page, 60);
    await page.click('button.play');
    await assertNoJump(page, what);
    assert.deepEqual(errors, [], what);
    await context.close();
  }
});

test('phone (360 px): no sideways page scroll, the network fits and zooms, lesson, network, timeline first', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover',
    { viewport: { width: 360, height: 740 }, hasTouch: true, isMobile: true });
  await scrubTo(page, 27);
  for (const hash of ['#metallb-l2-failover', '#cilium-lb-ipam', '#bgp-ecmp', '#ex02-why-local-drops']) {
    await page.goto(app.server.url + hash);
    await page.waitForSelector('.shell[data-ready=true]');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `${hash}: the page is ${width} px wide`);
  }
  const order = await page.$$eval('section[data-panel]', (l) => l.map((s) => [s.dataset.panel, s.getBoundingClientRect().top]));
  const top = (p) => order.find(([q]) => q === p)[1];
  assert.ok(top('lesson') < top('topology') && top('topology') < top('timeline') && top('timeline') < top('charts'),
    JSON.stringify(order));
  const svg = page.locator('.topology-svg');
  const panel = await page.$eval('section[data-panel=topology]', (s) => s.getBoundingClientRect().width);
  assert.ok((await svg.boundingBox()).width <= panel, 'the network fits its panel');
  const box = () => svg.getAttribute('viewBox');
  const whole = await box();
  await page.click('[data-zoom=in]');
  assert.notEqual(await box(), whole, '+ zooms in');
  await page.click('[data-zoom=fit]');
  assert.equal(await box(), whole);
  // A two-finger pinch, as pointer events.
  await svg.evaluate((el) => {
    const r = el.getBoundingClientRect();
    const at = (id, x, type) => el.dispatchEvent(new PointerEvent(type, { pointerId: id, pointerType: 'touch', clientX: r.left + x, clientY: r.top + 60, bubbles: true, cancelable: true }));
    at(1, 100, 'pointerdown'); at(2, 140, 'pointerdown');
    at(2, 220, 'pointermove');
    at(1, 100, 'pointerup'); at(2, 220, 'pointerup');
  });
  const [x1, y1, w] = (await box()).split(' ').map(Number);
  assert.ok(w < Number(whole.split(' ')[2]), `a pinch zooms: ${await box()}`);
  // ...around the fingers' middle (160, 60 in the drawing's box): the point
  // of the drawing under it stays under it.
  const [x0, y0, w0, h0] = whole.split(' ').map(Number);
  const { fx, fy, h1 } = await svg.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return { fx: 160 / r.width, fy: 60 / r.height, h1: el.viewBox.baseVal.height };
  });
  assert.ok(Math.abs((x0 + fx * w0) - (x1 + fx * w)) < w0 * 0.01 && Math.abs((y0 + fy * h0) - (y1 + fy * h1)) < h0 * 0.01,
    `the pinch zoomed around its middle: ${whole} -> ${await box()}`);
  // Charts fit too, with labels a phone can read (drawn narrow, scaled at most a little).
  const charts = await page.$$eval('.chart-canvas svg', (l) => l.map((s) => [s.getBoundingClientRect().width, s.viewBox.baseVal.width || s.width.baseVal.value]));
  for (const [shown, drawn] of charts) assert.ok(shown / drawn > 0.7, `a chart drawn ${drawn} px is shown at ${shown} px`);
  // Every word in the charts, the compare view's too, is at least 10 px on screen.
  await page.goto(app.server.url + '#metallb-l2-failover');
  await page.waitForSelector('.shell[data-ready=true]');
  await page.selectOption('select[name=compare]', 'variant:garp-honor');
  await page.waitForSelector('.compare .chart-canvas svg');
  const small = await page.$$eval('.chart-canvas svg', (l) => l.flatMap((s) => {
    const scale = s.getBoundingClientRect().width / (s.viewBox.baseVal.width || s.width.baseVal.value);
    return [...s.querySelectorAll('text')].filter((t) => t.textContent.trim())
      .map((t) => [t.textContent, Number(t.getAttribute('font-size') ?? getComputedStyle(t).fontSize.replace('px', '')) * scale])
      .filter(([, px]) => !(px >= 10));
  }));
  assert.deepEqual(small, [], 'chart text under 10 px on a phone');
  assert.deepEqual(errors, []);
});
