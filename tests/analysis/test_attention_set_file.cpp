// read_attention_set_file on the files NumPy wrote from transformers' BART attentions
// (scripts/make_encdec_attention_files.py), and write_attention_set_file's round trip.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "attnviz/attention_set_file.hpp"
#include "attnviz/error.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kFiles = fs::path(ATTNVIZ_TEST_DATA) / "render_files" / "encdec";

std::string error_of(const fs::path& path, const AttentionFileOptions& options = {}) {
  try {
    read_attention_set_file(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("attnviz_set_" + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir / name;
}

TEST(AttentionSetFile, ReadsTheThreePartsWithTheirTokens) {
  const AttentionSetFile file = read_attention_set_file(kFiles / "bart.npz");
  ASSERT_EQ(file.attentions.size(), 3u);
  const Attention& encoder = attention_part(file.attentions, "encoder");
  const Attention& decoder = attention_part(file.attentions, "decoder");
  const Attention& cross = attention_part(file.attentions, "cross");
  EXPECT_EQ(encoder.layers, 2);
  EXPECT_EQ(decoder.layers, 3);
  EXPECT_EQ(encoder.n, 12);
  EXPECT_EQ(decoder.n, 9);
  EXPECT_FALSE(encoder.cross());
  EXPECT_FALSE(encoder.causal);
  EXPECT_TRUE(decoder.causal);
  EXPECT_EQ(cross.n, 9);
  EXPECT_EQ(cross.columns(), 12);  // rows: the decoder's tokens; columns: the source's
  EXPECT_EQ(cross.tokens, decoder.tokens);
  EXPECT_EQ(cross.key_tokens, encoder.tokens);
  EXPECT_EQ(decoder.tokens.front(), "</s>");  // the decoder start token
  EXPECT_TRUE(decoder.special.front());
  EXPECT_EQ(file.source.ids.size(), 12u);
  EXPECT_EQ(file.target.ids.front(), 2);
  EXPECT_EQ(file.model, "bart-tiny");
  EXPECT_EQ(file.architecture, "BartForConditionalGeneration");
  // The decoder's masked future is 0 in transformers' own numbers.
  EXPECT_EQ(decoder.at(2, 3, 0, 1), 0.0f);
  EXPECT_GT(decoder.at(2, 3, 1, 0), 0.0f);
}

TEST(AttentionSetFile, RoundTripIsExact) {
  const AttentionSetFile file = read_attention_set_file(kFiles / "bart.npz");
  const fs::path out = scratch("again.npz");
  write_attention_set_file(out, file);
  const AttentionSetFile again = read_attention_set_file(out);
  ASSERT_EQ(again.attentions.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Attention &a = file.attentions[i].attention, &b = again.attentions[i].attention;
    EXPECT_EQ(again.attentions[i].name, file.attentions[i].name);
    EXPECT_EQ(b.weights, a.weights);
    EXPECT_EQ(b.tokens, a.tokens);
    EXPECT_EQ(b.special, a.special);
    EXPECT_EQ(b.key_tokens, a.key_tokens);
    EXPECT_EQ(b.causal, a.causal);
  }
  EXPECT_EQ(again.source.ids, file.source.ids);
  EXPECT_EQ(again.target.tokens, file.target.tokens);
  EXPECT_EQ(again.source.spans.back().end, file.source.spans.back().end);
  EXPECT_EQ(again.source_text, file.source_text);
  EXPECT_EQ(again.model, file.model);
  const auto meta = nlohmann::json::parse(std::ifstream(scratch("again.json")));
  EXPECT_EQ(meta["arrays"]["cross"]["shape"], nlohmann::json({3, 4, 9, 12}));
  fs::remove_all(out.parent_path());
}

TEST(AttentionSetFile, WritingMismatchedPartsIsAnError) {
  AttentionSetFile file = read_attention_set_file(kFiles / "bart.npz");
  AttentionSetFile missing = file;
  missing.attentions.pop_back();
  EXPECT_THROW(write_attention_set_file(scratch("x.npz"), missing), Error);
  Attention& cross = file.attentions[2].attention;
  cross.key_count -= 1;
  cross.key_tokens.pop_back();
  cross.key_special.pop_back();
  cross.weights.resize(static_cast<std::size_t>(cross.layers) * cross.heads * cross.n *
                       cross.key_count);
  try {
    write_attention_set_file(scratch("x.npz"), file);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cross [3, 4, 9, 11]"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(scratch("x.npz")));
  fs::remove_all(scratch("x").parent_path());
}

TEST(AttentionSetFile, BadFilesSayWhatIsWrong) {
  EXPECT_NE(error_of(kFiles / "missing_decoder.npz")
                .find("has no array 'decoder' (it holds encoder.npy, cross.npy)"),
            std::string::npos)
      << error_of(kFiles / "missing_decoder.npz");
  EXPECT_NE(error_of(kFiles / "cross_keys.npz").find("encoder's n tokens"), std::string::npos)
      << error_of(kFiles / "cross_keys.npz");
  EXPECT_NE(error_of(kFiles / "cross_layers.npz").find("decoder's layers and heads"),
            std::string::npos)
      << error_of(kFiles / "cross_layers.npz");
  EXPECT_NE(error_of(kFiles / "short_target.npz").find("has 8 target tokens but"),
            std::string::npos)
      << error_of(kFiles / "short_target.npz");
  EXPECT_NE(error_of(kFiles / "cross_scores.npz").find("cross: layer 1, head 1, row 1 sums to 2"),
            std::string::npos)
      << error_of(kFiles / "cross_scores.npz");
  AttentionFileOptions unchecked;
  unchecked.check = false;
  EXPECT_EQ(error_of(kFiles / "cross_scores.npz", unchecked), "no error");
  AttentionFileOptions elsewhere;
  elsewhere.tokens = kFiles / "none.json";
  EXPECT_NE(error_of(kFiles / "bart.npz", elsewhere).find("none.json"), std::string::npos);
}

TEST(AttentionSetFile, HoldsAttentionSetTellsTheFilesApart) {
  EXPECT_TRUE(holds_attention_set(kFiles / "bart.npz"));
  EXPECT_TRUE(holds_attention_set(kFiles / "missing_decoder.npz"));  // read: says what is missing
  const fs::path single = fs::path(ATTNVIZ_TEST_DATA) / "render_files";
  EXPECT_FALSE(holds_attention_set(single / "layer2.npz"));
  EXPECT_FALSE(holds_attention_set(single / "transformers.npy"));
  EXPECT_FALSE(holds_attention_set(kFiles / "nothing.npz"));
}

TEST(AttentionSetFile, AttentionPartListsTheNames) {
  const AttentionSetFile file = read_attention_set_file(kFiles / "bart.npz");
  try {
    attention_part(file.attentions, "self");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("encoder, decoder, cross"), std::string::npos);
  }
}

}  // namespace
}  // namespace attnviz
