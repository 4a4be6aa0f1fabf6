// `attnviz tokenize` prints what the tokenizer produced, as a table and as JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "commands.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kShared = fs::path(ATTNVIZ_SHARED_DIR) / "tokenizers";

// Runs `attnviz tokenize args...` through CLI11 and returns what it printed.
std::string run(std::vector<std::string> args) {
  CLI::App app("attnviz");
  attnviz::cli::add_tokenize_command(app);
  args.insert(args.begin(), "tokenize");
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  try {
    app.parse(args);
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return captured.str();
}

TEST(TokenizeCommand, JsonHasIdsTokensAndSpans) {
  ASSERT_TRUE(fs::exists(kShared)) << "real tokenizer files not found at " << kShared;
  const auto out = nlohmann::json::parse(
      run({"--model", (kShared / "bert-base-uncased").string(), "Hello world!", "--json"}));
  EXPECT_EQ(out["ids"], nlohmann::json({101, 7592, 2088, 999, 102}));
  EXPECT_EQ(out["tokens"][1], "hello");
  EXPECT_EQ(out["spans"][2], nlohmann::json({6, 11}));
  EXPECT_EQ(out["special"][0], true);
}

TEST(TokenizeCommand, TableForAPair) {
  ASSERT_TRUE(fs::exists(kShared)) << "real tokenizer files not found at " << kShared;
  const std::string out =
      run({"--model", (kShared / "gpt2").string(), "Hello world!", "--pair", "Bye"});
  EXPECT_NE(out.find("15496"), std::string::npos) << out;
  EXPECT_NE(out.find("Ġworld"), std::string::npos) << out;
  EXPECT_NE(out.find("[5, 11)"), std::string::npos)
      << out;                                           // " world" with its space, as HF gives it
  EXPECT_NE(out.find("·e"), std::string::npos) << out;  // "Bye" is "By" + "e"
  EXPECT_NE(out.find("5 tokens"), std::string::npos) << out;
}

TEST(TokenizeCommand, TextOfAFile) {
  ASSERT_TRUE(fs::exists(kShared)) << "real tokenizer files not found at " << kShared;
  const fs::path file = fs::temp_directory_path() / "attnviz_tokenize_text_of_a_file.txt";
  std::ofstream(file) << "Hello world!\n";
  const std::string model = (kShared / "bert-base-uncased").string();
  EXPECT_EQ(run({"--model", model, "@" + file.string(), "--json"}),
            run({"--model", model, "Hello world!", "--json"}));
  fs::remove(file);
  EXPECT_THROW(run({"--model", model, "@" + file.string()}), attnviz::Error);
}

TEST(TokenizeCommand, MissingModelIsAnError) {
  EXPECT_THROW(run({"--model", "/nonexistent/model", "text"}), attnviz::Error);
  EXPECT_THROW(run({"text"}), CLI::RequiredError);
}

}  // namespace
