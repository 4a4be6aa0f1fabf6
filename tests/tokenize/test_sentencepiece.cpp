// A SentencePiece model (ALBERT-style, trained by
// scripts/tokenizer_reference/make_sentencepiece_fixture.py) through libsentencepiece must give
// transformers' AlbertTokenizer ids and tokens on the whole corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "attnviz/tokenizer.hpp"
#include "reference_compare.hpp"

namespace {

namespace fs = std::filesystem;
using attnviz::testing::count_differences;
using attnviz::testing::read_jsonl;

const fs::path kData = fs::path(ATTNVIZ_TEST_DATA) / "tokenize";

TEST(TokenizeSentencePiece, MatchesTransformersAlbertTokenizer) {
  const auto tokenizer = attnviz::load_tokenizer(kData / "albert_like");
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  const auto reference = read_jsonl(kData / "reference_albert_like.jsonl");
  ASSERT_EQ(corpus.size(), reference.size());
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from transformers";
}

// A DeBERTa-v3 directory as the Hub has one (spm.model and tokenizer_config.json, no
// tokenizer.json; made by scripts/tokenizer_reference/make_deberta_fixture.py) must give
// transformers' DebertaV2Tokenizer ids and tokens: case kept, [CLS] A [SEP] ([SEP] B [SEP]).
TEST(TokenizeSentencePiece, MatchesTransformersDebertaV2Tokenizer) {
  const auto tokenizer = attnviz::load_tokenizer(kData / "deberta_like");
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  const auto reference = read_jsonl(kData / "reference_deberta_like.jsonl.gz");
  ASSERT_EQ(corpus.size(), reference.size());
  const std::size_t failures = count_differences(*tokenizer, corpus, reference, corpus.size());
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from transformers";
}

TEST(TokenizeSentencePiece, SpansAndDisplay) {
  const auto tokenizer =
      attnviz::load_tokenizer(kData / "albert_like", attnviz::TokenizerFiles::sentencepiece);
  const auto enc = tokenizer->encode("Hello  world [MASK]");
  ASSERT_GE(enc.size(), 4u);
  EXPECT_EQ(enc.tokens.front(), "[CLS]");
  EXPECT_TRUE(enc.special.front());
  EXPECT_EQ(enc.tokens[enc.size() - 2], "[MASK]");
  EXPECT_EQ(enc.spans[enc.size() - 2].begin,
            12u);  // [MASK] swallows the space on its left (lstrip)
  EXPECT_EQ(enc.spans[enc.size() - 2].end, 19u);
  EXPECT_EQ(tokenizer->unknown_id(), std::optional<std::int64_t>(1));  // <unk>, as trained
  for (const auto& d : enc.display)
    EXPECT_EQ(d.find("\xE2\x96\x81"), std::string::npos) << d;  // no "▁" shown
}

}  // namespace
