// vipsim's boot script. `vipsim site` inlines it into the head of every
// page it writes (index.html, one page per shipped scenario, embed.html),
// after `const VIPSIM = {...}`: the build's file names and the wasm's size,
// which page this is, the shipped scenarios' ids and titles and a few words
// in each language. No module, no request of its own.
//
// Main pages: the first response already shows the scenario's lesson and
// network (static HTML in the page, in English and Korean); this script
// picks the language, hides what does not match the address (another
// moment, a permalink, the workshop), then downloads the wasm at once and
// shows how much has arrived, counting the bytes it reads against the size
// written at build time (Content-Length would count compressed bytes).
//
// embed.html: a poster (fetched from posters/) and a Run button. Nothing of
// the app is downloaded until the reader runs it (click, Enter or Space),
// or at once with autoplay=1. A service worker is registered only with
// sw=1: the player sits in somebody else's page.
(() => {
  const C = VIPSIM;
  const html = document.documentElement;
  const q = new URLSearchParams(location.search);
  const param = (k) => q.get(k) || null;
  const hash = location.hash;

  // The language, as the app picks it: ?lang=, the reader's choice kept in
  // this browser, the browser's languages, English.
  const known = (tag) => {
    const primary = String(tag || '').split(/[-_]/)[0].toLowerCase();
    return C.langs.includes(primary) ? primary : null;
  };
  let saved = null;
  try { saved = localStorage.getItem('vipsim.lang'); } catch { /* storage blocked in a third-party frame */ }
  const lang = known(param('lang')) || known(saved) ||
    [...(navigator.languages || []), navigator.language].map(known).find(Boolean) || 'en';
  html.lang = lang;
  const words = C.words[lang];

  // What the address asks for, read as src/ui/route.rs reads it.
  const workshop = hash === '#/workshop';
  const linkCode = hash.startsWith('#/link/') ? hash.slice(7) : param('link');
  const fragment = hash.replace(/^#/, '');
  const [hashId, hashVariant] = fragment.includes('/') ? [fragment.slice(0, fragment.indexOf('/')), fragment.slice(fragment.indexOf('/') + 1)] : [fragment || null, null];
  const asked = workshop || linkCode ? null : (param('scenario') || hashId);
  const variant = param('variant') || hashVariant;
  const at = param('at');
  // `at=0`, `0s`, `0.0`: the moment the posters show.
  const atStart = at === null || /^0*\.?0*(ms|s|m|h)?$/.test(at);
  const panels = param('panels');

  const report = (what) => { window.vipsimBoot = Object.assign(window.vipsimBoot || {}, what); };

  // Main pages: a page per shipped scenario, so index.html?scenario=X (and
  // #X) goes to X's page, which has X's lesson in its first response.
  if (C.page === 'main') {
    const own = C.scenario;
    // Offline, the service worker answers an unvisited scenario page with
    // index.html: then this page's first paint is another scenario's.
    const path = decodeURIComponent(location.pathname.split('/').pop()).replace(/\.html$/, '');
    const elsewhere = C.ids.includes(path) && path !== own;
    if (asked && asked !== own && asked !== path && C.ids.includes(asked)) {
      location.replace(`${asked}.html${location.search}${hash}`);
      return;
    }
    const lesson = !workshop && !linkCode && !elsewhere && (!asked || asked === own) && panels === null;
    const moment = lesson && !variant && atStart;
    html.classList.add(moment ? 'fp-moment' : lesson ? 'fp-lesson' : 'fp-generic');
    report({ firstPaint: moment ? 'moment' : lesson ? 'lesson' : 'generic' });
  }

  // --- Loading the app -----------------------------------------------------
  const domReady = new Promise((ok) => {
    if (document.readyState !== 'loading') ok();
    else addEventListener('DOMContentLoaded', ok, { once: true });
  });
  let started = false;
  let shown = 0;
  const status = () => document.getElementById('vipsim-boot');
  const show = (got) => {
    shown = got;
    const pct = Math.min(100, Math.floor((100 * got) / C.size));
    report({ progress: [...(window.vipsimBoot?.progress || []), pct] });
    const el = status();
    if (!el) return;
    // The parser may have inserted the line but not yet its text or bar
    // (it yields between tokens): draw what is there. A throw here would
    // abort the download, since the counting stream below calls this.
    const bar = el.querySelector('progress');
    if (bar) bar.value = pct;
    const text = el.querySelector('.boot-text');
    if (text) text.textContent = `${words.loading} ${pct} %`;
  };
  const failed = (why) => {
    if (started) return;
    report({ failed: String(why) });
    // Now, and again once the page is parsed if the line was not all there.
    const draw = () => {
      const el = status();
      if (!el) return;
      el.classList.add('failed');
      const text = el.querySelector('.boot-text');
      if (text) text.textContent = words.failed.replace('{0}', why);
    };
    draw();
    domReady.then(draw);
  };

  // The wasm, counted as it streams in and compiled while it does.
  function compile() {
    return fetch(C.wasm).then((response) => {
      if (!response.ok) throw new Error(`${C.wasm}: HTTP ${response.status}`);
      const reader = response.body.getReader();
      let got = 0;
      const counted = new ReadableStream({
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) {
            show(C.size);
            controller.close();
            return;
          }
          got += value.byteLength;
          show(got);
          controller.enqueue(value);
        },
        cancel(why) { reader.cancel(why); },
      });
      return WebAssembly.compileStreaming(new Response(counted, { headers: { 'Content-Type': 'application/wasm' } }));
    });
  }

  let loading = null;
  function load() {
    if (loading) return loading;
    html.classList.add('vipsim-loading');
    show(0);
    domReady.then(() => show(shown));
    const module = compile();
    const glue = import(C.js);
    loading = (async () => {
      await domReady;
      const { default: init } = await glue;
      const wasm = await init({ module_or_path: await module });
      started = true;
      html.classList.remove('vipsim-loading');
      status()?.remove();
      report({ started: true });
      dispatchEvent(new CustomEvent('TrunkApplicationStarted', { detail: { wasm } }));
      // After the app has started its files are in the HTTP cache: the
      // offline copy costs no second download.
      if ('serviceWorker' in navigator && (C.page === 'main' || param('sw') === '1')) {
        navigator.serviceWorker.register('sw.js').catch((e) => console.warn('vipsim: no offline copy:', e.message));
      }
    })().catch((e) => failed(e?.message ?? e));
    return loading;
  }
  // A browser without WebAssembly, a script error: say so where the app would have been.
  addEventListener('error', (e) => failed(e.error?.message ?? e.message));
  addEventListener('unhandledrejection', (e) => failed(e.reason?.message ?? e.reason));

  if (C.page === 'main') {
    load();
    domReady.then(() => {
      // Before the app runs, the scenario list already leads to each page.
      document.addEventListener('change', (e) => {
        if (!started && e.target.matches('.first-paint select[name=scenario]')) location.href = `${e.target.value}.html`;
      });
    });
    return;
  }

  // --- embed.html: the poster and its Run button -----------------------------
  const panelsShown = (panels || 'timeline,topology,charts').split(',').map((p) => p.trim());
  const title = (id) => C.titles[id]?.[lang] ?? C.titles[id]?.en;
  const shipped = asked && C.ids.includes(asked) ? asked : null;

  // The height the host page should give the iframe, as the app reports it.
  let observer = null;
  const reportHeight = () => {
    const shell = document.querySelector('#app > .facade');
    if (!shell || parent === window) return;
    let last = 0;
    observer = new ResizeObserver(() => {
      const height = Math.ceil(shell.getBoundingClientRect().height);
      if (height && height !== last) parent.postMessage({ type: 'vipsim:height', height: (last = height) }, '*');
    });
    observer.observe(shell);
  };

  // A permalink names its scenario inside the deflated state; read its
  // title for the generic poster (browsers without DecompressionStream
  // show "vipsim").
  async function linkTitle(code) {
    const bytes = Uint8Array.from(atob(code.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
    if (bytes[0] !== 1 || typeof DecompressionStream === 'undefined') return null;
    const stream = new Blob([bytes.slice(1)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
    const state = JSON.parse(await new Response(stream).text());
    if (state.scenario?.Shipped) return title(state.scenario.Shipped) ?? null;
    const yaml = state.scenario?.Inline ?? '';
    return yaml.match(/^\s*title:\s*["']?(.+?)["']?\s*$/m)?.[1] ?? null;
  }

  async function poster() {
    await domReady;
    const root = document.getElementById('poster');
    const run = document.querySelector('.facade .run');
    run.querySelector('.run-text').textContent = words.run;
    document.querySelector('.facade .open').textContent = words.open;
    document.querySelector('.facade .open').href = shipped ? `${shipped}.html` : './';
    const named = shipped ? title(shipped) : null;
    document.querySelector('.facade .facade-title').textContent = named ?? 'vipsim';
    reportHeight();
    let drawn = false;
    if (shipped && !variant && atStart && (panelsShown.includes('timeline') || panelsShown.includes('topology'))) {
      try {
        const response = await fetch(`posters/${shipped}.${lang}.html`);
        if (response.ok) {
          root.innerHTML = await response.text();
          for (const panel of root.querySelectorAll('[data-panel]')) if (!panelsShown.includes(panel.dataset.panel)) panel.remove();
          drawn = true;
        }
      } catch { /* offline and not kept: the generic poster */ }
    }
    if (!drawn) {
      root.classList.add('generic');
      document.querySelector('.facade').classList.add('generic');
      // `27`, `27.5`, `27s` read "27 s"; `1m10s` stays as written.
      const seconds = (at ?? '').replace(/^(\d+(?:\.\d+)?)s?$/, '$1 s');
      root.querySelector('.generic-moment').textContent = at === null ? '' : words.at.replace('{0}', seconds);
      let heading = named;
      if (linkCode) heading = (await linkTitle(linkCode).catch(() => null)) ?? heading;
      for (const el of document.querySelectorAll('.facade .facade-title, .facade .generic-title')) el.textContent = heading ?? 'vipsim';
    }
    report({ poster: drawn ? 'scenario' : 'generic' });
  }

  const run = (e) => {
    if (loading) return;
    e?.preventDefault();
    const app = document.getElementById('app');
    // The app starts playing at once (src/ui/mod.rs reads it).
    app.dataset.play = '';
    document.querySelector('.facade')?.classList.add('running');
    observer?.disconnect();
    load();
  };
  // Warm the connection up when the reader is about to run it.
  let warm = false;
  const warmUp = () => {
    if (warm) return;
    warm = true;
    const link = document.createElement('link');
    link.rel = 'preconnect';
    link.href = new URL('./', location.href).origin;
    document.head.append(link);
  };

  poster().then(() => {
    const facade = document.querySelector('.facade');
    const button = facade.querySelector('.run');
    button.addEventListener('click', run);
    // The whole poster starts it too (it looks like the player).
    facade.querySelector('#poster').addEventListener('click', run);
    for (const event of ['pointerenter', 'focusin']) facade.addEventListener(event, warmUp);
    if (param('autoplay') === '1') run();
  });
})();
