// Size and speed of attnviz's HTML view next to bertviz's head_view/model_view, for the same attentions.
//   node bench/web/bench.mjs --make-view BUILD/tests/web/make_view [--work DIR]
//        [--cases 16,128,512,1024,1024b7] [--bertviz-max-n 512] [--python .venv/bin/python] [--real-model DIR]
//        [--timeout-s 300]
//   node bench/web/bench.mjs --page PAGE.html   (one page written by attnviz html, e.g. of a long input)
// Needs chromium + tests/web's node packages (scripts/setup_browser_tests.sh), `npm ci` in bench/web (the CDN
// scripts bertviz loads, served locally) and bertviz in the Python environment. Prints a markdown table and
// appends to DIR/results.jsonl. Synthetic attentions are tests/web/synthetic_attention.hpp's (12 layers x 12
// heads, head_dim 64); 1,024 tokens are causal like GPT-2 (a suffix bB stores B-bit weights: "1024b7"), the
// others are not, like BERT. "real128"/"real512" take a real BERT checkpoint's attention (--real-model, 6 layers
// x 12 heads; bench/web/real_attention.py) over the repository's seed texts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch } from '../../tests/web/browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../..');
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const make_view = opt('--make-view');
const work = opt('--work', '/tmp/attnviz-bench-web');
const cases = opt('--cases', '16,128,512,1024,1024b7').split(',');
const real_model = opt('--real-model');
const bertviz_max_n = Number(opt('--bertviz-max-n', '512'));
const python = opt('--python', path.join(REPO, '.venv/bin/python'));
const TIMEOUT = Number(opt('--timeout-s', '300')) * 1000;
fs.mkdirSync(work, { recursive: true });

// bertviz's pages ask cdnjs for these; the route handler answers from bench/web/node_modules.
const CDN = {
  'require.min.js': 'requirejs/require.js',
  'd3.min.js': 'd3/dist/d3.min.js',
  'jquery.min.js': 'jquery/dist/jquery.min.js',
};
const serve = (url) => {
  if (!url.startsWith('https://cdnjs.cloudflare.com/')) return undefined;
  const file = CDN[url.split('/').pop()];
  return file && path.join(HERE, 'node_modules', file);
};

const mb = (bytes) => (bytes / 1e6).toFixed(bytes < 1e7 ? 2 : 1);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return { out: r.stdout + r.stderr };
}

async function measure_attnviz(context, file) {
  const page = await context.newPage();
  await page.goto(pathToFileURL(file).href, { timeout: TIMEOUT });
  await page.waitForFunction(() => window.attnviz && window.attnviz.ready, null, { timeout: TIMEOUT });
  const first_view = await page.evaluate(() => window.attnviz.timings.first_view_ms);
  // Let the remaining layers decode so later switches measure drawing, not decoding.
  await page.waitForFunction(() => window.attnviz.timings.all_decoded_ms > 0, null, { timeout: TIMEOUT });
  const all_decoded = await page.evaluate(() => window.attnviz.timings.all_decoded_ms);
  const timings = await page.evaluate(async () => {
    const a = window.attnviz;
    const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    const draw = [];
    // Wall time to the next painted frame; the synchronous redraw alone goes to `draw` (CPU-bound part).
    const time = async (change) => {
      const t0 = performance.now();
      a.set_state(change);
      draw.push(a.timings.last_render_ms);
      await frame();
      return performance.now() - t0;
    };
    const heads = a.state.heads_on.length;
    const only = (h) => Array.from({ length: heads }, (_, i) => i === h);
    const out = { heatmap_head: [], heatmap_head_draw: [], head_view_head: [], head_view_layer_all_heads: [],
      model_open: [] };
    await time({ view: 'heatmap', layer: 0, head: 0, mean: false });
    draw.length = 0;
    for (let h = 1; h <= 5; h++) out.heatmap_head.push(await time({ head: h, heads_on: only(h) }));
    out.heatmap_head_draw = draw.slice();
    await time({ view: 'head' });
    for (let h = 1; h <= 5; h++) out.head_view_head.push(await time({ head: h, heads_on: only(h) }));
    for (let l = 1; l <= 3; l++)
      out.head_view_layer_all_heads.push(await time({ layer: l, heads_on: new Array(heads).fill(true) }));
    await time({ view: 'model' });
    for (let i = 1; i <= 3; i++) {
      out.model_open.push(await time({ view: 'heatmap', layer: i, head: i }));
      await time({ view: 'model' });
    }
    return out;
  });
  await page.close();
  const m = Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, median(v)]));
  return { first_view_ms: first_view, all_decoded_ms: all_decoded, ...m };
}

async function measure_bertviz(context, file, kind) {
  const page = await context.newPage();
  const t0 = Date.now();
  try {
    await page.goto(pathToFileURL(file).href, { timeout: TIMEOUT, waitUntil: 'commit' });
    await page.waitForFunction(() => document.querySelectorAll('svg line').length > 0, null,
      { timeout: TIMEOUT, polling: 50 });
    const first_view = await page.evaluate(() => performance.now());
    // Head view: double-click a head's colour box (shows only that head); model view: click a thumbnail.
    const switch_ms = await page.evaluate(async (kind) => {
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const targets = kind === 'head'
        ? Array.from(document.querySelectorAll('svg > g:last-child > rect'))
        : Array.from(document.querySelectorAll('svg rect')).filter((r) => r.style.opacity === '0');
      const times = [];
      for (let i = 1; i <= 5 && i < targets.length; i++) {
        const t = performance.now();
        targets[i].dispatchEvent(new MouseEvent(kind === 'head' ? 'dblclick' : 'click', { bubbles: true }));
        await frame();
        times.push(performance.now() - t);
      }
      return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
    }, kind);
    return { first_view_ms: first_view, switch_ms };
  } catch (e) {
    return { error: `${e.message.split('\n')[0]} after ${((Date.now() - t0) / 1000).toFixed(0)} s` };
  } finally {
    await page.close().catch(() => undefined);
  }
}

const { context, refused, close } = await launch({ serve });
// --page FILE: one page made elsewhere (e.g. attnviz html of a long input), measured as the cases are.
const page_file = opt('--page');
if (page_file) {
  const r = await measure_attnviz(context, page_file);
  console.log(JSON.stringify({ page: page_file, mb: mb(fs.statSync(page_file).size), ...r }));
  await close();
  process.exit(0);
}
for (const name of cases) {
  const real = name.startsWith('real');
  const n = Number(/\d+/.exec(name)[0]);
  const bits = /b(\d)$/.exec(name)?.[1] ?? '8';
  const causal = !real && n >= 1024;
  const [layers, heads] = real ? ['6', '12'] : ['12', '12'];
  const dir = path.join(work, name);
  fs.mkdirSync(dir, { recursive: true });
  const dump = path.join(dir, 'weights.f32');
  const shape = ['--layers', layers, '--heads', heads, '--n', String(n), '--weight-bits', bits, ...(causal ? ['--causal'] : [])];
  const with_bertviz = n <= bertviz_max_n;
  let source;
  if (real) {
    run(python, [path.join(HERE, 'real_attention.py'), real_model, String(n), dump]);
    source = ['--from-bin', dump];
  } else {
    source = ['--head-dim', '64', ...(with_bertviz ? ['--dump-bin', dump] : [])];
  }
  const full = path.join(dir, 'attnviz.html');
  const novec = path.join(dir, 'attnviz-no-vectors.html');
  const write = run(make_view, [full, ...shape, ...source]);
  const row = {
    name, n, layers: Number(layers), heads: Number(heads), causal, bits: Number(bits),
    html_view_ms: Number(/html_view_ms ([\d.]+)/.exec(write.out)?.[1] ?? NaN),
    attnviz_bytes: fs.statSync(full).size,
  };
  row.attnviz = await measure_attnviz(context, full);
  if (!real) {
    run(make_view, [novec, ...shape, '--head-dim', '64', '--no-vectors']);
    row.attnviz_no_vectors_bytes = fs.statSync(novec).size;
    row.attnviz_no_vectors = await measure_attnviz(context, novec);
  }
  if (with_bertviz) {
    const bv = run(python, [path.join(HERE, 'make_bertviz.py'), dump, layers, heads, String(n), dir]);
    row.bertviz_write = bv.out.trim();
    for (const kind of ['head', 'model']) {
      const file = path.join(dir, `bertviz_${kind}_view.html`);
      row[`bertviz_${kind}_bytes`] = fs.statSync(file).size;
      row[`bertviz_${kind}`] = await measure_bertviz(context, file, kind);
      fs.rmSync(file, { force: true });
    }
  }
  fs.rmSync(dump, { force: true });
  fs.rmSync(dump + '.tokens.json', { force: true });
  fs.appendFileSync(path.join(work, 'results.jsonl'), JSON.stringify(row) + '\n');
  console.error(JSON.stringify(row));
}
await close();
const results = fs.readFileSync(path.join(work, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

const f = (v) => (v === undefined ? '–' : v.toFixed(0));
console.log('| case | shape | attnviz MB (no q/k) | first view ms (no q/k) | head switch ms: heatmap (its redraw) / head view | ' +
  'bertviz head_view MB | first view ms | head switch ms | bertviz model_view MB | first view ms | open head ms | size ratio |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const bv = (k) => r[`bertviz_${k}`] || {};
  const cell = (k) => (bv(k).error ? `failed: ${bv(k).error}` : f(bv(k).first_view_ms));
  const ratio = r.bertviz_head_bytes ? (r.bertviz_head_bytes / r.attnviz_bytes).toFixed(1) + '\u00d7' : '–';
  const nv = r.attnviz_no_vectors_bytes ? ` (${mb(r.attnviz_no_vectors_bytes)})` : '';
  const nvt = r.attnviz_no_vectors ? ` (${f(r.attnviz_no_vectors.first_view_ms)})` : '';
  console.log(`| ${r.name} | ${r.layers}x${r.heads}x${r.n}${r.causal ? ' causal' : ''}, ${r.bits}-bit | ` +
    `${mb(r.attnviz_bytes)}${nv} | ${f(r.attnviz.first_view_ms)}${nvt} | ` +
    `${f(r.attnviz.heatmap_head)} (${f(r.attnviz.heatmap_head_draw)}) / ${f(r.attnviz.head_view_head)} | ` +
    `${r.bertviz_head_bytes ? mb(r.bertviz_head_bytes) : 'not run'} | ${cell('head')} | ${f(bv('head').switch_ms)} | ` +
    `${r.bertviz_model_bytes ? mb(r.bertviz_model_bytes) : 'not run'} | ${cell('model')} | ${f(bv('model').switch_ms)} | ` +
    `${ratio} |`);
}
if (refused.length) console.log(`network requests refused: ${refused.join(', ')}`);
