// Commands that run no model never load libtorch: the dynamic loader's own log (LD_DEBUG=files)
// names every library it maps. A command that runs a model does map it (the check can fail).
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ATTNVIZ_TEST_DATA;
const std::string kBert = (kData / "models" / "bert-tiny").string();

class NoTorch : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    setenv("LD_DEBUG", "files", 1);  // inherited by the attnviz run_cli starts
  }
  void TearDown() override {
    unsetenv("LD_DEBUG");
    fs::remove_all(dir_);
  }
  // Whether the run mapped libtorch; the command's exit status must be `status`.
  bool maps_torch(const std::vector<std::string>& args, int status = 0) {
    const auto result = test::run_cli(args, dir_);
    EXPECT_EQ(result.exit_code, status) << result.err.substr(result.err.size() - 500);
    EXPECT_NE(result.err.find("file=libc.so.6"), std::string::npos) << "no loader log";
    return result.err.find("libtorch") != std::string::npos;
  }
  fs::path dir_;
};

TEST_F(NoTorch, CommandsThatRunNoModel) {
  EXPECT_FALSE(maps_torch({"--help"}));
  EXPECT_FALSE(maps_torch({"render", "--help"}));
  EXPECT_FALSE(maps_torch({"tokenize", "--model", kBert, "The cat sat."}));
  const std::string npy = (kData / "render_files" / "transformers.npy").string();
  EXPECT_FALSE(maps_torch({"render", npy, "--layer", "1", "--head", "1", "-o", "r.png"}));
  EXPECT_FALSE(maps_torch({"html", "--from", npy, "-o", "r.html"}));
  EXPECT_FALSE(maps_torch({"--no-such-option"}, 2));
  EXPECT_FALSE(maps_torch({"--model", (dir_ / "missing").string(), "The cat sat."}, 1));
}

TEST_F(NoTorch, CommandThatRunsAModelDoes) {
  EXPECT_TRUE(maps_torch({"--model", kBert, "--layer", "1", "--head", "1", "Hi.", "-o", "m.png"}));
}

}  // namespace
}  // namespace attnviz
