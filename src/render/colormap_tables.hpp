#pragma once

#include <array>

namespace attnviz::render_detail {

// A colormap as matplotlib stores it: 256 float RGB entries in [0, 1].
using ColorTable = std::array<std::array<float, 3>, 256>;

extern const ColorTable table_viridis;
extern const ColorTable table_magma;
extern const ColorTable table_greys;
extern const ColorTable table_rdbu;

}  // namespace attnviz::render_detail
