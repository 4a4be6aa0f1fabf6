// `attnviz render` and `attnviz html --from`: saved attentions drawn as the direct command draws
// them, files written by transformers itself, and one error line for each bad file.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "../render/golden.hpp"
#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ATTNVIZ_TEST_DATA;
const fs::path kFiles = kData / "render_files";
const std::string kTired = "The animal didn't cross the street because it was too tired.";
const std::string kWide = "The animal didn't cross the street because it was too wide.";

class Render : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  test::CliResult run(const std::vector<std::string>& args) { return test::run_cli(args, dir_); }
  void run_ok(const std::vector<std::string>& args) {
    const auto result = run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  // Dumps the sentence on the model to NAME.npy (and NAME.json).
  void dump(const std::string& model, const std::string& sentence, const std::string& name) {
    run_ok({"dump", "--model", (kData / "models" / model).string(), sentence, "-o", name + ".npy"});
  }
  void expect_same_pixels(const std::string& a, const std::string& b) {
    const Image image_a = test::read_png((dir_ / a).string());
    ASSERT_GT(image_a.width, 0) << a;
    const auto diff = test::compare_pixels(image_a, test::read_png((dir_ / b).string()));
    EXPECT_TRUE(diff.same_size) << a << " vs " << b;
    EXPECT_EQ(diff.differing, 0) << a << " vs " << b << ", first at " << diff.first_x << ","
                                 << diff.first_y;
  }
  fs::path dir_;
};

struct ViewCase {
  std::string model;
  std::vector<std::string> view;  // the options both commands get
};

TEST_F(Render, DumpThenRenderDrawsWhatTheDirectCommandDraws) {
  const std::vector<ViewCase> cases = {
      {"bert-tiny", {"--layer", "2", "--head", "3"}},
      {"bert-tiny", {"--layer", "3", "--head", "mean", "--focus", "it"}},
      {"bert-tiny", {"--layer", "1", "--head", "all"}},
      {"bert-tiny", {"--layer", "all", "--head", "mean", "--cmap", "magma"}},
      {"gpt2-tiny", {"--layer", "2", "--head", "1", "--values", "always"}},
      {"gpt2-tiny", {"--layer", "all"}},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string name = "case" + std::to_string(i++);
    dump(c.model, kTired, name);
    std::vector<std::string> direct{"--model", (kData / "models" / c.model).string(), kTired, "-o",
                                    name + "-direct.png"};
    std::vector<std::string> render{"render", name + ".npy", "-o", name + "-render.png"};
    direct.insert(direct.end(), c.view.begin(), c.view.end());
    render.insert(render.end(), c.view.begin(), c.view.end());
    run_ok(direct);
    run_ok(render);
    expect_same_pixels(name + "-direct.png", name + "-render.png");
  }
}

TEST_F(Render, CompareOfTwoDumpsIsTheDirectCompare) {
  dump("bert-tiny", kTired, "tired");
  dump("bert-tiny", kWide, "wide");
  const std::vector<std::string> view{"--layer", "2", "--head", "1", "--focus", "it"};
  std::vector<std::string> direct{
      "--model",   (kData / "models" / "bert-tiny").string(), kTired, "--compare", kWide, "-o",
      "direct.png"};
  std::vector<std::string> render{"render",   "tired.npy", "--compare",
                                  "wide.npy", "-o",        "render.png"};
  direct.insert(direct.end(), view.begin(), view.end());
  render.insert(render.end(), view.begin(), view.end());
  run_ok(direct);
  run_ok(render);
  expect_same_pixels("direct.png", "render.png");
}

TEST_F(Render, PairDumpFocusesAsTheDirectCommand) {
  const std::string model = (kData / "models" / "bert-tiny").string();
  run_ok({"dump", "--model", model, kTired, "--pair", "It was tired.", "-o", "pair.npy"});
  run_ok({"--model", model, kTired, "--pair", "It was tired.", "--layer", "1", "--head", "2",
          "--focus", "tired", "-o", "direct.png"});
  run_ok({"render", "pair.npy", "--layer", "1", "--head", "2", "--focus", "tired", "-o",
          "render.png"});
  expect_same_pixels("direct.png", "render.png");
}

TEST_F(Render, HtmlFromDumpIsTheDirectPageWithoutVectors) {
  for (const std::string model : {"bert-tiny", "gpt2-tiny"}) {
    dump(model, kTired, "tired");
    dump(model, kWide, "wide");
    const std::string dir = (kData / "models" / model).string();
    run_ok({"html", "--model", dir, "--no-vectors", kTired, "-o", "direct.html"});
    run_ok({"html", "--from", "tired.npy", "-o", "from.html"});
    EXPECT_EQ(test::read_all(dir_ / "direct.html"), test::read_all(dir_ / "from.html")) << model;
    // Two files: the direct --compare runs both sentences as one padded batch, whose last bits
    // differ from two single runs, so here only the page's two inputs are checked.
    run_ok({"html", "--from", "tired.npy", "--from", "wide.npy", "-o", "from2.html"});
    const std::string page = test::read_all(dir_ / "from2.html");
    EXPECT_NE(page.find("A: " + kTired.substr(0, 20)), std::string::npos) << model;
    EXPECT_NE(page.find("B: " + kWide.substr(0, 20)), std::string::npos) << model;
  }
}

TEST_F(Render, PrintAndSvgWorkWithoutAModel) {
  dump("bert-tiny", kTired, "tired");
  const auto printed = run({"render", "tired.npy", "--layer", "1", "--head", "1", "--print"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  const auto direct = run({"--model", (kData / "models" / "bert-tiny").string(), kTired, "--layer",
                           "1", "--head", "1", "--print"});
  EXPECT_EQ(printed.out, direct.out);
  const auto svg = run({"render", "tired.npy", "--layer", "1", "--head", "1", "-o", "it.svg"});
  ASSERT_EQ(svg.exit_code, 0) << svg.err;
  EXPECT_EQ(test::read_all(dir_ / "it.svg").rfind("<svg", 0) == 0 ||
                test::read_all(dir_ / "it.svg").find("<svg") != std::string::npos,
            true);
}

// The "single" case of tests/data/reference/gpt2-tiny.json, saved by NumPy: every row's most
// attended key, as --print shows it, is the reference's own argmax.
TEST_F(Render, ArrayWrittenByTransformersRenders) {
  run_ok({"render", (kFiles / "transformers.npy").string(), "--layer", "all", "-o", "all.png"});
  std::ifstream in(kData / "reference" / "gpt2-tiny.json");
  const auto reference = nlohmann::json::parse(in);
  const auto& item = reference["cases"][0]["items"][0];
  const auto weights = item["attentions"].get<std::vector<float>>();
  const std::size_t n = item["ids"].size();
  const auto tokens =
      nlohmann::json::parse(test::read_all(kFiles / "tokens.json")).get<std::vector<std::string>>();
  for (int layer = 0; layer < 2; ++layer) {
    for (int head = 0; head < 4; ++head) {
      const auto result = run({"render", (kFiles / "transformers.npy").string(), "--layer",
                               std::to_string(layer + 1), "--head", std::to_string(head + 1),
                               "--print", "--top", "1"});
      ASSERT_EQ(result.exit_code, 0) << result.err;
      std::istringstream lines(result.out);
      std::string line;
      std::getline(lines, line);  // the title
      for (std::size_t q = 0; q < n; ++q) {
        ASSERT_TRUE(std::getline(lines, line));
        const float* row = weights.data() + ((layer * 4 + head) * n + q) * n;
        const auto best = std::max_element(row, row + q + 1) - row;  // causal: keys <= query
        EXPECT_NE(line.find("->  " + tokens[best] + " "), std::string::npos)
            << "layer " << layer + 1 << " head " << head + 1 << ": " << line;
      }
    }
  }
}

TEST_F(Render, EveryLayoutOfTheSameNumbersDrawsTheSamePicture) {
  const std::vector<std::string> view{"--layer", "2", "--head", "3"};
  const auto draw = [&](const std::string& file, const std::string& out,
                        std::vector<std::string> options) {
    std::vector<std::string> args{"render", (kFiles / file).string(), "-o", out};
    args.insert(args.end(), options.begin(), options.end());
    run_ok(args);
  };
  draw("transformers.npy", "c.png", view);
  draw("big_endian_fortran.npy", "f.png", view);
  expect_same_pixels("c.png", "f.png");
  // [heads, n, n] and [n, n] of layer 2 (head 3): the same cells under another title.
  const auto rows = [&](const std::string& file, std::vector<std::string> options) {
    std::vector<std::string> args{"render", (kFiles / file).string(), "--print"};
    args.insert(args.end(), options.begin(), options.end());
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out.substr(result.out.find('\n'));
  };
  const std::string expected = rows("transformers.npy", view);
  EXPECT_EQ(rows("layer2.npz", {"--layer", "1", "--head", "3"}), expected);
  EXPECT_EQ(rows("layer2_head3.safetensors", {"--layer", "1", "--head", "1"}), expected);
  // float16: the same most attended key in every row (the weights differ in the third decimal).
  const std::regex weight(" [0-9]\\.[0-9]{3}");
  const std::vector<std::string> top1{"--layer", "2", "--head", "3", "--top", "1"};
  EXPECT_EQ(std::regex_replace(rows("float16.npy", top1), weight, ""),
            std::regex_replace(rows("transformers.npy", top1), weight, ""));
  draw("differences.npy", "d.png", {"--no-check", "--layer", "1", "--head", "1"});
  // No text in the JSON: --focus finds the token itself (GPT-2's "Ġanimal" is the word animal).
  const auto focus = run({"render", (kFiles / "transformers.npy").string(), "--layer", "1",
                          "--head", "2", "--focus", "animal", "-o", "focus.png"});
  EXPECT_EQ(focus.exit_code, 0) << focus.err;
}

struct BadFile {
  std::vector<std::string> args;
  std::string message;  // a piece of the one error line
};

TEST_F(Render, EveryBadFileGetsItsOneLineError) {
  const auto f = [](const std::string& name) { return (kFiles / name).string(); };
  const std::vector<BadFile> cases = {
      {{f("scores.npy")}, "layer 1, head 1, row 1 sums to 2.000000, not 1"},
      {{f("differences.npy")}, "layer 1, head 1, row 1, column 2 is negative"},
      {{f("nan.npy")}, "layer 2, head 4, row 5, column 3 holds NaN"},
      {{f("nan.npy"), "--no-check"}, "layer 2, head 4, row 5, column 3 holds NaN"},
      {{f("rank5.npy")}, "has shape [1, 2, 4, 13, 13]"},
      {{f("not_square.npy")}, "the last two axes (query, key) must be equal"},
      {{f("integers.npy")}, "holds '<i4' values"},
      {{f("truncated.npy")}, "is truncated: shape [2, 4, 13, 13] needs 5408 bytes"},
      {{f("two_arrays.npz")}, "holds 2 arrays (first.npy, second.npy)"},
      {{f("transformers.npy"), "--tokens", f("short_tokens.json")}, "has 12 tokens but"},
      {{f("tokens.json")}, "attnviz renders .npy, .npz or .safetensors files"},
      {{"missing.npy"}, "cannot read missing.npy"},
      {{f("transformers.npy"), "--layer", "3"}, "layer 3 of 2 does not exist"},
      {{f("transformers.npy"), "--head", "all", "--focus", "it"}, "--focus works on one heatmap"},
      {{f("transformers.npy"), "--layer", "1", "--head", "1", "--focus", "zebra"}, "'zebra'"},
      {{f("transformers.npy"), "--layer", "1", "--head", "1", "--compare", f("layer2.npz")},
       "--compare"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"render"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 1) << c.args[0] << ": " << result.err;
    EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
    EXPECT_EQ(result.err.rfind("attnviz: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err;
  }
  fs::copy_file(kFiles / "transformers.npy", dir_ / "alone.npy");
  const auto no_tokens = run({"render", "alone.npy"});
  EXPECT_EQ(no_tokens.exit_code, 1);
  EXPECT_NE(no_tokens.err.find("no tokens: alone.json"), std::string::npos) << no_tokens.err;
}

}  // namespace
}  // namespace attnviz
