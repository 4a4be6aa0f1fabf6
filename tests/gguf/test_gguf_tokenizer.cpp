// The tokenizer read from a GGUF file's own metadata (tokenizer.ggml.*) against Hugging Face's
// `tokenizers` on the model's Hub tokenizer.json: every string of tests/data/tokenize/corpus.jsonl
// and corpus_extra.jsonl must give the ids (and type ids, special flags, byte spans) of the
// references made from those files (scripts/tokenizer_reference/). One file per
// tokenizer.ggml.model and tokenizer.ggml.pre: vocabulary-only GGUFs that gguf-py writes from the
// Hub's files at test time (scripts/make_gguf_tokenizers.py, the ctest fixture
// GgufTokenizers.Write), and the real Gemma 3 270M GGUF (llama.cpp's own conversion, with
// SentencePiece's scores) that set-up fetches.
#include <gtest/gtest.h>

#include <filesystem>
#include <ostream>
#include <string>

#include "../tokenize/reference_compare.hpp"
#include "attnviz/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using attnviz::testing::count_differences;
using attnviz::testing::read_jsonl;
const fs::path& kData = attnviz::testing::kTokenizeData;

struct GgufCase {
  const char* label;
  fs::path file;
  const char* reference;  // reference_<this>.jsonl(.gz) and reference_extra_<this>.jsonl.gz
};

// gtest names a case by its label (not by the struct's bytes).
void PrintTo(const GgufCase& c, std::ostream* out) {
  *out << c.label;
}

fs::path reference_file(const std::string& name) {
  const fs::path plain = kData / ("reference_" + name + ".jsonl");
  return fs::exists(plain) ? plain : fs::path(plain.string() + ".gz");
}

class GgufTokenizer : public ::testing::TestWithParam<GgufCase> {};

TEST_P(GgufTokenizer, MatchesHuggingFaceOnBothCorpora) {
  const GgufCase& c = GetParam();
  ASSERT_TRUE(fs::exists(c.file)) << c.file << " is missing (set-up and the ctest fixture make it)";
  const auto tokenizer = attnviz::load_tokenizer(c.file, attnviz::TokenizerFiles::automatic);
  for (const std::string corpus_name : {"corpus", "corpus_extra"}) {
    const auto corpus = read_jsonl(kData / (corpus_name + ".jsonl"));
    const auto reference = read_jsonl(
        reference_file((corpus_name == "corpus" ? "" : "extra_") + std::string(c.reference)));
    ASSERT_EQ(corpus.size(), reference.size()) << corpus_name;
    const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
    EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size() << " strings of " << corpus_name
                            << " differ from Hugging Face";
  }
}

const fs::path kWritten = ATTNVIZ_GGUF_TOKENIZERS;

INSTANTIATE_TEST_SUITE_P(
    Gguf, GgufTokenizer,
    ::testing::Values(
        GgufCase{"Gpt2", kWritten / "gpt2.gguf", "gpt2"},
        GgufCase{"Llama3", kWritten / "llama3.gguf", "llama3"},
        GgufCase{"Qwen3", kWritten / "qwen3.gguf", "qwen3"},
        GgufCase{"Mistral7B", kWritten / "mistral-7b.gguf", "mistral-7b"},
        GgufCase{"BertBaseUncased", kWritten / "bert-base-uncased.gguf", "bert-base-uncased"},
        GgufCase{"T5UnigramRules", kWritten / "unigram_rules.gguf", "hf_unigram_rules"},
        GgufCase{"Gemma3RealFile",
                 fs::path(ATTNVIZ_SOURCE_ROOT) / "models" / "gemma3-270m-q4-k-m.gguf", "gemma3"}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
