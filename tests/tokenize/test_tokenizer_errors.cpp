// Bad tokenizer files and bad text give attnviz::Error with a message that says what and where.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"

namespace {

namespace fs = std::filesystem;
using attnviz::TokenizerFiles;

const fs::path kShared = fs::path(ATTNVIZ_SHARED_DIR) / "tokenizers";

class TempDir {
 public:
  TempDir()
      : path_(fs::temp_directory_path() /
              ("attnviz_tok_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
               "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& content) const {
    std::ofstream(path_ / name, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

// Runs fn, expects attnviz::Error, and returns its message.
template <typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const attnviz::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected attnviz::Error";
  return "";
}

TEST(TokenizeErrors, MissingDirectory) {
  const std::string message = error_of([] { attnviz::load_tokenizer("/nonexistent/model"); });
  EXPECT_NE(message.find("/nonexistent/model"), std::string::npos) << message;
}

// Found by tests/fuzz: a fractional or negative id was undefined behaviour, a huge one a table of
// gigabytes. Each is an error naming the token and the id, before the table is built.
TEST(TokenizeErrors, VocabularyIdsThatCannotIndexATable) {
  for (const std::string id : {"-1", "0.5", "3.3e95", "2000000000", "18446744073709551615"}) {
    TempDir dir;
    dir.write("vocab.json", R"({"a": 0, "b": )" + id + "}");
    dir.write("merges.txt", "#version: 0.2\na b\n");
    const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
    EXPECT_NE(message.find("the token \"b\" the id"), std::string::npos) << id << ": " << message;
    EXPECT_NE(message.find("ids are whole numbers from 0 to 16777215"), std::string::npos)
        << message;
  }
}

// A number a double cannot hold escaped as nlohmann's out_of_range (found by fuzz_vocab_files).
TEST(TokenizeErrors, NumberOverflowInVocabJson) {
  TempDir dir;
  dir.write("vocab.json", R"({"a": 0, "b": 3E24444444444448})");
  dir.write("merges.txt", "#version: 0.2\na b\n");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("vocab.json is not valid JSON"), std::string::npos) << message;
}

TEST(TokenizeErrors, DirectoryWithoutTokenizerFiles) {
  TempDir dir;
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find(dir.path().string()), std::string::npos) << message;
}

TEST(TokenizeErrors, CorruptTokenizerJson) {
  TempDir dir;
  dir.write("tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

TEST(TokenizeErrors, WrongStructure) {
  TempDir dir;
  dir.write("tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": ["a", "b"]}})");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
}

// An unknown model type lists the known ones.
TEST(TokenizeErrors, UnsupportedModelType) {
  TempDir dir;
  dir.write("tokenizer.json", R"({"model": {"type": "Magic", "vocab": []}})");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("model type 'Magic'"), std::string::npos) << message;
  EXPECT_NE(message.find("known: WordPiece, BPE, Unigram, WordLevel"), std::string::npos)
      << message;
  EXPECT_NE(message.find((dir.path() / "tokenizer.json").string()), std::string::npos) << message;
}

// A tokenizer.json with `part` replaced; the rest is a small valid WordPiece tokenizer.
std::string tokenizer_json_with(const std::string& key, const std::string& part) {
  nlohmann::json doc = nlohmann::json::parse(
      R"({"normalizer": null, "pre_tokenizer": {"type": "WhitespaceSplit"},
          "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {"[UNK]": 0, "a": 1}},
          "post_processor": null, "decoder": null, "added_tokens": []})");
  doc[key] = nlohmann::json::parse(part);
  return doc.dump();
}

// A part of a tokenizer.json and what the error it gives must say.
struct BadPart {
  const char* key;
  const char* json;
  const char* expected;  // in the message
};

// Each part makes load_tokenizer fail with one line that says `expected` and names the file.
template <std::size_t N>
void expect_load_errors(const BadPart (&parts)[N]) {
  for (const BadPart& part : parts) {
    TempDir dir;
    dir.write("tokenizer.json", tokenizer_json_with(part.key, part.json));
    const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
    EXPECT_NE(message.find(part.expected), std::string::npos) << part.json << ": " << message;
    EXPECT_NE(message.find((dir.path() / "tokenizer.json").string()), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// Each part attnviz does not know (or cannot compile) is one line naming it and the file.
TEST(TokenizeErrors, UnknownPartsNameThemselvesAndTheFile) {
  const BadPart parts[] = {
      {"normalizer", R"({"type": "Magic"})", "normalizer type 'Magic'"},
      {"pre_tokenizer", R"({"type": "Sequence", "pretokenizers": [{"type": "Magic"}]})",
       "pre_tokenizer type 'Magic'"},
      {"pre_tokenizer",
       R"({"type": "Split", "pattern": {"Regex": "(\\p{L}+"}, "behavior": "Isolated"})",
       "does not compile"},
      {"pre_tokenizer", R"({"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Sideways"})",
       "split behavior 'Sideways'"},
      {"model", R"({"type": "Magic", "vocab": {}})", "model type 'Magic'"},
      {"post_processor", R"({"type": "Shuffle"})", "post_processor type 'Shuffle'"},
      // Found by fuzz_tokenizer_json (input kept in its corpus): a sequence other than A in the
      // single template read sequence B, which a single text does not have (a null reference).
      {"post_processor",
       R"({"type": "TemplateProcessing", "single": [{"Sequence": {"id": "Q"}}],
           "pair": [{"Sequence": {"id": "A"}}, {"Sequence": {"id": "B"}}], "special_tokens": {}})",
       "single template uses sequence 'Q'; it can use only A"},
      {"post_processor",
       R"({"type": "TemplateProcessing", "single": [{"Sequence": {"id": "B"}}],
           "pair": [{"Sequence": {"id": "A"}}, {"Sequence": {"id": "B"}}], "special_tokens": {}})",
       "single template uses sequence 'B'; it can use only A"},
      {"decoder", R"({"type": "CTC"})", "decoder type 'CTC'"},
      {"normalizer", R"({"type": "Replace", "pattern": {"Regex": "[a-"}, "content": ""})",
       "does not compile"}};
  expect_load_errors(parts);
}

// Found by fuzz_tokenizer_json (input kept in its corpus): a type_id of 4.4e105 was converted to
// int by a plain cast (undefined behaviour). Every id a post-processor or an added token gives is a
// whole number from 0 to 16777215, or one line saying which one is not.
TEST(TokenizeErrors, PostProcessorAndAddedTokenIdsThatAreNotIds) {
  const std::string pair = R"("pair": [{"Sequence": {"id": "A"}}, {"Sequence": {"id": "B"}}])";
  const std::string specials =
      R"("special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [1e40], "tokens": ["[CLS]"]}})";
  const std::string template_single =
      R"({"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 4.4e105}}], )" +
      pair + R"(, "special_tokens": {}})";
  const std::string special_single =
      R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "[CLS]"}}], )" + pair +
      ", " + specials + "}";
  const std::string special_type =
      R"({"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "A", "type_id": -1}}], )" +
      pair + R"(, "special_tokens": {"A": {"id": "A", "ids": [1], "tokens": ["a"]}}})";
  const BadPart parts[] = {
      {"post_processor", template_single.c_str(),
       "the post_processor's single template: type_id 4.4e+105 is not an id (a whole number "
       "from 0 to 16777215)"},
      {"post_processor", special_single.c_str(),
       "the post_processor's special token '[CLS]': id 1e+40 is not an id"},
      {"post_processor", special_type.c_str(),
       "the post_processor's single template: type_id -1 is not an id"},
      {"post_processor",
       R"({"type": "BertProcessing", "cls": ["[CLS]", 0.5], "sep": ["[SEP]", 2]})",
       "BertProcessing's cls id 0.5 is not an id"},
      {"post_processor",
       R"({"type": "RobertaProcessing", "cls": ["<s>", 0], "sep": ["</s>", 3000000000]})",
       "RobertaProcessing's sep id 3000000000 is not an id"},
      {"added_tokens", R"([{"id": 2.5, "content": "[X]"}])",
       "an added token's id 2.5 is not an id"}};
  expect_load_errors(parts);
}

// A tokenizer.json attnviz cannot read is an error, even where a SentencePiece model could be read.
TEST(TokenizeErrors, NoFallbackFromTokenizerJsonToSentencePiece) {
  TempDir dir;
  dir.write("tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  fs::copy_file(fs::path(ATTNVIZ_TEST_DATA) / "tokenize" / "albert_like" / "spiece.model",
                dir.path() / "spiece.model");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("tokenizer.json"), std::string::npos) << message;
  EXPECT_NE(message.find("Unigram"), std::string::npos) << message;
}

// Damaged Unigram models and Precompiled charsmaps (issue 12): one line naming the part and the
// file, when the file is read; what only shows while encoding is one line too, never a crash.
TEST(TokenizeErrors, DamagedUnigramModels) {
  const BadPart parts[] = {
      {"model", R"({"type": "Unigram", "unk_id": 0, "vocab": []})", "the vocabulary is empty"},
      {"model", R"({"type": "Unigram", "unk_id": null, "vocab": []})", "the vocabulary is empty"},
      {"model", R"({"type": "Unigram", "unk_id": 2, "vocab": [["<unk>", 0.0], ["a", -1.0]]})",
       "unk_id 2 is not the id of a piece (the vocabulary has 2)"},
      {"model", R"({"type": "Unigram", "unk_id": -1, "vocab": [["<unk>", 0.0]]})",
       "unk_id -1 is not an id"},
      {"model", R"({"type": "Unigram", "unk_id": 0.5, "vocab": [["<unk>", 0.0]]})",
       "unk_id 0.5 is not an id"},
      {"model", R"({"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", "high"]]})",
       "does not have the expected structure"},
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "AAA*"})",
       "precompiled_charsmap is not base64 (character 3)"},
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "AAAA=AAA"})",
       "precompiled_charsmap is not base64 (character 4)"},
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "AAA="})",
       "precompiled_charsmap is damaged (it has no trie size)"},
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "QAAAAAAAAAA="})",
       "its trie size (64 bytes) does not fit its 8 bytes"},
      // A trie of one unit, then replacement bytes that are not UTF-8.
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "BAAAAAAAAAD/"})",
       "its replacement strings are not UTF-8 (byte 0)"}};
  expect_load_errors(parts);
}

TEST(TokenizeErrors, DamagedUnigramModelsWhileEncoding) {
  const BadPart parts[] = {
      // No unk_id, and a character no piece covers.
      {"model", R"({"type": "Unigram", "unk_id": null, "vocab": [["a", -1.0]]})",
       "no piece covers the character at byte 1 of \"abc\""},
      // A trie whose root links past the end of the array.
      {"normalizer", R"({"type": "Precompiled", "precompiled_charsmap": "BAAAAAD8AAA="})",
       "a trie link points past its 1 units"},
      {"model", R"({"type": "WordLevel", "vocab": {"a": 0}, "unk_token": "[UNK]"})",
       "the word \"abc\" is not in the vocabulary, and neither is the unknown token '[UNK]'"}};
  for (const BadPart& part : parts) {
    TempDir dir;
    dir.write("tokenizer.json", tokenizer_json_with(part.key, part.json));
    const auto tokenizer = attnviz::load_tokenizer(dir.path());
    const std::string message = error_of([&] { tokenizer->encode("abc"); });
    EXPECT_NE(message.find(part.expected), std::string::npos) << part.json << ": " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// Issue 14: a tokenizer.model that is not a SentencePiece model says what it is and what else is
// there.
TEST(TokenizeErrors, TokenizerModelThatIsNotSentencePiece) {
  TempDir dir;
  dir.write("tokenizer.model", R"({"model": {"type": "BPE"}})");
  dir.write("tokenizer_config.json", "{}");
  std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("tokenizer.model"), std::string::npos) << message;
  EXPECT_NE(message.find("it is JSON, not a SentencePiece model"), std::string::npos) << message;
  EXPECT_NE(
      message.find("other tokenizer files in " + dir.path().string() + ": tokenizer_config.json"),
      std::string::npos)
      << message;
  dir.write("tokenizer.model", "GGUF\x03\x00\x00\x00");
  fs::remove(dir.path() / "tokenizer_config.json");
  message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("it is a GGUF file"), std::string::npos) << message;
  EXPECT_NE(message.find("no other tokenizer files"), std::string::npos) << message;
}

TEST(TokenizeErrors, UnknownTokenMissingFromVocab) {
  TempDir dir;
  dir.write("vocab.txt", "[CLS]\n[SEP]\nhello\n");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("[UNK]"), std::string::npos) << message;
}

TEST(TokenizeErrors, MergesDoNotMatchVocab) {
  TempDir dir;
  dir.write("vocab.json", R"({"a": 0, "b": 1})");
  dir.write("merges.txt", "#version: 0.2\na b\n");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("merge 1"), std::string::npos) << message;
}

TEST(TokenizeErrors, MalformedMergesLine) {
  TempDir dir;
  dir.write("vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
  dir.write("merges.txt", "#version: 0.2\na b\nab\n");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("line 3"), std::string::npos) << message;
}

TEST(TokenizeErrors, CorruptSentencePieceModel) {
  TempDir dir;
  dir.write("spiece.model", "this is not a protobuf");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("spiece.model"), std::string::npos) << message;
}

// DebertaV2Tokenizer's split_by_punct, which attnviz's SentencePiece path does not do, is refused
// by name rather than ignored.
TEST(TokenizeErrors, DebertaSplitByPunctIsRefused) {
  TempDir dir;
  fs::copy_file(fs::path(ATTNVIZ_TEST_DATA) / "tokenize" / "albert_like" / "spiece.model",
                dir.path() / "spm.model");
  dir.write("tokenizer_config.json",
            R"({"tokenizer_class": "DebertaV2Tokenizer", "split_by_punct": true})");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("split_by_punct"), std::string::npos) << message;
}

TEST(TokenizeErrors, InvalidUtf8NamesTheByte) {
  ASSERT_TRUE(fs::exists(kShared)) << "real tokenizer files not found at " << kShared;
  for (const char* model : {"bert-base-uncased", "gpt2", "mistral-7b", "qwen3"}) {
    const auto tokenizer = attnviz::load_tokenizer(kShared / model);
    for (const std::string& bad : {std::string("ab\xff"), std::string("ab\xc3"),
                                   std::string("ab\xed\xa0\x80"), std::string("ab\xc0\xaf")}) {
      const std::string message = error_of([&] { tokenizer->encode(bad); });
      EXPECT_NE(message.find("byte offset 2"), std::string::npos) << message;
    }
    EXPECT_THROW(tokenizer->encode_pair("fine", "\x80"), attnviz::Error);
  }
}

}  // namespace
