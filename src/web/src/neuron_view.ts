// Neuron view: for one head and query token, the query vector, every key vector, their elementwise product
// and the scores q.k/sqrt(d) before and after softmax, next to the stored attention weight.
import { diverging } from './colors';
import { Context, View, clear_overlay, font, fmt, label, max_label_width, quote, size_canvases } from './view';

interface Rows {
  q: Float32Array;
  keys: Float32Array[];
  products: Float32Array[];
  scores: Float64Array; // NaN where masked
  softmax: Float64Array;
  stored: Float64Array;
}

interface Layout {
  top: number;
  row: number;
  label_w: number;
  cell: number;
  k_x: number;
  p_x: number;
  s_x: number;
  a_x: number;
  w_x: number;
  bar: number;
}

export class NeuronView implements View {
  private rows: Rows | null = null;
  layout: Layout = { top: 0, row: 0, label_w: 0, cell: 0, k_x: 0, p_x: 0, s_x: 0, a_x: 0, w_x: 0, bar: 0 };

  private compute(ctx: Context): Rows | null {
    const { state, input } = ctx;
    const lv = ctx.store.vectors_if_ready(state.input, state.layer);
    const lw = ctx.store.weights_if_ready(state.input, state.layer);
    if (!lv || !lw) return null;
    const n = input.n;
    const d = input.head_dim;
    const qi = Math.min(state.query, n - 1);
    const q = lv.vector(state.head, 0, qi);
    const keys: Float32Array[] = [];
    const products: Float32Array[] = [];
    const scores = new Float64Array(n);
    const stored = new Float64Array(n);
    let max = -Infinity;
    for (let j = 0; j < n; j++) {
      const k = lv.vector(state.head, 1, j);
      const p = k.map((v, i) => v * q[i]);
      keys.push(k);
      products.push(p);
      stored[j] = lw.at(state.head, qi, j);
      if (input.causal && j > qi) {
        scores[j] = NaN;
        continue;
      }
      scores[j] = p.reduce((a, b) => a + b, 0) / Math.sqrt(d);
      max = Math.max(max, scores[j]);
    }
    const softmax = scores.map((s) => (Number.isNaN(s) ? 0 : Math.exp(s - max)));
    const total = softmax.reduce((a, b) => a + b, 0);
    softmax.forEach((v, j) => (softmax[j] = v / total));
    return { q, keys, products, scores, softmax, stored };
  }

  render(ctx: Context): boolean {
    const { input, state, theme } = ctx;
    if (input.head_dim === 0) {
      size_canvases(ctx, ctx.width, 80);
      ctx.main.fillStyle = theme.fg;
      ctx.main.font = font(13);
      ctx.main.textAlign = 'left';
      ctx.main.textBaseline = 'alphabetic';
      ctx.main.fillText('This page carries no query/key vectors, so the neuron view is not available.', 8, 30);
      ctx.main.fillText('Write the page with queries and keys (attnviz html keeps them unless told not to).', 8, 50);
      return true;
    }
    const rows = this.compute(ctx);
    if (!rows) return false;
    this.rows = rows;
    const n = input.n;
    const d = input.head_dim;
    const g = ctx.main;
    const label_w = Math.min(180, Math.ceil(max_label_width(ctx)) + 12);
    const cell = Math.max(2, Math.min(12, Math.floor(320 / d)));
    const row = n <= 64 ? 16 : n <= 256 ? 12 : 8;
    const top = 86;
    const k_x = 8 + label_w;
    const p_x = k_x + d * cell + 16;
    const s_x = p_x + d * cell + 16;
    const bar = 90;
    const a_x = s_x + bar + 60;
    const w_x = a_x + bar + 60;
    this.layout = { top, row, label_w, cell, k_x, p_x, s_x, a_x, w_x, bar };
    size_canvases(ctx, Math.max(ctx.width, w_x + bar + 50), top + n * row + 16);

    const qi = Math.min(state.query, n - 1);
    g.fillStyle = theme.fg;
    g.font = font(14, true);
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(`Layer ${state.layer + 1} \u00b7 Head ${state.head + 1} \u00b7 query ${qi}`, 8, 20);
    g.font = font(11);
    g.textBaseline = 'middle';
    const head_y = top - 30;
    g.fillText('q', k_x - 12, head_y);
    const q_max = rows.q.reduce((a, v) => Math.max(a, Math.abs(v)), 0) || 1;
    rows.q.forEach((v, i) => {
      g.fillStyle = diverging(v / q_max, theme.neutral);
      g.fillRect(k_x + i * cell, head_y - 6, cell, 12);
    });
    g.fillStyle = theme.muted;
    g.fillText('key vectors k', k_x, top - 10);
    g.fillText('q \u2299 k', p_x, top - 10);
    g.fillText('q\u00b7k / \u221ad', s_x, top - 10);
    g.fillText('softmax', a_x, top - 10);
    g.fillText('stored', w_x, top - 10);
    g.fillText(`query token: ${label(input.tokens[qi], 40)}`, p_x, head_y);

    const k_max = rows.keys.reduce((a, k) => k.reduce((b, v) => Math.max(b, Math.abs(v)), a), 0) || 1;
    const p_max = rows.products.reduce((a, k) => k.reduce((b, v) => Math.max(b, Math.abs(v)), a), 0) || 1;
    let s_abs = 0;
    rows.scores.forEach((s) => Number.isNaN(s) || (s_abs = Math.max(s_abs, Math.abs(s))));
    s_abs = s_abs || 1;
    for (let j = 0; j < n; j++) {
      const y = top + j * row;
      if (row >= 12) {
        g.font = font(Math.min(12, row - 2));
        g.textAlign = 'right';
        g.fillStyle = j === qi ? theme.highlight : input.special[j] ? theme.muted : theme.fg;
        g.fillText(label(input.tokens[j]), k_x - 6, y + row / 2);
      } else if (j === qi) {
        g.fillStyle = theme.highlight;
        g.fillRect(k_x - 12, y, 8, row);
      }
      for (let i = 0; i < d; i++) {
        g.fillStyle = diverging(rows.keys[j][i] / k_max, theme.neutral);
        g.fillRect(k_x + i * cell, y + 1, cell, row - 2);
        g.fillStyle = diverging(rows.products[j][i] / p_max, theme.neutral);
        g.fillRect(p_x + i * cell, y + 1, cell, row - 2);
      }
      g.textAlign = 'left';
      if (Number.isNaN(rows.scores[j])) {
        g.fillStyle = theme.muted;
        if (row >= 12) g.fillText('masked', s_x, y + row / 2);
        else g.fillRect(s_x, y + row / 2, bar, 1);
        continue;
      }
      const s = rows.scores[j];
      const mid = s_x + bar / 2;
      g.fillStyle = s < 0 ? 'rgb(33,102,172)' : 'rgb(178,24,43)';
      g.fillRect(s < 0 ? mid - ((-s / s_abs) * bar) / 2 : mid, y + 2, ((Math.abs(s) / s_abs) * bar) / 2, row - 4);
      g.fillStyle = theme.highlight;
      g.fillRect(a_x, y + 2, rows.softmax[j] * bar, row - 4);
      g.fillRect(w_x, y + 2, rows.stored[j] * bar, row - 4);
      if (row >= 12) {
        g.fillStyle = theme.fg;
        g.font = font(10);
        g.fillText(s.toFixed(2), s_x + bar + 4, y + row / 2);
        g.fillText(rows.softmax[j].toFixed(3), a_x + bar + 4, y + row / 2);
        g.fillText(rows.stored[j].toFixed(3), w_x + bar + 4, y + row / 2);
      }
    }
    return true;
  }

  hover(ctx: Context, x: number, y: number): void {
    clear_overlay(ctx);
    const rows = this.rows;
    const { top, row, cell, k_x, p_x, s_x, w_x } = this.layout;
    const j = Math.floor((y - top) / row);
    if (!rows || j < 0 || j >= ctx.input.n) return this.leave(ctx);
    const d = ctx.input.head_dim;
    const o = ctx.overlay;
    o.strokeStyle = ctx.theme.fg;
    o.lineWidth = 1;
    o.strokeRect(4.5, top + j * row + 0.5, w_x + 70, row - 1);
    const tok = quote(ctx.input.tokens[j]);
    const dim = x >= k_x && x < k_x + d * cell ? Math.floor((x - k_x) / cell)
      : x >= p_x && x < p_x + d * cell ? Math.floor((x - p_x) / cell) : -1;
    if (dim >= 0) {
      ctx.set_readout(`key ${j} ${tok}, dim ${dim}: q=${fmt(rows.q[dim])} k=${fmt(rows.keys[j][dim])} ` +
        `q\u00b7k=${fmt(rows.products[j][dim])}`);
    } else if (x >= s_x || x < k_x) {
      const s = rows.scores[j];
      ctx.set_readout(Number.isNaN(s) ? `key ${j} ${tok}: masked (after the query)`
        : `key ${j} ${tok}: score ${fmt(s)}, softmax ${fmt(rows.softmax[j])}, stored weight ${fmt(rows.stored[j])}` +
          (x < k_x ? ' \u00b7 click to make it the query' : ''));
    }
  }

  leave(ctx: Context): void {
    clear_overlay(ctx);
    ctx.set_readout('Hover a cell for its values; click a token to make it the query.');
  }

  click(ctx: Context, x: number, y: number): void {
    const { top, row, k_x } = this.layout;
    const j = Math.floor((y - top) / row);
    if (x < k_x && j >= 0 && j < ctx.input.n) ctx.set_state({ query: j });
  }
}
