// Colour maps and theme colours shared by the views.

// Viridis, as the polynomial fit of matplotlib's table (max error about 1/100 per channel), tabulated once.
const VIRIDIS_COEFFS = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

// 256 entries of packed RGBA (little-endian ABGR) for writing straight into a Uint32Array over ImageData.
export const VIRIDIS_ABGR = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  const t = i / 255;
  const rgb = [0, 1, 2].map((ch) => {
    let v = 0;
    for (let k = VIRIDIS_COEFFS.length - 1; k >= 0; k--) v = v * t + VIRIDIS_COEFFS[k][ch];
    return Math.max(0, Math.min(255, Math.round(v * 255)));
  });
  VIRIDIS_ABGR[i] = (255 << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0];
}

export function abgr_to_css(c: number): string {
  return `rgb(${c & 255},${(c >> 8) & 255},${(c >>> 16) & 255})`;
}

// Blue - neutral - red for signed values (neuron view, A - B heatmap), t in [-1, 1].
function diverging_rgb(t: number, neutral: [number, number, number]): number[] {
  const a = Math.min(1, Math.abs(t));
  const end = t < 0 ? [33, 102, 172] : [178, 24, 43];
  return neutral.map((v, i) => Math.round(v + (end[i] - v) * a));
}

export function diverging(t: number, neutral: [number, number, number]): string {
  const c = diverging_rgb(t, neutral);
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

// 256 packed ABGR entries from t = -1 (index 0) to +1 (index 255).
export function diverging_abgr(neutral: [number, number, number]): Uint32Array {
  return new Uint32Array(256).map((_, i) => {
    const c = diverging_rgb((i - 127.5) / 127.5, neutral);
    return ((255 << 24) | (c[2] << 16) | (c[1] << 8) | c[0]) >>> 0;
  });
}

// One colour per head, evenly spaced in hue, so any head count gets distinct colours.
export function head_color(head: number, heads: number, dark: boolean): string {
  const hue = Math.round((head * 360) / Math.max(1, heads));
  return `hsl(${hue},70%,${dark ? 62 : 42}%)`;
}

export interface Theme {
  dark: boolean;
  bg: string;
  fg: string;
  muted: string;
  grid: string;
  highlight: string;
  neutral: [number, number, number];
}

export const LIGHT: Theme = {
  dark: false, bg: '#ffffff', fg: '#1b1b1f', muted: '#8a8a94', grid: '#d8d8de', highlight: '#e4572e',
  neutral: [245, 245, 245],
};
export const DARK: Theme = {
  dark: true, bg: '#17171b', fg: '#e8e8ee', muted: '#8c8c99', grid: '#3a3a44', highlight: '#ff8c5a',
  neutral: [40, 40, 46],
};

export const FONT = '"DejaVu Sans", sans-serif';
