// Text with stb_truetype from the DejaVu Sans faces compiled into the library (font_data.cpp).
// Glyph outlines are rotated and sheared in font units and then scan-converted by stb_truetype, so
// rotated and oblique text is as crisp as upright text.
#include "font.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "attnviz/error.hpp"

#define STBTT_STATIC
#define STB_TRUETYPE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb_truetype.h>
#pragma GCC diagnostic pop

namespace attnviz::render_detail {
extern const unsigned char font_regular[];
extern const std::size_t font_regular_size;
extern const unsigned char font_bold[];
extern const std::size_t font_bold_size;
}  // namespace attnviz::render_detail

namespace attnviz {
namespace render_detail {
namespace {

constexpr char32_t kBox = U'\u25A1';
constexpr float kObliqueShear = 0.2f;  // about 11 degrees, like DejaVu Sans Oblique

struct Face {
  stbtt_fontinfo info;
  int ascent = 0, descent = 0, cap = 0;
  float em_scale = 0;  // pixels per font unit at size 1
};

Face load_face(const unsigned char* data) {
  Face face;
  if (!stbtt_InitFont(&face.info, data, stbtt_GetFontOffsetForIndex(data, 0)))
    throw Error("the embedded DejaVu Sans font could not be read: rebuild attnviz");
  int gap = 0;
  stbtt_GetFontVMetrics(&face.info, &face.ascent, &face.descent, &gap);
  int x0, y0, x1;
  stbtt_GetCodepointBox(&face.info, 'H', &x0, &y0, &x1, &face.cap);
  face.em_scale = stbtt_ScaleForMappingEmToPixels(&face.info, 1.0f);
  return face;
}

const Face& face(FontWeight weight) {
  static const Face regular = load_face(font_regular);
  static const Face bold = load_face(font_bold);
  return weight == FontWeight::bold ? bold : regular;
}

// One glyph and the pen position of its origin along the baseline, in font units.
struct Placed {
  int glyph;
  float pen;
};

std::vector<Placed> layout(const std::u32string& text, const Face& f, float* total) {
  std::vector<Placed> out;
  out.reserve(text.size());
  float pen = 0;
  int previous = 0;
  for (char32_t c : text) {
    int g = stbtt_FindGlyphIndex(&f.info, static_cast<int>(c));
    if (previous) pen += static_cast<float>(stbtt_GetGlyphKernAdvance(&f.info, previous, g));
    out.push_back({g, pen});
    int advance = 0, bearing = 0;
    stbtt_GetGlyphHMetrics(&f.info, g, &advance, &bearing);
    pen += static_cast<float>(advance);
    previous = g;
  }
  *total = pen;
  return out;
}

// cos and sin of the text angle, exact for the right angles labels use.
std::array<float, 2> direction(float angle_deg) {
  if (angle_deg == 0) return {1, 0};
  if (angle_deg == 90) return {0, 1};
  if (angle_deg == -90) return {0, -1};
  if (angle_deg == 45 || angle_deg == -45) {
    float h = std::sqrt(0.5f);
    return {h, angle_deg > 0 ? h : -h};
  }
  double r = angle_deg * 3.14159265358979323846 / 180.0;
  return {static_cast<float>(std::cos(r)), static_cast<float>(std::sin(r))};
}

float anchor_shift(Anchor anchor, float width) {
  switch (anchor) {
    case Anchor::start:
      return 0;
    case Anchor::middle:
      return -width / 2;
    case Anchor::end:
      return -width;
  }
  return 0;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i, or returns kBox and
// skips one byte when the sequence is invalid (truncated, overlong, surrogate, above U+10FFFF).
char32_t next_codepoint(const std::string& s, std::size_t& i) {
  const unsigned char b0 = static_cast<unsigned char>(s[i]);
  const int extra = b0 < 0x80             ? 0
                    : (b0 & 0xE0) == 0xC0 ? 1
                    : (b0 & 0xF0) == 0xE0 ? 2
                    : (b0 & 0xF8) == 0xF0 ? 3
                                          : -1;
  if (extra == 0) return s[i++] & 0x7F;
  if (extra < 0 || i + extra >= s.size()) {
    ++i;
    return kBox;
  }
  char32_t c = b0 & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    const unsigned char b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return kBox;
    }
    c = (c << 6) | (b & 0x3F);
  }
  static const char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (c < kMin[extra] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    ++i;
    return kBox;
  }
  i += extra + 1;
  return c;
}

}  // namespace

std::u32string drawable_codepoints(const std::string& utf8) {
  const Face& f = face(FontWeight::regular);
  std::u32string out;
  for (std::size_t i = 0; i < utf8.size();) {
    char32_t c = next_codepoint(utf8, i);
    bool control = c < 0x20 || (c >= 0x7F && c < 0xA0);
    if (control || stbtt_FindGlyphIndex(&f.info, static_cast<int>(c)) == 0) c = kBox;
    out += c;
  }
  return out;
}

void draw_text(const Text& text, std::uint8_t* rgba, int width, int height) {
  const Face& f = face(text.weight);
  const float scale = f.em_scale * text.size;
  float total = 0;
  std::vector<Placed> glyphs = layout(drawable_codepoints(text.text), f, &total);
  const auto [c, s] = direction(text.angle_deg);
  const float shift = anchor_shift(text.anchor, total * scale) / scale;  // font units
  const float shear = text.italic ? kObliqueShear : 0.0f;

  std::vector<unsigned char> coverage;
  for (const Placed& p : glyphs) {
    stbtt_vertex* vertices = nullptr;
    int count = stbtt_GetGlyphShape(&f.info, p.glyph, &vertices);
    if (count <= 0) continue;
    // Rotate (counter-clockwise, y up) and shear the outline around the glyph origin, in font
    // units (glyph-local, so the values stay far inside the int16 range of stb's vertices).
    auto transform = [&](stbtt_vertex_type& vx, stbtt_vertex_type& vy) {
      const float x = static_cast<float>(vx) + shear * static_cast<float>(vy);
      const float y = static_cast<float>(vy);
      vx = static_cast<stbtt_vertex_type>(std::lround(x * c - y * s));
      vy = static_cast<stbtt_vertex_type>(std::lround(x * s + y * c));
    };
    // The glyph origin in pixels: along the rotated baseline from the anchor.
    const float along = (p.pen + shift) * scale;
    const float origin_x = text.x + along * c;
    const float origin_y = text.y - along * s;
    float min_x = 1e9f, min_y = 1e9f, max_x = -1e9f, max_y = -1e9f;
    auto extend = [&](stbtt_vertex_type vx, stbtt_vertex_type vy) {
      min_x = std::min(min_x, static_cast<float>(vx));
      max_x = std::max(max_x, static_cast<float>(vx));
      min_y = std::min(min_y, static_cast<float>(vy));
      max_y = std::max(max_y, static_cast<float>(vy));
    };
    for (int k = 0; k < count; ++k) {
      stbtt_vertex& v = vertices[k];
      transform(v.x, v.y);
      extend(v.x, v.y);
      if (v.type == STBTT_vcurve || v.type == STBTT_vcubic) {
        transform(v.cx, v.cy);
        extend(v.cx, v.cy);
      }
      if (v.type == STBTT_vcubic) {
        transform(v.cx1, v.cy1);
        extend(v.cx1, v.cy1);
      }
    }
    // Pixel box: x right, y down; the anchor is (text.x, text.y).
    const int x0 = static_cast<int>(std::floor(origin_x + min_x * scale)) - 1;
    const int x1 = static_cast<int>(std::ceil(origin_x + max_x * scale)) + 1;
    const int y0 = static_cast<int>(std::floor(origin_y - max_y * scale)) - 1;
    const int y1 = static_cast<int>(std::ceil(origin_y - min_y * scale)) + 1;
    stbtt__bitmap bitmap;
    bitmap.w = x1 - x0;
    bitmap.h = y1 - y0;
    bitmap.stride = bitmap.w;
    coverage.assign(static_cast<std::size_t>(bitmap.w) * bitmap.h, 0);
    bitmap.pixels = coverage.data();
    stbtt_Rasterize(&bitmap, 0.35f, vertices, count, scale, scale, origin_x, origin_y, x0, y0, 1,
                    nullptr);
    stbtt_FreeShape(&f.info, vertices);

    for (int j = 0; j < bitmap.h; ++j) {
      int y = y0 + j;
      if (y < 0 || y >= height) continue;
      for (int i = 0; i < bitmap.w; ++i) {
        int x = x0 + i;
        unsigned a = coverage[static_cast<std::size_t>(j) * bitmap.w + i];
        if (x < 0 || x >= width || a == 0) continue;
        a = a * text.color.a / 255;
        std::uint8_t* px = rgba + (static_cast<std::size_t>(y) * width + x) * 4;
        px[0] = static_cast<std::uint8_t>((text.color.r * a + px[0] * (255 - a) + 127) / 255);
        px[1] = static_cast<std::uint8_t>((text.color.g * a + px[1] * (255 - a) + 127) / 255);
        px[2] = static_cast<std::uint8_t>((text.color.b * a + px[2] * (255 - a) + 127) / 255);
        px[3] = static_cast<std::uint8_t>(a + px[3] * (255 - a) / 255);
      }
    }
  }
}

}  // namespace render_detail

float text_width(const std::string& text, float size, FontWeight weight) {
  const render_detail::Face& f = render_detail::face(weight);
  float total = 0;
  render_detail::layout(render_detail::drawable_codepoints(text), f, &total);
  return total * f.em_scale * size;
}

float cap_height(float size) {
  const render_detail::Face& f = render_detail::face(FontWeight::regular);
  return static_cast<float>(f.cap) * f.em_scale * size;
}

Quad text_quad(const Text& text) {
  const render_detail::Face& f = render_detail::face(text.weight);
  float w = text_width(text.text, text.size, text.weight);
  float x0 = render_detail::anchor_shift(text.anchor, w), x1 = x0 + w;
  float up = static_cast<float>(f.ascent) * f.em_scale * text.size;
  float down = static_cast<float>(-f.descent) * f.em_scale * text.size;
  const auto [c, s] = render_detail::direction(text.angle_deg);
  // Text space: x along the baseline, y up. Screen: y down.
  auto screen = [&](float x, float y) {
    return std::array<float, 2>{text.x + x * c - y * s, text.y - (x * s + y * c)};
  };
  return {screen(x0, -down), screen(x1, -down), screen(x1, up), screen(x0, up)};
}

std::string drawable_text(const std::string& text) {
  std::string out;
  for (char32_t c : render_detail::drawable_codepoints(text)) render_detail::append_utf8(out, c);
  return out;
}

}  // namespace attnviz
