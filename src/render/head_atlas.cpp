// The head atlas of `attnviz heads`: layers x heads, each cell in its category's colour with its
// score, and a legend.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "attnviz/error.hpp"
#include "attnviz/render.hpp"
#include "layout.hpp"

namespace attnviz {

using render_detail::Block;
using render_detail::kInk;
using render_detail::kMuted;

namespace {

constexpr float kCell = 44;
constexpr float kLabelSize = 12;
constexpr float kValueSize = 11;
constexpr float kSwatch = 12;
constexpr float kLegendGap = 18;

// Tableau 10 (matplotlib's tab10), then a grey for the last category when there are 11.
constexpr std::array<Color, 11> kPalette = {{{31, 119, 180, 255},
                                             {255, 127, 14, 255},
                                             {44, 160, 44, 255},
                                             {214, 39, 40, 255},
                                             {148, 103, 189, 255},
                                             {140, 86, 75, 255},
                                             {227, 119, 194, 255},
                                             {188, 189, 34, 255},
                                             {23, 190, 207, 255},
                                             {127, 127, 127, 255},
                                             {199, 199, 199, 255}}};

// The category colour, paler for a lower score: from 35 % (score 0) to full colour (score 1).
Color shade(Color c, float score) {
  const float t = 0.35f + 0.65f * (std::isnan(score) ? 0.0f : std::clamp(score, 0.0f, 1.0f));
  const auto mix = [t](std::uint8_t v) {
    return static_cast<std::uint8_t>(std::lround(255.0f - t * (255.0f - v)));
  };
  return {mix(c.r), mix(c.g), mix(c.b), 255};
}

void validate_atlas(const HeadAtlasData& d) {
  const auto cells = static_cast<std::size_t>(d.layers) * static_cast<std::size_t>(d.heads);
  if (d.layers < 1 || d.heads < 1 || d.category.size() != cells || d.score.size() != cells) {
    throw Error("head atlas: " + std::to_string(d.category.size()) + " categories and " +
                std::to_string(d.score.size()) + " scores for " + std::to_string(d.layers) +
                " layers x " + std::to_string(d.heads) + " heads");
  }
  if (d.category_names.empty() || d.category_names.size() > kPalette.size()) {
    throw Error("head atlas: between 1 and " + std::to_string(kPalette.size()) +
                " categories, not " + std::to_string(d.category_names.size()));
  }
  for (const int c : d.category) {
    if (c < 0 || c >= static_cast<int>(d.category_names.size()))
      throw Error("head atlas: category " + std::to_string(c) + " has no name");
  }
}

Block legend_block(const std::vector<std::string>& names, float width) {
  Block b;
  float x = 0, y = 0;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const float w = kSwatch + 6 + text_width(names[i], kLabelSize) + 16;
    if (x > 0 && x + w > width) {
      x = 0;
      y += kSwatch + 8;
    }
    b.add(Rect{x, y, kSwatch, kSwatch, kPalette[i], kMuted, 1});
    b.add(Text{names[i], x + kSwatch + 6, y + kSwatch / 2 + cap_height(kLabelSize) / 2, kLabelSize,
               kInk});
    x += w;
  }
  return b;
}

}  // namespace

Figure head_atlas_figure(const HeadAtlasData& data, const FigureOptions& options) {
  validate_atlas(data);
  Block body;
  for (int l = 0; l < data.layers; ++l) {
    for (int h = 0; h < data.heads; ++h) {
      const std::size_t i = static_cast<std::size_t>(l) * data.heads + h;
      const float x = h * kCell, y = l * kCell;
      const float score = data.score[i];
      body.add(Rect{x, y, kCell, kCell, shade(kPalette[data.category[i]], score),
                    Color{255, 255, 255, 255}, 1});
      if (!std::isnan(score)) {
        char text[16];
        std::snprintf(text, sizeof text, "%.2f", score);
        body.add(Text{text, x + kCell / 2, y + kCell / 2 + cap_height(kValueSize) / 2, kValueSize,
                      kInk, Anchor::middle});
      }
    }
    body.add(Text{std::to_string(l + 1), -6, l * kCell + kCell / 2 + cap_height(kLabelSize) / 2,
                  kLabelSize, kInk, Anchor::end});
  }
  for (int h = 0; h < data.heads; ++h) {
    body.add(
        Text{std::to_string(h + 1), h * kCell + kCell / 2, -6, kLabelSize, kInk, Anchor::middle});
  }
  const float width = data.heads * kCell, height = data.layers * kCell;
  render_detail::add_axis_titles(body, options.x_title, options.y_title, width, height);
  body.add(legend_block(data.category_names, std::max(width, 360.0f)), 0,
           std::ceil(body.box.y1 + kLegendGap));
  return render_detail::finish(std::move(body), options.title, 0, width);
}

}  // namespace attnviz
