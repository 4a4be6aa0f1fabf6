// Bad tokenizer files and bad text give attnviz::Error with a message that says what and where.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

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

TEST(TokenizeErrors, UnsupportedModelType) {
  TempDir dir;
  dir.write("tokenizer.json", R"({"model": {"type": "Unigram", "vocab": []}})");
  const std::string message = error_of([&] { attnviz::load_tokenizer(dir.path()); });
  EXPECT_NE(message.find("Unigram"), std::string::npos) << message;
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

TEST(TokenizeErrors, InvalidUtf8NamesTheByte) {
  if (!fs::exists(kShared)) GTEST_SKIP() << "real tokenizer files not found at " << kShared;
  for (const char* model : {"bert-base-uncased", "gpt2"}) {
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
