// Animation export (issue 20, point 4) from the playground's share menu, in
// real Chromium: a range of the run as the animated SVG `vipsim animate`
// writes (the same bytes for the same range), and as a WebM video recorded
// from a canvas drawing that SVG as it plays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedApp, openApp, scrubTo } from './harness.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const app = servedApp();

test('the share menu exports a range as the CLI\'s animated SVG and as a WebM video', async () => {
  const { page, context, errors } = await openApp(app.browser, app.server.url, '#metallb-l2-failover');
  await scrubTo(page, 18);
  await page.click('.share-menu summary');
  // The range starts at the cursor and lasts 15 s.
  assert.equal(await page.inputValue('input[name=clip-from]'), '18.0');
  assert.equal(await page.inputValue('input[name=clip-to]'), '33.0');
  await page.fill('input[name=clip-to]', '32');
  const [svgDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-do=clip-svg]')]);
  assert.equal(svgDownload.suggestedFilename(), 'metallb-l2-failover-18s-32s.svg');
  const svg = await readFile(await svgDownload.path(), 'utf8');
  const out = path.join(await mkdtemp(path.join(tmpdir(), 'vipsim-clip-')), 'cli.svg');
  const cli = spawnSync('cargo', ['run', '--quiet', '--bin', 'vipsim', '--', 'animate', 'metallb-l2-failover',
    '--from', '18s', '--to', '32s', '--captions', '-o', out], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.equal(svg, await readFile(out, 'utf8'), 'the same clip as vipsim animate');
  console.log(`# failover 18-32 s as animated SVG: ${(svg.length / 1024).toFixed(1)} KB`);

  // A short range, so the real-time recording is short.
  await page.fill('input[name=clip-to]', '20');
  const [video] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.click('[data-do=clip-webm]'),
  ]);
  assert.equal(video.suggestedFilename(), 'metallb-l2-failover-18s-20s.webm');
  const bytes = await readFile(await video.path());
  // WebM is Matroska: an EBML header first, its doctype "webm".
  assert.deepEqual([...bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3]);
  assert.ok(bytes.subarray(0, 64).includes(Buffer.from('webm')), 'doctype webm');
  assert.ok(bytes.length > 2000, `${bytes.length} bytes`);
  assert.equal(await page.getAttribute('.clip-export [role=status]', 'data-status'), 'wrote');
  // Played back, a frame shows the drawing (dark strokes and text on white), not a blank canvas.
  const inked = await page.evaluate(async (b64) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
    await new Promise((ok, fail) => { video.onloadeddata = ok; video.onerror = () => fail(new Error('cannot decode')); });
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0);
    const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let dark = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] + px[i + 1] + px[i + 2] < 384) dark++;
    return { dark, size: [canvas.width, canvas.height] };
  }, bytes.toString('base64'));
  assert.deepEqual(inked.size, [Number(svg.match(/width="(\d+)"/)[1]), Number(svg.match(/height="(\d+)"/)[1])]);
  assert.ok(inked.dark > 500, `dark pixels in the first frame: ${inked.dark}`);
  console.log(`# failover 18-20 s as WebM: ${(bytes.length / 1024).toFixed(1)} KB`);
  assert.deepEqual(errors, []);
  await context.close();
});
