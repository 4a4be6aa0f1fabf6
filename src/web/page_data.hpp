#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"

// The binary blocks of the HTML view and their text encodings. The layouts are read by
// src/web/src/data.ts.
namespace attnviz::web {

// One layer's weights: float32 row scales [head][row] (row maxima, little-endian), then uint8 codes
// per head, row by row, code = round(levels * w / row_max) with levels = 2^bits - 1; causal inputs
// keep only keys 0..row of each row. Linear codes send the many near-zero weights to 0; deflated,
// they came out 1.6 times smaller than square-root companded codes on the bench attentions.
std::vector<std::uint8_t> encode_weights(const Attention& attention, int layer, int levels);

// One layer's queries and keys: float32 scales [head][q, k][row] (max |v| of each vector), then
// int8 codes [head][q, k][row][dim], code = round(127 * v / scale).
std::vector<std::uint8_t> encode_vectors(const Attention& attention, int layer);

// zlib format (RFC 1950) at zlib's level 1 (fastest) to 9 (smallest).
std::vector<std::uint8_t> deflate_bytes(const std::vector<std::uint8_t>& bytes, int level = 6);
std::string base64(const std::uint8_t* data, std::size_t size);

// Serialised JSON safe inside <script>: '<', '>' and '&' become \u escapes, so "</script>" or
// "<!--" in a token cannot end or change the script element.
std::string json_for_script(const std::string& json);

}  // namespace attnviz::web
