#pragma once

// Reads the data of a page html_view wrote, as src/web/src/data.ts does: the meta JSON and the
// deflated, base64-encoded blocks (layouts in src/web/page_data.hpp).

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace attnviz::testing {

// The text of <script id="ID" ...>...</script>, or "" when absent.
inline std::string script_text(const std::string& page, const std::string& id) {
  const std::size_t at = page.find("<script id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const std::size_t begin = page.find('>', at) + 1;
  return page.substr(begin, page.find("</script>", begin) - begin);
}

inline std::vector<std::uint8_t> unbase64(const std::string& text) {
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(table, c);
    if (c == '=' || p == nullptr) break;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - table);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(acc >> bits));
    }
  }
  return out;
}

inline std::vector<std::uint8_t> inflate_block(const std::string& page, const std::string& id,
                                               std::size_t expected) {
  const std::vector<std::uint8_t> packed = unbase64(script_text(page, id));
  std::vector<std::uint8_t> out(expected + 16);
  uLongf size = out.size();
  EXPECT_EQ(uncompress(out.data(), &size, packed.data(), packed.size()), Z_OK) << id;
  out.resize(size);
  return out;
}

inline float f32_at(const std::vector<std::uint8_t>& bytes, std::size_t index) {
  std::uint32_t bits = 0;
  for (int i = 0; i < 4; ++i) bits |= static_cast<std::uint32_t>(bytes[index * 4 + i]) << (8 * i);
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

inline nlohmann::json meta_of(const std::string& page) {
  return nlohmann::json::parse(script_text(page, "attnviz-meta"));
}

// One layer of one input as the page stores it: per head, n rows of n weights (decoded codes;
// zero after the query of a causal input), and each row's scale, its maximum.
struct PageLayer {
  std::vector<float> weights;  // [head][query][key]
  std::vector<float> scales;   // [head][query]
};

inline PageLayer page_layer(const std::string& page, int input, int layer) {
  const nlohmann::json meta = meta_of(page);
  const nlohmann::json& in = meta.at("inputs").at(input);
  const double levels = meta.at("weight_levels").get<double>();
  const std::size_t heads = in.at("heads").get<std::size_t>();
  const std::size_t n = in.at("n").get<std::size_t>();
  const bool causal = in.at("causal").get<bool>();
  const std::size_t per_head = causal ? n * (n + 1) / 2 : n * n;
  const std::vector<std::uint8_t> bytes =
      inflate_block(page, "av-" + std::to_string(input) + "-w-" + std::to_string(layer),
                    heads * (n * 4 + per_head));
  PageLayer out;
  if (bytes.size() != heads * (n * 4 + per_head)) return out;
  out.weights.assign(heads * n * n, 0.0f);
  std::size_t code = heads * n * 4;
  for (std::size_t h = 0; h < heads; ++h) {
    for (std::size_t r = 0; r < n; ++r) {
      out.scales.push_back(f32_at(bytes, h * n + r));
      for (std::size_t c = 0; c < (causal ? r + 1 : n); ++c, ++code)
        out.weights[(h * n + r) * n + c] =
            static_cast<float>(out.scales.back() * bytes[code] / levels);
    }
  }
  return out;
}

}  // namespace attnviz::testing
