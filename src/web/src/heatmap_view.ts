// Heatmap of one head or of a layer's mean over heads, with token axes and a hover read-out; on a page with two
// inputs of one model, also their difference A - B on the aligned tokens, masked where a sentence has no token.
import { Theme, VIRIDIS_ABGR, abgr_to_css, diverging_abgr } from './colors';
import { InputMeta, LayerWeights, key_special, key_tokens } from './data';
import { Context, View, clear_overlay, font, fmt, head_name, label, layer_number, quote, size_canvases } from './view';

interface Layout {
  left: number;
  top: number;
  cell: number;
  n: number; // rows (queries)
  m: number; // columns (keys: n, but for cross attention)
}

// A's and B's weights on the aligned positions (m x m), NaN where either position has no token in that
// sentence, and their difference, NaN where either is.
function aligned(a: Float32Array, na: number, b: Float32Array, nb: number, alignment: [number, number][]) {
  const m = alignment.length;
  const out = { a: new Float32Array(m * m), b: new Float32Array(m * m), diff: new Float32Array(m * m) };
  for (let r = 0; r < m; r++) {
    const [ra, rb] = alignment[r];
    for (let c = 0; c < m; c++) {
      const [ca, cb] = alignment[c];
      const i = r * m + c;
      out.a[i] = ra >= 0 && ca >= 0 ? a[ra * na + ca] : NaN;
      out.b[i] = rb >= 0 && cb >= 0 ? b[rb * nb + cb] : NaN;
      out.diff[i] = out.a[i] - out.b[i];
    }
  }
  return out;
}

// Axis labels of the aligned positions: the shared token, "a/b" for a substitution (as the PNG/SVG compare
// labels it), the one token where only one sentence has it.
function aligned_tokens(a: InputMeta, b: InputMeta, alignment: [number, number][]): string[] {
  return alignment.map(([i, j]) => {
    if (j < 0) return a.tokens[i];
    if (i < 0) return b.tokens[j];
    return a.tokens[i] === b.tokens[j] ? a.tokens[i] : `${a.tokens[i]}/${b.tokens[j]}`;
  });
}

// Diagonal hatching on the grid colour: cells of tokens only one sentence has, as the PNG/SVG compare masks them.
function hatch(g: CanvasRenderingContext2D, theme: Theme): CanvasPattern {
  const tile = document.createElement('canvas');
  tile.width = tile.height = 6;
  const t = tile.getContext('2d')!;
  t.fillStyle = theme.grid;
  t.fillRect(0, 0, 6, 6);
  t.strokeStyle = theme.muted;
  t.beginPath();
  t.moveTo(0, 6);
  t.lineTo(6, 0);
  t.stroke();
  return g.createPattern(tile, 'repeat')!;
}

export class HeatmapView implements View {
  private cache_key = '';
  private matrix: Float32Array<ArrayBuffer> = new Float32Array(0);
  private image: HTMLCanvasElement = document.createElement('canvas');
  private max = 0;
  layout: Layout = { left: 0, top: 0, cell: 1, n: 0, m: 0 };

  private a: Float32Array = new Float32Array(0); // A's and B's weights when showing A - B
  private b: Float32Array = new Float32Array(0);
  private diff = false;
  // The axes: the input's tokens, or with A - B the aligned positions and which of them a sentence lacks.
  private tokens: string[] = [];
  private special: boolean[] = [];
  private absent: boolean[] = [];
  private col_tokens: string[] = []; // the keys: tokens, but for cross attention
  private col_special: boolean[] = [];

  private prepare(ctx: Context): boolean {
    const { state, theme } = ctx;
    const what = state.mean ? 'mean' : String(state.head);
    const key = state.diff ? `diff/${state.layer}/${what}/${theme.dark}` : `${state.input}/${state.layer}/${what}`;
    if (key === this.cache_key) return true;
    const pick = (lw: LayerWeights) => (state.mean ? lw.mean_matrix() : lw.head_matrix(state.head));
    let lut: Uint32Array = VIRIDIS_ABGR;
    if (state.diff) {
      const la = ctx.store.weights_if_ready(0, state.layer);
      const lb = ctx.store.weights_if_ready(1, state.layer);
      if (!la || !lb) return false;
      const [ia, ib] = ctx.store.meta.inputs;
      const alignment = ctx.store.meta.alignment!;
      const d = aligned(pick(la), ia.n, pick(lb), ib.n, alignment);
      this.a = d.a;
      this.b = d.b;
      this.matrix = d.diff;
      this.tokens = aligned_tokens(ia, ib, alignment);
      this.special = alignment.map(([i, j]) => (i >= 0 && ia.special[i]) || (j >= 0 && ib.special[j]));
      this.absent = alignment.map(([i, j]) => i < 0 || j < 0);
      this.col_tokens = this.tokens;
      this.col_special = this.special;
      lut = diverging_abgr(theme.neutral);
    } else {
      const lw = ctx.store.weights_if_ready(state.input, state.layer);
      if (!lw) return false;
      this.matrix = pick(lw);
      this.tokens = ctx.input.tokens;
      this.special = ctx.input.special;
      this.absent = [];
      this.col_tokens = key_tokens(ctx.input);
      this.col_special = key_special(ctx.input);
    }
    this.diff = state.diff;
    const n = this.tokens.length;
    const m = this.col_tokens.length;
    let max = 0;
    for (let i = 0; i < this.matrix.length; i++) if (!Number.isNaN(this.matrix[i])) max = Math.max(max, Math.abs(this.matrix[i]));
    this.max = max;
    // One pixel per weight, scaled up with nearest-neighbour sampling when drawn.
    this.image.width = m;
    this.image.height = n;
    const ic = this.image.getContext('2d')!;
    const data = ic.createImageData(m, n);
    const px = new Uint32Array(data.data.buffer);
    const k = max > 0 ? (state.diff ? 127.5 / max : 255 / max) : 0;
    const offset = state.diff ? 127.5 : 0;
    // Masked cells (NaN) are painted over with the hatching in render().
    for (let i = 0; i < this.matrix.length; i++) px[i] = Number.isNaN(this.matrix[i]) ? 0 : lut[Math.round(this.matrix[i] * k + offset)];
    ic.putImageData(data, 0, 0);
    this.cache_key = key;
    return true;
  }

  render(ctx: Context): boolean {
    if (!this.prepare(ctx)) return false;
    const { input, state, theme } = ctx;
    const n = this.tokens.length;
    const m = this.col_tokens.length;
    const cell = Math.max(1, Math.min(28, Math.floor(720 / Math.max(n, m))));
    // Every token is labelled when cells are 10 px or more, else every stride-th with its position.
    const stride = cell >= 10 ? 1 : Math.ceil(12 / cell);
    const labels = stride === 1;
    const text = (t: string, i: number) => (labels ? label(t) : `${i} ${label(t, 16)}`);
    const g = ctx.main;
    g.font = font(labels ? 12 : 10);
    let label_w = 0;
    for (const t of [this.tokens, this.col_tokens])
      t.forEach((t, i) => {
        if (i % stride === 0) label_w = Math.max(label_w, g.measureText(text(t, i)).width);
      });
    // label() caps tokens at 24 characters, so the margins stay bounded.
    const left = Math.ceil(label_w) + 20;
    const top = Math.ceil(label_w) + 12 + 48;
    const side = n * cell; // height; width: m * cell
    const width = m * cell;
    const w = Math.max(ctx.width, left + width + 110);
    size_canvases(ctx, w, top + side + 40);
    this.layout = { left, top, cell, n, m };

    g.fillStyle = theme.fg;
    g.font = font(14, true);
    g.textBaseline = 'alphabetic';
    g.textAlign = 'left';
    const what = state.mean && !input.rollout
      ? `Layer ${layer_number(input, state.layer)} \u00b7 mean of ${input.heads} heads` : head_name(input, state.layer, state.head);
    const [la, lb] = ctx.store.meta.inputs.map((m) => m.label || 'input');
    g.fillText(`${what}${this.diff ? ` \u00b7 A \u2212 B` : ''}`, 8, 20);
    g.font = font(11);
    g.fillStyle = theme.muted;
    g.fillText('rows: query (attending from) \u00b7 columns: key (attended to)' +
      (this.diff ? ` \u00b7 red: more in ${label(la, 30)} \u00b7 blue: more in ${label(lb, 30)}` : ''), 8, 36);

    g.imageSmoothingEnabled = false;
    g.drawImage(this.image, left, top, width, side);
    // Masked cells hatched, as in the PNG/SVG: keys after the query (causal), keys outside a sliding
    // window (in cells: a page of pooled blocks stores the window in blocks), tokens only one sentence has.
    const masks: string[] = [];
    g.fillStyle = hatch(g, theme);
    if (input.causal) {
      for (let r = 0; r + 1 < n; r++) g.fillRect(left + (r + 1) * cell, top + r * cell, (n - r - 1) * cell, cell);
      masks.push('keys after the query (causal)');
    }
    const window = (input.windows ?? [])[state.layer] ?? 0;
    if (window > 0) {
      for (let r = window; r < n; r++) g.fillRect(left, top + r * cell, (r - window + 1) * cell, cell);
      masks.push(`keys outside the sliding window of ${window}`);
    }
    if (this.absent.includes(true)) {
      this.absent.forEach((gone, i) => {
        if (!gone) return;
        g.fillRect(left, top + i * cell, side, cell);
        g.fillRect(left + i * cell, top, cell, side);
      });
      masks.push('tokens only one of the two sentences has');
    }
    if (masks.length > 0) {
      g.font = font(11);
      g.fillStyle = theme.muted;
      g.textBaseline = 'alphabetic';
      g.textAlign = 'left';
      g.fillText(`hatched: masked, ${masks.join('; ')}`, left, top + side + 24);
    }

    g.font = font(labels ? 12 : 10);
    g.textBaseline = 'middle';
    this.tokens.forEach((t, i) => {
      if (i % stride !== 0) return;
      g.fillStyle = this.special[i] ? theme.muted : theme.fg;
      g.textAlign = 'right';
      g.fillText(text(t, i), left - 6, top + (i + 0.5) * cell);
    });
    this.col_tokens.forEach((t, i) => {
      if (i % stride !== 0) return;
      g.fillStyle = this.col_special[i] ? theme.muted : theme.fg;
      g.save();
      g.translate(left + (i + 0.5) * cell, top - 6);
      g.rotate(-Math.PI / 2);
      g.textAlign = 'left';
      g.fillText(text(t, i), 0, 0);
      g.restore();
    });
    const b = this.diff ? 0 : input.sentence_b_start;
    if (b > 0) {
      // Sentence-pair boundary on both axes.
      g.strokeStyle = theme.highlight;
      g.lineWidth = 1;
      g.beginPath();
      g.moveTo(left + b * cell + 0.5, top - 4);
      g.lineTo(left + b * cell + 0.5, top + side + 4);
      g.moveTo(left - 4, top + b * cell + 0.5);
      g.lineTo(left + side + 4, top + b * cell + 0.5);
      g.stroke();
    }
    this.draw_colorbar(ctx, left + width + 24, top, Math.min(side, 240));
    return true;
  }

  private draw_colorbar(ctx: Context, x: number, y: number, h: number): void {
    const g = ctx.main;
    const lut = this.diff ? diverging_abgr(ctx.theme.neutral) : VIRIDIS_ABGR;
    for (let i = 0; i < h; i++) {
      g.fillStyle = abgr_to_css(lut[Math.round(255 * (1 - i / (h - 1)))]);
      g.fillRect(x, y + i, 14, 1);
    }
    g.font = font(10);
    g.fillStyle = ctx.theme.fg;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    g.fillText((this.diff ? '+' : '') + this.max.toFixed(3), x + 18, y + 4);
    g.fillText(this.diff ? `\u2212${this.max.toFixed(3)}` : '0', x + 18, y + h - 4);
  }

  private cell_at(x: number, y: number): [number, number] | null {
    const { left, top, cell, n, m } = this.layout;
    const col = Math.floor((x - left) / cell);
    const row = Math.floor((y - top) / cell);
    if (row < 0 || col < 0 || row >= n || col >= m) return null;
    return [row, col];
  }

  hover(ctx: Context, x: number, y: number): void {
    clear_overlay(ctx);
    const at = this.cell_at(x, y);
    if (!at) return this.leave(ctx);
    const [row, col] = at;
    const { left, top, cell, n, m } = this.layout;
    const o = ctx.overlay;
    o.strokeStyle = ctx.theme.highlight;
    o.lineWidth = 1;
    o.strokeRect(left - 0.5, top + row * cell - 0.5, m * cell + 1, cell + 1);
    o.strokeRect(left + col * cell - 0.5, top - 0.5, cell + 1, n * cell + 1);
    o.lineWidth = 2;
    o.strokeRect(left + col * cell - 1, top + row * cell - 1, cell + 2, cell + 2);
    const { input } = ctx;
    const tokens = this.tokens;
    const i = row * m + col;
    const window = (input.windows ?? [])[ctx.state.layer] ?? 0;
    const masked =
      input.causal && col > row
        ? ' (masked: key after query)'
        : window > 0 && row - col >= window
          ? ` (masked: outside the sliding window of ${window} tokens)`
          : '';
    const value = !this.diff
      ? fmt(this.matrix[i]) + masked
      : Number.isNaN(this.matrix[i])
        ? 'masked: a token only one of the two sentences has'
        : `A ${fmt(this.a[i])} \u2212 B ${fmt(this.b[i])} = ${this.matrix[i] >= 0 ? '+' : ''}${fmt(this.matrix[i])}`;
    ctx.set_readout(`query ${row} ${quote(tokens[row])} \u2192 key ${col} ${quote(this.col_tokens[col])}: ${value}`);
  }

  leave(ctx: Context): void {
    clear_overlay(ctx);
    ctx.set_readout('Hover a cell to read its weight.');
  }

  click(): void {}
}
