#pragma once

#include <cstdint>
#include <string>

#include "attnviz/figure.hpp"

namespace attnviz::render_detail {

// Decodes UTF-8 into code points the embedded font can draw: invalid bytes, control characters
// and characters the font lacks each become U+25A1 (a box).
std::u32string drawable_codepoints(const std::string& utf8);

// Draws text antialiased into an RGBA8 buffer (row-major, width * height * 4), blending over what
// is there. Pixels outside the buffer are skipped.
void draw_text(const Text& text, std::uint8_t* rgba, int width, int height);

}  // namespace attnviz::render_detail
