// Browser tests of the HTML view: Debian's chromium, headless and offline, driven by playwright-core.
//   node browser_test.mjs --make-view BUILD/tests/web/make_view --attnviz BUILD/attnviz --work DIR [--update-golden]
// Exits 77 (ctest: skipped) only when chromium is absent. Screenshots are compared with tests/data/golden/web/*.png: a pixel
// differs when any channel differs by more than CHANNEL_TOLERANCE; no differing pixel is allowed.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CHROMIUM, launch } from './browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GOLDEN = path.join(HERE, '..', 'data', 'golden', 'web');
// Antialiased edges may move by a few levels between chromium builds; a wrong colour or a moved element
// changes channels by far more than this.
const CHANNEL_TOLERANCE = 40;

const args = process.argv.slice(2);
const opt = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const make_view = opt('--make-view');
const attnviz = opt('--attnviz');
const work = opt('--work') || fs.mkdtempSync('/tmp/attnviz-browser-');
const update = args.includes('--update-golden') || process.env.ATTNVIZ_UPDATE_GOLDEN === '1';

if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIPPED: no chromium at ${CHROMIUM}; install it with scripts/setup_browser_tests.sh`);
  process.exit(77);
}
assert.ok(make_view && fs.existsSync(make_view), '--make-view must name the built make_view helper');
assert.ok(attnviz && fs.existsSync(attnviz), '--attnviz must name the built attnviz binary');
const { PNG } = await import('pngjs').catch(() => {
  console.error('pngjs is not installed next to tests/web: run scripts/setup_browser_tests.sh');
  process.exit(1);
});
fs.mkdirSync(work, { recursive: true });

const XSS_TITLE = '</title><script>window.__xss=5</script><img src=x onerror="window.__xss=6">';
const PAGES = {
  basic: ['--layers', '3', '--heads', '4', '--n', '12', '--head-dim', '16', '--seed', '1'],
  causal: ['--layers', '2', '--heads', '3', '--n', '10', '--head-dim', '8', '--causal', '--seed', '2'],
  xss: ['--layers', '1', '--heads', '2', '--n', '10', '--head-dim', '8', '--xss', '--title', XSS_TITLE],
  pair: ['--layers', '2', '--heads', '2', '--n', '8', '--pair'],
  // B is A without its tokens 5 and 6: aligned positions 5 and 6 have no partner in B.
  pairlen: ['--layers', '2', '--heads', '2', '--n', '8', '--pair', '--pair-n', '6'],
  novec: ['--layers', '1', '--heads', '2', '--n', '6'],
  sentpair: ['--layers', '1', '--heads', '2', '--n', '12', '--sentence-b', '6', '--seed', '4'],
  rollout: ['--layers', '3', '--heads', '1', '--n', '6', '--no-vectors', '--rollout', '--seed', '5'],
  // An encoder-decoder: 9 encoder tokens, 5 decoder tokens; the dump is the cross attention [2][3][5][9].
  cross: ['--layers', '2', '--heads', '3', '--n', '9', '--cross', '5', '--seed', '6'],
  // Taller than the window: the stage scrolls vertically.
  tall: ['--layers', '1', '--heads', '2', '--n', '80', '--no-vectors', '--seed', '7'],
};
const truth = {};
for (const [name, flags] of Object.entries(PAGES)) {
  const dump = path.join(work, `${name}.json`);
  execFileSync(make_view, [path.join(work, `${name}.html`), ...flags, '--dump', dump]);
  truth[name] = JSON.parse(fs.readFileSync(dump, 'utf8'));
}
// A page as attnviz itself writes it, from saved attentions (no model run); the file names model gpt2-tiny.
const SAVED = path.join(HERE, '..', 'data', 'render_files', 'transformers.npy');
execFileSync(attnviz, ['html', '--from', SAVED, '-o', path.join(work, 'cli.html')]);
const weight = (t, l, h, q, k) => t.weights[((l * t.heads + h) * t.n + q) * t.n + k];

const { context, refused, close } = await launch();
const problems = []; // console errors, page errors and dialogs of every page opened

async function open(name, hash = '', viewport = undefined) {
  const page = await context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  page.on('console', (m) => m.type() === 'error' && problems.push(`${name}: console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`${name}: page error: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`${name}: dialog: ${d.message()}`);
    d.dismiss();
  });
  await page.goto(pathToFileURL(path.join(work, `${name}.html`)).href + (hash ? '#' + hash : ''));
  await page.waitForFunction(() => window.attnviz && window.attnviz.ready, null, { timeout: 20000 });
  return page;
}

async function canvas_colors(page) {
  return page.evaluate(() => {
    const c = document.getElementById('main-canvas');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  });
}

const canvas_png = (page) => page.evaluate(() => document.getElementById('main-canvas').toDataURL());
const readout = (page) => page.locator('#readout').textContent();
const state = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.attnviz.state)));
const layout = (page) => page.evaluate(() => window.attnviz.layout());

// Waits until no layer is being decoded for the current view (a view whose data is not decoded yet draws
// nothing until it is).
const settle = (page) =>
  page.waitForFunction(() => document.getElementById('status').textContent === '', null, { timeout: 20000 });

// Moves the mouse to canvas coordinates (CSS pixels).
async function hover(page, x, y) {
  const box = await page.locator('#overlay-canvas').boundingBox();
  await page.mouse.move(box.x + x, box.y + y);
}
async function click(page, x, y) {
  const box = await page.locator('#overlay-canvas').boundingBox();
  await page.mouse.click(box.x + x, box.y + y);
}

function compare_png(actual, expected) {
  if (actual.width !== expected.width || actual.height !== expected.height)
    return { size: `${actual.width}x${actual.height} vs ${expected.width}x${expected.height}`, differing: Infinity };
  let differing = 0;
  for (let i = 0; i < actual.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      if (Math.abs(actual.data[i + c] - expected.data[i + c]) > CHANNEL_TOLERANCE) {
        differing++;
        break;
      }
    }
  }
  return { differing };
}

async function expect_screenshot(page, name) {
  await page.mouse.move(0, 0);
  const actual = PNG.sync.read(await page.screenshot());
  const file = path.join(GOLDEN, `${name}.png`);
  fs.writeFileSync(path.join(work, `${name}.png`), PNG.sync.write(actual));
  if (update) {
    fs.mkdirSync(GOLDEN, { recursive: true });
    fs.writeFileSync(file, PNG.sync.write(actual));
    return;
  }
  assert.ok(fs.existsSync(file), `${file} missing; run with --update-golden and review the PNGs`);
  const result = compare_png(actual, PNG.sync.read(fs.readFileSync(file)));
  assert.equal(result.differing, 0,
    `${name}: ${result.size || result.differing + ' pixels'} differ from ${file} (actual: ${work}/${name}.png)`);
}

const tests = [];
const test = (name, fn) => tests.push([name, fn]);

for (const view of ['head', 'model', 'heatmap', 'neuron']) {
  test(`${view} view renders from file:// with the network off`, async () => {
    const page = await open('basic', `view=${view}`);
    assert.equal((await state(page)).view, view);
    assert.ok((await canvas_colors(page)) > 20, 'the canvas is (nearly) blank');
    await expect_screenshot(page, `basic-${view}`);
    await page.close();
  });
}

test('heatmap hover reads out the weight of the cell under the mouse', async () => {
  const page = await open('basic', 'view=heatmap&layer=1&head=2');
  const { left, top, cell } = await layout(page);
  const t = truth.basic;
  for (const [q, k] of [[3, 5], [7, 0], [11, 11]]) {
    await hover(page, left + (k + 0.5) * cell, top + (q + 0.5) * cell);
    const text = await readout(page);
    const m = text.match(/^query (\d+) .* key (\d+) .*: (\d\.\d{4})$/);
    assert.ok(m, `unexpected read-out: ${text}`);
    assert.deepEqual([Number(m[1]), Number(m[2])], [q, k]);
    const w = weight(t, 1, 2, q, k);
    assert.ok(Math.abs(Number(m[3]) - w) <= w / 100 + 0.004 + 5e-5, `read-out ${m[3]}, true weight ${w}`);
    assert.ok(text.includes(`\u201c${t.tokens[q]}\u201d`) && text.includes(`\u201c${t.tokens[k]}\u201d`));
  }
  await page.close();
});

test('heatmap of the layer mean averages the heads', async () => {
  const page = await open('basic', 'view=heatmap&layer=2&mean=1');
  const { left, top, cell } = await layout(page);
  await hover(page, left + 4.5 * cell, top + 6.5 * cell);
  const t = truth.basic;
  const mean = [0, 1, 2, 3].reduce((a, h) => a + weight(t, 2, h, 6, 4), 0) / 4;
  const value = Number((await readout(page)).split(': ').pop());
  assert.ok(Math.abs(value - mean) < 0.005, `mean read-out ${value}, true ${mean}`);
  await page.close();
});

test('head view: hovering a token isolates its lines; clicking a head toggles it', async () => {
  const page = await open('basic', 'view=head');
  const before = await canvas_png(page);
  const { top, row, left_x } = await layout(page);
  await hover(page, left_x - 10, top + 6.5 * row);
  assert.match(await readout(page), /^query 6 .* attends to \(mean of shown heads\): /);
  const isolated = await canvas_png(page);
  assert.notEqual(isolated, before, 'hover did not change the drawing');
  await page.mouse.move(0, 0);
  assert.equal(await canvas_png(page), before, 'leaving the token did not restore the drawing');
  await page.locator('#heads button[data-head="1"]').click();
  assert.equal(await page.locator('#heads button[data-head="1"]').getAttribute('aria-pressed'), 'false');
  assert.deepEqual((await state(page)).heads_on, [true, false, true, true]);
  assert.notEqual(await canvas_png(page), before, 'turning a head off did not change the drawing');
  await page.close();
});

test('model view: hover names a thumbnail, click opens it as a heatmap', async () => {
  const page = await open('basic', 'view=model');
  const { left, top, thumb, gap } = await layout(page);
  const x = left + 2 * (thumb + gap) + thumb / 2;
  const y = top + 1 * (thumb + gap) + thumb / 2;
  await hover(page, x, y);
  assert.equal(await readout(page), 'Layer 2, Head 3: click to open its heatmap');
  await click(page, x, y);
  const s = await state(page);
  assert.deepEqual([s.view, s.layer, s.head, s.mean], ['heatmap', 1, 2, false]);
  await page.close();
});

test('a page of rollouts names each layer as the rollout through it', async () => {
  const page = await open('rollout', 'view=model');
  const { left, top, thumb, gap } = await layout(page);
  await hover(page, left + thumb / 2, top + 1 * (thumb + gap) + thumb / 2);
  assert.equal(await readout(page), 'Attention rollout through layer 2: click to open its heatmap');
  await page.close();
});

test('keyboard moves between heads, layers, views and themes', async () => {
  const page = await open('basic', 'view=heatmap');
  const first = await canvas_png(page);
  await page.keyboard.press('ArrowRight');
  assert.equal((await state(page)).head, 1);
  assert.notEqual(await canvas_png(page), first);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  assert.equal((await state(page)).head, 3, 'ArrowLeft from head 1 wraps to the last head');
  await page.keyboard.press('ArrowDown');
  assert.equal((await state(page)).layer, 1);
  await page.keyboard.press('m');
  assert.equal((await state(page)).mean, true);
  assert.equal(await page.locator('#head').inputValue(), 'mean');
  await page.keyboard.press('2');
  assert.equal((await state(page)).view, 'model');
  await page.keyboard.press('t');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  assert.match(await page.evaluate(() => location.hash), /view=model.*theme=dark/);
  await page.close();
});

test('Save PNG downloads the view as a PNG image', async () => {
  const page = await open('basic', 'view=heatmap&layer=1&head=2');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#save').click()]);
  assert.equal(download.suggestedFilename(), 'attnviz-heatmap-l2-h3.png');
  const png = PNG.sync.read(fs.readFileSync(await download.path()));
  const canvas = await page.locator('#main-canvas').boundingBox();
  assert.deepEqual([png.width, png.height], [Math.round(canvas.width), Math.round(canvas.height)]);
  await page.close();
});

test('dark theme screenshot', async () => {
  const page = await open('basic', 'view=heatmap&theme=dark&layer=2&head=1');
  const bg = await page.evaluate(() => {
    const d = document.getElementById('main-canvas').getContext('2d').getImageData(2, 2, 1, 1).data;
    return d[0] + d[1] + d[2];
  });
  assert.ok(bg < 150, `dark theme canvas background is light (${bg})`);
  await expect_screenshot(page, 'basic-heatmap-dark');
  await page.close();
});

test('neuron view: softmax of q.k matches the stored weight; clicking a token makes it the query', async () => {
  const page = await open('basic', 'view=neuron&layer=0&head=0&query=4');
  const { top, row } = await layout(page);
  for (const j of [0, 4, 9]) {
    await hover(page, 10, top + (j + 0.5) * row);
    const m = (await readout(page)).match(/^key (\d+) .*: score (-?\d+\.\d+), softmax (\d\.\d+), stored weight (\d\.\d+)/);
    assert.ok(m, `unexpected read-out: ${await readout(page)}`);
    assert.equal(Number(m[1]), j);
    // q and k are int8 in the page, the stored weight 8-bit: they agree to about 1e-2.
    assert.ok(Math.abs(Number(m[3]) - Number(m[4])) < 0.02, `softmax ${m[3]} vs stored ${m[4]}`);
  }
  await click(page, 10, top + 7.5 * row);
  assert.equal((await state(page)).query, 7);
  assert.equal(await page.locator('#query').inputValue(), '7');
  await page.close();
});

// 'all grey' where every pixel of the square is one of the hatching's greys, else the first other colour.
async function cell_greys(page, x0, y0, size) {
  return page.evaluate(({ x0, y0, size }) => {
    const c = document.getElementById('main-canvas');
    const dpr = window.devicePixelRatio || 1;
    const d = c.getContext('2d').getImageData(x0 * dpr, y0 * dpr, size * dpr, size * dpr).data;
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
      if (Math.abs(r - g) > 2 || b - r < 0 || b - r > 10 || r < 130 || r > 225) return `rgb(${r},${g},${b})`;
    }
    return 'all grey';
  }, { x0, y0, size });
}

test('causal input: keys after the query are masked', async () => {
  const page = await open('causal', 'view=heatmap');
  const { left, top, cell } = await layout(page);
  await hover(page, left + 5.5 * cell, top + 1.5 * cell);
  assert.match(await readout(page), /: 0\.0000 \(masked: key after query\)$/);
  // Hatched as the PNG/SVG hatch them, not drawn as a zero weight; a cell below the diagonal is a weight.
  assert.equal(await cell_greys(page, left + 5 * cell + 2, top + 1 * cell + 2, cell - 4), 'all grey');
  assert.notEqual(await cell_greys(page, left + 1 * cell + 2, top + 5 * cell + 2, cell - 4), 'all grey');
  await page.keyboard.press('4');
  await settle(page);
  const nl = await layout(page);
  await hover(page, 10, nl.top + 8.5 * nl.row);
  assert.match(await readout(page), /masked/, 'query 0 must see key 8 as masked');
  await page.close();
});

test('hostile token text is shown as text and runs nothing', async () => {
  const page = await open('xss', 'view=head');
  const t = truth.xss;
  const result = await page.evaluate(() => ({
    flag: window.__xss,
    imgs: document.querySelectorAll('img, svg, iframe').length,
    scripts: document.scripts.length,
    title: document.title,
    h1: document.getElementById('title').textContent,
  }));
  assert.equal(result.flag, undefined);
  assert.equal(result.imgs, 0);
  assert.equal(result.scripts, 1 + 1 + 1 + 1, 'meta, one weight block, one vector block, the bundle');
  assert.equal(result.title, XSS_TITLE);
  assert.equal(result.h1, XSS_TITLE);
  const options = await page.locator('#query option').allTextContents();
  for (let i = 1; i <= 6; i++) assert.equal(options[i], `${i}: ${t.tokens[i]}`);
  const { top, row, left_x } = await layout(page);
  await hover(page, left_x - 10, top + 1.5 * row);
  assert.ok((await readout(page)).includes('\u201c<script>window.__xss=1</script>\u201d'));
  for (const view of ['2', '3', '4']) await page.keyboard.press(view);
  await settle(page);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  await expect_screenshot(page, 'xss-neuron');
  await page.close();
});

test('a pair page switches between its inputs and shows A - B', async () => {
  const page = await open('pair', 'view=heatmap');
  assert.deepEqual(await page.locator('#input option').allTextContents(), ['A: first sentence', 'B: second sentence']);
  await page.locator('#input').selectOption('1');
  await settle(page);
  assert.equal((await state(page)).input, 1);
  assert.ok((await canvas_colors(page)) > 20);
  await page.keyboard.press('d');
  await settle(page);
  assert.equal((await state(page)).diff, true);
  assert.equal(await page.locator('#diff').getAttribute('aria-pressed'), 'true');
  const { left, top, cell } = await layout(page);
  await hover(page, left + 2.5 * cell, top + 5.5 * cell);
  const m = (await readout(page)).match(/^query 5 .* key 2 .*: A (\d\.\d{4}) \u2212 B (\d\.\d{4}) = ([+-]\d\.\d{4})$/);
  assert.ok(m, `unexpected read-out: ${await readout(page)}`);
  const [a, b, d] = m.slice(1).map(Number);
  assert.ok(Math.abs(a - weight(truth.pair, 0, 0, 5, 2)) < 0.004, `A read-out ${a}`);
  assert.ok(Math.abs(d - (a - b)) <= 0.0002, `${a} - ${b} != ${d}`);
  await expect_screenshot(page, 'pair-diff');
  await page.keyboard.press('d');
  assert.equal((await state(page)).diff, false);
  await page.close();
});

test('A - B of sentences of different lengths masks the tokens only one has', async () => {
  const page = await open('pairlen', 'view=heatmap');
  await page.keyboard.press('d');
  await settle(page);
  assert.equal((await state(page)).diff, true);
  const { left, top, cell, n } = await layout(page);
  assert.equal(n, 8);
  await hover(page, left + 2.5 * cell, top + 3.5 * cell);
  const m = (await readout(page)).match(/^query 3 .* key 2 .*: A (\d\.\d{4}) \u2212 B (\d\.\d{4}) = ([+-]\d\.\d{4})$/);
  assert.ok(m, `unexpected read-out: ${await readout(page)}`);
  assert.ok(Math.abs(Number(m[1]) - weight(truth.pairlen, 0, 0, 3, 2)) < 0.004, `A read-out ${m[1]}`);
  for (const [row, col] of [[5, 2], [2, 6], [6, 6]]) {
    await hover(page, left + (col + 0.5) * cell, top + (row + 0.5) * cell);
    assert.match(await readout(page), /: masked: a token only one of the two sentences has$/);
  }
  // Masked cells are hatched in the theme's greys, never a colour of the A - B scale.
  assert.equal(await cell_greys(page, left + 2 * cell + 2, top + 5 * cell + 2, cell - 4), 'all grey');
  await page.close();
});

test('sentence pair: the head view filters lines by sentence', async () => {
  const page = await open('sentpair', 'view=head');
  assert.equal(await page.locator('#segments').isVisible(), true);
  // Which key rows have a line arriving (a non-background pixel just left of the key column).
  const keys_reached = () => page.evaluate(() => {
    const { top, row, right_x } = window.attnviz.layout();
    const g = document.getElementById('main-canvas').getContext('2d');
    return Array.from({ length: 12 }, (_, k) => {
      const d = g.getImageData(right_x - 3, Math.floor(top + (k + 0.5) * row), 1, 1).data;
      return d[0] + d[1] + d[2] < 3 * 250;
    });
  });
  const all = await keys_reached();
  assert.ok(all.slice(0, 6).some((x) => x) && all.slice(6).some((x) => x), `all: ${all}`);
  await page.locator('#segments').selectOption('aa');
  assert.equal((await state(page)).segments, 'aa');
  assert.deepEqual((await keys_reached()).slice(6), new Array(6).fill(false), 'A -> A drew lines into sentence B');
  await page.locator('#segments').selectOption('ab');
  const ab = await keys_reached();
  assert.deepEqual(ab.slice(0, 6), new Array(6).fill(false), 'A -> B drew lines into sentence A');
  assert.ok(ab.slice(6).some((x) => x));
  await expect_screenshot(page, 'sentpair-head-ab');
  await page.close();
});

test('cross attention: queries left, keys right; rectangular heatmap and model view', async () => {
  const page = await open('cross', 'view=head&input=2');
  assert.deepEqual(await page.locator('#input option').allTextContents(), ['Encoder', 'Decoder', 'Cross']);
  assert.equal((await state(page)).input, 2);
  assert.ok((await canvas_colors(page)) > 20, 'head view of the cross attention drew nothing');
  const t = truth.cross;
  const hv = await layout(page);
  // Hovering the last key (row 8: only the keys' column has it) isolates its lines.
  await hover(page, hv.right_x + 8, hv.top + 8.5 * hv.row);
  assert.match(await readout(page), /^key 8 .* is attended by/);
  await page.keyboard.press('3');
  await settle(page);
  const { left, top, cell, n, m } = await layout(page);
  assert.deepEqual([n, m], [5, 9]);
  await hover(page, left + 7.5 * cell, top + 3.5 * cell);
  const r = (await readout(page)).match(/^query 3 .* key 7 .*: (\d\.\d{4})$/);
  assert.ok(r, `unexpected read-out: ${await readout(page)}`);
  const w = t.weights[((0 * t.heads + 0) * t.n + 3) * t.columns + 7];
  assert.ok(Math.abs(Number(r[1]) - w) < 0.004, `read-out ${r[1]} for ${w}`);
  await page.keyboard.press('2');
  await settle(page);
  assert.ok((await canvas_colors(page)) > 20, 'model view of the cross attention drew nothing');
  await page.close();
});

test('encoder-decoder: the attention selector switches head view, model view and heatmap', async () => {
  const page = await open('cross', 'view=heatmap&input=0');
  assert.equal((await page.locator('label:has(#input)').textContent()).trim().split(' ')[0], 'Attention');
  // [selector value, view's rows, columns]: encoder 9 x 9, decoder 5 x 5 (causal), cross 5 x 9.
  for (const [input, n, m] of [['0', 9, 9], ['1', 5, 5], ['2', 5, 9]]) {
    await page.selectOption('#input', input);
    await settle(page);
    assert.equal((await state(page)).input, Number(input));
    const { n: rows, m: cols } = await layout(page);
    assert.deepEqual([rows, cols], [n, m], `heatmap of input ${input}`);
    assert.ok((await canvas_colors(page)) > 20, `heatmap of input ${input} drew nothing`);
  }
  // The decoder's future is masked: its top right cell reads as masked, not as a weight.
  await page.selectOption('#input', '1');
  await settle(page);
  const { left, top, cell } = await layout(page);
  await hover(page, left + 4.5 * cell, top + 0.5 * cell);
  assert.match(await readout(page), /^query 0 .* key 4 .*\(masked: key after query\)$/);
  // The selector keeps the attention across views: the head view and the model view draw the decoder's
  // (keys reach the page, not the focused selector).
  await page.evaluate(() => document.activeElement.blur());
  for (const key of ['1', '2']) {
    await page.keyboard.press(key);
    await settle(page);
    assert.equal((await state(page)).input, 1);
    assert.ok((await canvas_colors(page)) > 20, `view ${key} of the decoder drew nothing`);
  }
  await page.selectOption('#input', '2');
  await settle(page);
  assert.equal((await state(page)).input, 2);
  await page.close();
});

test('without queries/keys the neuron view says why', async () => {
  const page = await open('novec', 'view=neuron');
  assert.ok((await canvas_colors(page)) > 2);
  await expect_screenshot(page, 'novec-neuron');
  await page.close();
});

test('a page attnviz writes names its model once in the header', async () => {
  const page = await open('cli');
  assert.equal(await page.locator('header .titles').textContent(), 'attnviz \u00b7 gpt2-tiny');
  assert.equal(await page.title(), 'attnviz \u00b7 gpt2-tiny');
  await page.close();
});

test('at 1,300 px a head view narrower than the window has no horizontal scrollbar', async () => {
  for (const name of ['basic', 'tall', 'cli']) {
    const page = await open(name, 'view=head', { width: 1300, height: 820 });
    const { right_x, col_w } = await layout(page);
    assert.ok(right_x + col_w + 16 < 1300 / 2, `${name}: the drawing (${right_x + col_w + 16} px) is not narrow`);
    const sizes = await page.evaluate(() => {
      const of = (e) => ({ scroll: e.scrollWidth, client: e.clientWidth, vertical: e.scrollHeight > e.clientHeight });
      return { stage: of(document.getElementById('stage')), page: of(document.documentElement) };
    });
    if (name === 'tall') assert.ok(sizes.stage.vertical, 'the tall page does not scroll vertically');
    for (const [what, s] of Object.entries(sizes))
      assert.ok(s.scroll <= s.client, `${name}: ${what} scrollWidth ${s.scroll} > clientWidth ${s.client}`);
    await page.close();
  }
});

test('the screenshot comparison catches a one-pixel change', async () => {
  const golden = PNG.sync.read(fs.readFileSync(path.join(GOLDEN, 'basic-heatmap.png')));
  const copy = PNG.sync.read(PNG.sync.write(golden));
  assert.equal(compare_png(copy, golden).differing, 0);
  const i = (300 * copy.width + 400) * 4;
  copy.data[i] = 255 - copy.data[i];
  copy.data[i + 1] = 255 - copy.data[i + 1];
  assert.equal(compare_png(copy, golden).differing, 1);
});

let failed = 0;
for (const [name, fn] of tests) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e.stack || e).split('\n').slice(0, 3).join('\n  ')}`);
  }
}
await close();
try {
  assert.deepEqual(refused, [], 'the pages tried to reach the network');
  assert.deepEqual(problems, [], 'console errors, page errors or dialogs');
  console.log('ok - no network request, no console error, no dialog');
} catch (e) {
  failed++;
  console.log(`not ok - ${e.message}\n  ${JSON.stringify(e.actual).slice(0, 500)}`);
}
console.log(failed ? `${failed} of ${tests.length + 1} browser tests failed` : `all ${tests.length + 1} browser tests passed`);
process.exit(failed ? 1 : 0);
