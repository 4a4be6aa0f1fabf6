// The figures the CLI asks for, composed from the blocks in layout.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "attnviz/error.hpp"
#include "attnviz/image.hpp"
#include "attnviz/parallel.hpp"
#include "attnviz/render.hpp"
#include "attnviz/svg.hpp"
#include "layout.hpp"

namespace attnviz {

using render_detail::Block;
using render_detail::HeatmapParts;
using render_detail::Scale;

namespace {

constexpr float kColorbarGap = 18;
constexpr float kPanelGap = 36;

// Everything a stand-alone heatmap shows, with cells sized so n of them span about target pixels.
HeatmapParts full_parts(int n, const FigureOptions& options, int target, int max_cell) {
  HeatmapParts parts;
  parts.cell = render_detail::cell_size_for(n, target, 2, max_cell);
  parts.x_title = options.x_title;
  parts.y_title = options.y_title;
  parts.values = options.values;
  parts.x_label_angle = options.x_label_angle;
  return parts;
}

// Places blocks left to right with their heatmaps' top edges aligned, at whole-pixel offsets;
// returns the x offset of each block.
std::vector<float> place_in_row(Block& row, const std::vector<Block>& blocks) {
  std::vector<float> offsets;
  float right = 0;
  for (const Block& b : blocks) {
    const float dx = offsets.empty() ? 0 : std::ceil(right + kPanelGap - b.box.x0);
    row.add(b, dx, 0);
    offsets.push_back(dx);
    right = dx + b.box.x1;
  }
  return offsets;
}

Block colorbar_after(const Block& body, const Scale& scale, float height,
                     const std::string& label) {
  Block bar = render_detail::colorbar_block(scale, height, label);
  Block out;
  out.add(bar, std::ceil(body.box.x1 + kColorbarGap), 0);
  return out;
}

// The note on masked cells, under the body, when any heatmap shown has them.
void add_mask_legend(Block& body, const std::vector<const HeatmapData*>& shown) {
  const Block legend = render_detail::mask_legend_block(shown);
  if (!legend.empty()) body.add(legend, 0, std::ceil(body.box.y1 + 10));
}

std::string lower_extension(const std::string& path) {
  const auto dot = path.find_last_of('.');
  if (dot == std::string::npos || path.find('/', dot) != std::string::npos) return "";
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ext;
}

}  // namespace

HeatmapData heatmap_data(const Attention& attention, const float* matrix) {
  HeatmapData data;
  data.matrix = {matrix, attention.n, attention.columns()};
  data.rows = {attention.tokens, attention.special};
  data.cols = {attention.column_tokens(), attention.column_special()};
  data.causal = attention.causal;
  data.first = attention.first;
  data.block = attention.block;
  data.pooling = attention.pooling;
  return data;
}

GridData layer_grid(const Attention& attention, int layer) {
  if (layer < 0 || layer >= attention.layers)
    throw Error("layer index " + std::to_string(layer) + " is outside the model's " +
                std::to_string(attention.layers) + " layers (0-based here)");
  GridData g;
  g.grid_cols = 1;
  while (g.grid_cols * g.grid_cols < attention.heads) ++g.grid_cols;
  g.grid_rows = g.grid_cols * (g.grid_cols - 1) >= attention.heads ? g.grid_cols - 1 : g.grid_cols;
  g.n = attention.n;
  g.tokens = {attention.tokens, attention.special};
  if (attention.cross()) {
    g.columns = attention.key_count;
    g.key_tokens = {attention.key_tokens, attention.key_special};
  }
  g.causal = attention.causal;
  g.first = attention.first;
  g.block = attention.block;
  g.pooling = attention.pooling;
  g.panels.assign(static_cast<std::size_t>(g.grid_rows) * g.grid_cols, nullptr);
  for (int h = 0; h < attention.heads; ++h) g.panels[h] = attention.head(layer, h);
  if (!attention.windows.empty()) g.panel_windows.assign(g.panels.size(), attention.window(layer));
  return g;
}

GridData model_grid(const Attention& attention) {
  GridData g;
  g.grid_rows = attention.layers;
  g.grid_cols = attention.heads;
  g.n = attention.n;
  g.tokens = {attention.tokens, attention.special};
  if (attention.cross()) {
    g.columns = attention.key_count;
    g.key_tokens = {attention.key_tokens, attention.key_special};
  }
  g.causal = attention.causal;
  g.first = attention.first;
  g.block = attention.block;
  g.pooling = attention.pooling;
  for (int l = 0; l < attention.layers; ++l) {
    for (int h = 0; h < attention.heads; ++h) {
      g.panels.push_back(attention.head(l, h));
      if (!attention.windows.empty()) g.panel_windows.push_back(attention.window(l));
    }
  }
  return g;
}

Figure heatmap_figure(const HeatmapData& data, const FigureOptions& options) {
  render_detail::validate(data, "heatmap");
  const Scale scale = render_detail::make_scale({&data}, options, options.colormap);
  const HeatmapParts parts =
      full_parts(std::max(data.matrix.rows, data.matrix.cols), options, 640, 44);
  Block body = render_detail::heatmap_block(data, scale, parts);
  const float width = static_cast<float>(data.matrix.cols * parts.cell);
  const float height = static_cast<float>(data.matrix.rows * parts.cell);
  Block bar = colorbar_after(body, scale, height, options.colorbar_label);
  add_mask_legend(body, {&data});
  body.add(bar, 0, 0);
  return render_detail::finish(std::move(body), options.title, 0, width);
}

namespace {

void validate_grid(const GridData& data) {
  const std::size_t count = static_cast<std::size_t>(data.grid_rows) * data.grid_cols;
  if (data.n <= 0 || data.keys() <= 0)
    throw Error("cannot draw a grid of empty matrices (n = " + std::to_string(data.n) +
                ", keys = " + std::to_string(data.keys()) + ")");
  if (data.grid_rows <= 0 || data.grid_cols <= 0 || data.panels.size() != count)
    throw Error("a grid of " + std::to_string(data.grid_rows) + "x" +
                std::to_string(data.grid_cols) + " panels needs that many matrices, got " +
                std::to_string(data.panels.size()));
  if (!data.panel_titles.empty() && data.panel_titles.size() != count)
    throw Error("a grid of " + std::to_string(count) + " panels got " +
                std::to_string(data.panel_titles.size()) + " panel titles");
  if (!data.row_titles.empty() &&
      data.row_titles.size() != static_cast<std::size_t>(data.grid_rows))
    throw Error("a grid of " + std::to_string(data.grid_rows) + " rows got " +
                std::to_string(data.row_titles.size()) + " row titles");
  if (!data.col_titles.empty() &&
      data.col_titles.size() != static_cast<std::size_t>(data.grid_cols))
    throw Error("a grid of " + std::to_string(data.grid_cols) + " columns got " +
                std::to_string(data.col_titles.size()) + " column titles");
}

// The grid's matrices at full resolution (those of gaps unchecked), each validated.
std::vector<HeatmapData> grid_panels(const GridData& data) {
  std::vector<HeatmapData> panels(data.panels.size());
  for (std::size_t i = 0; i < panels.size(); ++i) {
    panels[i].matrix = {data.panels[i], data.n, data.keys()};
    panels[i].rows = data.tokens;
    panels[i].cols = data.key_labels();
    panels[i].causal = data.causal;
    panels[i].first = data.first;
    panels[i].block = data.block;
    panels[i].pooling = data.pooling;
    if (!data.panel_windows.empty()) panels[i].window = data.panel_windows.at(i);
    if (data.panels[i] != nullptr) render_detail::validate(panels[i], "grid panel");
  }
  return panels;
}

std::vector<const HeatmapData*> present(const GridData& data,
                                        const std::vector<HeatmapData>& panels) {
  std::vector<const HeatmapData*> out;
  for (std::size_t i = 0; i < panels.size(); ++i)
    if (data.panels[i] != nullptr) out.push_back(&panels[i]);
  if (out.empty()) throw Error("a grid of heatmaps needs at least one matrix");
  return out;
}

// Every `block`-th label (pooled rows or columns are labelled by their first token).
AxisLabels every(const AxisLabels& labels, int block, int count, int shown) {
  if (block == 1) return labels;
  if (labels.text.size() != static_cast<std::size_t>(count))
    throw Error("the grid has " + std::to_string(count) + " tokens on an axis but " +
                std::to_string(labels.text.size()) + " token labels were given");
  AxisLabels out;
  for (int b = 0; b < shown; ++b) {
    out.text.push_back(labels.text[static_cast<std::size_t>(b) * block]);
    if (!labels.special.empty())
      out.special.push_back(labels.special[static_cast<std::size_t>(b) * block]);
  }
  return out;
}

// The grid's panels, titles and axis titles on `scale`, without the colorbar; `area` is set to the
// width and height of the panels' area.
Block grid_body(const GridData& data, std::vector<HeatmapData> panels, const Scale& scale,
                const FigureOptions& options, Box& area) {
  const std::size_t count = panels.size();
  // Panels shrink with the number of columns. Inputs longer than a panel's pixels are shown in
  // k x k blocks, each cell the largest weight of its block, so sharp attention stays visible.
  const int longest = std::max(data.n, data.keys());
  const int target = std::max(48, std::min(220, 1100 / data.grid_cols));
  const int block = (longest + target - 1) / std::max(target, 1);
  const int shown_rows = (data.n + block - 1) / block;
  const int shown_cols = (data.keys() + block - 1) / block;
  const int cell = render_detail::cell_size_for((longest + block - 1) / block, target, 1, 24);
  std::vector<std::vector<float>> pooled(count);
  if (block > 1) {
    const AxisLabels rows = every(data.tokens, block, data.n, shown_rows);
    const AxisLabels cols = every(data.key_labels(), block, data.keys(), shown_cols);
    for (std::size_t i = 0; i < count; ++i) {
      if (data.panels[i] == nullptr) continue;
      // Pooled again as the cells already are (a mean of equal blocks' means is their mean).
      pooled[i] = render_detail::pool(panels[i].matrix, block, data.pooling);
      panels[i].matrix = {pooled[i].data(), shown_rows, shown_cols};
      panels[i].rows = rows;
      panels[i].cols = cols;
      panels[i].block = data.block * block;
    }
  }

  const bool labels = cell >= 8;
  const float width = static_cast<float>(shown_cols * cell);
  const float side = static_cast<float>(shown_rows * cell);

  std::vector<Block> blocks(count);
  for (int r = 0; r < data.grid_rows; ++r) {
    for (int c = 0; c < data.grid_cols; ++c) {
      const std::size_t i = static_cast<std::size_t>(r) * data.grid_cols + c;
      if (data.panels[i] == nullptr) continue;
      HeatmapParts parts;
      parts.cell = cell;
      parts.x_labels = labels && r == data.grid_rows - 1;
      parts.y_labels = labels && c == 0;
      parts.values = CellValues::never;
      // Upright labels keep the columns of a grid close together.
      parts.x_label_angle = options.x_label_angle.value_or(90.0f);
      if (!data.panel_titles.empty()) parts.panel_title = data.panel_titles[i];
      blocks[i] = render_detail::heatmap_block(panels[i], scale, parts);
    }
  }
  // Column offsets from the widest extents in each column, row offsets likewise.
  auto span = [&](int r, int c) -> const Box* {
    const Block& b = blocks[static_cast<std::size_t>(r) * data.grid_cols + c];
    return b.empty() ? nullptr : &b.box;
  };
  const float gap = labels ? 18 : 8;
  std::vector<float> xs(data.grid_cols, 0), ys(data.grid_rows, 0);
  for (int c = 1; c < data.grid_cols; ++c) {
    float right = width, left = 0;
    for (int r = 0; r < data.grid_rows; ++r) {
      if (const Box* b = span(r, c - 1)) right = std::max(right, b->x1);
      if (const Box* b = span(r, c)) left = std::min(left, b->x0);
    }
    xs[c] = std::ceil(xs[c - 1] + right + gap - left);
  }
  for (int r = 1; r < data.grid_rows; ++r) {
    float bottom = side, top = 0;
    for (int c = 0; c < data.grid_cols; ++c) {
      if (const Box* b = span(r - 1, c)) bottom = std::max(bottom, b->y1);
      if (const Box* b = span(r, c)) top = std::min(top, b->y0);
    }
    ys[r] = std::ceil(ys[r - 1] + bottom + gap - top);
  }
  Block body;
  for (int r = 0; r < data.grid_rows; ++r)
    for (int c = 0; c < data.grid_cols; ++c)
      if (span(r, c))
        body.add(blocks[static_cast<std::size_t>(r) * data.grid_cols + c], xs[c], ys[r]);

  const float grid_width = xs.back() + width, grid_height = ys.back() + side;
  using render_detail::place;
  using render_detail::Side;
  if (!data.col_titles.empty()) {
    const float top = body.box.y0;
    for (int c = 0; c < data.grid_cols; ++c) {
      const Text t{data.col_titles[c],  xs[c] + width / 2, 0, 12,
                   render_detail::kInk, Anchor::middle,    0, FontWeight::bold};
      body.add(place(t, Side::bottom, top - 8));
    }
  }
  if (!data.row_titles.empty()) {
    // Rotated like facet labels, left of the token labels, centred on their row.
    const float left = body.box.x0;
    for (int r = 0; r < data.grid_rows; ++r) {
      const Text t{data.row_titles[r], 0,  ys[r] + side / 2, 12, render_detail::kInk,
                   Anchor::middle,     90, FontWeight::bold};
      body.add(place(t, Side::right, left - 10));
    }
  }
  render_detail::add_axis_titles(body, options.x_title, options.y_title, grid_width, grid_height);
  if (block > 1) {
    const std::string tokens =
        data.keys() == data.n
            ? std::to_string(data.n) + " tokens in all"
            : std::to_string(data.n) + " × " + std::to_string(data.keys()) + " tokens in all";
    const Text note{"Each cell shows the largest weight of a block of " + std::to_string(block) +
                        " × " + std::to_string(block) + " tokens (" + tokens + ").",
                    body.box.x0, 0, 11, render_detail::kMuted};
    body.add(place(note, Side::top, body.box.y1 + 10));
  }
  area = {0, 0, grid_width, grid_height};
  return body;
}

Block colorbar_beside(const Block& body, const Scale& scale, float height,
                      const std::string& label) {
  const float bar_height = std::clamp(height, 160.0f, 560.0f);
  Block bar = render_detail::colorbar_block(scale, bar_height, label);
  Block out;
  out.add(bar, std::ceil(body.box.x1 + kColorbarGap),
          std::floor(std::max(0.0f, (height - bar_height) / 2)));
  return out;
}

}  // namespace

Figure grid_figure(const GridData& data, const FigureOptions& options) {
  validate_grid(data);
  std::vector<HeatmapData> panels = grid_panels(data);
  // The scale (and its NaN check) from the full matrices, before any pooling.
  const Scale scale = render_detail::make_scale(present(data, panels), options, options.colormap);
  Box area;
  Block body = grid_body(data, std::move(panels), scale, options, area);
  body.add(colorbar_beside(body, scale, area.y1, options.colorbar_label), 0, 0);
  return render_detail::finish(std::move(body), options.title, 0, area.x1);
}

Figure sections_figure(const std::vector<GridSection>& sections, const FigureOptions& options) {
  if (sections.empty()) throw Error("a figure of sections needs at least one grid");
  std::vector<std::vector<HeatmapData>> panels;
  std::vector<const HeatmapData*> shown;
  for (const GridSection& section : sections) {
    validate_grid(section.grid);
    panels.push_back(grid_panels(section.grid));
    for (const HeatmapData* d : present(section.grid, panels.back())) shown.push_back(d);
  }
  // One scale for every section, so their colours compare.
  const Scale scale = render_detail::make_scale(shown, options, options.colormap);
  Block body;
  for (std::size_t i = 0; i < sections.size(); ++i) {
    FigureOptions section_options = options;
    section_options.x_title = sections[i].x_title;
    section_options.y_title = sections[i].y_title;
    Box area;
    Block grid = grid_body(sections[i].grid, std::move(panels[i]), scale, section_options, area);
    const Text heading{sections[i].title,   grid.box.x0,   0, 15,
                       render_detail::kInk, Anchor::start, 0, FontWeight::bold};
    grid.add(render_detail::place(heading, render_detail::Side::bottom, grid.box.y0 - 10));
    body.add(grid, 0, i == 0 ? 0 : std::ceil(body.box.y1 + kPanelGap - grid.box.y0));
  }
  Block bar = render_detail::colorbar_block(scale, 320, options.colorbar_label);
  body.add(bar, std::ceil(body.box.x1 + kColorbarGap), 0);
  return render_detail::finish(std::move(body), options.title, 0, body.box.x1);
}

Figure pair_figure(const Panel& a, const Panel& b, const FigureOptions& options) {
  render_detail::validate(a.data, "first of the pair");
  render_detail::validate(b.data, "second of the pair");
  const Scale scale = render_detail::make_scale({&a.data, &b.data}, options, options.colormap);
  const int n =
      std::max({a.data.matrix.rows, a.data.matrix.cols, b.data.matrix.rows, b.data.matrix.cols});
  const HeatmapParts parts = full_parts(n, options, 460, 40);
  Block body;
  HeatmapParts pa = parts, pb = parts;
  pa.panel_title = a.title;
  pb.panel_title = b.title;
  const std::vector<float> x =
      place_in_row(body, {render_detail::heatmap_block(a.data, scale, pa),
                          render_detail::heatmap_block(b.data, scale, pb)});
  const float height =
      static_cast<float>(std::max(a.data.matrix.rows, b.data.matrix.rows) * parts.cell);
  add_mask_legend(body, {&a.data, &b.data});
  body.add(colorbar_after(body, scale, height, options.colorbar_label), 0, 0);
  return render_detail::finish(std::move(body), options.title, 0,
                               x.back() + static_cast<float>(b.data.matrix.cols * parts.cell));
}

Figure compare_figure(const Panel& a, const Panel& b, const Panel& difference,
                      const FigureOptions& options) {
  render_detail::validate(a.data, "A");
  render_detail::validate(b.data, "B");
  render_detail::validate(difference.data, "difference");
  const Scale scale = render_detail::make_scale({&a.data, &b.data}, options, options.colormap);
  FigureOptions diff_options;
  const Scale diff_scale = render_detail::make_scale({&difference.data}, diff_options, "rdbu");
  const int n =
      std::max({a.data.matrix.rows, a.data.matrix.cols, b.data.matrix.rows, b.data.matrix.cols,
                difference.data.matrix.rows, difference.data.matrix.cols});
  const HeatmapParts parts = full_parts(n, options, 380, 34);
  HeatmapParts pa = parts, pb = parts, pd = parts;
  pa.panel_title = a.title;
  pb.panel_title = b.title;
  pd.panel_title = difference.title;
  auto height_of = [&](const HeatmapData& d) {
    return static_cast<float>(d.matrix.rows * parts.cell);
  };

  Block body;
  place_in_row(body, {render_detail::heatmap_block(a.data, scale, pa),
                      render_detail::heatmap_block(b.data, scale, pb)});
  body.add(colorbar_after(body, scale, std::max(height_of(a.data), height_of(b.data)),
                          options.colorbar_label),
           0, 0);
  Block diff = render_detail::heatmap_block(difference.data, diff_scale, pd);
  const float dx = std::ceil(body.box.x1 + kPanelGap - diff.box.x0);
  body.add(diff, dx, 0);
  body.add(colorbar_after(body, diff_scale, height_of(difference.data), "Difference"), 0, 0);
  add_mask_legend(body, {&a.data, &b.data, &difference.data});
  return render_detail::finish(std::move(body), options.title, 0,
                               dx + static_cast<float>(difference.data.matrix.cols * parts.cell));
}

Figure score_matrix_figure(const HeatmapData& data, FigureOptions options) {
  options.values = CellValues::always;
  if (!options.vmin) options.vmin = 0.0f;
  if (!options.vmax) options.vmax = 1.0f;
  if (!options.x_label_angle) options.x_label_angle = 0.0f;
  render_detail::validate(data, "score matrix");
  const Scale scale = render_detail::make_scale({&data}, options, options.colormap);
  HeatmapParts parts = full_parts(std::max(data.matrix.rows, data.matrix.cols), options, 560, 44);
  parts.cell = std::max(parts.cell, 36);  // room for the values in every cell
  Block body = render_detail::heatmap_block(data, scale, parts);
  body.add(colorbar_after(body, scale, static_cast<float>(data.matrix.rows * parts.cell),
                          options.colorbar_label),
           0, 0);
  return render_detail::finish(std::move(body), options.title, 0,
                               static_cast<float>(data.matrix.cols * parts.cell));
}

void save_figure(const Figure& figure, const std::string& path, int scale) {
  const std::string ext = lower_extension(path);
  if (ext == "png") {
    write_png(rasterize(figure, scale), path);
  } else if (ext == "svg") {
    write_svg(figure, path);
  } else {
    throw Error("cannot tell which format to write to '" + path +
                "': name the file with .png or .svg");
  }
}

void save_figures(const std::vector<FigureFile>& files, int threads) {
  for_each_index_in_parallel(files.size(), threads,
                             [&](std::size_t i) { save_figure(files[i].figure, files[i].path); });
}

}  // namespace attnviz
