#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

// An 8-bit sRGB colour with alpha.
struct Color {
  std::uint8_t r = 0, g = 0, b = 0, a = 255;
  bool operator==(const Color& o) const { return r == o.r && g == o.g && b == o.b && a == o.a; }
  bool operator!=(const Color& o) const { return !(*this == o); }
};

// One of matplotlib's colormaps, sampled exactly as matplotlib samples a 256-entry ListedColormap:
// t in [0, 1] picks entry min(255, floor(t * 256)).
class Colormap {
 public:
  // "viridis", "magma", "greys" or "rdbu" (diverging blue-white-red, matplotlib's RdBu_r: for
  // differences, drawn symmetric around 0). Throws attnviz::Error naming the valid names otherwise.
  static Colormap by_name(const std::string& name);
  static std::vector<std::string> names();

  const std::string& name() const { return name_; }
  bool diverging() const { return diverging_; }

  // The table index for t (clamped to [0, 1]); NaN is not accepted by callers.
  static int index(float t);
  // matplotlib's float RGB entry, exactly as in matplotlib's tables.
  std::array<float, 3> rgb(int index) const;
  // The entry as 8-bit colour, rounded to nearest as matplotlib's Agg backend writes it.
  Color color(int index) const;
  Color at(float t) const { return color(index(t)); }

 private:
  Colormap(std::string name, const std::array<std::array<float, 3>, 256>* table, bool diverging)
      : name_(std::move(name)), table_(table), diverging_(diverging) {}
  std::string name_;
  const std::array<std::array<float, 3>, 256>* table_;
  bool diverging_;
};

}  // namespace attnviz
