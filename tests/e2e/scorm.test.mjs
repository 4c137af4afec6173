// The workshop as a SCORM 1.2 package (issue 20, point 3), in real
// Chromium: an exercise page launched by an LMS finds the LMS's `API`
// object (here a fake one on the window, which is where SCORM 1.2's
// run-time environment has content look first), initializes, reports its
// score as goals pass, and once every goal passes says "passed" and
// finishes. Without an API the page is the normal playground. The
// package's manifest is checked by `vipsim scorm` on the built site.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedApp, openPage, ready, DIST, faultAt } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = servedApp();

/** A fake LMS: the SCORM 1.2 API's eight functions, each call recorded. */
const FAKE_API = () => {
  window.scormCalls = [];
  const record = (name) => (...args) => { window.scormCalls.push([name, ...args]); return name === 'LMSGetValue' ? '' : 'true'; };
  window.API = Object.fromEntries(['LMSInitialize', 'LMSFinish', 'LMSGetValue', 'LMSSetValue', 'LMSCommit',
    'LMSGetLastError', 'LMSGetErrorString', 'LMSGetDiagnostic'].map((n) => [n, record(n)]));
};

test('an exercise launched by an LMS reports its score, then passed, then finishes', async () => {
  const { page, context, errors } = await openPage(app.browser, 'about:blank');
  await context.addInitScript(FAKE_API);
  await page.goto(`${app.server.url}ex06-garp-blackhole.html`);
  await ready(page);
  const calls = () => page.evaluate(() => window.scormCalls.map((c) => c.join(' ')));
  await page.waitForFunction(() => window.scormCalls.some((c) => c[1] === 'cmi.core.lesson_status'));
  assert.deepEqual(await calls(), [
    'LMSInitialize ',
    'LMSSetValue cmi.core.score.min 0',
    'LMSSetValue cmi.core.score.max 100',
    'LMSSetValue cmi.core.score.raw 0',
    'LMSSetValue cmi.core.lesson_status incomplete',
    'LMSCommit ',
  ]);
  // The author's remedy: flush the router's ARP cache during the blackhole.
  await faultAt(page, 35, 'flush-arp', 'router');
  // The goals are judged at the cursor: watch the run to its end.
  await page.keyboard.press('End');
  await page.waitForFunction(() => window.scormCalls.some((c) => c[0] === 'LMSFinish'));
  const after = (await calls()).slice(6);
  assert.deepEqual(after.slice(-6), [
    'LMSSetValue cmi.core.score.min 0',
    'LMSSetValue cmi.core.score.max 100',
    'LMSSetValue cmi.core.score.raw 100',
    'LMSSetValue cmi.core.lesson_status passed',
    'LMSCommit ',
    'LMSFinish ',
  ]);
  assert.equal(after.filter((c) => c === 'LMSFinish ').length, 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('without an LMS the exercise page is the normal playground, and a story page never looks for one', async () => {
  const { page, context, errors } = await openPage(app.browser, `${app.server.url}ex06-garp-blackhole.html`);
  await ready(page);
  assert.equal(await page.evaluate(() => typeof window.API), 'undefined');
  assert.equal(await page.$$eval('.tasks', (l) => l.length), 1);
  assert.deepEqual(errors, []);
  await context.close();
  const story = await openPage(app.browser, 'about:blank');
  await story.context.addInitScript(FAKE_API);
  await story.page.goto(`${app.server.url}metallb-l2-failover.html`);
  await ready(story.page);
  assert.deepEqual(await story.page.evaluate(() => window.scormCalls), [], 'a story is no SCO');
  await story.context.close();
});

test('vipsim scorm packages the built site: a manifest with one SCO per exercise, and every file', async () => {
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'vipsim-scorm-')), 'workshop.zip');
  const run = spawnSync('cargo', ['run', '--quiet', '--bin', 'vipsim', '--', 'scorm', DIST, '-o', out], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, /^wrote .*workshop\.zip: \d+ KB, 8 SCOs \(one per exercise\), \d+ files\n$/);
  // The manifest parses as XML, in the IMS CP namespace, with the ADL SCORM 1.2 metadata.
  const unzip = spawnSync('node', ['-e', `
    const zlib = require('zlib'), fs = require('fs');
    const zip = fs.readFileSync(process.argv[1]);
    // Local file headers: signature, then name length at 26 and extra at 28.
    let at = 0; const names = []; let manifest = null;
    while (zip.readUInt32LE(at) === 0x04034b50) {
      const method = zip.readUInt16LE(at + 8), size = zip.readUInt32LE(at + 18);
      const nameLen = zip.readUInt16LE(at + 26), extra = zip.readUInt16LE(at + 28);
      const name = zip.toString('utf8', at + 30, at + 30 + nameLen);
      const data = zip.subarray(at + 30 + nameLen + extra, at + 30 + nameLen + extra + size);
      if (name === 'imsmanifest.xml') manifest = (method === 8 ? zlib.inflateRawSync(data) : data).toString('utf8');
      names.push(name); at += 30 + nameLen + extra + size;
    }
    process.stdout.write(JSON.stringify({ names, manifest }));`, out], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(unzip.status, 0, unzip.stderr);
  const { names, manifest } = JSON.parse(unzip.stdout);
  assert.equal(names[0], 'imsmanifest.xml');
  assert.ok(names.includes('ex06-garp-blackhole.html') && names.some((n) => n.endsWith('_bg.wasm')), names.join(' '));
  assert.ok(!names.some((n) => n.endsWith('.gz') || n.endsWith('.br')), 'no precompressed copies');
  const { page, context } = await openPage(app.browser, 'about:blank');
  const shape = await page.evaluate((xml) => {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    if (doc.querySelector('parsererror')) return { error: doc.querySelector('parsererror').textContent };
    const cp = 'http://www.imsproject.org/xsd/imscp_rootv1p1p2', adl = 'http://www.adlnet.org/xsd/adlcp_rootv1p2';
    const root = doc.documentElement;
    const items = [...doc.getElementsByTagNameNS(cp, 'item')];
    const resources = [...doc.getElementsByTagNameNS(cp, 'resource')];
    return {
      root: [root.namespaceURI, root.localName],
      schema: [doc.getElementsByTagNameNS(cp, 'schema')[0].textContent, doc.getElementsByTagNameNS(cp, 'schemaversion')[0].textContent],
      items: items.map((i) => resources.find((r) => r.getAttribute('identifier') === i.getAttribute('identifierref'))?.getAttributeNS(adl, 'scormtype')),
      mastery: items.map((i) => i.getElementsByTagNameNS(adl, 'masteryscore')[0]?.textContent),
      hrefs: resources.filter((r) => r.getAttributeNS(adl, 'scormtype') === 'sco').map((r) => r.getAttribute('href')),
    };
  }, manifest);
  assert.deepEqual(shape.root, ['http://www.imsproject.org/xsd/imscp_rootv1p1p2', 'manifest']);
  assert.deepEqual(shape.schema, ['ADL SCORM', '1.2']);
  assert.deepEqual(shape.items, Array(8).fill('sco'));
  assert.deepEqual(shape.mastery, Array(8).fill('100'));
  for (const href of shape.hrefs) assert.ok(names.includes(href), href);
  await context.close();
});
