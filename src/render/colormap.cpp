#include "attnviz/colormap.hpp"

#include <algorithm>
#include <cmath>

#include "attnviz/error.hpp"
#include "colormap_tables.hpp"

namespace attnviz {

Colormap Colormap::by_name(const std::string& name) {
  using namespace render_detail;
  if (name == "viridis") return Colormap(name, &table_viridis, false);
  if (name == "magma") return Colormap(name, &table_magma, false);
  if (name == "greys") return Colormap(name, &table_greys, false);
  if (name == "rdbu") return Colormap(name, &table_rdbu, true);
  std::string valid;
  for (const auto& n : names()) valid += (valid.empty() ? "" : ", ") + n;
  throw Error("unknown colormap '" + name + "': use one of " + valid);
}

std::vector<std::string> Colormap::names() {
  return {"viridis", "magma", "greys", "rdbu"};
}

int Colormap::index(float t) {
  if (!(t > 0.0f)) return 0;
  if (t >= 1.0f) return 255;
  return std::min(255, static_cast<int>(t * 256.0f));
}

std::array<float, 3> Colormap::rgb(int index) const {
  return (*table_)[index];
}

Color Colormap::color(int index) const {
  const auto& c = (*table_)[index];
  auto byte = [](float v) { return static_cast<std::uint8_t>(std::lround(v * 255.0f)); };
  return {byte(c[0]), byte(c[1]), byte(c[2]), 255};
}

}  // namespace attnviz
