// The GGUF reader on a file gguf-py wrote (tests/data/gguf/metadata.gguf,
// scripts/make_gguf_fixtures.py), checked against what gguf-py's own GGUFReader read back from it
// (metadata.json), and on damaged copies: each must be one attnviz::Error naming what is wrong,
// never a crash or a huge allocation.
#include "gguf_file.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

const std::filesystem::path kData = std::filesystem::path(ATTNVIZ_TEST_DATA) / "gguf";

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream stream(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(stream), std::istreambuf_iterator<char>()};
}

class Scratch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("attnviz_gguf_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    original_ = read_bytes(kData / "metadata.gguf");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& bytes) {
    const auto path = dir_ / "model.gguf";
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), bytes.size());
    return path;
  }
  // The error message opening `bytes` gives (fails the test where it opens).
  std::string error_of(const std::string& bytes) {
    try {
      GgufFile file(write(bytes));
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "the damaged file was read without an error";
    return {};
  }
  // Where the length-prefixed string `text` starts in the original file (its length field).
  std::size_t position_of(const std::string& text) const {
    std::string prefixed(8, '\0');
    const std::uint64_t length = text.size();
    std::memcpy(prefixed.data(), &length, 8);
    prefixed += text;
    const auto found = original_.find(prefixed);
    EXPECT_NE(found, std::string::npos) << text;
    return found;
  }
  static void put_u64(std::string& bytes, std::size_t at, std::uint64_t value) {
    std::memcpy(bytes.data() + at, &value, 8);
  }
  static void put_u32(std::string& bytes, std::size_t at, std::uint32_t value) {
    std::memcpy(bytes.data() + at, &value, 4);
  }

  std::filesystem::path dir_;
  std::string original_;
};

TEST(GgufFile, ReadsEveryValueTypeGgufPyWrote) {
  const GgufFile file(kData / "metadata.gguf");
  EXPECT_EQ(file.version(), 3u);
  EXPECT_EQ(file.alignment(), 64u);
  EXPECT_EQ(file.text("general.architecture"), "llama");
  EXPECT_EQ(file.text("general.name"), "attnviz metadata test");
  EXPECT_EQ(file.find("test.uint8")->type, ValueType::UINT8);
  EXPECT_EQ(file.integer("test.uint8"), 250);
  EXPECT_EQ(file.integer("test.int8"), -120);
  EXPECT_EQ(file.integer("test.uint16"), 65000);
  EXPECT_EQ(file.integer("test.int16"), -32000);
  EXPECT_EQ(file.integer("test.uint32"), 4'000'000'000LL);
  EXPECT_EQ(file.integer("test.int32"), -2'000'000'000LL);
  EXPECT_EQ(file.find("test.uint64")->unsigned_integer, 18'000'000'000'000'000'000ULL);
  EXPECT_EQ(file.integer("test.int64"), -9'000'000'000'000'000'000LL);
  EXPECT_EQ(file.number("test.float32"), 0.15625);
  EXPECT_EQ(file.number("test.float64"), -1.0e300);
  EXPECT_EQ(file.flag("test.bool"), true);
  EXPECT_EQ(file.text("test.string"), "Grüße, ▁world");
  EXPECT_THAT(file.find("test.array.int32")->integers, ::testing::ElementsAre(1, -2, 3));
  EXPECT_EQ(file.find("test.array.int32")->element_type, ValueType::INT32);
  EXPECT_THAT(file.find("test.array.float32")->numbers, ::testing::ElementsAre(0.5, -0.25));
  EXPECT_THAT(file.find("test.array.string")->texts, ::testing::ElementsAre("a", "", "ünï"));
  EXPECT_THAT(file.find("test.array.bool")->integers, ::testing::ElementsAre(1, 0));
  const Value* nested = file.find("test.array.array");
  ASSERT_EQ(nested->items.size(), 2u);
  EXPECT_THAT(nested->items[0].integers, ::testing::ElementsAre(1, 2));
  EXPECT_THAT(nested->items[1].integers, ::testing::ElementsAre(3));
  EXPECT_EQ(file.find("no.such.key"), nullptr);
  EXPECT_EQ(file.integer("no.such.key"), std::nullopt);
  EXPECT_THAT([&] { file.integer("test.string"); },
              ::testing::ThrowsMessage<Error>(::testing::HasSubstr("'test.string' is string")));
}

TEST(GgufFile, TensorsAreWhereGgufPySaysTheyAre) {
  const GgufFile file(kData / "metadata.gguf");
  std::ifstream stream(kData / "metadata.json");
  const auto listing = nlohmann::json::parse(stream);
  std::vector<std::string> keys;
  for (const auto& [key, value] : file.metadata()) keys.push_back(key);
  // gguf-py lists the header fields (GGUF.version, ...) among its fields; they are no metadata
  std::vector<std::string> expected_keys;
  for (const auto& key : listing["keys"])
    if (key.get<std::string>().rfind("GGUF.", 0) != 0) expected_keys.push_back(key);
  EXPECT_EQ(keys, expected_keys);
  ASSERT_EQ(file.tensors().size(), listing["tensors"].size());
  for (std::size_t i = 0; i < file.tensors().size(); ++i) {
    const TensorInfo& info = file.tensors()[i];
    const auto& expected = listing["tensors"][i];
    SCOPED_TRACE(info.name);
    EXPECT_EQ(info.name, expected["name"]);
    EXPECT_EQ(type_name(static_cast<std::uint32_t>(info.type)), expected["type"]);
    EXPECT_EQ(info.dims, expected["dims"].get<std::vector<std::uint64_t>>());
    EXPECT_EQ(static_cast<std::size_t>(info.data - file.mapping()->data()), expected["offset"]);
    EXPECT_EQ(info.bytes, expected["bytes"]);
    EXPECT_EQ(file.tensor(info.name), &info);
  }
  EXPECT_THAT(file.tensor("f16")->shape(), ::testing::ElementsAre(2, 5, 32));
  EXPECT_EQ(file.tensor("missing"), nullptr);
}

TEST_F(Scratch, ReadsVersion2) {
  std::string bytes = original_;
  put_u32(bytes, 4, 2);
  const GgufFile file(write(bytes));
  EXPECT_EQ(file.version(), 2u);
  EXPECT_EQ(file.tensors().size(), 4u);
}

TEST_F(Scratch, RefusesOtherVersionsAndFormats) {
  std::string bytes = original_;
  put_u32(bytes, 4, 1);
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("GGUF version 1; attnviz reads versions 2 and 3"));
  put_u32(bytes, 4, 0x03000000);
  EXPECT_THAT(error_of(bytes), ::testing::HasSubstr("big-endian"));
  EXPECT_THAT(error_of("PK\3\4 a zip file"), ::testing::HasSubstr("does not start with \"GGUF\""));
  EXPECT_THAT(error_of(""), ::testing::HasSubstr("not a GGUF file"));
}

// Every prefix of the file: the header's prefixes fail with an error; those that cut only data
// fail naming the tensor that lies outside.
TEST_F(Scratch, EveryTruncationIsOneError) {
  for (std::size_t size = 0; size < original_.size(); size += size < 1100 ? 3 : 61) {
    const std::string message = error_of(original_.substr(0, size));
    ASSERT_FALSE(message.empty()) << "prefix of " << size << " bytes";
  }
  EXPECT_THAT(error_of(original_.substr(0, 700)), ::testing::HasSubstr("the file ends inside"));
  EXPECT_THAT(error_of(original_.substr(0, original_.size() - 1)),
              ::testing::HasSubstr("tensor 'bf16' (BF16 [64, 1], 128 bytes at offset"));
}

TEST_F(Scratch, HugeCountsAndLengthsAreRefusedBeforeAnyAllocation) {
  std::string bytes = original_;
  put_u64(bytes, 8, 1ULL << 60);  // tensor count
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("the tensor count is 1152921504606846976, more than"));
  bytes = original_;
  put_u64(bytes, 16, ~0ULL);  // metadata count
  EXPECT_THAT(error_of(bytes), ::testing::HasSubstr("the metadata count is"));
  bytes = original_;
  put_u64(bytes, position_of("test.string") + 8 + 11 + 4, 1ULL << 62);  // the string value's length
  EXPECT_THAT(
      error_of(bytes),
      ::testing::HasSubstr("the value of 'test.string' declares 4611686018427387904 bytes"));
  bytes = original_;
  put_u64(bytes, position_of("test.array.string") + 8 + 17 + 8, 1ULL << 40);  // the array's length
  EXPECT_THAT(
      error_of(bytes),
      ::testing::HasSubstr("the length of 'test.array.string' is 1099511627776, more than"));
}

TEST_F(Scratch, DamagedTensorInfosNameTheTensor) {
  const std::size_t info = position_of("f16") + 8 + 3;  // n_dims, 3 dims, type, offset
  std::string bytes = original_;
  put_u32(bytes, info, 7);
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("tensor 'f16' has 7 dimensions; ggml has 1 to 4"));
  bytes = original_;
  put_u32(bytes, info + 4 + 24, 99);
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("tensor 'f16' has ggml type 99, which attnviz does not know"));
  bytes = original_;
  put_u64(bytes, info + 4, 31);  // a row of 31 F16 values is fine; a Q8_0 row of 31 is not
  const std::size_t q8 = position_of("q8_0") + 8 + 4;
  put_u64(bytes, q8 + 4, 31);
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr(
                  "tensor 'q8_0' has rows of 31 values, not a multiple of Q8_0's block of 32"));
  bytes = original_;
  put_u64(bytes, info + 4 + 24 + 4, 8);
  EXPECT_THAT(
      error_of(bytes),
      ::testing::HasSubstr("tensor 'f16' starts at offset 8, not a multiple of the alignment 64"));
  bytes = original_;
  put_u64(bytes, info + 4 + 24 + 4, 0);  // on top of tensor 'f32'
  EXPECT_THAT(error_of(bytes), ::testing::HasSubstr("tensors 'f32' and 'f16' overlap"));
  bytes = original_;
  put_u64(bytes, info + 4 + 16, 1ULL << 62);  // the third dimension
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("tensor 'f16' declares a shape too large to exist"));
  bytes = original_;
  put_u64(bytes, info + 4 + 24 + 4, 1ULL << 40);
  EXPECT_THAT(error_of(bytes), ::testing::HasSubstr("lies outside the data section"));
}

TEST_F(Scratch, BadAlignmentIsRefused) {
  std::string bytes = original_;
  put_u32(bytes, position_of("general.alignment") + 8 + 17 + 4, 48);
  EXPECT_THAT(error_of(bytes),
              ::testing::HasSubstr("general.alignment must be a uint32 power of two"));
}

// A small fuzz of its own, run on every test run (tests/fuzz/fuzz_gguf.cpp is the long one): random
// bytes changed anywhere in the header open cleanly or fail with an attnviz::Error.
TEST_F(Scratch, RandomDamageIsAnErrorOrAFile) {
  std::mt19937 random(26);
  const std::size_t header = 1024;  // the data section starts here (metadata.json)
  for (int round = 0; round < 600; ++round) {
    std::string bytes = original_;
    for (int k = 0; k < 1 + round % 4; ++k)
      bytes[random() % header] = static_cast<char>(random() % 256);
    try {
      GgufFile file(write(bytes));
      for (const auto& info : file.tensors()) {
        std::size_t sum = 0;
        for (std::size_t i = 0; i < info.bytes; ++i) sum += static_cast<std::size_t>(info.data[i]);
        (void)sum;
      }
    } catch (const Error&) {
    }
  }
}

}  // namespace
}  // namespace attnviz::gguf
