// The fast tokenizer.json reader (src/tokenize/tokenizer_json.cpp) reads what it accepts exactly as
// nlohmann does, and gives up (nullopt: the caller falls back to nlohmann) on anything else.
#include "tokenizer_json.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

namespace attnviz::tokenize {
namespace {

using nlohmann::json;

// What nlohmann makes of the model's vocab and merges, as the fast reader hands them over.
void expect_same_as_nlohmann(const std::string& text, const TokenizerJson& fast) {
  json full = json::parse(text);
  const json& model = full.at("model");
  if (fast.arrays.vocab) {
    const Vocab& vocab = *fast.arrays.vocab;
    ASSERT_EQ(vocab.size(), model.at("vocab").size());
    for (const auto& [token, id] : model.at("vocab").items()) {
      EXPECT_EQ(vocab.find(token), id.get<std::int32_t>()) << token;
      EXPECT_EQ(vocab.token(id.get<std::int32_t>()), token);
    }
  }
  if (fast.arrays.merges) {
    const MergeList& merges = *fast.arrays.merges;
    ASSERT_EQ(merges.size(), model.at("merges").size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
      const json& merge = model.at("merges")[i];
      const std::string joined =
          merge.is_array() ? merge[0].get<std::string>() + " " + merge[1].get<std::string>()
                           : merge.get<std::string>();
      EXPECT_EQ(std::string(merges[i].first) + " " + std::string(merges[i].second), joined) << i;
    }
  }
  // The rest of the document is nlohmann's own.
  if (fast.arrays.vocab) full["model"].erase("vocab");
  if (fast.arrays.merges) full["model"].erase("merges");
  EXPECT_EQ(fast.document, full);
}

std::string bpe_with(const std::string& vocab, const std::string& merges) {
  return R"({"version": "1.0", "added_tokens": [{"id": 0, "content": "<s>"}], "model": {"type": "BPE",
           "vocab": )" +
         vocab + R"(, "merges": )" + merges + R"(, "dropout": null}, "decoder": null})";
}

TEST(TokenizerJson, ReadsEscapesAndUnicodeAsNlohmann) {
  const std::string texts[] = {
      bpe_with(R"({"a": 0, "b": 1, "ab": 2})", R"(["a b"])"),
      bpe_with(R"({"a": 0, "b": 1, "ab": 2})", R"([["a", "b"]])"),
      // Escapes of every kind, a surrogate pair, a literal multi-byte character, \u0000.
      bpe_with(R"({"\"q\\": 0, "\/\b\f\n\r\t": 1, "\u00e9\u0120": 2, "\ud83d\ude00": 3, "日本": 4,
                  "\u0000": 5, "": 6})",
               R"(["\"q\\ \u00e9\u0120", ["\ud83d\ude00", "日本"], "a b c"])"),
      bpe_with("{}", "[]"),
      bpe_with(R"({"a": 16777215})", "[]"),
  };
  for (const std::string& text : texts) {
    const auto fast = read_tokenizer_json(text);
    ASSERT_TRUE(fast.has_value()) << text;
    expect_same_as_nlohmann(text, *fast);
  }
}

// Anything unusual is left to nlohmann: invalid JSON (which it rejects with the message attnviz
// reports), and valid JSON this reader does not take (duplicates, ids that are not plain ids).
TEST(TokenizerJson, GivesUpOnAnythingUnusual) {
  const std::string texts[] = {
      bpe_with(R"({"a": 0, "a": 1})", "[]"),  // a token twice: nlohmann keeps the last
      bpe_with(R"({"a": 0, "b": 0})", "[]"),  // an id twice
      bpe_with(R"({"a": 1.0})", "[]"),        // not an integer
      bpe_with(R"({"a": -1})", "[]"),         //
      bpe_with(R"({"a": 1e2})", "[]"),        //
      bpe_with(R"({"a": 16777216})", "[]"),   // kIdLimit
      bpe_with(R"({"a": 99999999999999999999})", "[]"),
      bpe_with(R"({"a": "0"})", "[]"),
      bpe_with(R"({"a": 0})", R"(["ab"])"),  // a merge without a space
      bpe_with(R"({"a": 0})", R"([["a", "b", "c"]])"),
      bpe_with(R"({"a": 0})", R"([1])"),
      bpe_with(R"({"\ud83d": 0})", "[]"),                      // a lone surrogate
      bpe_with(R"({"\ude00": 0})", "[]"),                      //
      bpe_with(R"({"\x": 0})", "[]"),                          // no such escape
      bpe_with("{\"\xC3\": 0}", "[]"),                         // not UTF-8
      bpe_with("{\"\xED\xA0\x80\": 0}", "[]"),                 // a surrogate in UTF-8
      bpe_with("{\"\xC0\xAF\": 0}", "[]"),                     // an overlong form
      bpe_with("{\"a\tb\": 0}", "[]"),                         // a control character
      bpe_with(R"({"a": 0,})", "[]"),                          // a trailing comma
      bpe_with(R"({"a": 0})", "[]") + " x",                    // text after the document
      bpe_with(R"({"a": 0})", "[]").substr(0, 60),             // cut short
      R"({"model": {"type": "Unigram", "vocab": {"a": 0}}})",  // Unigram's vocabulary is a list
      R"({"model": {"vocab": {}, "vocab": {}}})",
      R"({"model": {}, "model": {}})",
      "\xEF\xBB\xBF" + bpe_with("{}", "[]"),  // a byte-order mark, which nlohmann skips
      R"({"a": )" + std::string(1000, '[') + std::string(1000, ']') + "}",  // deeper than it reads
  };
  for (const std::string& text : texts) EXPECT_FALSE(read_tokenizer_json(text).has_value()) << text;
}

// A real file, read both ways: GPT-2's 50,000 merges as strings, Qwen3's as pairs.
TEST(TokenizerJson, SharedFilesReadAsNlohmannReadsThem) {
  for (const char* name : {"gpt2", "qwen3"}) {
    const auto path =
        std::filesystem::path(ATTNVIZ_SHARED_DIR) / "tokenizers" / name / "tokenizer.json";
    ASSERT_TRUE(std::filesystem::exists(path)) << path << " is missing";
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    const auto fast = read_tokenizer_json(text);
    ASSERT_TRUE(fast.has_value()) << name;
    ASSERT_TRUE(fast->arrays.vocab && fast->arrays.merges) << name;
    expect_same_as_nlohmann(text, *fast);
  }
}

TEST(TokenizerJson, VocabJson) {
  const auto vocab = read_vocab_json(R"({"a": 0, "\u0120b": 1})");
  ASSERT_TRUE(vocab.has_value());
  EXPECT_EQ(vocab->find("\xC4\xA0"
                        "b"),
            1);
  EXPECT_FALSE(read_vocab_json(R"({"a": 0, "a": 1})").has_value());
  EXPECT_FALSE(read_vocab_json(R"([])").has_value());
}

}  // namespace
}  // namespace attnviz::tokenize
