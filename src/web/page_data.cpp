#include "page_data.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attnviz/error.hpp"

namespace attnviz::web {
namespace {

void put_f32(std::vector<std::uint8_t>& out, float v) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}

}  // namespace

std::vector<std::uint8_t> encode_weights(const Attention& a, int layer, int levels) {
  const std::size_t n = static_cast<std::size_t>(a.n);
  const std::size_t columns = static_cast<std::size_t>(a.columns());  // keys: n unless cross
  const std::size_t per_head = a.causal ? n * (n + 1) / 2 : n * columns;
  std::vector<std::uint8_t> out;
  out.reserve(a.heads * (n * 4 + per_head));
  for (int h = 0; h < a.heads; ++h) {
    const float* m = a.head(layer, h);
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t len = a.causal ? r + 1 : columns;
      put_f32(out, *std::max_element(m + r * columns, m + r * columns + len));
    }
  }
  for (int h = 0; h < a.heads; ++h) {
    const float* m = a.head(layer, h);
    for (std::size_t r = 0; r < n; ++r) {
      const std::size_t len = a.causal ? r + 1 : columns;
      const float* row = m + r * columns;
      const float scale = *std::max_element(row, row + len);
      for (std::size_t c = 0; c < len; ++c) {
        const float unit = scale > 0 ? std::max(0.0f, row[c]) / scale : 0.0f;
        out.push_back(static_cast<std::uint8_t>(std::lround(static_cast<float>(levels) * unit)));
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> encode_vectors(const Attention& a, int layer) {
  const std::size_t n = static_cast<std::size_t>(a.n);
  const std::size_t d = static_cast<std::size_t>(a.head_dim);
  std::vector<std::uint8_t> out;
  out.reserve(a.heads * 2 * n * (4 + d));
  auto vec = [&](int h, int which, std::size_t r) {
    const std::vector<float>& src = which == 0 ? a.queries : a.keys;
    return src.data() + ((static_cast<std::size_t>(layer) * a.heads + h) * n + r) * d;
  };
  auto scale_of = [&](const float* v) {
    float s = 0;
    for (std::size_t i = 0; i < d; ++i) s = std::max(s, std::fabs(v[i]));
    return s;
  };
  for (int h = 0; h < a.heads; ++h)
    for (int which = 0; which < 2; ++which)
      for (std::size_t r = 0; r < n; ++r) put_f32(out, scale_of(vec(h, which, r)));
  for (int h = 0; h < a.heads; ++h) {
    for (int which = 0; which < 2; ++which) {
      for (std::size_t r = 0; r < n; ++r) {
        const float* v = vec(h, which, r);
        const float s = scale_of(v);
        for (std::size_t i = 0; i < d; ++i) {
          const long code = s > 0 ? std::lround(127.0f * v[i] / s) : 0;
          out.push_back(static_cast<std::uint8_t>(static_cast<std::int8_t>(code)));
        }
      }
    }
  }
  return out;
}

std::vector<std::uint8_t> deflate_bytes(const std::vector<std::uint8_t>& bytes, int level) {
  uLongf size = compressBound(static_cast<uLong>(bytes.size()));
  std::vector<std::uint8_t> out(size);
  if (compress2(out.data(), &size, bytes.data(), static_cast<uLong>(bytes.size()), level) != Z_OK)
    throw Error("html view: zlib could not compress a " + std::to_string(bytes.size()) +
                "-byte weight block (out of memory?); try fewer tokens");
  out.resize(size);
  return out;
}

std::string base64(const std::uint8_t* data, std::size_t size) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const std::uint32_t v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i < size) {
    const std::uint32_t v = (data[i] << 16) | (i + 1 < size ? data[i + 1] << 8 : 0);
    out += table[v >> 18];
    out += table[(v >> 12) & 63];
    out += i + 1 < size ? table[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string json_for_script(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    // Outside strings JSON has no '<', '>' or '&', so replacing them everywhere only touches string
    // contents.
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

}  // namespace attnviz::web
