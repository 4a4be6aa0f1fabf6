// A SentencePiece model (ALBERT-style, trained by
// scripts/tokenizer_reference/make_sentencepiece_fixture.py) through libsentencepiece must give
// transformers' AlbertTokenizer ids and tokens on the whole corpus.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = fs::path(ATTNVIZ_TEST_DATA) / "tokenize";

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line)) rows.push_back(json::parse(line));
  return rows;
}

TEST(SentencePiece, MatchesTransformersAlbertTokenizer) {
  const auto tokenizer = attnviz::load_tokenizer(kData / "albert_like");
  const auto corpus = read_jsonl(kData / "corpus.jsonl");
  const auto reference = read_jsonl(kData / "reference_albert_like.jsonl");
  ASSERT_EQ(corpus.size(), reference.size());
  std::size_t failures = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const std::string a = corpus[i]["a"];
    const bool pair = corpus[i].contains("b");
    const std::string b = pair ? corpus[i]["b"].get<std::string>() : std::string();
    const auto enc = pair ? tokenizer->encode_pair(a, b) : tokenizer->encode(a);
    const auto ids = reference[i]["ids"].get<std::vector<std::int64_t>>();
    const auto type_ids = reference[i].value("type_ids", std::vector<std::int64_t>(ids.size(), 0));
    bool ok = enc.ids == ids &&
              enc.tokens == reference[i]["tokens"].get<std::vector<std::string>>() &&
              enc.type_ids == type_ids;
    for (std::size_t k = 0; ok && k < enc.size(); ++k) {
      const std::size_t size = enc.type_ids[k] == 1 ? b.size() : a.size();
      ok = enc.spans[k].begin <= enc.spans[k].end && enc.spans[k].end <= size &&
           !enc.display[k].empty();
    }
    if (!ok && ++failures <= 15) {
      ADD_FAILURE() << "corpus line " << i + 1 << " " << json(a).dump()
                    << (pair ? " + " + json(b).dump() : "") << ": got " << json(enc.tokens).dump()
                    << ", transformers " << reference[i]["tokens"].dump();
    }
  }
  EXPECT_EQ(failures, 0u) << failures << " of " << corpus.size()
                          << " strings differ from transformers";
}

TEST(SentencePiece, SpansAndDisplay) {
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
  for (const auto& d : enc.display)
    EXPECT_EQ(d.find("\xE2\x96\x81"), std::string::npos) << d;  // no "▁" shown
}

}  // namespace
