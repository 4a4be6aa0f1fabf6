// What the readers of saved attentions share (attention_file.cpp, attention_set_file.cpp): NumPy
// arrays in .npy and .npz files, and the check that each row is a distribution.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/attention_file.hpp"

namespace attnviz::array_file {

// One array as read from the file: its shape and its values in C (row-major) order.
struct Array {
  std::vector<std::int64_t> shape;
  std::vector<float> values;
  float sum_tolerance = 1e-3f;  // how far a row may sum from 1 given the stored precision
};

struct NpzMember {
  std::string name;   // as stored: "cross.npy"
  std::string bytes;  // the member's .npy file, inflated
};

std::string shape_text(const std::vector<std::int64_t>& shape);
std::string read_bytes(const std::filesystem::path& path);
// `where` names the file in errors.
Array parse_npy(const std::string& bytes, const std::string& where);
std::vector<NpzMember> npz_members(const std::string& zip, const std::string& where);

// Throws attnviz::Error at the first value that is not finite and, with options.check, at the
// first negative value or row (of unpooled cells) not summing to 1 within sum_tolerance (layer,
// head, row and column 1-based, after `where`). Returns whether some value is negative.
bool check_rows(const Attention& a, float sum_tolerance, const std::string& where,
                const AttentionFileOptions& options);

}  // namespace attnviz::array_file
