// Drives a running JupyterLab 4 in headless chromium (test_lab.py starts the server): opens the notebook, runs
// all its cells, and for each attnviz view in its outputs screenshots the view's canvas as JupyterLab shows it
// and counts its coloured pixels. Then shows the same outputs in a page of their own inside an
// <iframe sandbox="allow-scripts">, as VS Code and Colab show outputs, and measures them again.
//   node tests/notebook/lab.mjs ORIGIN NOTEBOOK_URL_PATH TOKEN WORK_DIR
// Prints one JSON line: {cells, errors: [cell outputs of type error], lab: [VIEW], sandbox: [VIEW],
// console_errors, refused}, VIEW = {view, ready, pixels, coloured}. Requests to anything but ORIGIN (and file:,
// data:, blob:) are refused and listed.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch, load_pngjs } from '../web/browser.mjs';

const PNG = await load_pngjs();

const [origin, notebook, token, work] = process.argv.slice(2);
const { context, refused, close } = await launch({ origin });
const console_errors = [];
const watch = (page) => {
  page.on('console', (m) => m.type() === 'error' && console_errors.push(`${m.location().url}: ${m.text()}`));
  page.on('pageerror', (e) => console_errors.push(String(e)));
  page.on('websocket', (ws) => ws.url().startsWith(origin.replace(/^http/, 'ws') + '/') || refused.push(ws.url()));
};

// A pixel is coloured when its channels differ by more than this: the views' attention (viridis heatmaps,
// head colours of the head view's lines) is; the background, the token text and grey rules are not.
const CHROMA = 24;

// What the screen shows of one view: its canvas cut out of a screenshot, with the pixels that differ from
// the canvas's most common colour (its background) and those that are coloured.
async function measure(frame) {
  const canvas = frame.locator('#main-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const png = PNG.sync.read(await canvas.screenshot({ animations: 'disabled' }));
  const counts = new Map();
  for (let i = 0; i < png.data.length; i += 4) {
    const key = (png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2];
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let background = 0;
  for (const [key, count] of counts) if (count > (counts.get(background) ?? 0)) background = key;
  let pixels = 0;
  let coloured = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
    if (((r << 16) | (g << 8) | b) !== background) pixels++;
    if (Math.max(r, g, b) - Math.min(r, g, b) > CHROMA) coloured++;
  }
  const view = await frame.evaluate(() => window.attnviz.state.view);
  return { view, ready: true, pixels, coloured };
}

// Each attnviz frame under `page`, in document order, scrolled to (a view out of sight waits to draw until it
// is seen, as a notebook output below the fold does), waited for and measured.
async function views(page, frames_of) {
  const shown = [];
  for (const element of await frames_of()) {
    await element.scrollIntoViewIfNeeded();
    const frame = await element.contentFrame();
    const ready = await frame
      .waitForFunction(() => document.body && document.body.dataset.ready === '1', null, { timeout: 20000 })
      .then(() => true, () => false);
    shown.push(ready ? await measure(frame) : { view: null, ready: false, pixels: 0, coloured: 0 });
  }
  return shown;
}

// JupyterLab: open the notebook, run every cell (the app is exposed by --LabApp.expose_app_in_browser).
const page = await context.newPage();
watch(page);
await page.setViewportSize({ width: 1200, height: 1400 });
await page.goto(`${origin}${notebook}?token=${token}`);
await page.waitForFunction(() => window.jupyterapp?.shell.currentWidget?.sessionContext?.session?.kernel, null,
  { timeout: 60000 });
const run = await page.evaluate(async () => {
  const panel = window.jupyterapp.shell.currentWidget;
  await panel.sessionContext.ready;
  await window.jupyterapp.commands.execute('notebook:run-all-cells');
  const cells = panel.content.widgets.filter((cell) => cell.model.type === 'code');
  const outputs = cells.map((cell) => cell.model.outputs.toJSON());
  return {
    cells: cells.map((cell) => cell.model.executionCount),
    errors: outputs.flat().filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
    html: outputs.flat().map((o) => o.data?.['text/html']).filter((h) => h).map((h) => [].concat(h).join('')),
  };
});
const lab = await views(page, () => page.locator('.jp-OutputArea-output iframe').elementHandles());

// The same outputs in a sandboxed frame at an address of its own (chromium loads no srcdoc frame inside a srcdoc
// frame of the same address).
fs.writeFileSync(path.join(work, 'outputs.html'), `<!DOCTYPE html><html><body>${run.html.join('\n')}</body></html>`);
fs.writeFileSync(path.join(work, 'sandboxed.html'), '<!DOCTYPE html><html><body><iframe sandbox="allow-scripts" ' +
  'style="width:1150px;height:3000px;border:0" src="outputs.html"></iframe></body></html>');
const outer = await context.newPage();
watch(outer);
await outer.goto(pathToFileURL(path.join(work, 'sandboxed.html')).href); // its load waits for its frames'
const inner = await (await outer.$('iframe')).contentFrame();
const sandbox = await views(outer, () => inner.locator('iframe').elementHandles());

console.log(JSON.stringify({ cells: run.cells, errors: run.errors, lab, sandbox, console_errors, refused }));
await close();
