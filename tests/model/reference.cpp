#include "reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace attnviz::test {

std::vector<float> floats_from_base64(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned char> bytes;
  unsigned int buffer = 0;
  int bits = 0;
  for (const char c : text) {
    if (c == '=') break;
    const auto value = alphabet.find(c);
    if (value == std::string::npos) throw std::runtime_error("bad base64 in a reference file");
    buffer = (buffer << 6) | static_cast<unsigned int>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<unsigned char>((buffer >> bits) & 0xFF));
    }
  }
  std::vector<float> values(bytes.size() / sizeof(float));
  std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  return values;
}

Reference read_reference(const std::filesystem::path& file) {
  std::ifstream stream(file);
  if (!stream) throw std::runtime_error("missing reference file " + file.string());
  const auto json = nlohmann::json::parse(stream);
  Reference reference;
  reference.layers = json.at("layers").get<int>();
  reference.heads = json.at("heads").get<int>();
  for (const auto& item_case : json.at("cases")) {
    ReferenceCase reference_case;
    reference_case.name = item_case.at("name").get<std::string>();
    for (const auto& item : item_case.at("items")) {
      Encoding encoding;
      encoding.ids = item.at("ids").get<std::vector<std::int64_t>>();
      encoding.type_ids = item.at("type_ids").get<std::vector<std::int64_t>>();
      reference_case.inputs.push_back(encoding);
      reference_case.attentions.push_back(
          item.contains("attentions_f32")
              ? floats_from_base64(item.at("attentions_f32").get<std::string>())
              : item.at("attentions").get<std::vector<float>>());
    }
    reference.cases.push_back(std::move(reference_case));
  }
  return reference;
}

float max_difference(const Model& model, const Reference& reference, const AttendOptions& options) {
  float worst = 0;
  for (const auto& reference_case : reference.cases) {
    const auto outputs = model.attend(reference_case.inputs, options);
    EXPECT_EQ(outputs.size(), reference_case.inputs.size());
    for (std::size_t b = 0; b < outputs.size(); ++b) {
      const Attention& attention = outputs[b];
      EXPECT_EQ(attention.layers, reference.layers);
      EXPECT_EQ(attention.heads, reference.heads);
      EXPECT_EQ(attention.n, static_cast<int>(reference_case.inputs[b].ids.size()));
      const auto& expected = reference_case.attentions[b];
      EXPECT_EQ(attention.weights.size(), expected.size()) << reference_case.name;
      if (attention.weights.size() != expected.size()) return INFINITY;
      for (std::size_t i = 0; i < expected.size(); ++i) {
        worst = std::max(worst, std::abs(attention.weights[i] - expected[i]));
      }
    }
  }
  return worst;
}

}  // namespace attnviz::test
