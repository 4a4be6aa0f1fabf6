// Heatmap of one head or of a layer's mean over heads, with token axes and a hover read-out.
import { VIRIDIS_ABGR, abgr_to_css } from './colors';
import { Context, View, clear_overlay, font, fmt, label, max_label_width, quote, size_canvases } from './view';

interface Layout {
  left: number;
  top: number;
  cell: number;
  n: number;
  labels: boolean;
}

export class HeatmapView implements View {
  private cache_key = '';
  private matrix: Float32Array<ArrayBuffer> = new Float32Array(0);
  private image: HTMLCanvasElement = document.createElement('canvas');
  private max = 0;
  layout: Layout = { left: 0, top: 0, cell: 1, n: 0, labels: false };

  private prepare(ctx: Context): boolean {
    const { state } = ctx;
    const key = `${state.input}/${state.layer}/${state.mean ? 'mean' : state.head}`;
    if (key === this.cache_key) return true;
    const lw = ctx.store.weights_if_ready(state.input, state.layer);
    if (!lw) return false;
    const n = lw.n;
    this.matrix = state.mean ? lw.mean_matrix() : lw.head_matrix(state.head);
    let max = 0;
    for (let i = 0; i < this.matrix.length; i++) if (this.matrix[i] > max) max = this.matrix[i];
    this.max = max;
    // One pixel per weight, scaled up with nearest-neighbour sampling when drawn.
    this.image.width = n;
    this.image.height = n;
    const ic = this.image.getContext('2d')!;
    const data = ic.createImageData(n, n);
    const px = new Uint32Array(data.data.buffer);
    const k = max > 0 ? 255 / max : 0;
    for (let i = 0; i < this.matrix.length; i++) px[i] = VIRIDIS_ABGR[Math.round(this.matrix[i] * k)];
    ic.putImageData(data, 0, 0);
    this.cache_key = key;
    return true;
  }

  render(ctx: Context): boolean {
    if (!this.prepare(ctx)) return false;
    const { input, state, theme } = ctx;
    const n = input.n;
    const cell = Math.max(1, Math.min(28, Math.floor(720 / n)));
    const labels = cell >= 10;
    const g = ctx.main;
    const label_w = labels ? max_label_width(ctx) : 0;
    // label() caps tokens at 24 characters, so the margins stay bounded.
    const left = labels ? Math.ceil(label_w) + 20 : 44;
    const top = (labels ? Math.ceil(label_w) + 12 : 0) + 48;
    const side = n * cell;
    const w = Math.max(ctx.width, left + side + 110);
    size_canvases(ctx, w, top + side + 40);
    this.layout = { left, top, cell, n, labels };

    g.fillStyle = theme.fg;
    g.font = font(14, true);
    g.textBaseline = 'alphabetic';
    g.textAlign = 'left';
    const what = state.mean ? `mean of ${input.heads} heads` : `Head ${state.head + 1}`;
    g.fillText(`Layer ${state.layer + 1} \u00b7 ${what}`, 8, 20);
    g.font = font(11);
    g.fillStyle = theme.muted;
    g.fillText('rows: query (attending from) \u00b7 columns: key (attended to)', 8, 36);

    g.imageSmoothingEnabled = false;
    g.drawImage(this.image, left, top, side, side);

    if (labels) {
      g.font = font(12);
      g.textBaseline = 'middle';
      input.tokens.forEach((t, i) => {
        g.fillStyle = input.special[i] ? theme.muted : theme.fg;
        g.textAlign = 'right';
        g.fillText(label(t), left - 6, top + (i + 0.5) * cell);
        g.save();
        g.translate(left + (i + 0.5) * cell, top - 6);
        g.rotate(-Math.PI / 2);
        g.textAlign = 'left';
        g.fillText(label(t), 0, 0);
        g.restore();
      });
    } else {
      g.font = font(10);
      g.fillStyle = theme.muted;
      g.textAlign = 'right';
      g.textBaseline = 'top';
      g.fillText('0', left - 4, top);
      g.fillText(String(n - 1), left - 4, top + side - 10);
    }
    this.draw_colorbar(ctx, left + side + 24, top, Math.min(side, 240));
    return true;
  }

  private draw_colorbar(ctx: Context, x: number, y: number, h: number): void {
    const g = ctx.main;
    for (let i = 0; i < h; i++) {
      g.fillStyle = abgr_to_css(VIRIDIS_ABGR[Math.round(255 * (1 - i / (h - 1)))]);
      g.fillRect(x, y + i, 14, 1);
    }
    g.font = font(10);
    g.fillStyle = ctx.theme.fg;
    g.textAlign = 'left';
    g.textBaseline = 'middle';
    g.fillText(this.max.toFixed(3), x + 18, y + 4);
    g.fillText('0', x + 18, y + h - 4);
  }

  private cell_at(x: number, y: number): [number, number] | null {
    const { left, top, cell, n } = this.layout;
    const col = Math.floor((x - left) / cell);
    const row = Math.floor((y - top) / cell);
    if (row < 0 || col < 0 || row >= n || col >= n) return null;
    return [row, col];
  }

  hover(ctx: Context, x: number, y: number): void {
    clear_overlay(ctx);
    const at = this.cell_at(x, y);
    if (!at) return this.leave(ctx);
    const [row, col] = at;
    const { left, top, cell, n } = this.layout;
    const o = ctx.overlay;
    o.strokeStyle = ctx.theme.highlight;
    o.lineWidth = 1;
    o.strokeRect(left - 0.5, top + row * cell - 0.5, n * cell + 1, cell + 1);
    o.strokeRect(left + col * cell - 0.5, top - 0.5, cell + 1, n * cell + 1);
    o.lineWidth = 2;
    o.strokeRect(left + col * cell - 1, top + row * cell - 1, cell + 2, cell + 2);
    const { input } = ctx;
    const masked = input.causal && col > row ? ' (masked: key after query)' : '';
    ctx.set_readout(
      `query ${row} ${quote(input.tokens[row])} \u2192 key ${col} ${quote(input.tokens[col])}: ` +
        `${fmt(this.matrix[row * n + col])}${masked}`,
    );
  }

  leave(ctx: Context): void {
    clear_overlay(ctx);
    ctx.set_readout('Hover a cell to read its weight.');
  }

  click(): void {}
}
