#pragma once

#include <cstddef>

// Files embedded at build time by embed_assets.cmake: the esbuild bundle, its stylesheet and DejaVu
// Sans.
namespace attnviz::web_assets {

extern const unsigned char bundle_js[];
extern const std::size_t bundle_js_size;
extern const unsigned char bundle_css[];
extern const std::size_t bundle_css_size;
extern const unsigned char font_ttf[];
extern const std::size_t font_ttf_size;
extern const char
    bundle_js_sha256[];  // hex SHA-256 of bundle_js, for the page's Content-Security-Policy

}  // namespace attnviz::web_assets
