// Golden images of whole commands on the committed test checkpoints: what a user gets, pinned.
//
// The renderer is exact (tests/render), but these pictures also carry libtorch's arithmetic, whose
// last bits may differ between CPUs (vector widths). Such a difference can move a cell by one
// colormap step, a change of at most 3 per channel in viridis. So a pixel counts as changed when a
// channel moves by more than kTolerance; any changed pixel fails the test (OnePixelChangeIsCaught
// shows it). Regenerate deliberately with scripts/make_golden_images.sh.
#include <gtest/gtest.h>

#include "../render/golden.hpp"
#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kData = ATTNVIZ_TEST_DATA;
const fs::path kGoldens = kData / "golden" / "cli";
constexpr int kTolerance = 8;

const std::string kTired = "The animal didn't cross the street because it was too tired.";
const std::string kWide = "The animal didn't cross the street because it was too wide.";

struct GoldenCase {
  std::string name;
  std::vector<std::string> args;  // without the model and -o
  std::string model = "bert-tiny";
};

std::string long_text() {
  std::string text;
  for (int i = 0; i < 8; ++i) text += kTired + " " + kWide + " ";
  return text;
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = {
      {"bert-head", {"--layer", "2", "--head", "3", kTired}},
      {"bert-mean-focus", {"--layer", "3", "--head", "mean", "--focus", "it", kTired}},
      {"bert-heads-grid", {"--layer", "1", "--head", "all", kTired}},
      {"bert-compare",
       {"--layer", "2", "--head", "1", "--focus", "it", kTired, "--compare", kWide}},
      {"bert-long", {"--layer", "3", "--head", "2", long_text()}},
      {"gpt2-mask", {"--layer", "2", "--head", "1", kWide}, "gpt2-tiny"},
      {"gpt2-model-view", {"--layer", "all", kWide}, "gpt2-tiny"},
      {"bert-rollout", {"--rollout", "--layer", "3", kTired}},
      {"gpt2-rollout", {"--rollout", kWide}, "gpt2-tiny"},
      {"bert-words",
       {"--layer", "2", "--head", "3", "--words", "--focus", "strawberries",
        "Unbelievable strawberries didn't fit."}},
  };
  return all;
}

class CliGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(CliGolden, MatchesCommittedPicture) {
  const GoldenCase& golden = GetParam();
  const fs::path dir = test::fresh_dir("golden-" + golden.name);
  std::vector<std::string> args{"--model", (kData / "models" / golden.model).string(), "-o",
                                "out.png"};
  args.insert(args.end(), golden.args.begin(), golden.args.end());
  const auto result = test::run_cli(args, dir);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const fs::path expected_path = kGoldens / (golden.name + ".png");
  if (test::updating_goldens()) {
    fs::create_directories(kGoldens);
    fs::copy_file(dir / "out.png", expected_path, fs::copy_options::overwrite_existing);
  }
  const Image expected = test::read_png(expected_path.string());
  ASSERT_GT(expected.width, 0) << "missing golden " << expected_path
                               << " (scripts/make_golden_images.sh)";
  const auto diff =
      test::compare_pixels(expected, test::read_png((dir / "out.png").string()), kTolerance);
  EXPECT_TRUE(diff.same_size) << golden.name << ": the picture changed size";
  EXPECT_EQ(diff.differing, 0) << golden.name << ": first changed pixel at (" << diff.first_x
                               << ", " << diff.first_y << ")";
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Commands, CliGolden, ::testing::ValuesIn(cases()), [](const auto& info) {
  std::string name = info.param.name;
  for (auto& c : name) c = c == '-' ? '_' : c;
  return name;
});

TEST(CliGoldenTolerance, OnePixelChangeIsCaught) {
  const Image golden = test::read_png((kGoldens / "bert-head.png").string());
  ASSERT_GT(golden.width, 0);
  Image changed = golden;
  const std::size_t pixel =
      (static_cast<std::size_t>(golden.height / 2) * golden.width + golden.width / 2) * 4;
  changed.rgba[pixel] = static_cast<std::uint8_t>(
      changed.rgba[pixel] < 128 ? changed.rgba[pixel] + 40 : changed.rgba[pixel] - 40);
  const auto diff = test::compare_pixels(golden, changed, kTolerance);
  EXPECT_EQ(diff.differing, 1);
  EXPECT_EQ(diff.first_x, golden.width / 2);
  EXPECT_EQ(diff.first_y, golden.height / 2);
}

}  // namespace
}  // namespace attnviz
