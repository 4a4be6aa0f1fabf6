// Layout properties of the figures: no text overlaps other text, everything is on the canvas,
// cells sit on whole pixels, labels stay readable on long inputs, and bad input is refused with a
// message a user can act on.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/image.hpp"
#include "attnviz/render.hpp"
#include "attnviz/svg.hpp"
#include "fixtures.hpp"

namespace attnviz {
namespace {

using test::attention_like;
using test::data_of;

// Separating-axis test for two convex quads; touching edges do not count as overlap.
bool overlap(const Quad& a, const Quad& b) {
  for (const Quad* q : {&a, &b}) {
    for (int i = 0; i < 4; ++i) {
      const auto& p = (*q)[i];
      const auto& r = (*q)[(i + 1) % 4];
      const float nx = r[1] - p[1], ny = p[0] - r[0];
      float amin = 1e30f, amax = -1e30f, bmin = 1e30f, bmax = -1e30f;
      for (const auto& v : a)
        amin = std::min(amin, nx * v[0] + ny * v[1]), amax = std::max(amax, nx * v[0] + ny * v[1]);
      for (const auto& v : b)
        bmin = std::min(bmin, nx * v[0] + ny * v[1]), bmax = std::max(bmax, nx * v[0] + ny * v[1]);
      const float len = std::hypot(nx, ny);
      if (amax <= bmin + 0.01f * len || bmax <= amin + 0.01f * len) return false;
    }
  }
  return true;
}

std::vector<Text> texts_of(const Figure& f) {
  std::vector<Text> out;
  for (const Item& item : f.items)
    if (const auto* t = std::get_if<Text>(&item)) out.push_back(*t);
  return out;
}

void expect_clean_layout(const Figure& f) {
  const std::vector<Text> texts = texts_of(f);
  std::vector<Quad> quads;
  for (const Text& t : texts) quads.push_back(text_quad(t));
  for (std::size_t i = 0; i < quads.size(); ++i)
    for (std::size_t j = i + 1; j < quads.size(); ++j)
      EXPECT_FALSE(overlap(quads[i], quads[j]))
          << "'" << texts[i].text << "' overlaps '" << texts[j].text << "'";
  for (const Item& item : f.items) {
    const Box b = bounds(item);
    EXPECT_GE(b.x0, 0);
    EXPECT_GE(b.y0, 0);
    EXPECT_LE(b.x1, f.width);
    EXPECT_LE(b.y1, f.height);
    if (const auto* c = std::get_if<Cells>(&item)) {
      if (c->cols > 1) {  // heatmap cells (the colorbar is one column of 256 bands)
        EXPECT_EQ(c->x, std::round(c->x));
        EXPECT_EQ(c->y, std::round(c->y));
        EXPECT_EQ(c->cell_w, std::round(c->cell_w));
      }
    }
  }
}

int labels_on_y_axis(const Figure& f, float size_at_least) {
  int n = 0;
  for (const Text& t : texts_of(f))
    n += t.anchor == Anchor::end && t.angle_deg == 0 && t.size >= size_at_least;
  return n;
}

TEST(RenderLayout, SingleHeatmapNeverOverlapsTextForAnyLength) {
  for (int n : {1, 2, 3, 5, 8, 13, 16, 21, 30, 47, 64, 100, 150, 256, 333, 512}) {
    SCOPED_TRACE(n);
    const auto m = attention_like(n, n);
    HeatmapData d = data_of(m, test::long_tokens(n), test::bert_special(n));
    d.focus_row = n / 2;
    d.causal = n % 2 == 1;
    FigureOptions o;
    o.title = "Layer 10, Head 5 · bert-base-uncased";
    expect_clean_layout(heatmap_figure(d, o));
  }
}

TEST(RenderLayout, LongInputsKeepReadableLabels) {
  const int n = 512;
  const auto m = attention_like(n, 2);
  HeatmapData d = data_of(m, test::long_tokens(n), {});
  d.focus_row = 301;
  const Figure f = heatmap_figure(d, {});
  const int labels = labels_on_y_axis(f, 8.0f);
  EXPECT_GE(labels, 60);  // thinned, not dropped
  EXPECT_LE(labels, n);
  bool focus_labelled = false;
  for (const Text& t : texts_of(f))
    focus_labelled |= t.weight == FontWeight::bold && t.text == test::long_tokens(n)[301];
  EXPECT_TRUE(focus_labelled);
  int last_labelled = 0;  // the final token on both axes, though 511 is no multiple of the step
  for (const Text& t : texts_of(f)) last_labelled += t.text == "[SEP]";
  EXPECT_EQ(last_labelled, 2);
  EXPECT_LE(f.width, 1600);
  EXPECT_LE(f.height, 1600);
}

TEST(RenderLayout, ShortInputsLabelEveryTokenAndPrintValues) {
  const auto tokens = test::winograd_tokens();
  const auto m = attention_like(16, 4);
  const Figure f = heatmap_figure(data_of(m, tokens, {}), {});
  EXPECT_EQ(labels_on_y_axis(f, 10.0f), 16);
  int values = 0;
  for (const Text& t : texts_of(f)) values += t.text.size() == 4 && t.text[1] == '.';
  EXPECT_EQ(values, 16 * 16);
  FigureOptions never;
  never.values = CellValues::never;
  values = 0;
  for (const Text& t : texts_of(heatmap_figure(data_of(m, tokens, {}), never)))
    values += t.text.size() == 4 && t.text[1] == '.';
  EXPECT_EQ(values, 0);
}

TEST(RenderLayout, ValueTextContrastsWithItsCell) {
  std::vector<float> m = {0.0f, 1.0f, 0.5f, 0.25f};
  HeatmapData d;
  d.matrix = {m.data(), 2, 2};
  d.rows.text = d.cols.text = {"a", "b"};
  const Figure f = heatmap_figure(d, {});
  for (const Text& t : texts_of(f)) {
    if (t.text == "0.00") {
      EXPECT_EQ(t.color, (Color{255, 255, 255, 255}));  // on dark purple
    }
    if (t.text == "1.00") {
      EXPECT_NE(t.color, (Color{255, 255, 255, 255}));  // on yellow
    }
  }
}

TEST(RenderLayout, MultiPanelFiguresNeverOverlapText) {
  for (int n : {3, 16, 40, 120}) {
    SCOPED_TRACE(n);
    const auto tokens = test::long_tokens(n);
    const auto a = attention_like(n, 1), b = attention_like(n, 2);
    std::vector<float> diff(a.size());
    for (std::size_t i = 0; i < a.size(); ++i) diff[i] = a[i] - b[i];
    const Panel pa{data_of(a, tokens, {}),
                   "The animal didn't cross the street because it was too tired."};
    const Panel pb{data_of(b, tokens, {}),
                   "The animal didn't cross the street because it was too wide."};
    const Panel pd{data_of(diff, tokens, {}), "A − B"};
    FigureOptions o;
    o.title = "Layer 10, Head 5 · bert-base-uncased";
    expect_clean_layout(pair_figure(pa, pb, o));
    expect_clean_layout(compare_figure(pa, pb, pd, o));
    GridData g;
    g.grid_rows = 3;
    g.grid_cols = 4;
    g.n = n;
    g.tokens = {tokens, {}};
    for (int i = 0; i < 12; ++i) {
      g.panels.push_back(i % 2 ? a.data() : b.data());
      g.panel_titles.push_back("Head " + std::to_string(i + 1));
    }
    expect_clean_layout(grid_figure(g, o));
    g.panel_titles.clear();
    g.row_titles = {"Layer 1", "Layer 2", "Layer 3"};
    g.col_titles = {"Head 1", "Head 2", "Head 3", "Head 4"};
    expect_clean_layout(grid_figure(g, o));
  }
}

TEST(RenderLayout, PairAndCompareOfDifferentLengths) {
  const auto a = attention_like(14, 1), b = attention_like(17, 2), d = attention_like(17, 3);
  const Panel pa{data_of(a, test::long_tokens(14), {}), "fourteen tokens"};
  const Panel pb{data_of(b, test::long_tokens(17), {}), "seventeen tokens"};
  const Panel pd{data_of(d, test::long_tokens(17), {}), "aligned difference"};
  expect_clean_layout(pair_figure(pa, pb, {}));
  expect_clean_layout(compare_figure(pa, pb, pd, {}));
}

// A comparison of sentences that do not align one to one: align_heads leaves NaN at positions one
// side lacks; marked absent, their rows and columns are masked and explained, never an error.
TEST(RenderLayout, AbsentTokensAreMaskedAndExplained) {
  const int n = 4;
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<std::string> tokens = {"the", "big", "street", "."};
  // Row and column 1 ("big", only in B) have no counterpart in A.
  std::vector<float> a = {0.5f, nan, 0.3f, 0.2f, nan,  nan, nan,  nan,
                          0.1f, nan, 0.8f, 0.1f, 0.2f, nan, 0.2f, 0.6f};
  HeatmapData da = data_of(a, tokens, {});
  da.rows.absent = da.cols.absent = {false, true, false, false};
  const Figure f = heatmap_figure(da, {});
  expect_clean_layout(f);
  const Cells* cells = nullptr;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == n) cells = c;
  ASSERT_NE(cells, nullptr);
  ASSERT_EQ(cells->masked.size(), static_cast<std::size_t>(n * n));
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c)
      EXPECT_EQ(cells->masked[static_cast<std::size_t>(r * n + c)], r == 1 || c == 1)
          << r << ", " << c;
  bool explained = false;
  for (const Text& t : texts_of(f))
    explained = explained || t.text == "masked: tokens only one of the two sentences has";
  EXPECT_TRUE(explained);
  EXPECT_NO_THROW(compare_figure({da, "A"}, {da, "B"}, {da, "A − B"}, {}));
  EXPECT_NO_THROW(to_svg(f));

  // NaN where no position is absent is still an upstream failure.
  da.rows.absent = da.cols.absent = {};
  try {
    heatmap_figure(da, {});
    FAIL() << "NaN outside absent positions was drawn";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NaN at row 0, column 1"), std::string::npos) << e.what();
  }
  da.rows.absent = {true};
  EXPECT_THROW(heatmap_figure(da, {}), Error);  // one flag for four rows
}

TEST(RenderLayout, SharedScaleInGridUsesTheLargestValue) {
  std::vector<float> low(4, 0.25f), high = {0.0f, 0.8f, 0.1f, 0.1f};
  GridData g;
  g.grid_rows = 1;
  g.grid_cols = 2;
  g.n = 2;
  g.tokens.text = {"a", "b"};
  g.panels = {low.data(), high.data()};
  const Figure f = grid_figure(g, {});
  std::vector<const Cells*> heatmaps;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 2) heatmaps.push_back(c);
  ASSERT_EQ(heatmaps.size(), 2u);
  const Colormap v = Colormap::by_name("viridis");
  EXPECT_EQ(heatmaps[0]->colors[0], v.at(0.25f / 0.8f));
  EXPECT_EQ(heatmaps[1]->colors[1], v.at(1.0f));
}

TEST(RenderLayout, CausalMaskIsDistinctFromZero) {
  std::vector<float> m = {1.0f, 0.0f, 0.0f, 1.0f};  // a real zero below the diagonal at (1, 0)
  HeatmapData d;
  d.matrix = {m.data(), 2, 2};
  d.rows.text = d.cols.text = {"a", "b"};
  d.causal = true;
  const Figure f = heatmap_figure(d, {});
  const Cells* cells = nullptr;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 2 && c->cols == 2) cells = c;
  ASSERT_NE(cells, nullptr);
  EXPECT_EQ(cells->masked, (std::vector<bool>{false, true, false, false}));
  const Image image = rasterize(f);
  const int cell = static_cast<int>(cells->cell_w);
  auto center = [&](int r, int c) {
    return image.pixel(static_cast<int>(cells->x) + c * cell + 3,
                       static_cast<int>(cells->y) + r * cell + 3);
  };
  const Color zero = Colormap::by_name("viridis").at(0.0f);
  EXPECT_EQ(center(1, 0), zero);
  EXPECT_NE(center(0, 1), zero);
  bool mask_drawn = false;
  for (const Text& t : texts_of(f)) mask_drawn |= t.text.find("masked") != std::string::npos;
  EXPECT_TRUE(mask_drawn);  // the legend note explains the hatch
}

// A sliding window of 2: a query sees itself and one key back; keys further back are hatched, and
// the legend says why.
TEST(RenderLayout, SlidingWindowMasksKeysOutsideIt) {
  std::vector<float> m = {1, 0, 0, 0.5f, 0.5f, 0, 0.25f, 0.5f, 0.5f};  // 0.25 lies outside
  HeatmapData d;
  d.matrix = {m.data(), 3, 3};
  d.rows.text = d.cols.text = {"a", "b", "c"};
  d.causal = true;
  d.window = 2;
  const Figure f = heatmap_figure(d, {});
  const Cells* cells = nullptr;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 3 && c->cols == 3) cells = c;
  ASSERT_NE(cells, nullptr);
  EXPECT_EQ(cells->masked,
            (std::vector<bool>{false, true, true, false, false, true, true, false, false}));
  bool explained = false;
  for (const Text& t : texts_of(f))
    explained |= t.text.find("outside the sliding window") != std::string::npos;
  EXPECT_TRUE(explained);
}

TEST(RenderLayout, ModelViewOfALongInputIsPooledNotGigantic) {
  const int n = 512;
  std::vector<float> m = attention_like(n, 1);
  m[static_cast<std::size_t>(300) * n + 7] = 1.5f;  // one sharp weight must survive pooling
  GridData g;
  g.grid_rows = g.grid_cols = 12;
  g.n = n;
  g.tokens = {test::long_tokens(n), test::bert_special(n)};
  g.panels.assign(144, m.data());
  const Figure f = grid_figure(g, {});
  EXPECT_LT(f.width, 2500);
  EXPECT_LT(f.height, 2500);
  bool note = false;
  for (const Text& t : texts_of(f))
    note |= t.text.find("largest weight of a block") != std::string::npos;
  EXPECT_TRUE(note);
  const Color top = Colormap::by_name("viridis").at(1.0f);
  long brightest = 0;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->cols > 1)
      for (const Color& color : c->colors) brightest += color == top;
  EXPECT_EQ(brightest, 144);  // the 1.5 peak: one cell per panel at the top of the scale
}

TEST(RenderLayout, HeatmapDataTakesTokensFlagsAndMaskFromAttention) {
  Attention a;
  a.layers = 2;
  a.heads = 3;
  a.n = 4;
  a.weights.assign(2 * 3 * 4 * 4, 0.25f);
  a.tokens = {"Hello", " world", "!", "<|endoftext|>"};
  a.special = {false, false, false, true};
  a.causal = true;
  const HeatmapData d = heatmap_data(a, a.head(1, 2));
  EXPECT_EQ(d.matrix.values, a.weights.data() + a.head_offset(1, 2));
  EXPECT_EQ(d.matrix.rows, 4);
  EXPECT_EQ(d.matrix.cols, 4);
  EXPECT_EQ(d.rows.text, a.tokens);
  EXPECT_EQ(d.cols.special, a.special);
  EXPECT_TRUE(d.causal);
  EXPECT_EQ(d.focus_row, -1);
}

Attention fake_attention(int layers, int heads, int n) {
  Attention a;
  a.layers = layers;
  a.heads = heads;
  a.n = n;
  for (int i = 0; i < layers * heads; ++i) {
    const auto m = attention_like(n, i);
    a.weights.insert(a.weights.end(), m.begin(), m.end());
  }
  a.tokens = test::long_tokens(n);
  a.special = test::bert_special(n);
  return a;
}

TEST(RenderLayout, LayerGridIsNearSquareWithGapsAfterTheHeads) {
  for (auto [heads, rows, cols] : {std::array<int, 3>{12, 3, 4},
                                   {16, 4, 4},
                                   {20, 4, 5},
                                   {25, 5, 5},
                                   {1, 1, 1},
                                   {2, 1, 2},
                                   {3, 2, 2}}) {
    SCOPED_TRACE(heads);
    const Attention a = fake_attention(2, heads, 5);
    const GridData g = layer_grid(a, 1);
    EXPECT_EQ(g.grid_rows, rows);
    EXPECT_EQ(g.grid_cols, cols);
    ASSERT_EQ(g.panels.size(), static_cast<std::size_t>(rows * cols));
    for (int h = 0; h < rows * cols; ++h)
      EXPECT_EQ(g.panels[h], h < heads ? a.head(1, h) : nullptr);
    EXPECT_GT(grid_figure(g, {}).width, 0);
  }
  const Attention a = fake_attention(2, 12, 5);
  const GridData m = model_grid(a);
  EXPECT_EQ(m.grid_rows, 2);
  EXPECT_EQ(m.grid_cols, 12);
  EXPECT_EQ(m.panels[13], a.head(1, 1));
  EXPECT_EQ(m.tokens.text, a.tokens);
}

TEST(RenderLayout, MaskedCellsDoNotSetTheScale) {
  std::vector<float> m = {0.5f, 9.0f, 0.25f, 0.25f};  // 9 sits in the masked upper triangle
  HeatmapData d;
  d.matrix = {m.data(), 2, 2};
  d.rows.text = d.cols.text = {"a", "b"};
  d.causal = true;
  const Figure f = heatmap_figure(d, {});
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 2 && c->cols == 2) {
      EXPECT_EQ(c->colors[0], Colormap::by_name("viridis").at(1.0f));  // 0.5 is the top
    }
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RenderLayout, BadInputIsRefusedWithAClearMessage) {
  std::vector<float> m = attention_like(3, 0);
  const std::vector<std::string> three = {"a", "b", "c"};
  HeatmapData ok = data_of(m, three, {});

  HeatmapData empty = ok;
  empty.matrix.rows = 0;
  EXPECT_NE(error_of([&] { heatmap_figure(empty, {}); }).find("empty matrix"), std::string::npos);

  HeatmapData labels = ok;
  labels.cols.text.pop_back();
  EXPECT_NE(error_of([&] {
              heatmap_figure(labels, {});
            }).find("3 columns but 2 column labels were given"),
            std::string::npos);

  HeatmapData flags = ok;
  flags.rows.special = {true};
  EXPECT_NE(error_of([&] { heatmap_figure(flags, {}); }).find("special-token flags"),
            std::string::npos);

  std::vector<float> nan = m;
  nan[4] = std::nanf("");
  EXPECT_NE(
      error_of([&] { heatmap_figure(data_of(nan, three, {}), {}); }).find("NaN at row 1, column 1"),
      std::string::npos);

  HeatmapData focus = ok;
  focus.focus_row = 3;
  EXPECT_NE(error_of([&] { heatmap_figure(focus, {}); }).find("focus row 3"), std::string::npos);

  HeatmapData wide = ok;
  wide.matrix.cols = 1;
  wide.matrix.rows = 3;
  wide.cols.text = {"a"};
  wide.causal = true;
  EXPECT_NE(error_of([&] { heatmap_figure(wide, {}); }).find("square"), std::string::npos);

  FigureOptions backwards;
  backwards.vmin = 1.0f;
  backwards.vmax = 0.0f;
  EXPECT_NE(error_of([&] { heatmap_figure(ok, backwards); }).find("vmin < vmax"),
            std::string::npos);

  GridData g;
  g.grid_rows = 2;
  g.grid_cols = 2;
  g.n = 3;
  g.tokens.text = three;
  g.panels = {m.data()};
  EXPECT_NE(error_of([&] { grid_figure(g, {}); }).find("2x2 panels"), std::string::npos);

  std::vector<float> long_nan = attention_like(400, 1);
  long_nan[static_cast<std::size_t>(399) * 400 + 3] = std::nanf("");
  GridData pooled;
  pooled.grid_rows = 1;
  pooled.grid_cols = 12;
  pooled.n = 400;
  pooled.tokens.text = test::long_tokens(400);
  pooled.panels.assign(12, long_nan.data());
  EXPECT_NE(error_of([&] { grid_figure(pooled, {}); }).find("NaN at row 399, column 3"),
            std::string::npos);

  EXPECT_NE(error_of([&] { layer_grid(fake_attention(2, 3, 4), 2); }).find("layer index 2"),
            std::string::npos);

  const Figure f = heatmap_figure(ok, {});
  EXPECT_NE(error_of([&] {
              save_figure(f, "/nonexistent-folder/x.png");
            }).find("/nonexistent-folder/x.png"),
            std::string::npos);
  EXPECT_NE(error_of([&] { save_figure(f, "figure.jpg"); }).find(".png or .svg"),
            std::string::npos);
  EXPECT_NE(error_of([&] { rasterize(Figure{}); }).find("no area"), std::string::npos);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Many figures written on several threads: each file as save_figure alone writes it, and an
// unwritable path among them is reported once all the others are written.
TEST(RenderLayout, SaveFiguresWritesEveryFileAndThenReportsTheFirstError) {
  const auto folder = std::filesystem::temp_directory_path() / "attnviz_save_figures_test";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  std::vector<FigureFile> files;
  for (int i = 0; i < 7; ++i) {
    const Figure f =
        heatmap_figure(test::data_of(attention_like(3 + i, i), test::long_tokens(3 + i), {}), {});
    const std::string name = "figure" + std::to_string(i) + (i % 3 == 0 ? ".svg" : ".png");
    files.push_back({f, (folder / name).string()});
    if (i == 4) files.push_back({f, "/nonexistent-folder/x.png"});
  }
  EXPECT_NE(error_of([&] { save_figures(files, 3); }).find("/nonexistent-folder/x.png"),
            std::string::npos);
  for (const auto& file : files) {
    if (file.path.rfind("/nonexistent", 0) == 0) continue;
    const auto expected =
        std::filesystem::path(file.path).extension() == ".svg" ? to_svg(file.figure) : [&] {
          const auto png = encode_png(rasterize(file.figure));
          return std::string(png.begin(), png.end());
        }();
    EXPECT_EQ(file_bytes(file.path), expected) << file.path;
  }
  save_figures({}, 4);  // nothing to write: no thread is started
  // One thread, or none asked for, writes them all too.
  files.erase(files.begin() + 5);
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  save_figures(files, 0);
  for (const auto& file : files) EXPECT_TRUE(std::filesystem::exists(file.path)) << file.path;
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace attnviz
