// read_attention_file on files NumPy and safetensors wrote (scripts/make_render_fixtures.py):
// the values are transformers' own attentions, compared here with the reference JSON they came
// from.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "attnviz/attention_file.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ATTNVIZ_TEST_DATA;
const fs::path kFiles = kData / "render_files";

std::vector<float> reference_weights() {
  std::ifstream in(kData / "reference" / "gpt2-tiny.json");
  const auto reference = nlohmann::json::parse(in);
  return reference["cases"][0]["items"][0]["attentions"].get<std::vector<float>>();
}

TEST(AttentionFile, ReadsTransformersArrayWithItsTokens) {
  const AttentionFile file = read_attention_file(kFiles / "transformers.npy");
  const Attention& a = file.attention;
  EXPECT_EQ(a.layers, 2);
  EXPECT_EQ(a.heads, 4);
  EXPECT_EQ(a.n, 13);
  EXPECT_EQ(a.weights, reference_weights());
  EXPECT_EQ(a.tokens.front(), "The");
  EXPECT_EQ(a.special, std::vector<bool>(13, false));
  EXPECT_TRUE(a.causal);  // inferred: zero above the diagonal everywhere
  EXPECT_EQ(file.model, "gpt2-tiny");
  EXPECT_TRUE(file.encoding.ids.empty());  // no text and spans: --focus matches tokens
}

TEST(AttentionFile, BigEndianFortranOrderIsTheSameArray) {
  EXPECT_EQ(read_attention_file(kFiles / "big_endian_fortran.npy").attention.weights,
            reference_weights());
}

TEST(AttentionFile, Float16IsWithinItsPrecision) {
  const auto expected = reference_weights();
  const auto weights = read_attention_file(kFiles / "float16.npy").attention.weights;
  ASSERT_EQ(weights.size(), expected.size());
  for (std::size_t i = 0; i < weights.size(); ++i) EXPECT_NEAR(weights[i], expected[i], 5e-4);
}

TEST(AttentionFile, NpzAndSafetensorsOfFewerAxes) {
  const auto expected = reference_weights();
  const std::size_t matrix = 13 * 13;
  const Attention layer = read_attention_file(kFiles / "layer2.npz").attention;
  EXPECT_EQ(layer.layers, 1);
  EXPECT_EQ(layer.heads, 4);
  EXPECT_EQ(layer.weights, std::vector<float>(expected.begin() + 4 * matrix, expected.end()));
  const Attention head = read_attention_file(kFiles / "layer2_head3.safetensors").attention;
  EXPECT_EQ(head.layers, 1);
  EXPECT_EQ(head.heads, 1);
  EXPECT_EQ(head.weights,
            std::vector<float>(expected.begin() + 6 * matrix, expected.begin() + 7 * matrix));
}

TEST(AttentionFile, NoCheckKeepsNegativeValues) {
  AttentionFileOptions options;
  options.check = false;
  const AttentionFile file = read_attention_file(kFiles / "differences.npy", options);
  EXPECT_TRUE(file.negative);
  EXPECT_FALSE(file.attention.causal);
}

TEST(AttentionFile, TokensFromAPlainList) {
  AttentionFileOptions options;
  options.tokens = kFiles / "tokens.json";
  const AttentionFile file = read_attention_file(kFiles / "transformers.npy", options);
  EXPECT_EQ(file.attention.tokens.size(), 13u);
  EXPECT_EQ(file.model, "transformers");  // the list names no model: the file's stem
}

std::string error_of(const std::string& name, AttentionFileOptions options = {}) {
  try {
    read_attention_file(kFiles / name, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AttentionFile, BadFilesSayWhatIsWrong) {
  EXPECT_NE(error_of("scores.npy").find("layer 1, head 1, row 1 sums to 2.000000, not 1"),
            std::string::npos);
  EXPECT_NE(error_of("differences.npy").find("column 2 is negative"), std::string::npos);
  EXPECT_NE(error_of("nan.npy").find("layer 2, head 4, row 5, column 3 holds NaN"),
            std::string::npos);
  EXPECT_NE(error_of("rank5.npy").find("[1, 2, 4, 13, 13]"), std::string::npos);
  EXPECT_NE(error_of("not_square.npy").find("must be equal"), std::string::npos);
  EXPECT_NE(error_of("integers.npy").find("'<i4'"), std::string::npos);
  EXPECT_NE(error_of("truncated.npy").find("truncated"), std::string::npos);
  EXPECT_NE(error_of("two_arrays.npz").find("holds 2 arrays"), std::string::npos);
  AttentionFileOptions short_tokens;
  short_tokens.tokens = kFiles / "short_tokens.json";
  EXPECT_NE(error_of("transformers.npy", short_tokens).find("has 12 tokens but"),
            std::string::npos);
}

// Every prefix length class of every good file is an Error, never a crash or a huge allocation
// (run under ASan by scripts/run_sanitized_tests.sh's build).
TEST(AttentionFile, CutFilesAreErrors) {
  const fs::path dir = fs::temp_directory_path() / ("attnviz-cut-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const std::string name : {"transformers.npy", "float16.npy", "layer2.npz", "two_arrays.npz",
                                 "layer2_head3.safetensors"}) {
    std::ifstream in(kFiles / name, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const fs::path cut = dir / ("cut" + fs::path(name).extension().string());
    fs::copy_file(kFiles / "transformers.json", fs::path(cut).replace_extension(".json"),
                  fs::copy_options::overwrite_existing);
    for (std::size_t length = 0; length < bytes.size(); length += 1 + length / 8) {
      std::ofstream(cut, std::ios::binary)
          .write(bytes.data(), static_cast<std::streamsize>(length));
      EXPECT_THROW(read_attention_file(cut), Error) << name << " cut to " << length << " bytes";
    }
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace attnviz
