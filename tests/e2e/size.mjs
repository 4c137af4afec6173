// Prints the gzip -9 size of every file in dist/ and the first-load total
// against the budget. A figure, not a test: it never fails the build.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';

const dist = process.argv[2] ?? 'dist';
const budget = Number(process.env.SIZE_BUDGET_KB ?? 200);
const rows = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else {
      const raw = readFileSync(p);
      rows.push({ file: path.relative(dist, p), raw: raw.length, gz: gzipSync(raw, { level: 9 }).length });
    }
  }
};
walk(dist);
rows.sort((a, b) => b.gz - a.gz);
// First load = what index.html pulls in before the app is interactive:
// the page, its CSS, the JS glue, the wasm and the favicon. Not sw.js: the
// page registers the offline worker after the app has started.
const firstLoad = rows.filter((r) => r.file !== 'sw.js' && /^(index\.html|[^/]+\.(wasm|js|css|svg))$/.test(r.file));
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
console.log(`${'file'.padEnd(48)} ${'raw KB'.padStart(8)} ${'gzip KB'.padStart(8)}`);
for (const r of rows) console.log(`${r.file.padEnd(48)} ${kb(r.raw)} ${kb(r.gz)}`);
const total = firstLoad.reduce((s, r) => s + r.gz, 0);
const verdict = total <= budget * 1024 ? 'within' : 'OVER';
console.log(`first load: ${kb(total).trim()} KB gzip -9 of ${budget} KB budget (${(100 * total / (budget * 1024)).toFixed(0)}%, ${verdict} budget)`);
