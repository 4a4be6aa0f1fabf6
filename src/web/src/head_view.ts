// bertviz-style head view: tokens on both sides, a line from query to key per head with opacity = weight.
import { head_color } from './colors';
import { InputMeta, LayerWeights, key_count, key_special, key_tokens } from './data';
import { Context, Segments, View, font, head_name, label, layer_number, max_label_width, quote, size_canvases } from './view';

// Token range [begin, end) of the query (side 0) or key (side 1) for the chosen sentence-pair segments.
function range(input: InputMeta, segments: Segments, side: 0 | 1): [number, number] {
  const b = input.sentence_b_start;
  if (segments === 'all' || b <= 0) return [0, side === 0 ? input.n : key_count(input)];
  return segments[side] === 'a' ? [0, b] : [b, input.n];
}

// Lines fainter than this are never drawn (opacity = weight, so they would hardly show).
const MIN_WEIGHT = 0.01;
const MAX_LINES = 8000;
const BUCKETS = 16;

interface Layout {
  top: number;
  row: number;
  left_x: number; // right edge of the query column
  right_x: number; // left edge of the key column
  col_w: number;
}

type Focus = { side: 'query' | 'key'; token: number } | null;

export class HeadView implements View {
  layout: Layout = { top: 0, row: 18, left_x: 0, right_x: 0, col_w: 0 };
  private focus: Focus = null;
  private drawn_threshold = MIN_WEIGHT;

  render(ctx: Context): boolean {
    const lw = ctx.store.weights_if_ready(ctx.state.input, ctx.state.layer);
    if (!lw) return false;
    const { input, theme, state } = ctx;
    const n = Math.max(input.n, key_count(input)); // rows: queries left, keys right (cross attention: others)
    const g = ctx.main;
    // Long inputs get thin rows (labels then only in the read-out) so lines stay short to rasterise.
    const row = n <= 64 ? 18 : n <= 200 ? 14 : Math.max(3, Math.floor(3072 / n));
    const col_w = Math.min(200, Math.ceil(max_label_width(ctx)) + 8);
    const top = 48;
    const left_x = 16 + col_w;
    const right_x = left_x + 260;
    this.layout = { top, row, left_x, right_x, col_w };
    size_canvases(ctx, Math.max(ctx.width, right_x + col_w + 16), top + n * row + 16);

    g.fillStyle = theme.fg;
    g.font = font(14, true);
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    const on = state.heads_on.filter((x) => x).length;
    const title = input.rollout ? head_name(input, state.layer, 0)
      : `Layer ${layer_number(input, state.layer)} \u00b7 ${on} of ${input.heads} heads`;
    g.fillText(title, 8, 20);

    const f = this.focus;
    const shade = f ? this.mean_weights(lw, state.heads_on, f) : null;
    this.draw_column(ctx, 'query', f && f.side === 'key' ? shade : null);
    this.draw_column(ctx, 'key', f && f.side === 'query' ? shade : null);
    this.draw_lines(ctx, lw);
    g.font = font(11);
    g.fillStyle = theme.muted;
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(`left: query (attending from) \u00b7 right: key (attended to) \u00b7 lines for weights ` +
      `\u2265 ${this.drawn_threshold.toFixed(3)}, opacity = weight`, 8, 36);
    return true;
  }

  // Mean over the shown heads of a focused query's row (what it attends to) or key's column (who attends to it).
  private mean_weights(lw: LayerWeights, heads_on: boolean[], f: NonNullable<Focus>): Float32Array {
    const count = f.side === 'query' ? lw.cols : lw.n;
    const out = new Float32Array(count);
    const on = heads_on.filter((x) => x).length || 1;
    heads_on.forEach((v, h) => {
      if (!v) return;
      for (let i = 0; i < count; i++) out[i] += (f.side === 'query' ? lw.at(h, f.token, i) : lw.at(h, i, f.token)) / on;
    });
    return out;
  }

  private draw_column(ctx: Context, side: 'query' | 'key', shade: Float32Array | null): void {
    const { input, theme } = ctx;
    const { top, row, left_x, right_x, col_w } = this.layout;
    const g = ctx.main;
    g.font = font(12);
    g.textBaseline = 'middle';
    g.textAlign = side === 'query' ? 'right' : 'left';
    const x = side === 'query' ? left_x - 4 : right_x + 4;
    const box_x = side === 'query' ? left_x - col_w : right_x;
    const special = side === 'query' ? input.special : key_special(input);
    (side === 'query' ? input.tokens : key_tokens(input)).forEach((t, i) => {
      const y = top + i * row;
      const focused = this.focus && this.focus.side === side && this.focus.token === i;
      if (shade && shade[i] > 0) {
        g.globalAlpha = Math.min(1, shade[i]);
        g.fillStyle = theme.highlight;
        g.fillRect(box_x, y + 1, col_w, row - 2);
        g.globalAlpha = 1;
      }
      if (focused) {
        g.strokeStyle = theme.highlight;
        g.lineWidth = 1.5;
        g.strokeRect(box_x + 0.5, y + 1.5, col_w - 1, row - 3);
      }
      if (row < 10) return;
      g.fillStyle = special[i] ? theme.muted : theme.fg;
      g.fillText(label(t), x, y + row / 2);
    });
  }

  // The weight below which lines are left out: MIN_WEIGHT, raised until at most MAX_LINES lines remain. Software
  // rasterisers take about a second per 50,000 long antialiased lines; the omitted ones are the faintest.
  private threshold(lw: LayerWeights, heads_on: boolean[]): number {
    const bins = new Uint32Array(256);
    for (let h = 0; h < lw.heads; h++) {
      if (!heads_on[h]) continue;
      for (let q = 0; q < lw.n; q++) {
        const len = lw.row_length(q);
        for (let k = 0; k < len; k++) bins[Math.min(255, Math.floor(lw.at(h, q, k) * 256))]++;
      }
    }
    let count = 0;
    for (let b = 255; b >= 0; b--) {
      if (count + bins[b] > MAX_LINES) return Math.max(MIN_WEIGHT, (b + 1) / 256);
      count += bins[b];
    }
    return MIN_WEIGHT;
  }

  private draw_lines(ctx: Context, lw: LayerWeights): void {
    const { state, theme } = ctx;
    const { top, row, left_x, right_x } = this.layout;
    const g = ctx.main;
    const n = Math.max(lw.n, lw.cols);
    const f = this.focus;
    // With a focused token only its n lines per head are drawn, so all of them can be.
    const min = f ? MIN_WEIGHT / 2 : this.threshold(lw, state.heads_on);
    this.drawn_threshold = min;
    g.lineWidth = n > 64 ? 1 : 1.5;
    for (let h = 0; h < lw.heads; h++) {
      if (!state.heads_on[h]) continue;
      // One path per opacity bucket keeps stroke() calls at 16 per head whatever the token count.
      const paths = Array.from({ length: BUCKETS }, () => new Path2D());
      const used = new Array<boolean>(BUCKETS).fill(false);
      const [qa, qb] = range(ctx.input, state.segments, 0);
      const [ka, kb] = range(ctx.input, state.segments, 1);
      const q0 = f && f.side === 'query' ? Math.max(qa, f.token) : qa;
      const q1 = f && f.side === 'query' ? Math.min(qb, f.token + 1) : qb;
      for (let q = q0; q < q1; q++) {
        const k0 = f && f.side === 'key' ? Math.max(ka, f.token) : ka;
        const k1 = Math.min(f && f.side === 'key' ? f.token + 1 : kb, lw.row_length(q));
        for (let k = k0; k < k1; k++) {
          const w = lw.at(h, q, k);
          if (w < min) continue;
          const b = Math.min(BUCKETS - 1, Math.floor(w * BUCKETS));
          paths[b].moveTo(left_x + 2, top + (q + 0.5) * row);
          paths[b].lineTo(right_x - 2, top + (k + 0.5) * row);
          used[b] = true;
        }
      }
      g.strokeStyle = head_color(h, lw.heads, theme.dark);
      paths.forEach((p, b) => {
        if (!used[b]) return;
        g.globalAlpha = (b + 0.5) / BUCKETS;
        g.stroke(p);
      });
    }
    g.globalAlpha = 1;
  }

  private token_at(x: number, y: number, input: InputMeta): Focus {
    const { top, row, left_x, right_x, col_w } = this.layout;
    const i = Math.floor((y - top) / row);
    if (i < 0) return null;
    if (x >= left_x - col_w && x <= left_x && i < input.n) return { side: 'query', token: i };
    if (x >= right_x && x <= right_x + col_w && i < key_count(input)) return { side: 'key', token: i };
    return null;
  }

  hover(ctx: Context, x: number, y: number): void {
    const f = this.token_at(x, y, ctx.input);
    const same = f === this.focus || (f && this.focus && f.side === this.focus.side && f.token === this.focus.token);
    if (same) return;
    this.focus = f;
    this.render(ctx);
    this.describe(ctx);
  }

  private describe(ctx: Context): void {
    const f = this.focus;
    const lw = ctx.store.weights_if_ready(ctx.state.input, ctx.state.layer);
    if (!f || !lw) return ctx.set_readout('Hover a token to isolate its lines; click a head colour to toggle it.');
    const w = this.mean_weights(lw, ctx.state.heads_on, f);
    const top = Array.from(w.keys()).sort((a, b) => w[b] - w[a]).slice(0, 5);
    const [own, other] = f.side === 'query' ? [ctx.input.tokens, key_tokens(ctx.input)]
      : [key_tokens(ctx.input), ctx.input.tokens];
    const verb = f.side === 'query' ? 'attends to' : 'is attended by';
    ctx.set_readout(`${f.side} ${f.token} ${quote(own[f.token])} ${verb} (mean of shown heads): ` +
      top.map((i) => `${quote(other[i])} ${w[i].toFixed(3)}`).join(', '));
  }

  leave(ctx: Context): void {
    if (this.focus !== null) {
      this.focus = null;
      this.render(ctx);
    }
    this.describe(ctx);
  }

  click(): void {}
}
