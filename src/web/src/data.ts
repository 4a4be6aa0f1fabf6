// The page's data: a JSON description in <script id="attnviz-meta"> and, per input and layer, one base64 text
// of zlib-deflated bytes in <script id="av-I-w-L"> (weights) and <script id="av-I-v-L"> (queries and keys).
// Layouts are written by src/web/html_view.cpp; keep both sides in step.

export interface InputMeta {
  label: string;
  sentence_b_start: number; // first token of sentence B of a sentence pair; 0 for one sentence
  tokens: string[];
  special: boolean[];
  causal: boolean;
  layers: number;
  heads: number;
  heads_per_kv: number; // query heads that share one key/value head (1 without grouped-query attention)
  windows: number[]; // per layer: keys this many back or more are masked (sliding window); 0 or empty: none
  n: number; // queries (rows)
  // Cross attention (an encoder-decoder's decoder attending to its encoder): the keys' count, tokens and flags;
  // 0 and empty where the keys are the queries.
  key_count: number;
  key_tokens: string[];
  key_special: boolean[];
  layer_ids?: number[]; // the model's layer (0-based) each held one is, for labels
  head_ids?: number[];
  head_dim: number; // 0 when the page carries no queries/keys
  rollout: boolean; // attention rollout: layer l holds the rollout through layers 1..l, as one head
}

export interface PageMeta {
  version: number;
  weight_levels: number; // codes run 0..weight_levels
  title: string;
  model: string;
  storage: string;
  inputs: InputMeta[];
  // What the input switch is labelled: "Input", or "Attention" where the inputs are an encoder-decoder's encoder,
  // decoder and cross attention (bertviz's attention dropdown).
  input_label?: string;
  // Pages of two inputs: their aligned positions, [index in A, index in B] with -1 where that sentence has no
  // token (align_tokens in src/analysis, as the PNG/SVG compare); A - B is drawn on these positions.
  alignment?: [number, number][];
  // How the page opens (HtmlOptions: view, input, layer 0-based, heads shown, theme); the address's #... overrides it.
  initial?: { view: string; input: number; layer: number; heads: number[]; theme: string };
}

// The keys (columns) of an input: its own tokens, or for cross attention the other stack's.
export function key_count(m: InputMeta): number {
  return m.key_count > 0 ? m.key_count : m.n;
}
export function key_tokens(m: InputMeta): string[] {
  return m.key_count > 0 ? m.key_tokens : m.tokens;
}
export function key_special(m: InputMeta): boolean[] {
  return m.key_count > 0 ? m.key_special : m.special;
}

export function read_meta(): PageMeta {
  const el = document.getElementById('attnviz-meta');
  if (!el || !el.textContent) throw new Error('this page has no attnviz data block');
  return JSON.parse(el.textContent) as PageMeta;
}

const B64 = new Uint8Array(128).fill(255);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
  .split('')
  .forEach((c, i) => (B64[c.charCodeAt(0)] = i));

// atob() builds a binary string first; decoding straight into bytes halves the peak memory on 50 MB pages.
export function base64_decode(text: string): Uint8Array<ArrayBuffer> {
  let len = text.length;
  while (len > 0 && text.charCodeAt(len - 1) === 61 /* = */) len--;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const v =
      (B64[text.charCodeAt(i)] << 18) |
      (B64[text.charCodeAt(i + 1)] << 12) |
      (B64[text.charCodeAt(i + 2)] << 6) |
      B64[text.charCodeAt(i + 3)];
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  const rest = len - i;
  if (rest >= 2) {
    const v = (B64[text.charCodeAt(i)] << 18) | (B64[text.charCodeAt(i + 1)] << 12) |
      (rest === 3 ? B64[text.charCodeAt(i + 2)] << 6 : 0);
    out[o++] = v >> 16;
    if (rest === 3) out[o++] = (v >> 8) & 255;
  }
  return out;
}

async function inflate(bytes: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  return new Response(stream).arrayBuffer();
}

async function read_block(id: string): Promise<ArrayBuffer> {
  const el = document.getElementById(id);
  if (!el || el.textContent === null) throw new Error(`data block ${id} is missing`);
  return inflate(base64_decode(el.textContent));
}

// One layer's weights, kept as 8-bit codes (dequantised on access) so 1,024 tokens x 144 heads fit in memory.
export class LayerWeights {
  readonly scales: Float32Array; // [head][row]
  readonly codes: Uint8Array; // per head: rows of n codes, or of (row + 1) codes when causal
  readonly per_head: number;
  // Codes are linear in the row's maximum: weight = row_scale * code / levels.
  private readonly unit: Float32Array;

  constructor(buffer: ArrayBuffer, readonly heads: number, readonly n: number, readonly causal: boolean,
    levels: number, readonly cols: number = n) {
    this.unit = new Float32Array(256).map((_, c) => c / levels);
    this.per_head = causal ? (n * (n + 1)) / 2 : n * cols;
    const expected = heads * n * 4 + heads * this.per_head;
    if (buffer.byteLength !== expected)
      throw new Error(`weight block has ${buffer.byteLength} bytes, expected ${expected}`);
    this.scales = new Float32Array(buffer, 0, heads * n);
    this.codes = new Uint8Array(buffer, heads * n * 4);
  }

  row_start(head: number, row: number): number {
    return head * this.per_head + (this.causal ? (row * (row + 1)) / 2 : row * this.cols);
  }

  row_length(row: number): number {
    return this.causal ? row + 1 : this.cols;
  }

  at(head: number, row: number, col: number): number {
    if (col >= this.row_length(row)) return 0;
    return this.scales[head * this.n + row] * this.unit[this.codes[this.row_start(head, row) + col]];
  }

  // Dense n x cols float matrix of one head.
  head_matrix(head: number): Float32Array<ArrayBuffer> {
    const n = this.n;
    const cols = this.cols;
    const out = new Float32Array(n * cols);
    for (let r = 0; r < n; r++) {
      const s = this.scales[head * n + r];
      const start = this.row_start(head, r);
      const len = this.row_length(r);
      for (let c = 0; c < len; c++) out[r * cols + c] = s * this.unit[this.codes[start + c]];
    }
    return out;
  }

  mean_matrix(): Float32Array<ArrayBuffer> {
    const n = this.n;
    const cols = this.cols;
    const out = new Float32Array(n * cols);
    for (let h = 0; h < this.heads; h++) {
      for (let r = 0; r < n; r++) {
        const s = this.scales[h * n + r] / this.heads;
        const start = this.row_start(h, r);
        const len = this.row_length(r);
        for (let c = 0; c < len; c++) out[r * cols + c] += s * this.unit[this.codes[start + c]];
      }
    }
    return out;
  }
}

// Per-head queries and keys of one layer, int8 with one scale per vector: value = scale * code / 127.
export class LayerVectors {
  readonly scales: Float32Array; // [head][q=0,k=1][row]
  readonly codes: Int8Array; // [head][q=0,k=1][row][dim]

  constructor(buffer: ArrayBuffer, readonly heads: number, readonly n: number, readonly dim: number) {
    const expected = heads * 2 * n * 4 + heads * 2 * n * dim;
    if (buffer.byteLength !== expected)
      throw new Error(`vector block has ${buffer.byteLength} bytes, expected ${expected}`);
    this.scales = new Float32Array(buffer, 0, heads * 2 * n);
    this.codes = new Int8Array(buffer, heads * 2 * n * 4);
  }

  vector(head: number, which: 0 | 1, row: number): Float32Array {
    const i = (head * 2 + which) * this.n + row;
    const s = this.scales[i] / 127;
    const out = new Float32Array(this.dim);
    const base = i * this.dim;
    for (let d = 0; d < this.dim; d++) out[d] = s * this.codes[base + d];
    return out;
  }
}

// Decodes layers on demand and caches them; every view reads through here.
export class Store {
  private pending = new Map<string, Promise<LayerWeights | LayerVectors>>();
  private ready = new Map<string, LayerWeights | LayerVectors>();

  constructor(readonly meta: PageMeta) {}

  // Block `av-<input>-<kind>-<layer>`, decoded once.
  private load<T extends LayerWeights | LayerVectors>(id: string, make: (buf: ArrayBuffer) => T): Promise<T> {
    let p = this.pending.get(id);
    if (!p) {
      p = read_block(id).then((buf) => {
        const value = make(buf);
        this.ready.set(id, value);
        return value;
      });
      this.pending.set(id, p);
    }
    return p as Promise<T>;
  }

  load_weights(input: number, layer: number): Promise<LayerWeights> {
    const m = this.meta.inputs[input];
    return this.load(`av-${input}-w-${layer}`,
      (buf) => new LayerWeights(buf, m.heads, m.n, m.causal, this.meta.weight_levels, key_count(m)));
  }

  load_vectors(input: number, layer: number): Promise<LayerVectors> {
    const m = this.meta.inputs[input];
    return this.load(`av-${input}-v-${layer}`, (buf) => new LayerVectors(buf, m.heads, m.n, m.head_dim));
  }

  weights_if_ready(input: number, layer: number): LayerWeights | undefined {
    return this.ready.get(`av-${input}-w-${layer}`) as LayerWeights | undefined;
  }

  vectors_if_ready(input: number, layer: number): LayerVectors | undefined {
    return this.ready.get(`av-${input}-v-${layer}`) as LayerVectors | undefined;
  }
}
