// tokenizer_config.json settings that change behaviour (do_lower_case, add_prefix_space) on top of
// the real tokenizer files, against transformers' AutoTokenizer with the same files
// (scripts/tokenizer_reference/make_config_reference.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "attnviz/tokenizer.hpp"
#include "reference_compare.hpp"

namespace {

namespace fs = std::filesystem;
using attnviz::TokenizerFiles;
using attnviz::testing::count_differences;
using attnviz::testing::read_jsonl;
using attnviz::testing::TokenizerCase;
const fs::path& kShared = attnviz::testing::kSharedTokenizers;
const fs::path& kData = attnviz::testing::kTokenizeData;

// folder: a variant in tests/data/tokenize/config_variants.
class ConfigVariant : public ::testing::TestWithParam<TokenizerCase> {};

TEST_P(ConfigVariant, MatchesTransformers) {
  const TokenizerCase& v = GetParam();
  const fs::path variant = kData / "config_variants" / v.folder;
  std::string base;
  std::ifstream(variant / "base") >> base;
  attnviz::testing::require_shared(kShared / base);
  // The real files with the variant's tokenizer_config.json, in a directory of their own.
  const fs::path dir =
      fs::temp_directory_path() / (std::string("attnviz_config_") + v.folder + "_" + v.label);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& f : fs::directory_iterator(kShared / base)) {
    if (f.path().filename() != "tokenizer_config.json")
      fs::copy_file(f.path(), dir / f.path().filename());
  }
  fs::copy_file(variant / "tokenizer_config.json", dir / "tokenizer_config.json");
  const auto tokenizer = attnviz::load_tokenizer(dir, v.files);
  fs::remove_all(dir);
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  const auto reference =
      read_jsonl(kData / (std::string("reference_config_") + v.folder + ".jsonl"));
  ASSERT_GE(reference.size(), 500u);
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, reference.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << reference.size()
                          << " strings differ from transformers";
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, ConfigVariant,
    ::testing::Values(TokenizerCase{"bert_cased", TokenizerFiles::tokenizer_json, "Json"},
                      TokenizerCase{"bert_cased", TokenizerFiles::vocab_files, "VocabTxt"},
                      TokenizerCase{"gpt2_prefix_space", TokenizerFiles::tokenizer_json, "Json"},
                      TokenizerCase{"gpt2_prefix_space", TokenizerFiles::vocab_files,
                                    "VocabMerges"}),
    [](const auto& info) { return std::string(info.param.folder) + "_" + info.param.label; });

}  // namespace
