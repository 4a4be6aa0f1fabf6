// attnviz's notebook views next to bertviz 1.4.1's, side by side in one run: head_view and model_view of
// BERT-base-sized attentions (12 layers x 12 heads) at 16, 128 and 512 tokens. For each: the output's size and
// the time from the Python call to the first drawn frame in headless chromium (call time, measured in Python,
// plus the time from opening the output to its first drawn frame).
//   node bench/notebook/bench.mjs --python VENV/bin/python [--work DIR] [--cases 16,128,512] [--runs 3]
// The attention is make_outputs.py's synthetic one (seeded softmax heads of three kinds).
// Needs: attnviz (pip install .), bertviz==1.4.1 and torch in that Python (scripts/setup_bench_notebook.sh makes
// .venv-nb with them); chromium + tests/web's node packages
// (scripts/setup_browser_tests.sh); `npm ci` in bench/web: bertviz's output loads require.js (which loads d3 and
// jQuery) from cdnjs, which is served here from bench/web/node_modules by request interception (offline, no CDN
// latency: bertviz's figures are a lower bound). attnviz's output makes no request at all.
// "Drawn": attnviz's page has drawn its view and a frame was painted (document.body.dataset.ready in its frame);
// bertviz's SVG has its first attention line.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launch } from '../../tests/web/browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const python = opt('--python', 'python3');
const work = opt('--work', '/tmp/attnviz-bench-notebook');
const cases = opt('--cases', '16,128,512').split(',').map(Number);
const runs = Number(opt('--runs', '3'));
// An output that has not drawn after this long is given as "> limit" (bertviz's at 512 tokens is GBs of JSON).
const limit_ms = 1000 * Number(opt('--timeout', '120'));
fs.mkdirSync(work, { recursive: true });

const CDN = {
  'require.min.js': 'requirejs/require.js',
  'd3.min.js': 'd3/dist/d3.min.js',
  'jquery.min.js': 'jquery/dist/jquery.min.js',
};
const serve = (url) => {
  if (!url.startsWith('https://cdnjs.cloudflare.com/')) return undefined;
  const file = CDN[url.split('/').pop()];
  return file && path.join(HERE, '..', 'web', 'node_modules', file);
};

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Milliseconds from opening the output to its first drawn frame; Infinity when it has not drawn after limit_ms.
async function open_to_draw(context, file, tool) {
  const page = await context.newPage();
  const t0 = Date.now();
  const options = { timeout: limit_ms, polling: 5 };
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'commit', timeout: limit_ms });
    if (tool === 'bertviz') {
      await page.waitForFunction(() => document.querySelectorAll('svg line, svg rect').length > 0, null, options);
    } else {
      const frame = await (await page.waitForSelector('iframe', { timeout: limit_ms })).contentFrame();
      await frame.waitForFunction(() => document.body && document.body.dataset.ready === '1', null, options);
    }
  } catch (e) {
    if (e.name !== 'TimeoutError') throw e;
    await page.close().catch(() => undefined);
    return Infinity;
  }
  const ms = Date.now() - t0;
  await page.close();
  return ms;
}

const { context, refused, close } = await launch({ serve });
const rows = [];
for (const n of cases) {
  const calls = {};
  for (let r = 0; r < runs; r++) {
    for (const line of run(python, [path.join(HERE, 'make_outputs.py'), '12', '12', String(n), work])
      .trim().split('\n')) {
      const o = JSON.parse(line);
      (calls[`${o.tool}_${o.view}`] ??= []).push(o);
    }
    for (const key of Object.keys(calls)) {
      const file = path.join(work, `${key}_${n}.html`);
      const ms = await open_to_draw(context, file, key.split('_')[0]);
      calls[key][calls[key].length - 1].open_ms = ms;
      console.error(`${key} ${n} tokens, run ${r + 1}: open to first draw ${ms} ms`);
    }
  }
  for (const [key, list] of Object.entries(calls)) {
    const [tool, view] = [key.split('_')[0], key.split('_').slice(1).join('_')];
    const call_ms = median(list.map((o) => o.call_ms));
    const open_ms = median(list.map((o) => o.open_ms));
    const total = median(list.map((o) => o.call_ms + o.open_ms));
    rows.push({ n, view, tool, bytes: list[0].bytes, call_ms, open_ms, first_draw_ms: total });
  }
}
await close();
fs.writeFileSync(path.join(work, 'results.json'), JSON.stringify(rows, null, 1));
console.log(`| n | view | attnviz bytes | bertviz bytes | smaller | attnviz call + open = first draw (ms) | bertviz call + open = first draw (ms) |`);
console.log('|---|---|---|---|---|---|---|');
for (const n of cases) {
  for (const view of ['head_view', 'model_view']) {
    const a = rows.find((r) => r.n === n && r.view === view && r.tool === 'attnviz');
    const b = rows.find((r) => r.n === n && r.view === view && r.tool === 'bertviz');
    const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : `> ${limit_ms}`);
    const t = (r) => `${ms(r.call_ms)} + ${ms(r.open_ms)} = ${ms(r.first_draw_ms)}`;
    console.log(`| ${n} | ${view} | ${a.bytes.toLocaleString('en')} | ${b.bytes.toLocaleString('en')} | ` +
      `${(b.bytes / a.bytes).toFixed(1)}x | ${t(a)} | ${t(b)} |`);
  }
}
const foreign = refused.filter((u) => !u.startsWith('https://cdnjs.cloudflare.com/'));
console.log(`requests refused (neither file: nor bertviz's CDN scripts): ${foreign.length ? foreign.join(', ') : 'none'}`);
