// Model view: every layer x head as a small heatmap; click one to open it large in the heatmap view.
import { VIRIDIS_ABGR } from './colors';
import { LayerWeights } from './data';
import { Context, View, clear_overlay, font, head_name, head_number, layer_number, size_canvases } from './view';

interface Layout {
  left: number;
  top: number;
  thumb: number;
  gap: number;
}

// Thumbnail of one head, t x t pixels: block means when n > t, nearest sampling when n <= t, normalised to
// the thumbnail's own maximum so weak heads still show their pattern.
function thumbnail(lw: LayerWeights, head: number, t: number): HTMLCanvasElement {
  // Rows are queries, columns keys (as many as the queries, but for cross attention).
  const n = lw.n;
  const m = lw.cols;
  const sum = new Float32Array(t * t);
  if (n > t || m > t) {
    for (let r = 0; r < n; r++) {
      const br = Math.floor((r * t) / n) * t;
      const len = lw.row_length(r);
      for (let c = 0; c < len; c++) sum[br + Math.floor((c * t) / m)] += lw.at(head, r, c);
    }
  } else {
    for (let y = 0; y < t; y++)
      for (let x = 0; x < t; x++) sum[y * t + x] = lw.at(head, Math.floor((y * n) / t), Math.floor((x * m) / t));
  }
  let max = 0;
  for (const v of sum) max = Math.max(max, v);
  const img = new ImageData(t, t);
  const px = new Uint32Array(img.data.buffer);
  const k = max > 0 ? 255 / max : 0;
  for (let i = 0; i < sum.length; i++) px[i] = VIRIDIS_ABGR[Math.round(sum[i] * k)];
  const canvas = document.createElement('canvas');
  canvas.width = t;
  canvas.height = t;
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  return canvas;
}

export class ModelView implements View {
  layout: Layout = { left: 0, top: 0, thumb: 0, gap: 0 };
  private thumbs = new Map<string, HTMLCanvasElement>();

  render(ctx: Context): boolean {
    const { input, state, theme } = ctx;
    const gap = 6;
    const left = 40;
    const top = 56;
    const thumb = Math.max(16, Math.min(96, Math.floor((ctx.width - left - 16) / input.heads) - gap));
    this.layout = { left, top, thumb, gap };
    const step = thumb + gap;
    size_canvases(ctx, Math.max(ctx.width, left + input.heads * step + 8), top + input.layers * step + 8);
    const g = ctx.main;
    g.fillStyle = theme.fg;
    g.font = font(14, true);
    g.textAlign = 'left';
    g.textBaseline = 'alphabetic';
    g.fillText(`${input.layers} layers \u00d7 ${input.heads} heads`, 8, 20);
    g.font = font(11);
    g.fillStyle = theme.muted;
    g.fillText('each thumbnail scaled to its own maximum \u00b7 click one to open it', 8, 36);

    g.font = font(10);
    g.textAlign = 'center';
    for (let h = 0; h < input.heads; h++) g.fillText(`H${head_number(input, h)}`, left + h * step + thumb / 2, top - 6);
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let l = 0; l < input.layers; l++) {
      g.fillStyle = theme.muted;
      g.fillText(`L${layer_number(input, l)}`, left - 6, top + l * step + thumb / 2);
      const lw = ctx.store.weights_if_ready(state.input, l);
      for (let h = 0; h < input.heads; h++) {
        const x = left + h * step;
        const y = top + l * step;
        if (!lw) {
          g.fillStyle = theme.grid;
          g.fillRect(x, y, thumb, thumb);
          continue;
        }
        const key = `${state.input}/${l}/${h}/${thumb}`;
        let img = this.thumbs.get(key);
        if (!img) {
          img = thumbnail(lw, h, thumb);
          this.thumbs.set(key, img);
        }
        g.drawImage(img, x, y);
      }
    }
    g.strokeStyle = theme.highlight;
    g.lineWidth = 2;
    g.strokeRect(left + state.head * step - 2, top + state.layer * step - 2, thumb + 4, thumb + 4);
    return true;
  }

  private cell_at(ctx: Context, x: number, y: number): [number, number] | null {
    const { left, top, thumb, gap } = this.layout;
    const step = thumb + gap;
    const h = Math.floor((x - left) / step);
    const l = Math.floor((y - top) / step);
    if (h < 0 || l < 0 || h >= ctx.input.heads || l >= ctx.input.layers) return null;
    if (x - left - h * step > thumb || y - top - l * step > thumb) return null;
    return [l, h];
  }

  hover(ctx: Context, x: number, y: number): void {
    clear_overlay(ctx);
    const at = this.cell_at(ctx, x, y);
    if (!at) return this.leave(ctx);
    const [l, h] = at;
    const { left, top, thumb, gap } = this.layout;
    const o = ctx.overlay;
    o.strokeStyle = ctx.theme.fg;
    o.lineWidth = 2;
    o.strokeRect(left + h * (thumb + gap) - 2, top + l * (thumb + gap) - 2, thumb + 4, thumb + 4);
    const name = ctx.input.rollout ? head_name(ctx.input, l, h) : `Layer ${layer_number(ctx.input, l)}, Head ${head_number(ctx.input, h)}`;
    ctx.set_readout(`${name}: click to open its heatmap`);
  }

  leave(ctx: Context): void {
    clear_overlay(ctx);
    ctx.set_readout('Hover a thumbnail to name it; click to open it.');
  }

  click(ctx: Context, x: number, y: number): void {
    const at = this.cell_at(ctx, x, y);
    if (at) ctx.set_state({ view: 'heatmap', layer: at[0], head: at[1], mean: false });
  }
}
