#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attnviz/figure.hpp"

namespace attnviz {

// An 8-bit RGBA raster, row-major, top row first.
struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgba;  // width * height * 4

  Color pixel(int x, int y) const {
    const std::uint8_t* p = rgba.data() + (static_cast<std::size_t>(y) * width + x) * 4;
    return {p[0], p[1], p[2], p[3]};
  }
};

// Draws the figure's display list at scale pixels per unit (1 to 4; 2 or 3 for print: text and
// cells are drawn at that resolution, not enlarged). Deterministic: the same figure gives the same
// pixels on every machine (the font is embedded, the arithmetic fixed).
Image rasterize(const Figure& figure, int scale = 1);

// PNG file bytes (stb_image_write). Throws attnviz::Error for an empty image.
std::vector<std::uint8_t> encode_png(const Image& image);
// Throws attnviz::Error naming the path when it cannot be written.
void write_png(const Image& image, const std::string& path);

}  // namespace attnviz
