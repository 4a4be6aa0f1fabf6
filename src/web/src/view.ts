// What every view gets and implements. A view is a pure drawing of (data, state, theme) on its canvases;
// main.ts owns the state and calls the views.
import { Theme, FONT } from './colors';
import { InputMeta, Store } from './data';

export type ViewName = 'head' | 'model' | 'heatmap' | 'neuron';
// Which lines of a sentence pair the head view shows: all, or from sentence A/B (query) to A/B (key).
export type Segments = 'all' | 'aa' | 'bb' | 'ab' | 'ba';
export const SEGMENTS: [Segments, string][] = [
  ['all', 'All'], ['aa', 'A \u2192 A'], ['bb', 'B \u2192 B'], ['ab', 'A \u2192 B'], ['ba', 'B \u2192 A'],
];

export interface State {
  view: ViewName;
  input: number;
  layer: number;
  head: number;
  mean: boolean; // heatmap of the layer's mean over heads instead of one head
  diff: boolean; // heatmap of input A minus input B on their aligned tokens (pages with two inputs of one model)
  segments: Segments;
  query: number; // neuron view's query token
  heads_on: boolean[]; // head view's visible heads
  theme: 'light' | 'dark';
}

export interface Context {
  input: InputMeta;
  store: Store;
  state: State;
  theme: Theme;
  main: CanvasRenderingContext2D;
  overlay: CanvasRenderingContext2D;
  width: number; // CSS pixels available to the view
  set_readout(text: string): void;
  set_state(change: Partial<State>): void;
}

export interface View {
  // Where the latest render put things, in CSS pixels of the canvas; read by the browser tests to aim the mouse.
  readonly layout: object;
  // Redraws the main canvas; returns false when its data is still being decoded.
  render(ctx: Context): boolean;
  hover(ctx: Context, x: number, y: number): void;
  leave(ctx: Context): void;
  click(ctx: Context, x: number, y: number): void;
}

// Sizes both canvases (CSS pixels times devicePixelRatio) and clears them to the theme's background.
// A canvas keeps its bitmap when the size is unchanged: reallocating a tall one costs tens of ms.
export function size_canvases(ctx: Context, w: number, h: number): void {
  const dpr = window.devicePixelRatio || 1;
  for (const c of [ctx.main, ctx.overlay]) {
    const pw = Math.ceil(w * dpr);
    const ph = Math.ceil(h * dpr);
    if (c.canvas.width !== pw || c.canvas.height !== ph) {
      c.canvas.width = pw;
      c.canvas.height = ph;
      c.canvas.style.width = `${w}px`;
      c.canvas.style.height = `${h}px`;
    }
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.globalAlpha = 1;
    c.clearRect(0, 0, w, h);
  }
  ctx.main.fillStyle = ctx.theme.bg;
  ctx.main.fillRect(0, 0, w, h);
}

const label_widths = new WeakMap<InputMeta, number>();

// Width of the widest token label at 12px, measured once per input.
export function max_label_width(ctx: Context): number {
  let w = label_widths.get(ctx.input);
  if (w === undefined) {
    ctx.main.font = font(12);
    w = 0;
    for (const t of ctx.input.tokens) w = Math.max(w, ctx.main.measureText(label(t)).width);
    label_widths.set(ctx.input, w);
  }
  return w;
}

// The numbers a person reads for a held layer or head (1-based; the model's own where the page holds some).
export function layer_number(input: InputMeta, layer: number): number {
  return (input.layer_ids?.[layer] ?? layer) + 1;
}
export function head_number(input: InputMeta, head: number): number {
  return (input.head_ids?.[head] ?? head) + 1;
}

// What one head of a layer is called: "Layer 3 · Head 2", or the rollout an input of rollouts holds.
export function head_name(input: InputMeta, layer: number, head: number): string {
  const l = layer_number(input, layer);
  return input.rollout ? `Attention rollout through layer ${l}` : `Layer ${l} \u00b7 Head ${head_number(input, head)}`;
}

export function clear_overlay(ctx: Context): void {
  const c = ctx.overlay.canvas;
  ctx.overlay.save();
  ctx.overlay.setTransform(1, 0, 0, 1, 0, 0);
  ctx.overlay.clearRect(0, 0, c.width, c.height);
  ctx.overlay.restore();
}

export function font(px: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${px}px ${FONT}`;
}

// Token text for canvas labels: long tokens are cut so one token cannot take over the layout.
export function label(token: string, max = 24): string {
  const chars = Array.from(token);
  return chars.length > max ? chars.slice(0, max - 1).join('') + '\u2026' : token;
}

export function quote(token: string): string {
  return `\u201c${label(token, 40)}\u201d`;
}

export function fmt(v: number): string {
  return v.toFixed(4);
}
