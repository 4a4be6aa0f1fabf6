// Entry point: reads the page's data, builds the controls, owns the state and hands drawing to the views.
// Token text reaches the screen only through canvas fillText, textContent and option.text, never as markup.
import { DARK, LIGHT } from './colors';
import { InputMeta, PageMeta, Store, read_meta } from './data';
import { HeadView } from './head_view';
import { HeatmapView } from './heatmap_view';
import { ModelView } from './model_view';
import { NeuronView } from './neuron_view';
import { Context, SEGMENTS, Segments, State, View, ViewName, head_number, layer_number } from './view';

// "head 4 · shares its keys and values with heads 4–6" on grouped-query models.
function head_tooltip(m: InputMeta, h: number): string {
  const group = m.heads_per_kv;
  if (group <= 1) return `head ${h + 1}`;
  const first = Math.floor(h / group) * group;
  return `head ${h + 1} \u00b7 shares its keys and values with heads ${first + 1}\u2013${first + group}`;
}

const VIEWS: [ViewName, string][] = [
  ['head', 'Head view'],
  ['model', 'Model view'],
  ['heatmap', 'Heatmap'],
  ['neuron', 'Neuron view'],
];

interface Timings {
  first_view_ms: number; // from navigation start to the first view drawn and painted
  last_render_ms: number; // duration of the latest full redraw
  all_decoded_ms: number; // when the background decoding of every layer finished (0 until then)
}

declare global {
  interface Window {
    attnviz: {
      state: State;
      timings: Timings;
      ready: boolean;
      set_state(change: Partial<State>): void;
      layout(): object;
    };
  }
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = '') {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  const l = el('label', {}, text + ' ');
  l.appendChild(control);
  return l;
}

// The width a view may draw in without a horizontal scrollbar: the element's content box (clientWidth leaves out
// a scrollbar but counts the padding).
function content_width(e: HTMLElement): number {
  const style = getComputedStyle(e);
  return Math.floor(e.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
}

function fill_select(select: HTMLSelectElement, items: string[]): void {
  select.replaceChildren(...items.map((t, i) => new Option(t, String(i))));
}

function read_hash(meta: PageMeta): Partial<State> {
  const p = new URLSearchParams(location.hash.slice(1));
  const out: Partial<State> = {};
  const num = (k: string) => (p.has(k) ? Number(p.get(k)) : NaN);
  const v = p.get('view');
  if (v && VIEWS.some(([name]) => name === v)) out.view = v as ViewName;
  const input = num('input');
  if (input >= 0 && input < meta.inputs.length) out.input = input;
  for (const k of ['layer', 'head', 'query'] as const) if (num(k) >= 0) out[k] = num(k);
  if (p.get('mean') === '1') out.mean = true;
  if (p.get('diff') === '1') out.diff = true;
  const seg = p.get('seg');
  if (seg && SEGMENTS.some(([name]) => name === seg)) out.segments = seg as Segments;
  const theme = p.get('theme');
  if (theme === 'light' || theme === 'dark') out.theme = theme;
  return out;
}

class App {
  private store: Store;
  private state: State;
  private views: Record<ViewName, View> = {
    head: new HeadView(),
    model: new ModelView(),
    heatmap: new HeatmapView(),
    neuron: new NeuronView(),
  };
  private main = el('canvas', { id: 'main-canvas', role: 'img' });
  private overlay = el('canvas', { id: 'overlay-canvas' });
  private stage = el('div', { id: 'stage' });
  private readout = el('div', { id: 'readout', 'aria-live': 'polite' });
  private status = el('span', { id: 'status' });
  private tabs = new Map<ViewName, HTMLButtonElement>();
  private layer_select = el('select', { id: 'layer' });
  private head_select = el('select', { id: 'head' });
  private query_select = el('select', { id: 'query' });
  private input_select = el('select', { id: 'input' });
  private segments_select = el('select', { id: 'segments' });
  private theme_button = el('button', { id: 'theme', type: 'button' });
  private diff_button = el('button', { id: 'diff', type: 'button', title: 'heatmap of A minus B (key d)' }, 'A \u2212 B');
  private heads_bar = el('div', { id: 'heads', role: 'group', 'aria-label': 'heads shown' });
  private timings: Timings = { first_view_ms: 0, last_render_ms: 0, all_decoded_ms: 0 };
  private ready = false;

  constructor(private meta: PageMeta) {
    this.store = new Store(meta);
    const first = meta.inputs[0];
    const dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
    this.state = {
      view: 'head', input: 0, layer: 0, head: 0, mean: false, diff: false, segments: 'all', query: 0,
      heads_on: new Array<boolean>(first.heads).fill(true), theme: dark ? 'dark' : 'light',
    };
    const initial = meta.initial;
    if (initial) {
      if (VIEWS.some(([name]) => name === initial.view)) this.state.view = initial.view as ViewName;
      this.state.input = initial.input;
      this.state.layer = initial.layer;
      const m = meta.inputs[initial.input] ?? first;
      this.state.heads_on = new Array<boolean>(m.heads).fill(initial.heads.length === 0);
      for (const h of initial.heads) this.state.heads_on[h] = true;
      if (initial.heads.length > 0) this.state.head = initial.heads[0];
      if (initial.theme === 'light' || initial.theme === 'dark') this.state.theme = initial.theme;
    }
    const from_hash = read_hash(meta);
    Object.assign(this.state, from_hash);
    if (from_hash.head !== undefined && from_hash.view === 'head') this.state.heads_on = this.only_head(from_hash.head);
    this.clamp();
    this.build_dom();
  }

  private input() {
    return this.meta.inputs[this.state.input];
  }

  private only_head(h: number): boolean[] {
    return Array.from({ length: this.meta.inputs[this.state.input].heads }, (_, i) => i === h);
  }

  private clamp(): void {
    const m = this.input();
    const s = this.state;
    s.layer = Math.max(0, Math.min(m.layers - 1, Math.floor(s.layer)));
    s.head = Math.max(0, Math.min(m.heads - 1, Math.floor(s.head)));
    s.query = Math.max(0, Math.min(m.n - 1, Math.floor(s.query)));
    s.diff = s.diff && comparable(this.meta);
    if (s.heads_on.length !== m.heads) s.heads_on = new Array<boolean>(m.heads).fill(true);
  }

  private build_dom(): void {
    const header = el('header');
    const titles = el('div', { class: 'titles' });
    titles.appendChild(el('h1', { id: 'title' }, this.meta.title || 'attention'));
    if (this.meta.model) titles.appendChild(el('span', { id: 'model' }, this.meta.model));
    header.appendChild(titles);
    const nav = el('nav', { role: 'tablist' });
    VIEWS.forEach(([name, text], i) => {
      const b = el('button', { type: 'button', role: 'tab', 'data-view': name, title: `${text} (key ${i + 1})` }, text);
      b.addEventListener('click', () => this.set_state({ view: name }));
      this.tabs.set(name, b);
      nav.appendChild(b);
    });
    header.appendChild(nav);
    const controls = el('div', { class: 'controls' });
    if (this.meta.inputs.length > 1) {
      fill_select(this.input_select, this.meta.inputs.map((m) => m.label));
      this.input_select.addEventListener('change', () => this.set_state({ input: Number(this.input_select.value) }));
      controls.appendChild(labelled(this.meta.input_label ?? 'Input', this.input_select));
    }
    controls.appendChild(labelled('Layer', this.layer_select));
    controls.appendChild(labelled('Head', this.head_select));
    controls.appendChild(labelled('Query', this.query_select));
    this.segments_select.replaceChildren(...SEGMENTS.map(([v, t]) => new Option(t, v)));
    this.segments_select.addEventListener('change', () =>
      this.set_state({ segments: this.segments_select.value as Segments }));
    controls.appendChild(labelled('Sentences', this.segments_select));
    if (comparable(this.meta)) {
      this.diff_button.addEventListener('click', () => this.set_state({ diff: !this.state.diff, view: 'heatmap' }));
      controls.appendChild(this.diff_button);
    }
    controls.appendChild(this.theme_button);
    const save = el('button', { type: 'button', id: 'save' }, 'Save PNG');
    save.addEventListener('click', () => this.save_png());
    controls.appendChild(save);
    controls.appendChild(this.status);
    header.appendChild(controls);
    document.body.appendChild(header);

    this.layer_select.addEventListener('change', () => this.set_state({ layer: Number(this.layer_select.value) }));
    this.head_select.addEventListener('change', () => {
      const v = this.head_select.value;
      if (v === 'mean') this.set_state({ mean: true });
      else this.select_head(Number(v));
    });
    this.query_select.addEventListener('change', () => this.set_state({ query: Number(this.query_select.value) }));
    this.theme_button.addEventListener('click', () =>
      this.set_state({ theme: this.state.theme === 'dark' ? 'light' : 'dark' }));

    document.body.appendChild(this.heads_bar);
    const wrap = el('div', { class: 'canvas-wrap' });
    wrap.appendChild(this.main);
    wrap.appendChild(this.overlay);
    this.stage.appendChild(wrap);
    document.body.appendChild(this.stage);
    document.body.appendChild(this.readout);
    const footer = el('footer');
    footer.appendChild(el('p', { id: 'storage' }, this.meta.storage));
    footer.appendChild(el('p', { id: 'keys' },
      'Keys: 1\u20134 views \u00b7 \u2190 \u2192 head \u00b7 \u2191 \u2193 layer \u00b7 m layer mean \u00b7 d A \u2212 B \u00b7 ' +
        ', . query token \u00b7 a all heads \u00b7 t theme'));
    document.body.appendChild(footer);

    this.overlay.addEventListener('mousemove', (e) => this.views[this.state.view].hover(this.context(), e.offsetX, e.offsetY));
    this.overlay.addEventListener('mouseleave', () => this.views[this.state.view].leave(this.context()));
    this.overlay.addEventListener('click', (e) => this.views[this.state.view].click(this.context(), e.offsetX, e.offsetY));
    document.addEventListener('keydown', (e) => this.key(e));
  }

  private context(): Context {
    return {
      input: this.input(),
      store: this.store,
      state: this.state,
      theme: this.state.theme === 'dark' ? DARK : LIGHT,
      main: this.main.getContext('2d')!,
      overlay: this.overlay.getContext('2d')!,
      width: Math.max(320, content_width(this.stage)),
      set_readout: (t) => (this.readout.textContent = t),
      set_state: (c) => this.set_state(c),
    };
  }

  private select_head(h: number): void {
    this.set_state({ head: h, mean: false, heads_on: this.only_head(h) });
  }

  private key(e: KeyboardEvent): void {
    const t = e.target as HTMLElement;
    if (t && (t.tagName === 'SELECT' || t.tagName === 'INPUT') || e.ctrlKey || e.metaKey || e.altKey) return;
    const s = this.state;
    const m = this.input();
    const wrap = (v: number, n: number) => (v + n) % n;
    const view = VIEWS[Number(e.key) - 1];
    if (view) this.set_state({ view: view[0] });
    else if (e.key === 'ArrowRight') this.select_head(wrap(s.head + 1, m.heads));
    else if (e.key === 'ArrowLeft') this.select_head(wrap(s.head - 1, m.heads));
    else if (e.key === 'ArrowDown') this.set_state({ layer: wrap(s.layer + 1, m.layers) });
    else if (e.key === 'ArrowUp') this.set_state({ layer: wrap(s.layer - 1, m.layers) });
    else if (e.key === 'm') this.set_state({ mean: !s.mean });
    else if (e.key === 'd' && comparable(this.meta)) this.set_state({ diff: !s.diff, view: 'heatmap' });
    else if (e.key === '.') this.set_state({ query: wrap(s.query + 1, m.n) });
    else if (e.key === ',') this.set_state({ query: wrap(s.query - 1, m.n) });
    else if (e.key === 'a') this.set_state({ heads_on: new Array<boolean>(m.heads).fill(true) });
    else if (e.key === 't') this.set_state({ theme: s.theme === 'dark' ? 'light' : 'dark' });
    else return;
    e.preventDefault();
  }

  set_state(change: Partial<State>): void {
    const input_changed = change.input !== undefined && change.input !== this.state.input;
    Object.assign(this.state, change);
    this.clamp();
    if (input_changed) this.sync_inputs();
    this.update();
  }

  // Rebuilds the selects whose options depend on the input (layer/head counts, tokens).
  private sync_inputs(): void {
    const m = this.input();
    fill_select(this.layer_select, Array.from({ length: m.layers }, (_, i) => `${layer_number(m, i)}`));
    fill_select(this.head_select, Array.from({ length: m.heads }, (_, i) => `${head_number(m, i)}`));
    this.head_select.appendChild(new Option('mean', 'mean'));
    fill_select(this.query_select, m.tokens.map((t, i) => `${i}: ${t}`));
    this.heads_bar.replaceChildren();
    for (let h = 0; h < m.heads; h++) {
      const b = el('button', { type: 'button', class: 'head', 'data-head': String(h), title: head_tooltip(m, h) }, `${head_number(m, h)}`);
      b.addEventListener('click', () => {
        const on = this.state.heads_on.slice();
        on[h] = !on[h];
        this.set_state({ heads_on: on });
      });
      b.addEventListener('dblclick', () => this.select_head(h));
      this.heads_bar.appendChild(b);
    }
  }

  private update(): void {
    const s = this.state;
    const m = this.input();
    document.documentElement.dataset.theme = s.theme;
    this.theme_button.textContent = s.theme === 'dark' ? 'Light theme' : 'Dark theme';
    this.diff_button.setAttribute('aria-pressed', String(s.diff));
    this.tabs.forEach((b, name) => b.setAttribute('aria-selected', String(name === s.view)));
    this.input_select.value = String(s.input);
    this.layer_select.value = String(s.layer);
    this.head_select.value = s.mean && s.view === 'heatmap' ? 'mean' : String(s.head);
    this.query_select.value = String(s.query);
    this.query_select.parentElement!.hidden = s.view !== 'neuron';
    this.segments_select.value = s.segments;
    this.segments_select.parentElement!.hidden = s.view !== 'head' || m.sentence_b_start <= 0;
    this.heads_bar.hidden = s.view !== 'head';
    const dark = s.theme === 'dark';
    Array.from(this.heads_bar.children).forEach((b, h) => {
      const button = b as HTMLButtonElement;
      button.style.setProperty('--head', `hsl(${Math.round((h * 360) / m.heads)},70%,${dark ? 62 : 42}%)`);
      button.setAttribute('aria-pressed', String(s.heads_on[h]));
    });
    const hash = new URLSearchParams({
      view: s.view, input: String(s.input), layer: String(s.layer), head: String(s.head),
      mean: s.mean ? '1' : '0', diff: s.diff ? '1' : '0', seg: s.segments, query: String(s.query), theme: s.theme,
    });
    try {
      history.replaceState(null, '', '#' + hash.toString());
    } catch {
      // A page shown in a sandboxed frame (a notebook's output) may not change its address.
    }
    this.render();
  }

  private render(): void {
    const s = this.state;
    const t0 = performance.now();
    const ctx = this.context();
    const view = this.views[s.view];
    if (view.render(ctx)) {
      this.timings.last_render_ms = performance.now() - t0;
      const name = VIEWS.find(([v]) => v === s.view)![1];
      this.main.setAttribute('aria-label', `${name}, layer ${s.layer + 1}, head ${s.head + 1}`);
      this.status.textContent = '';
      view.leave(ctx);
      return;
    }
    this.status.textContent = 'decoding\u2026';
    const wanted = { input: s.input, layer: s.layer };
    const loads: Promise<unknown>[] = [this.store.load_weights(s.input, s.layer)];
    if (s.diff) loads.push(this.store.load_weights(0, s.layer), this.store.load_weights(1, s.layer));
    if (s.view === 'neuron' && has_vectors(this.input())) loads.push(this.store.load_vectors(s.input, s.layer));
    Promise.all(loads).then(
      () => {
        if (this.state.input === wanted.input && this.state.layer === wanted.layer) this.render();
      },
      (err) => this.fail(err),
    );
  }

  private fail(err: unknown): void {
    this.status.textContent = `cannot decode this page's data: ${err instanceof Error ? err.message : String(err)}`;
  }

  // First the layer on screen, then the rest in order, so the first view does not wait for the whole file.
  async start(): Promise<void> {
    this.sync_inputs();
    await document.fonts.load(`12px "DejaVu Sans"`).catch(() => undefined);
    const s = this.state;
    try {
      await this.store.load_weights(s.input, s.layer);
      if (s.view === 'neuron' && has_vectors(this.input())) await this.store.load_vectors(s.input, s.layer);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.update();
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    this.timings.first_view_ms = performance.now();
    this.ready = true;
    document.body.dataset.ready = '1';
    this.publish();
    for (let i = 0; i < this.meta.inputs.length; i++) {
      for (let l = 0; l < this.meta.inputs[i].layers; l++) {
        await this.store.load_weights(i, l).catch((err) => this.fail(err));
        if (this.state.view === 'model' && this.state.input === i) this.render();
      }
    }
    this.timings.all_decoded_ms = performance.now();
  }

  publish(): void {
    window.attnviz = {
      state: this.state, timings: this.timings, ready: this.ready,
      set_state: (c) => this.set_state(c),
      layout: () => this.views[this.state.view].layout,
    };
  }

  private save_png(): void {
    this.main.toBlob((blob) => {
      if (!blob) return;
      const a = el('a', { download: `attnviz-${this.state.view}-l${this.state.layer + 1}-h${this.state.head + 1}.png` });
      a.href = URL.createObjectURL(blob);
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    });
  }
}

// Two inputs whose attentions can be subtracted on their aligned positions (a Winograd pair, say).
function comparable(meta: PageMeta): boolean {
  const [a, b] = meta.inputs;
  return !!b && !!meta.alignment && a.layers === b.layers && a.heads === b.heads;
}

function has_vectors(m: { head_dim: number }): boolean {
  return m.head_dim > 0;
}

try {
  const app = new App(read_meta());
  app.publish();
  app.start();
} catch (err) {
  document.body.appendChild(el('p', { class: 'error' }, `attnviz: ${err instanceof Error ? err.message : String(err)}`));
}
