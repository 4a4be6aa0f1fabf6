// Dequantization of every type attnviz reads, bit for bit against gguf-py's NumPy reference
// (gguf.quants.dequantize) on random blocks: tests/data/gguf/dequantize.gguf holds one tensor per
// type, dequantize/<TYPE>.f32 what gguf-py made of it (scripts/make_gguf_fixtures.py).
#include "dequantize.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

const std::filesystem::path kData = std::filesystem::path(ATTNVIZ_TEST_DATA) / "gguf";

std::vector<std::uint32_t> reference_bits(const std::string& type) {
  std::ifstream stream(kData / "dequantize" / (type + ".f32"), std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
  std::vector<std::uint32_t> bits(bytes.size() / 4);
  std::memcpy(bits.data(), bytes.data(), bits.size() * 4);
  return bits;
}

class Dequantize : public ::testing::TestWithParam<std::string> {};

TEST_P(Dequantize, EqualsGgufPyBitForBit) {
  const GgufFile file(kData / "dequantize.gguf");
  const TensorInfo* info = file.tensor(GetParam());
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(type_name(static_cast<std::uint32_t>(info->type)), GetParam());
  ASSERT_TRUE(can_dequantize(info->type));
  std::vector<float> values(info->elements);
  dequantize_tensor(*info, file.path().string(), values.data());
  const auto expected = reference_bits(GetParam());
  ASSERT_EQ(values.size(), expected.size());
  std::size_t differ = 0, first = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    if (bits != expected[i] && differ++ == 0) first = i;
  }
  EXPECT_EQ(differ, 0u) << "first at " << first << ": " << values[first];
}

INSTANTIATE_TEST_SUITE_P(EveryType, Dequantize,
                         ::testing::Values("F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1",
                                           "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "IQ4_NL",
                                           "IQ4_XS"));

TEST(DequantizeErrors, AnUnsupportedTypeNamesItAndTheTensor) {
  TensorInfo info;
  info.name = "blk.0.attn_q.weight";
  info.type = TensorType::IQ2_XXS;
  info.dims = {256};
  info.elements = 256;
  std::vector<float> out(256);
  EXPECT_THAT([&] { dequantize_tensor(info, "model.gguf", out.data()); },
              ::testing::ThrowsMessage<Error>(::testing::AllOf(
                  ::testing::HasSubstr("model.gguf: tensor 'blk.0.attn_q.weight' has type IQ2_XXS"),
                  ::testing::HasSubstr("cannot dequantize"))));
  EXPECT_FALSE(can_dequantize(TensorType::Q8_K));
  EXPECT_FALSE(can_dequantize(TensorType::I32));
}

TEST(DequantizeErrors, HalfToFloatIsExact) {
  EXPECT_EQ(half_to_float(0x3C00), 1.0f);
  EXPECT_EQ(half_to_float(0xC000), -2.0f);
  EXPECT_EQ(half_to_float(0x0001), 5.960464477539063e-08f);  // the smallest subnormal
  EXPECT_EQ(half_to_float(0x7BFF), 65504.0f);
  EXPECT_TRUE(std::isinf(half_to_float(0x7C00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7E00)));
}

}  // namespace
}  // namespace attnviz::gguf
