// A static server for dist/ that serves the precompressed copies
// (tools/compress.mjs) as a well-configured host does: FILE.br when the
// browser accepts brotli, else FILE.gz for gzip, else FILE, with
// Content-Encoding and `Vary: Accept-Encoding`; hashed files (trunk's
// names) as immutable. ./dev serve runs it; the end-to-end tests and
// ./dev size use it too.
//
//   node tools/serve.mjs [DIR] [--port N] [--host H]
import http from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.yaml': 'text/yaml',
  '.png': 'image/png', '.webmanifest': 'application/manifest+json', '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};
// Trunk's hashed names (`vipsim-1a2b….js`): their bytes never change.
const HASHED = /-[0-9a-f]{1,16}(_bg)?\.(js|wasm|css|svg)$/;

/**
 * The copy to send for `accept` (an Accept-Encoding header): [file,
 * encoding]. A copy older than its file (the file was edited since) is
 * not sent.
 */
async function pick(file, accept, encodings) {
  const accepted = new Set(accept.split(',').map((part) => part.trim().split(';')).filter(([, ...params]) =>
    !params.some((p) => /^\s*q=0(\.0*)?\s*$/.test(p))).map(([coding]) => coding.trim().toLowerCase()));
  const wants = (coding) => accepted.has(coding) || accepted.has('*');
  for (const [suffix, coding] of [['.br', 'br'], ['.gz', 'gzip']]) {
    if (!wants(coding) || !encodings.includes(coding)) continue;
    try {
      const [copy, original] = await Promise.all([stat(file + suffix), stat(file)]);
      if (copy.mtimeMs >= original.mtimeMs) return [file + suffix, coding];
    } catch { /* no precompressed copy */ }
  }
  return [file, null];
}

/**
 * Serves `root` under `prefix` on `host`:`port` (0: any free port), with
 * the precompressed copies in `encodings` (none: as a host that does not
 * compress). `onRequest(pathname, request)` sees every request,
 * `onResponse({path, bytes, encoding})` every body sent; `hold(pathname)`
 * may return a promise the response waits for (tests hold the wasm).
 */
export async function serve({
  root, prefix = '/', host = '127.0.0.1', port = 0, encodings = ['br', 'gzip'], onRequest, onResponse, hold,
} = {}) {
  root = path.resolve(root);
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    onRequest?.(url.pathname, req);
    if (!url.pathname.startsWith(prefix)) { res.writeHead(404).end('outside prefix'); return; }
    let rel = decodeURIComponent(url.pathname.slice(prefix.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = path.join(root, rel);
    if (!file.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    await hold?.(url.pathname);
    const [sent, coding] = await pick(file, req.headers['accept-encoding'] ?? '', encodings);
    const body = await readFile(sent);
    const headers = {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (encodings.length) headers.vary = 'Accept-Encoding';
    if (coding) headers['content-encoding'] = coding;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    onResponse?.({ path: url.pathname, bytes: body.length, encoding: coding });
  });
  await new Promise((ok) => server.listen(port, host, ok));
  const address = server.address();
  return {
    url: `http://${host}:${address.port}${prefix}`,
    port: address.port,
    close: () => new Promise((ok) => {
      // Browsers keep connections alive: end them so the port is really gone.
      server.close(ok);
      server.closeAllConnections();
    }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    if (i < 0) return fallback;
    const [value] = args.splice(i, 2).slice(1);
    return value;
  };
  const port = Number(option('--port', 8080));
  const host = option('--host', '127.0.0.1');
  const root = args[0] ?? 'dist';
  const { url } = await serve({ root, host, port });
  console.log(`serving ${root} at ${url} (precompressed .br/.gz copies with Content-Encoding)`);
}
