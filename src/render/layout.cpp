#include "layout.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "attnviz/error.hpp"

namespace attnviz::render_detail {
namespace {

constexpr Color kSpecial{140, 140, 140, 255};
constexpr Color kFocus{214, 39, 40, 255};  // matplotlib's red: stands out on viridis and magma
constexpr float kPanelTitleSize = 13;
constexpr float kTitleSize = 16;
constexpr float kTickLength = 4;
constexpr float kTickGap = 3;    // between a tick and its label
constexpr float kBarWidth = 14;  // colorbar
constexpr float kBarTickSize = 11;
constexpr float kMargin = 20;

float label_size(int cell) {
  return std::clamp(std::floor(cell * 0.62f), 8.0f, 13.0f);
}

// Shortens text with an ellipsis to fit max_width, cutting at character boundaries.
std::string fit(const std::string& text, float size, float max_width) {
  std::string s = drawable_text(text);
  if (text_width(s, size) <= max_width) return s;
  while (!s.empty()) {
    do s.pop_back();
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80);
    if (!s.empty()) s.pop_back();  // the lead byte of a multi-byte character, or one ASCII char
    if (text_width(s + "…", size) <= max_width) return s + "…";
  }
  return "…";
}

// Typographic minus sign for negative numbers.
std::string with_minus(std::string s) {
  if (!s.empty() && s[0] == '-') s.replace(0, 1, "−");
  return s;
}

std::string format_fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {
    // "-0.00" rounds a tiny negative to zero: show it without a sign.
    if (s.find_first_not_of("-0.") == std::string::npos) s.erase(0, 1);
  }
  return with_minus(s);
}

// Indices to label along an axis of n positions: every step-th, the last one (often [SEP], or
// the token a causal model predicts from) in place of its nearest labelled neighbour, and the focus
// position (whose neighbours closer than step give way to it).
std::vector<int> labelled(int n, int step, int focus) {
  std::vector<int> every;
  for (int i = 0; i < n; i += step) every.push_back(i);
  if (every.back() != n - 1) {
    if (every.size() > 1) every.pop_back();
    if (n - 1 - every.back() >= step) every.push_back(n - 1);
  }
  std::vector<int> out;
  for (int i : every)
    if (focus < 0 || i == focus || std::abs(i - focus) >= step) out.push_back(i);
  if (focus >= 0 && std::find(out.begin(), out.end(), focus) == out.end()) {
    out.push_back(focus);
    std::sort(out.begin(), out.end());
  }
  return out;
}

bool is_special(const AxisLabels& labels, int i) {
  return !labels.special.empty() && labels.special[static_cast<std::size_t>(i)];
}

float luminance(Color c) {
  return 0.2126f * c.r + 0.7152f * c.g + 0.0722f * c.b;
}

struct Ticks {
  std::vector<double> values;
  int decimals = 0;
};

// At most count + 1 round tick values (multiples of 1, 2, 2.5 or 5 times a power of ten) in
// [lo, hi].
Ticks nice_ticks(double lo, double hi, int count) {
  const double raw = (hi - lo) / count;
  double p = 1;
  int exponent = 0;
  while (p * 10 <= raw) p *= 10, ++exponent;
  while (p > raw) p /= 10, --exponent;
  double step = 10 * p;
  int extra = 0;
  for (double m : {1.0, 2.0, 2.5, 5.0}) {
    if (m * p >= raw) {
      step = m * p;
      extra = m == 2.5 ? 1 : 0;
      break;
    }
  }
  if (step == 10 * p) ++exponent;
  Ticks t;
  t.decimals = std::max(0, -exponent + extra);
  const long first = static_cast<long>(std::ceil(lo / step - 1e-9));
  const long last = static_cast<long>(std::floor(hi / step + 1e-9));
  for (long i = first; i <= last; ++i) t.values.push_back(static_cast<double>(i) * step);
  return t;
}

}  // namespace

Text place(Text t, Side side, float edge) {
  const Box b = bounds(t);
  switch (side) {
    case Side::top:
      t.y += edge - b.y0;
      break;
    case Side::bottom:
      t.y += edge - b.y1;
      break;
    case Side::left:
      t.x += edge - b.x0;
      break;
    case Side::right:
      t.x += edge - b.x1;
      break;
  }
  return t;
}

void translate(Item& item, float dx, float dy) {
  std::visit(
      [&](auto& v) {
        v.x += dx;
        v.y += dy;
      },
      item);
}

void Block::add(Item item) {
  const Box b = bounds(item);
  if (items.empty()) {
    box = b;
  } else {
    box = {std::min(box.x0, b.x0), std::min(box.y0, b.y0), std::max(box.x1, b.x1),
           std::max(box.y1, b.y1)};
  }
  items.push_back(std::move(item));
}

void Block::add(const Block& other, float dx, float dy) {
  for (Item item : other.items) {
    translate(item, dx, dy);
    add(std::move(item));
  }
}

void validate(const HeatmapData& data, const char* what) {
  const MatrixView& m = data.matrix;
  const std::string where = std::string(" (") + what + ")";
  if (m.values == nullptr || m.rows <= 0 || m.cols <= 0)
    throw Error("cannot draw an empty matrix" + where + ": it has " + std::to_string(m.rows) +
                " rows and " + std::to_string(m.cols) + " columns");
  // axis: "row" or "column"
  auto check = [&](const AxisLabels& labels, int n, const std::string& axis) {
    if (labels.text.size() != static_cast<std::size_t>(n))
      throw Error("the matrix" + where + " has " + std::to_string(n) + " " + axis + "s but " +
                  std::to_string(labels.text.size()) + " " + axis + " labels were given");
    if (!labels.special.empty() && labels.special.size() != static_cast<std::size_t>(n))
      throw Error("the matrix" + where + " has " + std::to_string(n) + " " + axis + "s but " +
                  std::to_string(labels.special.size()) + " special-token flags were given");
  };
  check(data.rows, m.rows, "row");
  check(data.cols, m.cols, "column");
  if (!data.rows.absent.empty() && data.rows.absent.size() != static_cast<std::size_t>(m.rows))
    throw Error("the matrix" + where + " has " + std::to_string(m.rows) + " rows but " +
                std::to_string(data.rows.absent.size()) + " absent-token flags were given");
  if (!data.cols.absent.empty() && data.cols.absent.size() != static_cast<std::size_t>(m.cols))
    throw Error("the matrix" + where + " has " + std::to_string(m.cols) + " columns but " +
                std::to_string(data.cols.absent.size()) + " absent-token flags were given");
  if (data.causal && m.rows != m.cols)
    throw Error("a causal mask needs a square matrix" + where + ", not " + std::to_string(m.rows) +
                "x" + std::to_string(m.cols));
  if (data.focus_row < -1 || data.focus_row >= m.rows)
    throw Error("focus row " + std::to_string(data.focus_row) + " is outside the matrix" + where +
                " of " + std::to_string(m.rows) + " rows");
}

bool is_shown(const HeatmapData& data, int row, int col) {
  const auto absent = [](const AxisLabels& labels, int i) {
    return !labels.absent.empty() && labels.absent[static_cast<std::size_t>(i)];
  };
  return !data.masked(row, col) && !absent(data.rows, row) && !absent(data.cols, col);
}

Scale make_scale(const std::vector<const HeatmapData*>& shown, const FigureOptions& options,
                 const std::string& colormap) {
  Scale s{Colormap::by_name(colormap), 0, 1};
  float largest = 0, magnitude = 0;
  for (const HeatmapData* d : shown) {
    const MatrixView& m = d->matrix;
    for (int r = 0; r < m.rows; ++r) {
      for (int c = 0; c < m.cols; ++c) {
        if (!is_shown(*d, r, c)) continue;  // masked cells are not drawn
        const float v = m.at(r, c);
        if (!std::isfinite(v))
          throw Error("the matrix to draw holds " +
                      std::string(std::isnan(v) ? "NaN" : "an infinity") + " at row " +
                      std::to_string(r) + ", column " + std::to_string(c) +
                      " (0-based): the attention computation went wrong upstream");
        largest = std::max(largest, v);
        magnitude = std::max(magnitude, std::fabs(v));
      }
    }
  }
  if (s.colormap.diverging()) {
    const float m = magnitude > 0 ? magnitude : 1;
    s.vmin = options.vmin.value_or(-m);
    s.vmax = options.vmax.value_or(m);
  } else {
    s.vmin = options.vmin.value_or(0.0f);
    s.vmax = options.vmax.value_or(largest > s.vmin ? largest : s.vmin + 1);
  }
  if (!(s.vmax > s.vmin))
    throw Error("the colour scale needs vmin < vmax, got " + std::to_string(s.vmin) + " .. " +
                std::to_string(s.vmax));
  return s;
}

std::vector<float> pool(const MatrixView& m, int block, Pooling pooling) {
  const int rows = (m.rows + block - 1) / block, cols = (m.cols + block - 1) / block;
  const bool mean = pooling == Pooling::mean;
  std::vector<float> out(static_cast<std::size_t>(rows) * cols, mean ? 0.0f : -1e30f);
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      float& v = out[static_cast<std::size_t>(r / block) * cols + c / block];
      v = mean ? v + m.at(r, c) : std::max(v, m.at(r, c));
    }
  }
  if (mean) {
    for (int r = 0; r < rows; ++r) {
      const int tile_rows = std::min(block, m.rows - r * block);
      for (int c = 0; c < cols; ++c) {
        const int tile_cols = std::min(block, m.cols - c * block);
        out[static_cast<std::size_t>(r) * cols + c] /= static_cast<float>(tile_rows * tile_cols);
      }
    }
  }
  return out;
}

int cell_size_for(int n, int target, int min_cell, int max_cell) {
  return std::clamp(target / std::max(n, 1), min_cell, max_cell);
}

Block heatmap_block(const HeatmapData& data, const Scale& scale, const HeatmapParts& parts) {
  const MatrixView& m = data.matrix;
  const int cell = parts.cell;
  const float width = static_cast<float>(m.cols * cell), height = static_cast<float>(m.rows * cell);
  Block b;

  Cells cells;
  cells.cell_w = cells.cell_h = static_cast<float>(cell);
  cells.rows = m.rows;
  cells.cols = m.cols;
  cells.colors.resize(static_cast<std::size_t>(m.rows) * m.cols);
  const float range = scale.vmax - scale.vmin;
  for (int r = 0; r < m.rows; ++r) {
    for (int c = 0; c < m.cols; ++c) {
      const std::size_t k = static_cast<std::size_t>(r) * m.cols + c;
      if (is_shown(data, r, c)) {
        cells.colors[k] = scale.colormap.at((m.at(r, c) - scale.vmin) / range);
        continue;
      }
      cells.colors[k] = kMaskBackground;
      cells.masked.resize(cells.colors.size());
      cells.masked[k] = true;
    }
  }
  const std::vector<Color> colors = cells.colors;
  const std::vector<bool> masked = cells.masked;
  b.add(std::move(cells));

  // Values in cells, when they are readable: same size and format in every cell.
  const float value_size = std::min(12.0f, std::floor(cell * 0.3f));
  bool negative = false;
  for (int r = 0; r < m.rows && !negative; ++r)
    for (int c = 0; c < m.cols; ++c)
      negative = negative || (is_shown(data, r, c) && m.at(r, c) <= -0.005f);
  const std::string widest = negative ? "−0.00" : "0.00";
  const bool want_values =
      parts.values == CellValues::always || (parts.values == CellValues::automatic && cell >= 30);
  if (want_values && value_size >= 7 && text_width(widest, value_size) <= cell - 4) {
    for (int r = 0; r < m.rows; ++r) {
      for (int c = 0; c < m.cols; ++c) {
        const std::size_t k = static_cast<std::size_t>(r) * m.cols + c;
        if (!masked.empty() && masked[k]) continue;
        Text t;
        t.text = format_fixed(m.at(r, c), 2);
        t.size = value_size;
        t.anchor = Anchor::middle;
        t.x = c * cell + cell / 2.0f;
        t.y = r * cell + cell / 2.0f + cap_height(value_size) / 2;
        t.color = luminance(colors[k]) > 140 ? kInk : Color{255, 255, 255, 255};
        b.add(std::move(t));
      }
    }
  }

  if (data.focus_row >= 0) {
    Rect focus;
    focus.x = -2;
    focus.y = static_cast<float>(data.focus_row * cell - 2);
    focus.w = width + 4;
    focus.h = static_cast<float>(cell + 4);
    focus.stroke = kFocus;
    focus.stroke_width = 2;
    b.add(focus);
  }

  const float size = label_size(cell);
  const float cap = cap_height(size);
  auto tick_label = [&](const AxisLabels& labels, int i, bool focus) {
    Text t;
    t.text = fit(labels.text[static_cast<std::size_t>(i)], size, 9 * size);
    t.size = size;
    t.color = focus ? kFocus : is_special(labels, i) ? kSpecial : kInk;
    t.italic = is_special(labels, i) && !focus;
    t.weight = focus ? FontWeight::bold : FontWeight::regular;
    return t;
  };

  if (parts.y_labels) {
    const int step = std::max(1, static_cast<int>(std::ceil(size * 1.25f / cell)));
    for (int r : labelled(m.rows, step, data.focus_row)) {
      const float y = r * cell + cell / 2.0f;
      b.add(Rect{-kTickLength, y - 0.5f, kTickLength, 1, kMuted});
      Text t = tick_label(data.rows, r, r == data.focus_row);
      t.anchor = Anchor::end;
      t.x = -kTickLength - kTickGap;
      t.y = y + cap / 2;
      b.add(std::move(t));
    }
  }

  if (parts.x_labels) {
    float widest_label = 0;
    for (const auto& s : data.cols.text)
      widest_label = std::max(widest_label, text_width(fit(s, size, 9 * size), size));
    const float line = size * 1.25f;
    const float angle = parts.x_label_angle.value_or(
        line / std::sqrt(0.5f) <= static_cast<float>(cell) ? 45.0f : 90.0f);
    float need = line;  // label pitch needed along the axis
    if (angle == 0)
      need = widest_label + 6;
    else if (angle != 90)
      need = line / std::sin(angle * 3.14159265f / 180.0f);
    const int step = std::max(1, static_cast<int>(std::ceil(need / cell)));
    for (int c : labelled(m.cols, step, -1)) {
      const float x = c * cell + cell / 2.0f;
      b.add(Rect{x - 0.5f, height, 1, kTickLength, kMuted});
      Text t = tick_label(data.cols, c, false);
      t.angle_deg = angle;
      if (angle == 0) {
        t.anchor = Anchor::middle;
        t.x = x;
        t = place(t, Side::top, height + kTickLength + kTickGap);
      } else {
        t.anchor = Anchor::end;
        const float rad = angle * 3.14159265f / 180.0f;
        // Centre the capitals on the column, then put the end of the label under the tick.
        t.x = x + std::sin(rad) * cap / 2;
        t.y = height + kTickLength + kTickGap + std::cos(rad) * cap / 2;
        if (angle != 90) t.y += 2;
      }
      b.add(std::move(t));
    }
  }

  add_axis_titles(b, parts.x_title, parts.y_title, width, height);
  if (!parts.panel_title.empty()) {
    Text t{parts.panel_title, width / 2, 0, kPanelTitleSize, kInk, Anchor::middle, 0,
           FontWeight::bold};
    b.add(place(t, Side::bottom, std::min(b.box.y0, 0.0f) - 8));
  }
  return b;
}

void add_axis_titles(Block& b, const std::string& x_title, const std::string& y_title, float width,
                     float height) {
  if (!x_title.empty()) {
    const Text t{x_title, width / 2, 0, kAxisTitleSize, kInk, Anchor::middle};
    b.add(place(t, Side::top, b.box.y1 + 8));
  }
  if (!y_title.empty()) {
    const Text t{y_title, 0, height / 2, kAxisTitleSize, kInk, Anchor::middle, 90};
    b.add(place(t, Side::right, b.box.x0 - 8));
  }
}

Block colorbar_block(const Scale& scale, float height, const std::string& label) {
  Block b;
  Cells bar;
  bar.cell_w = kBarWidth;
  bar.cell_h = height / 256;
  bar.rows = 256;
  bar.cols = 1;
  for (int i = 255; i >= 0; --i) bar.colors.push_back(scale.colormap.color(i));
  b.add(std::move(bar));

  // About one tick per 40 pixels, at most six: short bars get fewer, never crowded labels.
  const int count = std::clamp(static_cast<int>(height / 40), 1, 5);
  const Ticks ticks = nice_ticks(scale.vmin, scale.vmax, count);
  const float cap = cap_height(kBarTickSize);
  for (double v : ticks.values) {
    const float y =
        std::round(height * static_cast<float>((scale.vmax - v) / (scale.vmax - scale.vmin)));
    b.add(Rect{kBarWidth, y - 0.5f, kTickLength, 1, kMuted});
    Text t{format_fixed(v, ticks.decimals), kBarWidth + kTickLength + kTickGap, y + cap / 2,
           kBarTickSize, kInk};
    b.add(std::move(t));
  }
  if (!label.empty()) {
    Text t{label, 0, height / 2, kAxisTitleSize, kInk, Anchor::middle, 90};
    b.add(place(t, Side::left, b.box.x1 + 8));
  }
  return b;
}

Block mask_legend_block(const std::vector<const HeatmapData*>& shown) {
  bool causal = false, absent = false;
  int window = 0;
  const HeatmapData* pooled = nullptr;
  for (const HeatmapData* d : shown) {
    causal = causal || d->causal;
    window = std::max(window, d->window);
    const auto any = [](const std::vector<bool>& flags) {
      return std::find(flags.begin(), flags.end(), true) != flags.end();
    };
    absent = absent || any(d->rows.absent) || any(d->cols.absent);
    if (d->block > 1 && (pooled == nullptr || d->block > pooled->block)) pooled = d;
  }
  Block b;
  float y = 0;
  if (causal || absent || window > 0) {
    Cells swatch;
    swatch.cell_w = swatch.cell_h = 6;
    swatch.rows = 2;
    swatch.cols = 3;
    swatch.colors.assign(6, kMaskBackground);
    swatch.masked.assign(6, true);
    b.add(std::move(swatch));
    std::string note =
        causal && absent
            ? "masked: later tokens (a causal model does not attend to them) and tokens "
              "only one of the two sentences has"
        : causal ? "masked: a causal model does not attend to later tokens"
        : absent ? "masked: tokens only one of the two sentences has"
                 : "masked";
    if (window > 0) {
      note += std::string(causal || absent ? ";" : ":") + " tokens " + std::to_string(window) +
              " or more back are outside the sliding window";
    }
    b.add(Text{note, 24, 6 + cap_height(11) / 2, 11, kMuted});
    y += 18;
  }
  if (pooled != nullptr) {
    // A pooled picture says so: a cell is not one weight.
    const std::string size = std::to_string(pooled->block);
    b.add(Text{"each cell: the " +
                   std::string(pooled->pooling == Pooling::max ? "largest weight" : "mean weight") +
                   " of a block of " + size + " × " + size +
                   " (queries × keys); cells of the input are pooled to fit",
               0, y + 6 + cap_height(11) / 2, 11, kMuted});
  }
  return b;
}

Figure finish(Block body, const std::string& title, float title_x0, float title_x1) {
  if (!title.empty()) {
    Text t{title, (title_x0 + title_x1) / 2, 0, kTitleSize, kInk, Anchor::middle,
           0,     FontWeight::bold};
    body.add(place(t, Side::bottom, body.box.y0 - 14));
  }
  const float dx = kMargin - std::floor(body.box.x0), dy = kMargin - std::floor(body.box.y0);
  Figure figure;
  figure.width = static_cast<int>(std::ceil(body.box.x1 + dx + kMargin));
  figure.height = static_cast<int>(std::ceil(body.box.y1 + dy + kMargin));
  figure.items = std::move(body.items);
  for (Item& item : figure.items) translate(item, dx, dy);
  return figure;
}

}  // namespace attnviz::render_detail
