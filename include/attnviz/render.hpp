#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/figure.hpp"

namespace attnviz {

// A read-only row-major matrix: row = query (attending from), column = key (attended to).
struct MatrixView {
  const float* values = nullptr;
  int rows = 0, cols = 0;
  float at(int row, int col) const { return values[static_cast<std::size_t>(row) * cols + col]; }
};

// The labels of one axis, as a person reads them; special marks template tokens ([CLS], [SEP]),
// drawn grey and oblique. absent marks positions the matrix has no token at (in a comparison, a
// token only the other sentence has): the cells of such a row or column are drawn masked, whatever
// the matrix holds there (align_heads writes NaN). special and absent may be empty (none).
struct AxisLabels {
  std::vector<std::string> text;
  std::vector<bool> special;
  std::vector<bool> absent = {};  // = {}: AxisLabels{text, special} needs no third field
};

// Everything one heatmap shows.
struct HeatmapData {
  MatrixView matrix;
  AxisLabels rows, cols;
  bool causal = false;  // cells above the diagonal are masked (hatched), not zero
  // A sliding window: keys this many positions or more before the query are masked too; 0 for none.
  int window = 0;
  int focus_row = -1;  // 0-based query row to outline, -1 for none
  // Rows and columns stand for positions from `first`, `block` positions each, as in Attention;
  // a block of cells pooled into one is stated under the heatmap.
  int first = 0;
  int block = 1;
  Pooling pooling = Pooling::max;

  bool masked(int row, int col) const {
    return block_masked(causal, window, first, block, row, col);
  }
};

// The data of an n x n matrix (one head, or a layer mean) over the tokens of attention.
HeatmapData heatmap_data(const Attention& attention, const float* matrix);

enum class CellValues { automatic, always, never };

struct FigureOptions {
  std::string title;  // e.g. "Layer 10, Head 5 · bert-base-uncased"; empty for none
  std::string x_title = "Key (Attended To)";
  std::string y_title = "Query (Attending From)";
  std::string colorbar_label = "Attention weight";
  std::string colormap = "viridis";
  // Colour scale; by default 0 .. the largest value shown (so zero is always the darkest colour).
  std::optional<float> vmin, vmax;
  // Values printed in cells: automatic prints them when the cells are large enough to read.
  CellValues values = CellValues::automatic;
  // Angle of the key labels in degrees (0, 45 or 90); unset picks 45 when it fits, else 90.
  std::optional<float> x_label_angle;
};

// One heatmap with token labels on both axes, axis titles, title and colorbar.
Figure heatmap_figure(const HeatmapData& data, const FigureOptions& options);

// Small multiples of n x n matrices that share the tokens and one colour scale: a layer's heads
// (panel_titles "Head 1"...) or every layer and head (row_titles "Layer 1"..., col_titles
// "Head 1"...). panels are row-major, grid_rows * grid_cols of them (nullptr leaves a gap).
struct GridData {
  std::vector<const float*> panels;
  int grid_rows = 0, grid_cols = 0;
  int n = 0;
  AxisLabels tokens;
  // Cross attention: the keys of each matrix and their labels (0: the keys are the n tokens).
  int columns = 0;
  AxisLabels key_tokens;
  int keys() const { return columns > 0 ? columns : n; }
  const AxisLabels& key_labels() const { return columns > 0 ? key_tokens : tokens; }
  bool causal = false;
  int first = 0, block = 1;  // as HeatmapData's
  Pooling pooling = Pooling::max;
  std::vector<int> panel_windows;         // empty, or one sliding window per panel (0 for none)
  std::vector<std::string> panel_titles;  // empty, or one per panel
  std::vector<std::string> row_titles;    // empty, or grid_rows
  std::vector<std::string> col_titles;    // empty, or grid_cols
};
Figure grid_figure(const GridData& data, const FigureOptions& options);

// Grids one above the other under their own headings, on one colour scale with one colorbar:
// the static model view of an encoder-decoder (encoder, decoder and cross attention).
struct GridSection {
  std::string title;  // e.g. "Encoder self-attention"
  GridData grid;
  std::string x_title = "Key (Attended To)";
  std::string y_title = "Query (Attending From)";
};
Figure sections_figure(const std::vector<GridSection>& sections, const FigureOptions& options);

// The heads of one layer (0-based) of attention in a near-square grid (12 heads: 3 rows of 4; empty
// slots are gaps). The caller adds panel_titles, one per slot ("Head 1"..., "" for gaps).
GridData layer_grid(const Attention& attention, int layer);
// Every layer (rows) and head (columns) of attention: a static model view. The caller adds
// row_titles ("Layer 1"...) and col_titles ("Head 1"...).
GridData model_grid(const Attention& attention);

// A heatmap with its own title, as one panel of a pair or comparison.
struct Panel {
  HeatmapData data;
  std::string title;
};

// Two heatmaps side by side (e.g. the two sentences of a Winograd pair) on one shared scale.
Figure pair_figure(const Panel& a, const Panel& b, const FigureOptions& options);

// A, B on one shared scale, and their difference (computed by the caller, e.g. A - B aligned by
// token) with the diverging map, symmetric around 0, and its own colorbar.
Figure compare_figure(const Panel& a, const Panel& b, const Panel& difference,
                      const FigureOptions& options);

// A small matrix of shares in [0, 1] (e.g. layers x heads of a batch summary): values printed in
// every cell, fixed 0..1 scale, upright column labels. Use options for titles ("Head", "Layer").
Figure score_matrix_figure(const HeatmapData& data, FigureOptions options);

// The head atlas (`attnviz heads`): a layers x heads grid, each cell in the colour of its category
// (a head's role), paler for a lower score, with the score printed (two decimals; none for NaN),
// and a legend of the category names (at most 11). category and score are layer-major. Layers and
// heads are labelled from 1. Use options for the title and the axis titles ("Head", "Layer").
struct HeadAtlasData {
  int layers = 0, heads = 0;
  std::vector<int> category;
  std::vector<float> score;
  std::vector<std::string> category_names;
};
Figure head_atlas_figure(const HeadAtlasData& data, const FigureOptions& options);

// Writes a PNG or an SVG, chosen by the extension of path (.png, .svg; any case). scale: PNG
// pixels per figure unit (1 to 4); an SVG is vector and ignores it.
void save_figure(const Figure& figure, const std::string& path, int scale = 1);

// A figure and the file it goes to.
struct FigureFile {
  Figure figure;
  std::string path;
};

// save_figure for each, on up to `threads` threads at once: drawing and encoding PNGs is most of a
// batch's time once the model has run. Every file is attempted; the first error is then rethrown.
void save_figures(const std::vector<FigureFile>& files, int threads);

}  // namespace attnviz
