// The help's first screen says what attnviz runs: every family of the model table, checked against
// the table itself (native_model_types(), which links libtorch), not against a copy of the list.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "attnviz/model.hpp"
#include "cli_runner.hpp"

namespace attnviz {
namespace {

// The help before its examples, with line breaks read as spaces.
std::string first_screen(const std::string& help) {
  std::string screen = help.substr(0, help.find("\nExamples:"));
  std::replace(screen.begin(), screen.end(), '\n', ' ');
  return screen;
}

TEST(CliHelp, FirstScreenNamesEveryFamilyOfTheTable) {
  const auto dir = test::fresh_dir("help");
  const auto result = test::run_cli({"--help"}, dir);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string screen = first_screen(result.out);
  EXPECT_LE(test::count_lines(result.out.substr(0, result.out.find("\nExamples:"))), 12)
      << "the families are not on the first screen:\n"
      << result.out;
  EXPECT_EQ(screen.find("BERT or GPT-2"), std::string::npos) << screen;
  const std::string lead = "Families (config.json's model_type): ";
  const auto list_start = screen.find(lead);
  ASSERT_NE(list_start, std::string::npos) << screen;
  const auto begin = list_start + lead.size();
  const std::string seq2seq_lead = "; encoder-decoders (a source and --target): ";
  const auto seq2seq_start = screen.find(seq2seq_lead, begin);
  ASSERT_NE(seq2seq_start, std::string::npos) << screen;
  const auto seq2seq_begin = seq2seq_start + seq2seq_lead.size();
  const auto names_in = [](const std::string& list) {
    std::set<std::string> named;
    for (std::size_t at = 0; at <= list.size();) {
      const auto comma = std::min(list.find(", ", at), list.size());
      named.insert(list.substr(at, comma - at));
      at = comma + 2;
    }
    return named;
  };
  const auto types = native_model_types();
  EXPECT_EQ(names_in(screen.substr(begin, seq2seq_start - begin)),
            std::set<std::string>(types.begin(), types.end()));
  const auto seq2seq_types = native_seq2seq_model_types();
  EXPECT_EQ(
      names_in(screen.substr(seq2seq_begin, screen.find(". ", seq2seq_begin) - seq2seq_begin)),
      std::set<std::string>(seq2seq_types.begin(), seq2seq_types.end()));
  EXPECT_NE(screen.find("README's table under \"Pointing it at a model\""), std::string::npos)
      << screen;
}

}  // namespace
}  // namespace attnviz
