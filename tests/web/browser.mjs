// Starts Debian's chromium for the HTML view's tests and benchmark: headless, offline, a fresh profile,
// and every request that is not file:, data: or blob: recorded and refused, except those that serve() maps to a
// local file (bench/web hands bertviz its CDN scripts that way), and those to `origin` (a local server, such as the
// JupyterLab tests/notebook starts), which pass.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CHROMIUM = process.env.ATTNVIZ_CHROMIUM || '/usr/bin/chromium';
export const VIEWPORT = { width: 1200, height: 820 };

export async function load_playwright() {
  try {
    return await import('playwright-core');
  } catch {
    console.error('playwright-core is not installed next to tests/web: run scripts/setup_browser_tests.sh');
    process.exit(1);
  }
}

// pngjs, from next to tests/web (for screenshots read by scripts outside it, such as tests/notebook's).
export async function load_pngjs() {
  try {
    return (await import('pngjs')).PNG;
  } catch {
    console.error('pngjs is not installed next to tests/web: run scripts/setup_browser_tests.sh');
    process.exit(1);
  }
}

export async function launch({ serve = () => undefined, origin = undefined } = {}) {
  const { chromium } = await load_playwright();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'attnviz-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--font-render-hinting=none'],
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    offline: origin === undefined,
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  const refused = [];
  const local = (url) => /^(file|data|blob):/.test(url) || (origin !== undefined && url.startsWith(`${origin}/`));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (local(url)) return route.continue();
    const file = serve(url);
    if (file) return route.fulfill({ path: file, contentType: 'application/javascript' });
    refused.push(url);
    return route.abort();
  });
  context.on('request', (req) => {
    const url = req.url();
    if (!local(url) && !serve(url) && !refused.includes(url)) refused.push(url);
  });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, refused, close };
}
