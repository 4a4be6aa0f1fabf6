#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "attnviz/error.hpp"
#include "attnviz/image.hpp"
#include "attnviz/output_file.hpp"
#include "font.hpp"

#include <zlib.h>

namespace {
// stb_image_write's own deflate is several times slower than zlib's and compresses worse; stb
// lets us plug zlib in. Level 3: the figures are mostly flat colour, where higher levels buy
// little size for much time (batch mode writes many PNGs).
unsigned char* zlib_compress(unsigned char* data, int length, int* out_length, int /*quality*/) {
  uLongf capacity = compressBound(static_cast<uLong>(length));
  auto* out = static_cast<unsigned char*>(std::malloc(capacity));
  if (out == nullptr || compress2(out, &capacity, data, static_cast<uLong>(length), 3) != Z_OK) {
    std::free(out);
    return nullptr;
  }
  *out_length = static_cast<int>(capacity);
  return out;
}
}  // namespace

#define STBIW_ZLIB_COMPRESS zlib_compress
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb_image_write.h>
#pragma GCC diagnostic pop

namespace attnviz {
namespace {

// Figure coordinates to pixel edges: a shape covers the pixels whose centres it covers.
int edge(float v) {
  return static_cast<int>(std::floor(v + 0.5f));
}

void blend(Image& image, int x, int y, Color c) {
  std::uint8_t* p = image.rgba.data() + (static_cast<std::size_t>(y) * image.width + x) * 4;
  if (c.a == 255) {
    p[0] = c.r, p[1] = c.g, p[2] = c.b, p[3] = 255;
    return;
  }
  const unsigned a = c.a;
  p[0] = static_cast<std::uint8_t>((c.r * a + p[0] * (255 - a) + 127) / 255);
  p[1] = static_cast<std::uint8_t>((c.g * a + p[1] * (255 - a) + 127) / 255);
  p[2] = static_cast<std::uint8_t>((c.b * a + p[2] * (255 - a) + 127) / 255);
  p[3] = static_cast<std::uint8_t>(a + p[3] * (255 - a) / 255);
}

// Fills pixels [x0, x1) x [y0, y1), clipped to the image.
void fill(Image& image, int x0, int y0, int x1, int y1, Color c) {
  if (c.a == 0) return;
  x0 = std::max(x0, 0), y0 = std::max(y0, 0);
  x1 = std::min(x1, image.width), y1 = std::min(y1, image.height);
  for (int y = y0; y < y1; ++y)
    for (int x = x0; x < x1; ++x) blend(image, x, y, c);
}

void draw(Image& image, const Rect& r) {
  const int x0 = edge(r.x), y0 = edge(r.y), x1 = edge(r.x + r.w), y1 = edge(r.y + r.h);
  const int sw = r.stroke.a ? std::max(0, edge(r.stroke_width)) : 0;
  fill(image, x0 + sw, y0 + sw, x1 - sw, y1 - sw, r.fill);
  if (sw == 0) return;
  fill(image, x0, y0, x1, y0 + sw, r.stroke);
  fill(image, x0, y1 - sw, x1, y1, r.stroke);
  fill(image, x0, y0 + sw, x0 + sw, y1 - sw, r.stroke);
  fill(image, x1 - sw, y0 + sw, x1, y1 - sw, r.stroke);
}

// hatch: pixel width of the mask's hatch lines (the figure's scale factor).
void draw(Image& image, const Cells& cells, int hatch) {
  for (int row = 0; row < cells.rows; ++row) {
    const int y0 = std::max(0, edge(cells.y + row * cells.cell_h));
    const int y1 = std::min(image.height, edge(cells.y + (row + 1) * cells.cell_h));
    for (int col = 0; col < cells.cols; ++col) {
      const std::size_t k = static_cast<std::size_t>(row) * cells.cols + col;
      const int x0 = std::max(0, edge(cells.x + col * cells.cell_w));
      const int x1 = std::min(image.width, edge(cells.x + (col + 1) * cells.cell_w));
      if (cells.masked.empty() || !cells.masked[k]) {
        fill(image, x0, y0, x1, y1, cells.colors[k]);
        continue;
      }
      // The hatch is anchored to the image, so it runs on unbroken across masked cells.
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x)
          blend(image, x, y,
                (x + y) % (kMaskHatchSpacing * hatch) < hatch ? kMaskHatch : kMaskBackground);
    }
  }
}

void write_to_vector(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

// The figure with every coordinate and size multiplied by s.
Figure scaled(const Figure& figure, int s) {
  Figure out = figure;
  const float f = static_cast<float>(s);
  out.width *= s;
  out.height *= s;
  for (Item& item : out.items) {
    if (auto* r = std::get_if<Rect>(&item)) {
      r->x *= f, r->y *= f, r->w *= f, r->h *= f, r->stroke_width *= f;
    } else if (auto* c = std::get_if<Cells>(&item)) {
      c->x *= f, c->y *= f, c->cell_w *= f, c->cell_h *= f;
    } else {
      auto& t = std::get<Text>(item);
      t.x *= f, t.y *= f, t.size *= f;
    }
  }
  return out;
}

}  // namespace

Image rasterize(const Figure& unscaled, int scale) {
  if (scale < 1 || scale > 4)
    throw Error("the PNG scale must be 1, 2, 3 or 4 (pixels per figure unit), not " +
                std::to_string(scale));
  Figure enlarged;
  if (scale != 1) enlarged = scaled(unscaled, scale);
  const Figure& figure = scale == 1 ? unscaled : enlarged;
  if (figure.width <= 0 || figure.height <= 0)
    throw Error("cannot draw a figure of size " + std::to_string(figure.width) + "x" +
                std::to_string(figure.height) + ": it has no area");
  // A figure this large is a layout mistake upstream, not something to allocate gigabytes for.
  constexpr long kMaxPixels = 16384L * 16384L;
  if (static_cast<long>(figure.width) * figure.height > kMaxPixels)
    throw Error("the figure would be " + std::to_string(figure.width) + "x" +
                std::to_string(figure.height) +
                " pixels, too large to draw; draw fewer layers, heads or tokens");
  Image image;
  image.width = figure.width;
  image.height = figure.height;
  image.rgba.resize(static_cast<std::size_t>(image.width) * image.height * 4);
  for (std::size_t i = 0; i < image.rgba.size(); i += 4) {
    image.rgba[i] = figure.background.r;
    image.rgba[i + 1] = figure.background.g;
    image.rgba[i + 2] = figure.background.b;
    image.rgba[i + 3] = figure.background.a;
  }
  for (const Item& item : figure.items) {
    if (const auto* r = std::get_if<Rect>(&item)) {
      draw(image, *r);
    } else if (const auto* c = std::get_if<Cells>(&item)) {
      draw(image, *c, scale);
    } else {
      render_detail::draw_text(std::get<Text>(item), image.rgba.data(), image.width, image.height);
    }
  }
  return image;
}

std::vector<std::uint8_t> encode_png(const Image& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.rgba.size() != static_cast<std::size_t>(image.width) * image.height * 4)
    throw Error("cannot encode an empty or inconsistent image as PNG");
  // No per-row filter search: with zlib doing the compressing, unfiltered rows of flat colour
  // compress as well at a fraction of the time. Set once, before any thread encodes.
  static const bool configured = [] {
    stbi_write_force_png_filter = 0;
    return true;
  }();
  (void)configured;
  // Opaque figures (all of ours) are written as RGB: a quarter fewer bytes to compress.
  bool opaque = true;
  for (std::size_t i = 3; i < image.rgba.size() && opaque; i += 4) opaque = image.rgba[i] == 255;
  std::vector<std::uint8_t> rgb;
  if (opaque) {
    rgb.resize(static_cast<std::size_t>(image.width) * image.height * 3);
    for (std::size_t i = 0, j = 0; i < image.rgba.size(); i += 4, j += 3) {
      rgb[j] = image.rgba[i];
      rgb[j + 1] = image.rgba[i + 1];
      rgb[j + 2] = image.rgba[i + 2];
    }
  }
  const int channels = opaque ? 3 : 4;
  std::vector<std::uint8_t> out;
  if (!stbi_write_png_to_func(write_to_vector, &out, image.width, image.height, channels,
                              opaque ? rgb.data() : image.rgba.data(), image.width * channels))
    throw Error("the PNG encoder failed for an image of " + std::to_string(image.width) + "x" +
                std::to_string(image.height) + " pixels");
  return out;
}

void write_png(const Image& image, const std::string& path) {
  const std::vector<std::uint8_t> bytes = encode_png(image);
  write_output_file(path, "PNG", {{reinterpret_cast<const char*>(bytes.data()), bytes.size()}});
}

}  // namespace attnviz
