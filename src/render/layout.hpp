#pragma once

// Building blocks of the figures: each block is a list of items in its own coordinates (a
// heatmap's top-left cell corner at the origin) with the box they cover, so figures are composed
// by measuring blocks and moving them, never by guessing sizes.

#include <string>
#include <vector>

#include "attnviz/colormap.hpp"
#include "attnviz/figure.hpp"
#include "attnviz/render.hpp"

namespace attnviz::render_detail {

inline constexpr Color kInk{34, 34, 34, 255};    // text
inline constexpr Color kMuted{96, 96, 96, 255};  // ticks, notes
inline constexpr float kAxisTitleSize = 13;

struct Block {
  std::vector<Item> items;
  Box box{0, 0, 0, 0};
  bool empty() const { return items.empty(); }
  void add(Item item);
  void add(const Block& other, float dx, float dy);
};

void translate(Item& item, float dx, float dy);

// Text moved so that the given side of its box lies at edge (Side::top: its top edge at edge).
enum class Side { top, bottom, left, right };
Text place(Text t, Side side, float edge);

struct Scale {
  Colormap colormap;
  float vmin = 0, vmax = 1;
};

// Whether cell (row, col) is drawn with the data's colour: not masked by the causal triangle, and
// neither its row nor its column is absent.
bool is_shown(const HeatmapData& data, int row, int col);

// The colour scale of what the heatmaps show (masked cells aside): options' vmin/vmax, else
// 0 .. max (diverging maps: -m .. m with m the largest magnitude). Throws attnviz::Error for NaN or
// infinite values.
Scale make_scale(const std::vector<const HeatmapData*>& shown, const FigureOptions& options,
                 const std::string& colormap);

// Cell size in whole pixels for a matrix of n rows/columns drawn in about target pixels.
int cell_size_for(int n, int target, int min_cell, int max_cell);

struct HeatmapParts {
  int cell = 10;
  bool x_labels = true, y_labels = true;
  std::string x_title, y_title, panel_title;
  CellValues values = CellValues::automatic;
  std::optional<float> x_label_angle;
};

// A heatmap with whatever of labels, ticks, axis titles and panel title parts asks for.
Block heatmap_block(const HeatmapData& data, const Scale& scale, const HeatmapParts& parts);

// "Key" under and "Query" left of whatever the block holds, centred on a width x height heatmap
// area at the origin.
void add_axis_titles(Block& b, const std::string& x_title, const std::string& y_title, float width,
                     float height);

// A vertical colorbar of the given height with ticks and a rotated label on its right.
Block colorbar_block(const Scale& scale, float height, const std::string& label);

// A hatched swatch with a note explaining the masked cells of the heatmaps shown (the causal
// triangle, tokens without a counterpart); empty when none has masked cells.
Block mask_legend_block(const std::vector<const HeatmapData*>& shown);

// Puts the figure title over [x0, x1) at the top, adds margins, moves everything onto a canvas
// that fits it (by whole pixels, so cells stay crisp).
Figure finish(Block body, const std::string& title, float title_x0, float title_x1);

void validate(const HeatmapData& data, const char* what);

// The matrix in block x block tiles (the last ones smaller), each the largest value of its tile or
// the mean of its cells.
std::vector<float> pool(const MatrixView& m, int block, Pooling pooling);

}  // namespace attnviz::render_detail
