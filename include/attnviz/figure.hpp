#pragma once

#include <array>
#include <string>
#include <variant>
#include <vector>

#include "attnviz/colormap.hpp"

namespace attnviz {

// A figure is a display list in pixel units (origin top left, y down). The raster back end
// (image.hpp) and the SVG back end (svg.hpp) both draw exactly this list, so PNG and SVG agree.

// An axis-aligned rectangle. The stroke lies inside the rectangle, so edges stay on whole pixels.
struct Rect {
  float x = 0, y = 0, w = 0, h = 0;
  Color fill{0, 0, 0, 0};  // alpha 0: no fill
  Color stroke{0, 0, 0, 0};
  float stroke_width = 0;
};

enum class Anchor { start, middle, end };
enum class FontWeight { regular, bold };

// One line of text in DejaVu Sans. (x, y) is the anchor point on the baseline; angle_deg turns the
// text counter-clockwise around it (90: reads bottom to top). Characters the font lacks and bytes
// that are not UTF-8 are drawn as a box (U+25A1).
struct Text {
  std::string text;
  float x = 0, y = 0;
  float size = 12;  // em size in pixels (the SVG font-size)
  Color color{0, 0, 0, 255};
  Anchor anchor = Anchor::start;
  float angle_deg = 0;
  FontWeight weight = FontWeight::regular;
  bool italic = false;
};

// A block of rows x cols equal cells, row-major colours; masked cells are drawn with a light grey
// hatch instead of their colour (keys a causal model cannot see).
struct Cells {
  float x = 0, y = 0;
  float cell_w = 1, cell_h = 1;
  int rows = 0, cols = 0;
  std::vector<Color> colors;
  std::vector<bool> masked;  // empty, or rows * cols
};

using Item = std::variant<Rect, Text, Cells>;

struct Figure {
  int width = 0, height = 0;
  Color background{255, 255, 255, 255};
  std::vector<Item> items;
};

// Pixel extents of a figure's items and of text as the embedded font measures it.
struct Box {
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
};
using Quad = std::array<std::array<float, 2>, 4>;

// Advance width of text in pixels (kerning included), as both back ends lay it out.
float text_width(const std::string& text, float size, FontWeight weight = FontWeight::regular);
// Height of a capital letter above the baseline, in pixels.
float cap_height(float size);
// The rotated rectangle text occupies: from its start to its end along the baseline, from the
// font's descent to its ascent. Corners in drawing order.
Quad text_quad(const Text& text);
Box bounds(const Item& item);

// The text as it will be drawn: valid UTF-8 with every character the font lacks (and every
// invalid byte or control character) replaced by U+25A1.
std::string drawable_text(const std::string& text);

// Hatch pattern of masked cells, shared by both back ends.
inline constexpr Color kMaskBackground{236, 236, 236, 255};
inline constexpr Color kMaskHatch{190, 190, 190, 255};
inline constexpr int kMaskHatchSpacing = 6;

}  // namespace attnviz
