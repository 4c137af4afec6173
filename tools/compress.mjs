// Writes FILE.br (brotli, quality 11) and FILE.gz (gzip -9) next to every
// text and wasm file under DIR, for static hosts that serve precompressed
// copies (see README.md, "Deploying and embedding") and for ./dev serve.
// Usage: node tools/compress.mjs DIR
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const COMPRESSED = new Set(['.html', '.js', '.mjs', '.css', '.svg', '.json', '.wasm', '.txt', '.md', '.xml', '.webmanifest']);

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tools/compress.mjs DIR');
  process.exit(2);
}
let files = 0, raw = 0, br = 0;
const walk = (d) => {
  for (const name of readdirSync(d)) {
    const p = path.join(d, name);
    if (statSync(p).isDirectory()) { walk(p); continue; }
    if (!COMPRESSED.has(path.extname(name))) continue;
    const body = readFileSync(p);
    const brotli = brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
        [constants.BROTLI_PARAM_MODE]: name.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    });
    writeFileSync(`${p}.br`, brotli);
    writeFileSync(`${p}.gz`, gzipSync(body, { level: 9 }));
    files += 1; raw += body.length; br += brotli.length;
  }
};
walk(dir);
console.error(`compressed ${files} files: ${(raw / 1024).toFixed(0)} KB, ${(br / 1024).toFixed(0)} KB as brotli`);
