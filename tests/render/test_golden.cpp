// Renders fixed hand-made inputs and compares the decoded pixels with the committed PNGs in
// tests/data/golden/render/. To change a golden on purpose, run scripts/make_golden_images.sh and
// look at every changed picture before committing it.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/image.hpp"
#include "attnviz/render.hpp"
#include "fixtures.hpp"
#include "golden.hpp"

namespace attnviz {
namespace {

using test::attention_like;
using test::data_of;

const std::string kGoldenDir = std::string(ATTNVIZ_TEST_DATA) + "/golden/render/";

void expect_golden(const Figure& figure, const std::string& name) {
  const Image actual = rasterize(figure);
  const std::string path = kGoldenDir + name + ".png";
  if (test::updating_goldens()) {
    write_png(actual, path);
    std::printf("wrote golden %s (%dx%d)\n", path.c_str(), actual.width, actual.height);
    return;
  }
  const Image expected = test::read_png(path);
  ASSERT_GT(expected.width, 0) << "cannot read golden " << path
                               << "; regenerate with scripts/make_golden_images.sh";
  const test::PixelDiff diff = test::compare_pixels(expected, actual);
  if (!diff.same_size || diff.differing > 0) {
    const std::string got =
        (std::filesystem::temp_directory_path() / (name + ".actual.png")).string();
    write_png(actual, got);
    ADD_FAILURE() << name << ": " << (diff.same_size ? "" : "size differs; ") << diff.differing
                  << " pixels differ, first at (" << diff.first_x << ", " << diff.first_y
                  << "); expected " << expected.width << "x" << expected.height << ", got "
                  << actual.width << "x" << actual.height << "; actual written to " << got;
  }
}

FigureOptions titled(const std::string& title) {
  FigureOptions o;
  o.title = title;
  return o;
}

std::vector<float> mean_of_heads(int n, int heads, const std::vector<std::string>& tokens) {
  (void)tokens;
  std::vector<float> mean(static_cast<std::size_t>(n) * n, 0.0f);
  for (int h = 0; h < heads; ++h) {
    const std::vector<float> m = attention_like(n, h, 10, h % 2 ? 2 : 8);
    for (std::size_t i = 0; i < mean.size(); ++i) mean[i] += m[i] / static_cast<float>(heads);
  }
  return mean;
}

TEST(RenderGolden, OneHeadWithValuesInCells) {
  const auto tokens = test::winograd_tokens();
  const auto m = attention_like(16, 4, 10, 2);
  expect_golden(heatmap_figure(data_of(m, tokens, test::bert_special(16)),
                               titled("Layer 10, Head 5 · bert-base-uncased")),
                "heatmap_head");
}

TEST(RenderGolden, LayerMeanWithFocusRow) {
  const auto tokens = test::winograd_tokens();
  const auto mean = mean_of_heads(16, 12, tokens);
  HeatmapData d = data_of(mean, tokens, test::bert_special(16));
  d.focus_row = 10;  // "it"
  FigureOptions o = titled("Layer 10, mean of 12 heads · bert-base-uncased");
  o.values = CellValues::never;
  expect_golden(heatmap_figure(d, o), "heatmap_mean_focus");
}

TEST(RenderGolden, CausalMaskIsHatchedNotZero) {
  const std::vector<std::string> tokens = {"Transform", "ers",    " are", " changing",
                                           " the",      " world", "."};
  const auto m = attention_like(7, 2, -1, -1, true);
  HeatmapData d = data_of(m, tokens, {});
  d.causal = true;
  FigureOptions o = titled("Layer 5, Head 1 · gpt2");
  o.colormap = "magma";
  expect_golden(heatmap_figure(d, o), "heatmap_causal");
}

TEST(RenderGolden, LongInputThinsLabels) {
  const int n = 320;
  const auto tokens = test::long_tokens(n);
  const auto m = attention_like(n, 1);
  expect_golden(heatmap_figure(data_of(m, tokens, test::bert_special(n)),
                               titled("Layer 3, Head 7 · 320 tokens")),
                "heatmap_long");
}

TEST(RenderGolden, MissingGlyphsAndMarkupAreBoxesAndText) {
  const std::vector<std::string> tokens = {"[CLS]",       "猫",      "🙂", "a<b&\"c\"",
                                           "caf\xc3\xa9", "bad\xff", "[SEP]"};
  const auto m = attention_like(7, 3);
  FigureOptions o = titled("Glyphs: 猫 🙂 <&> \xff");
  o.colormap = "greys";
  expect_golden(heatmap_figure(data_of(m, tokens, test::bert_special(7)), o), "heatmap_glyphs");
}

TEST(RenderGolden, GridOfOneLayersHeads) {
  const auto tokens = test::winograd_tokens();
  std::vector<std::vector<float>> heads;
  GridData g;
  for (int h = 0; h < 12; ++h) heads.push_back(attention_like(16, h, 10, h % 3 ? 2 : 8));
  for (int h = 0; h < 12; ++h) {
    g.panels.push_back(heads[h].data());
    g.panel_titles.push_back("Head " + std::to_string(h + 1));
  }
  g.grid_rows = 3;
  g.grid_cols = 4;
  g.n = 16;
  g.tokens = {tokens, test::bert_special(16)};
  expect_golden(grid_figure(g, titled("Layer 10, all heads · bert-base-uncased")), "grid_layer");
}

TEST(RenderGolden, ModelViewGrid) {
  const std::vector<std::string> tokens = {"Transform", "ers",    " are", " changing",
                                           " the",      " world", "."};
  std::vector<std::vector<float>> heads;
  GridData g;
  g.grid_rows = 6;
  g.grid_cols = 6;
  for (int i = 0; i < 36; ++i) heads.push_back(attention_like(7, i, -1, -1, true));
  for (auto& h : heads) g.panels.push_back(h.data());
  for (int i = 0; i < 6; ++i) {
    g.row_titles.push_back("Layer " + std::to_string(i + 1));
    g.col_titles.push_back("Head " + std::to_string(i + 1));
  }
  g.n = 7;
  g.tokens = {tokens, {}};
  g.causal = true;
  expect_golden(grid_figure(g, titled("All layers and heads · gpt2")), "grid_model");
}

std::vector<std::string> wide_tokens() {
  auto t = test::winograd_tokens();
  t[13] = "wide";
  return t;
}

TEST(RenderGolden, CompareShowsDifferenceWithDivergingMap) {
  const auto a = attention_like(16, 4, 10, 2);
  const auto b = attention_like(16, 4, 10, 8);
  std::vector<float> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  auto diff_tokens = test::winograd_tokens();
  diff_tokens[13] = "tired/wide";
  const auto special = test::bert_special(16);
  Panel pa{data_of(a, test::winograd_tokens(), special), "A: … too tired."};
  Panel pb{data_of(b, wide_tokens(), special), "B: … too wide."};
  Panel pd{data_of(d, diff_tokens, special), "A − B"};
  pa.data.focus_row = pb.data.focus_row = pd.data.focus_row = 10;
  expect_golden(compare_figure(pa, pb, pd, titled("Layer 10, Head 5 · bert-base-uncased")),
                "compare");
}

TEST(RenderGolden, PairOfSentences) {
  const auto a = attention_like(16, 4, 10, 2);
  const auto b = attention_like(16, 4, 10, 8);
  const auto special = test::bert_special(16);
  Panel pa{data_of(a, test::winograd_tokens(), special), "“… because it was too tired.”"};
  Panel pb{data_of(b, wide_tokens(), special), "“… because it was too wide.”"};
  pa.data.focus_row = pb.data.focus_row = 10;
  expect_golden(pair_figure(pa, pb, titled("Layer 10, Head 5 · bert-base-uncased")), "pair");
}

TEST(RenderGolden, ScoreMatrixOfLayersAndHeads) {
  const int layers = 12, heads = 12;
  std::vector<float> share(layers * heads);
  for (int l = 0; l < layers; ++l)
    for (int h = 0; h < heads; ++h)
      share[l * heads + h] = static_cast<float>((l * 7 + h * 5) % 21) / 20.0f;
  HeatmapData d;
  d.matrix = {share.data(), layers, heads};
  for (int l = 0; l < layers; ++l) d.rows.text.push_back(std::to_string(l + 1));
  for (int h = 0; h < heads; ++h) d.cols.text.push_back(std::to_string(h + 1));
  FigureOptions o = titled("Share of pairs where the pronoun attends more to the right antecedent");
  o.x_title = "Head";
  o.y_title = "Layer";
  o.colorbar_label = "Share correct";
  expect_golden(score_matrix_figure(d, o), "score_matrix");
}

TEST(RenderGolden, HeadAtlasOfRolesWithScores) {
  HeadAtlasData data;
  data.layers = 3;
  data.heads = 4;
  data.category_names = {"induction", "previous-token", "sink", "broad", "mixed"};
  data.category = {2, 2, 1, 4, 3, 1, 0, 2, 4, 0, 3, 3};
  data.score = {0.91f, 0.55f, 0.62f,         0.2f,  0.85f, 1.0f,
                0.3f,  0.5f,  std::nanf(""), 0.75f, 0.8f,  0.0f};
  FigureOptions options = titled("Head roles · hand-made");
  options.x_title = "Head";
  options.y_title = "Layer";
  expect_golden(head_atlas_figure(data, options), "head_atlas");
}

TEST(RenderGolden, HeadAtlasRejectsCategoriesWithoutNames) {
  HeadAtlasData data;
  data.layers = data.heads = 1;
  data.category = {1};
  data.score = {0.5f};
  data.category_names = {"sink"};
  EXPECT_THROW(head_atlas_figure(data, {}), Error);
  data.category = {0, 0};
  EXPECT_THROW(head_atlas_figure(data, {}), Error);
}

TEST(RenderGolden, OnePixelChangeIsCaught) {
  const auto m = attention_like(16, 4, 10, 2);
  const Image image = rasterize(heatmap_figure(data_of(m, test::winograd_tokens(), {}), {}));
  Image changed = image;
  const std::size_t p =
      (static_cast<std::size_t>(image.height / 2) * image.width + image.width / 2) * 4;
  changed.rgba[p + 1] ^= 1;  // the lowest bit of one channel of one pixel
  const test::PixelDiff diff = test::compare_pixels(image, changed);
  EXPECT_TRUE(diff.same_size);
  EXPECT_EQ(diff.differing, 1);
  EXPECT_EQ(diff.first_x, image.width / 2);
  EXPECT_EQ(diff.first_y, image.height / 2);
  EXPECT_EQ(test::compare_pixels(image, image).differing, 0);
  // And through a PNG round trip, as the golden comparison reads it.
  const std::string path =
      (std::filesystem::temp_directory_path() / "attnviz_one_pixel.png").string();
  write_png(changed, path);
  EXPECT_EQ(test::compare_pixels(image, test::read_png(path)).differing, 1);
}

TEST(RenderGolden, ScaleTwoDrawsTheSameFigureAtTwiceTheResolution) {
  const auto m = attention_like(7, 2, -1, -1, true);
  HeatmapData d = data_of(m, {"a", "b", "c", "d", "e", "f", "g"}, {});
  d.causal = true;
  const Figure f = heatmap_figure(d, titled("Layer 1, Head 1"));
  const Image one = rasterize(f), two = rasterize(f, 2);
  ASSERT_EQ(two.width, 2 * one.width);
  ASSERT_EQ(two.height, 2 * one.height);
  const Cells* cells = nullptr;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 7 && c->cols == 7) cells = c;
  ASSERT_NE(cells, nullptr);
  for (int r = 0; r < 7; ++r) {
    for (int c = 0; c <= r; ++c) {  // a corner of each drawn cell, clear of its value text
      const int x = static_cast<int>(cells->x + c * cells->cell_w) + 2;
      const int y = static_cast<int>(cells->y + r * cells->cell_h) + 2;
      EXPECT_EQ(two.pixel(2 * x, 2 * y), one.pixel(x, y));
    }
  }
  auto ink = [](const Image& image) {
    long dark = 0;
    for (int y = 0; y < image.height; ++y)
      for (int x = 0; x < image.width; ++x) dark += image.pixel(x, y).r < 128;
    return dark;
  };
  EXPECT_GT(ink(two), 3 * ink(one));
  EXPECT_LT(ink(two), 5 * ink(one));
  EXPECT_THROW(rasterize(f, 5), Error);
  EXPECT_THROW(rasterize(f, 0), Error);
}

}  // namespace
}  // namespace attnviz
