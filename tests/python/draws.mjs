// Opens notebook outputs of attnviz (the markup head_view/model_view give) in headless chromium, offline, and
// says for each whether its view drew: pixels on the canvas, no console error, no network request.
//   node tests/python/draws.mjs OUTPUT.html [--sandbox]
// OUTPUT.html holds one or more outputs; --sandbox shows that document inside an <iframe sandbox="allow-scripts">,
// as VS Code and Colab show outputs. Prints one JSON line:
// {views: [{ready, drawn_pixels, view, layer, input, inputs}], errors: [...], refused: [...]}.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { launch } from '../web/browser.mjs';

const [file, ...rest] = process.argv.slice(2);
const sandbox = rest.includes('--sandbox');
const html = fs.readFileSync(file, 'utf8');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-nb-'));
const outputs = path.join(dir, 'outputs.html');
fs.writeFileSync(outputs, html.startsWith('<!DOCTYPE') ? html : `<!DOCTYPE html><html><body>${html}</body></html>`);
// Colab and VS Code show outputs in a sandboxed frame at an address of its own (a srcdoc frame would do
// too, but chromium loads no srcdoc frame inside another one: same address as an ancestor).
const page_file = sandbox ? path.join(dir, 'notebook.html') : outputs;
if (sandbox)
  fs.writeFileSync(page_file, '<!DOCTYPE html><html><body><iframe sandbox="allow-scripts" ' +
    'style="width:1150px;height:2400px" src="outputs.html"></iframe></body></html>');

const { context, refused, close } = await launch();
const errors = [];
const page = await context.newPage();
page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
page.on('pageerror', (e) => errors.push(String(e)));
await page.goto(pathToFileURL(page_file).href);
const views = [];
const deadline = Date.now() + 60000;
// attnviz's frames: those whose document has the page's data block.
let frames = [];
while (Date.now() < deadline) {
  frames = [];
  for (const f of page.frames()) {
    const has = await f.evaluate(() => !!document.getElementById('attnviz-meta')).catch(() => false);
    if (has) frames.push(f);
  }
  const ready = await Promise.all(frames.map((f) => f.evaluate(() => document.body.dataset.ready === '1').catch(() => false)));
  if (frames.length > 0 && ready.every((r) => r)) break;
  await new Promise((r) => setTimeout(r, 100));
}
for (const f of frames) {
  views.push(await f.evaluate(() => {
    const c = document.getElementById('main-canvas');
    const g = c.getContext('2d');
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const bg = [d[0], d[1], d[2]];
    let drawn = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== bg[0] || d[i + 1] !== bg[1] || d[i + 2] !== bg[2]) drawn++;
    const s = window.attnviz.state;
    return { ready: document.body.dataset.ready === '1', drawn_pixels: drawn, view: s.view, layer: s.layer,
      input: s.input, theme: s.theme, inputs: document.querySelectorAll('#input option').length,
      layer_labels: Array.from(document.querySelectorAll('#layer option')).map((o) => o.textContent) };
  }));
}
console.log(JSON.stringify({ views, errors, refused }));
await close();
