#pragma once

#include <string>

#include "attnviz/figure.hpp"

namespace attnviz {

// The figure as a standalone SVG document: text stays text (font-family DejaVu Sans), cells become
// one path per colour, with runs of equal neighbouring cells merged.
std::string to_svg(const Figure& figure);
// Throws attnviz::Error naming the path when it cannot be written.
void write_svg(const Figure& figure, const std::string& path);

}  // namespace attnviz
