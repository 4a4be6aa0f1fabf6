#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"
#include "attnviz/model.hpp"

namespace attnviz::test {

// One batch of transformers' reference outputs (scripts/make_test_checkpoints.py).
struct ReferenceCase {
  std::string name;
  std::vector<Encoding> inputs;
  std::vector<std::vector<float>> attentions;  // per input: [layers][heads][n][n], real tokens only
};

struct Reference {
  int layers = 0;
  int heads = 0;
  std::vector<ReferenceCase> cases;
};

// Little-endian float32 values from base64 (the reference scripts' compact form).
std::vector<float> floats_from_base64(const std::string& text);

Reference read_reference(const std::filesystem::path& file);

// Largest |attnviz - transformers| over every layer, head, query and key of every case, each case
// run as one batch (so padded batches are padded the same way).
float max_difference(const Model& model, const Reference& reference,
                     const AttendOptions& options = {});

// A checkpoint's folder name as a GoogleTest parameter name: "llama-gqa" -> "llama_gqa".
struct CheckpointName {
  std::string operator()(const ::testing::TestParamInfo<std::string>& info) const {
    std::string name = info.param;
    for (auto& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return name;
  }
};

}  // namespace attnviz::test
