#pragma once

// Golden-image comparison for the render tests: decoded pixels, not file bytes, so a different
// zlib or PNG encoder cannot fail a test while a changed pixel always does.

#include <cstdlib>
#include <string>

#include "attnviz/image.hpp"

#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace attnviz::test {

inline Image read_png(const std::string& path) {
  Image image;
  int channels = 0;
  unsigned char* pixels = stbi_load(path.c_str(), &image.width, &image.height, &channels, 4);
  if (pixels == nullptr) return {};
  image.rgba.assign(pixels, pixels + static_cast<std::size_t>(image.width) * image.height * 4);
  stbi_image_free(pixels);
  return image;
}

struct PixelDiff {
  bool same_size = false;
  long differing = 0;  // pixels with any channel different by more than the tolerance
  int first_x = -1, first_y = -1;
};

// Rendering is deterministic (embedded font, no FMA contraction, integer blending), so the
// tolerance is 0: any changed channel value counts.
inline PixelDiff compare_pixels(const Image& expected, const Image& actual, int tolerance = 0) {
  PixelDiff d;
  d.same_size = expected.width == actual.width && expected.height == actual.height &&
                expected.rgba.size() == actual.rgba.size();
  if (!d.same_size) return d;
  for (std::size_t i = 0; i < expected.rgba.size(); i += 4) {
    for (int c = 0; c < 4; ++c) {
      if (std::abs(expected.rgba[i + c] - actual.rgba[i + c]) > tolerance) {
        if (d.differing++ == 0) {
          const std::size_t p = i / 4;
          d.first_x = static_cast<int>(p % expected.width);
          d.first_y = static_cast<int>(p / expected.width);
        }
        break;
      }
    }
  }
  return d;
}

inline bool updating_goldens() {
  const char* v = std::getenv("ATTNVIZ_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace attnviz::test
