// Where the wasm's bytes go: `./dev size --why`. Reads a wasm that kept
// its name section (./dev runs the cargo output through the release
// build's `wasm-opt -Oz` with --debuginfo) and attributes every function
// body to a crate, and vipsim's to their module, by the function's
// demangled name. A generic function goes to the first crate named in it
// other than core/alloc/std (`core::ptr::drop_in_place<vipsim::sim::World>`
// is vipsim's; serde_norway's deserializer monomorphised for a vipsim type
// is serde_norway's). Also the gzip size of each group's code on its own,
// which is what it adds to the download, roughly.
//
// Usage: node tools/why.mjs FILE.wasm
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const bytes = readFileSync(process.argv[2]);
let at = 8;
const u32 = () => {
  let result = 0, shift = 0, b;
  do {
    b = bytes[at++];
    result += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return result;
};
const name = () => {
  const n = u32();
  const s = bytes.subarray(at, at + n).toString('utf8');
  at += n;
  return s;
};

/** A Rust (legacy-mangled) symbol, demangled, without its hash. */
function demangle(symbol) {
  if (!symbol.startsWith('_ZN')) return symbol;
  const parts = [];
  let i = 3;
  while (i < symbol.length && symbol[i] !== 'E') {
    let n = 0;
    while (symbol[i] >= '0' && symbol[i] <= '9') n = n * 10 + Number(symbol[i++]);
    parts.push(symbol.slice(i, i + n));
    i += n;
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  const CODES = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
  return parts.map((p) => p.replace(/^_(?=\$)/, '').replace(/\.\./g, '::').replace(/\$([A-Za-z0-9]+)\$/g, (m, code) =>
    CODES[code] ?? (/^u[0-9a-f]+$/.test(code) ? String.fromCodePoint(parseInt(code.slice(1), 16)) : m))).join('::');
}

let importedFunctions = 0;
const bodies = []; // [start, end] per defined function
const names = new Map();
let data = 0, other = 0;
const others = [];
while (at < bytes.length) {
  const id = bytes[at++];
  const size = u32();
  const end = at + size;
  if (id === 2) {
    for (let i = 0, n = u32(); i < n; i++) {
      name(); name();
      const kind = bytes[at++];
      if (kind === 0) { u32(); importedFunctions++; }
      else if (kind === 1) { at++; const flags = u32(); u32(); if (flags & 1) u32(); }
      else if (kind === 2) { const flags = u32(); u32(); if (flags & 1) u32(); }
      else if (kind === 3) { at += 2; }
      else throw new Error(`import kind ${kind}`);
    }
  } else if (id === 10) {
    for (let i = 0, n = u32(); i < n; i++) {
      const len = u32();
      bodies.push([at, at + len]);
      at += len;
    }
  } else if (id === 11) {
    data += size;
  } else if (id === 0) {
    const section = name();
    if (section === 'name') {
      while (at < end) {
        const sub = bytes[at++];
        const len = u32();
        const subEnd = at + len;
        if (sub === 1) for (let i = 0, n = u32(); i < n; i++) { const idx = u32(); names.set(idx, demangle(name())); }
        at = subEnd;
      }
    } else {
      other += size;
      others.push([section, size]);
    }
  } else {
    other += size;
    others.push([`section ${id}`, size]);
  }
  at = end;
}
if (names.size === 0) {
  console.error(`${process.argv[2]}: no name section (build it with wasm-opt --debuginfo)`);
  process.exit(1);
}

const STD = new Set(['core', 'alloc', 'std']);
/** [crate, vipsim module or ''] of a demangled function name. */
function owner(fn) {
  const crates = [...fn.matchAll(/(?:^|[^A-Za-z0-9_:])([a-z_][a-z0-9_]*)::/g)].map((m) => m[1]);
  const crate = crates.find((c) => !STD.has(c)) ?? crates[0] ?? '(unnamed)';
  if (crate !== 'vipsim') return [crate, ''];
  const module = fn.slice(fn.indexOf('vipsim::')).match(/^vipsim::([a-z_0-9]+)/)?.[1] ?? '';
  return [crate, module];
}

const groups = new Map();
const add = (key, body, fn) => {
  const g = groups.get(key) ?? { bytes: 0, bodies: [], count: 0, serde: 0, largest: [] };
  g.bytes += body.length;
  g.count += 1;
  g.bodies.push(body);
  if (/serde/.test(fn)) g.serde += body.length;
  g.largest.push([body.length, fn]);
  groups.set(key, g);
};
const modules = new Map();
let total = 0;
bodies.forEach(([start, end], i) => {
  const fn = names.get(importedFunctions + i) ?? `function ${importedFunctions + i}`;
  const body = bytes.subarray(start, end);
  total += body.length;
  const [crate, module] = owner(fn);
  add(crate, body, fn);
  if (crate === 'vipsim') {
    const g = modules.get(module) ?? { bytes: 0, bodies: [], serde: 0, count: 0 };
    g.bytes += body.length;
    g.count += 1;
    g.bodies.push(body);
    if (/serde/.test(fn)) g.serde += body.length;
    modules.set(module, g);
  }
});

const KB = (n) => `${(n / 1024).toFixed(1)} KB`.padStart(10);
const gz = (list) => gzipSync(Buffer.concat(list), { level: 9 }).length;
console.log(`\nwhy: ${KB(bytes.length).trim()} wasm (-Oz, names kept): code ${KB(total).trim()} in ${bodies.length} functions, data ${KB(data).trim()}, other sections ${KB(other).trim()}`);
console.log(`other sections: ${others.sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${KB(n).trim()}`).join(', ')}`);
console.log(`\n${'crate'.padEnd(26)} ${'code'.padStart(10)} ${'gzip'.padStart(10)} ${'share'.padStart(6)} ${'fns'.padStart(6)}  of which serde`);
const sorted = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes);
for (const [crate, g] of sorted.slice(0, 25)) {
  console.log(`${crate.padEnd(26)} ${KB(g.bytes)} ${KB(gz(g.bodies))} ${(100 * g.bytes / total).toFixed(1).padStart(5)}% ${String(g.count).padStart(6)}  ${g.serde ? KB(g.serde).trim() : ''}`);
}
const rest = sorted.slice(25).reduce((s, [, g]) => s + g.bytes, 0);
if (rest) console.log(`${`(${sorted.length - 25} more crates)`.padEnd(26)} ${KB(rest)}`);
console.log(`\n${'vipsim module'.padEnd(26)} ${'code'.padStart(10)} ${'gzip'.padStart(10)} ${'share'.padStart(6)} ${'fns'.padStart(6)}  of which serde`);
for (const [module, g] of [...modules.entries()].sort((a, b) => b[1].bytes - a[1].bytes)) {
  console.log(`${`vipsim::${module}`.padEnd(26)} ${KB(g.bytes)} ${KB(gz(g.bodies))} ${(100 * g.bytes / total).toFixed(1).padStart(5)}% ${String(g.count).padStart(6)}  ${g.serde ? KB(g.serde).trim() : ''}`);
}
console.log('\nlargest functions');
const all = sorted.flatMap(([, g]) => g.largest).sort((a, b) => b[0] - a[0]);
for (const [size, fn] of all.slice(0, 15)) console.log(`${KB(size)}  ${fn.length > 150 ? `${fn.slice(0, 147)}...` : fn}`);

// A generic function is compiled once per type it is used with, and the
// name section names every copy alike (legacy symbols carry no generic
// arguments): the names with most copies are where a type-erased path
// saves most (src/sort.rs did this for the standard sort and for
// collecting ordered maps and sets, which sorts first).
const copies = new Map();
bodies.forEach(([start, end], i) => {
  const fn = names.get(importedFunctions + i) ?? '';
  const c = copies.get(fn) ?? { count: 0, bytes: 0 };
  c.count += 1;
  c.bytes += end - start;
  copies.set(fn, c);
});
console.log('\nmost copied generic functions (one copy per type)');
const copied = [...copies.entries()].filter(([fn, c]) => fn && c.count > 2).sort((a, b) => b[1].bytes - a[1].bytes);
for (const [fn, c] of copied.slice(0, 12)) {
  console.log(`${KB(c.bytes)} ${String(c.count).padStart(5)} copies  ${fn.length > 120 ? `${fn.slice(0, 117)}...` : fn}`);
}
const sorts = copies.get('core::slice::sort::stable::drift::sort')?.count ?? 0;
console.log(`copies of the standard stable sort: ${sorts} (each about 3 KB; sort and collect ordered maps through src/sort.rs)`);
// Unicode case mapping in Rust (`str::to_lowercase`, `char::to_uppercase`...)
// links core's conversion tables: 25 KB raw, about 17 KB of the shipped
// wasm's gzip with their code. The Rust side uses the ASCII forms; the UI
// lowers other text through the browser (src/ui/events.rs). Found by the
// functions' names (std's v0 symbols, which demangle() leaves as they are)
// or, were they inlined, by the lower-case table's first pairs in the data
// (U+00C0 -> U+00E0, U+00C1 -> U+00E1, as little-endian u32s).
const caseFns = [...copies.keys()].filter((fn) => /unicode_data11conversions8to_(upper|lower)|3stre12to_(upper|lower)case|unicode::unicode_data::conversions::to_(upper|lower)/.test(fn));
const caseTable = bytes.indexOf(Buffer.from('c0000000e0000000c1000000e1000000', 'hex')) >= 0;
const caseLinked = caseFns.length > 0 || caseTable;
console.log(`Unicode case mapping: ${caseLinked ? `linked (${caseFns.length} functions${caseTable ? ', the lower-case table' : ''}: find their callers in the name section); use the to_ascii_ forms` : 'not linked'}`);
