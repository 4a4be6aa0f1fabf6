#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/encoding.hpp"

namespace attnviz::test {

// An encoding made by Hugging Face's tokenizers, with the text(s) it came from
// (tests/data/analysis/make_encodings.py).
struct HfEncoding {
  std::string model;
  std::string text;
  std::string text_pair;  // empty unless the encoding is of a sentence pair
  Encoding encoding;
};

inline std::vector<HfEncoding> load_hf_encodings(const std::string& name) {
  const std::string path = std::string(ATTNVIZ_TEST_DATA) + "/analysis/" + name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing fixture " << path;
  if (!in) return {};
  const auto doc = nlohmann::json::parse(in);
  std::vector<HfEncoding> out;
  for (const auto& c : doc) {
    HfEncoding x;
    x.model = c["model"];
    x.text = c["text"];
    if (!c["text_pair"].is_null()) x.text_pair = c["text_pair"];
    x.encoding.ids = c["ids"].get<std::vector<std::int64_t>>();
    x.encoding.type_ids = c["type_ids"].get<std::vector<std::int64_t>>();
    x.encoding.tokens = c["tokens"].get<std::vector<std::string>>();
    x.encoding.display = x.encoding.tokens;
    x.encoding.special = c["special"].get<std::vector<bool>>();
    for (const auto& s : c["spans"]) x.encoding.spans.push_back({s[0], s[1]});
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace attnviz::test
