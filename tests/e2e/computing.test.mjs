// A large scenario computes in slices (issue 21, point 4): the page keeps
// drawing and taking input while it computes, shows how far it has got,
// and Stop keeps what is computed so far as a run like any other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { servedApp, openApp, ready } from './harness.mjs';

const app = servedApp();

/** A cluster as a workshop might write one: `nodes` nodes, five pods each, a Service per two nodes. */
function largeCluster(nodes, seconds) {
  const pods = nodes * 5, services = nodes / 2;
  let y = `apiVersion: vipsim/v1\nkind: Scenario\nmetadata:\n  name: big-lab\n  title: Big lab\nspec:\n`
    + `  duration: ${seconds}s\n  cluster:\n    loadBalancer: metallb\n    announce: l2\n    datapath: iptables\n`
    + `  hosts:\n  - name: gw\n    role: router\n    ip: 10.77.0.1/16\n`
    + `  - name: laptop\n    role: client\n    ip: 192.168.9.20/24\n    behind: gw\n`;
  for (let i = 0; i < nodes; i++) y += `  - name: k${i}\n    role: node\n    ip: 10.77.${1 + Math.floor(i / 200)}.${1 + (i % 200)}/16\n`;
  y += `  timeline:\n  - at: 3s\n    every: 1s\n    run: { host: laptop, cmd: "curl -s -m 1 http://10.77.240.0/" }\n`;
  y += `---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: vips\n  namespace: metallb-system\nspec:\n  addresses:\n  - 10.77.240.0/24\n`;
  y += `---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n  name: all\n  namespace: metallb-system\n`;
  y += `---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: shop\nspec:\n  replicas: ${pods}\n`
    + `  selector:\n    matchLabels:\n      app: shop\n  template:\n    metadata:\n      labels:\n        app: shop\n`
    + `    spec:\n      containers:\n      - name: echo\n        image: hashicorp/http-echo\n        args: ["-text=ok", "-listen=:7000"]\n`
    + `        ports:\n        - containerPort: 7000\n`;
  for (let s = 0; s < services; s++) {
    y += `---\napiVersion: v1\nkind: Service\nmetadata:\n  name: shop-${s}\nspec:\n  type: LoadBalancer\n`
      + `  selector:\n    app: shop\n  ports:\n  - port: 80\n    targetPort: 7000\n`;
  }
  return y;
}

/** Puts `yaml` in the paste box (Chromium takes seconds to fill a box with 80 KB). */
async function paste(page, yaml) {
  await page.click('summary:has-text("Paste YAML")');
  await page.fill('textarea[aria-label="Scenario YAML"]', yaml);
}

test('a large scenario computes in slices with its progress, and Stop keeps what is computed', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  // 160 nodes, 800 pods behind 80 Services: about three seconds of
  // computing in headless Chromium before the 200,000-event limit.
  await paste(page, largeCluster(160, 600));
  // Watched from inside the page, every frame: what the progress bar
  // says, and Stop pressed once it has moved on (a click from outside the
  // page could come after the end).
  await page.evaluate(() => {
    window.__seen = [];
    window.__gaps = [];
    // Gaps between frames while the bar shows: what a slice costs.
    window.__busy = [];
    let last = performance.now();
    const tick = (t) => {
      window.__gaps.push(t - last);
      const p = document.querySelector('.computing progress');
      if (p && window.__seen.length) window.__busy.push(t - last);
      last = t;
      if (p) {
        window.__seen.push({ value: +p.value, max: +p.max, what: document.querySelector('.computing-what').textContent,
          figures: document.querySelector('.computing-figures').textContent });
        if (window.__seen.length >= 2 && window.__seen.at(-1).value > window.__seen[0].value && !window.__stopped) {
          window.__stopped = window.__seen.at(-1);
          document.querySelector('button.computing-stop').click();
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const started = Date.now();
  await page.click('text=Load pasted scenario');
  await page.waitForFunction(() => window.__stopped);
  await ready(page);
  const { seen, stopped, gaps, busy } = await page.evaluate(() => ({
    seen: window.__seen, stopped: window.__stopped, gaps: window.__gaps, busy: window.__busy }));
  console.log(`computing 160 nodes, 800 pods, 80 Services: ${gaps.length} frames drawn in `
    + `${((Date.now() - started) / 1000).toFixed(1)} s (longest gap ${Math.max(...gaps).toFixed(0)} ms, reading the YAML and `
    + `building the cluster included), ${seen.length} with the progress bar (longest gap ${Math.max(0, ...busy).toFixed(0)} ms); `
    + `stopped at ${stopped.figures}`);
  assert.deepEqual([...new Set(seen.map((s) => s.what))], ['Computing the scenario…']);
  assert.deepEqual([...new Set(seen.map((s) => s.max))], [600_000], 'the bar runs to the scenario\'s duration (ms)');
  assert.match(stopped.figures, /^\d+\.\d+ s of 600\.000 s simulated, \d+ events$/, stopped.figures);
  assert.ok(seen.length >= 2, 'the page drew the progress while it computed');
  assert.equal(await page.$('.computing'), null, 'the progress goes once the run is shown');

  // The run ends where computing stopped, with a note that says so.
  const end = await page.$eval('.scrubber input[type=range]', (r) => +r.max);
  assert.ok(end >= stopped.value && end < 600_000, `the run ends where computing stopped (${end} ms)`);
  await page.keyboard.press('End');
  await page.waitForFunction(() => /computing was stopped at [\d.]+s after \d+ events: the run ends here/
    .test(document.querySelector('.shell')?.textContent ?? ''), null, { timeout: 10_000 });
  // Stepping through what was computed works as in any run.
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowRight');
  assert.deepEqual(errors, []);
});

test('a shipped scenario opens at once, with no progress bar', async () => {
  const { page, errors } = await openApp(app.browser, app.server.url, '#bgp-ecmp');
  assert.equal(await page.$('.computing'), null);
  assert.deepEqual(errors, []);
});
