// `attnviz render` and `attnviz html --from`: saved attentions drawn as the direct command draws
// them, files written by transformers itself, and one error line for each bad file.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "../render/golden.hpp"
#include "../web/page_reader.hpp"
#include "attnviz/attention_file.hpp"
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

// Attention matrices computed here from the papers' definitions, to hold a page's data against.
struct Matrices {
  int layers = 0, heads = 0, n = 0;
  std::vector<double> weights;  // [layer][head][query][key]
  std::vector<std::string> tokens;
  double& at(int l, int h, int q, int k) {
    return weights[((static_cast<std::size_t>(l) * heads + h) * n + q) * n + k];
  }
};

// Clark et al. (2019): attention to a word is the sum over its pieces, from a word the mean. A
// piece continues the word before it when it is shown as "·piece" and neither it nor the token
// before it is a template token.
Matrices merged_words(const AttentionFile& file) {
  const Attention& a = file.attention;
  std::vector<int> word_of;  // per token
  Matrices m{a.layers, a.heads, 0, {}, {}};
  for (int t = 0; t < a.n; ++t) {
    const std::string& shown = a.tokens[t];
    const bool continues =
        t > 0 && !a.special[t] && !a.special[t - 1] && shown.rfind("\u00b7", 0) == 0;
    if (continues) {
      m.tokens.back() += shown.substr(std::string("\u00b7").size());
    } else {
      m.tokens.push_back(shown);
      ++m.n;
    }
    word_of.push_back(m.n - 1);
  }
  m.weights.assign(static_cast<std::size_t>(m.layers) * m.heads * m.n * m.n, 0.0);
  std::vector<int> pieces(m.n, 0);
  for (const int w : word_of) ++pieces[w];
  for (int l = 0; l < a.layers; ++l)
    for (int h = 0; h < a.heads; ++h)
      for (int q = 0; q < a.n; ++q)
        for (int k = 0; k < a.n; ++k)
          m.at(l, h, word_of[q], word_of[k]) += a.at(l, h, q, k) / pieces[word_of[q]];
  return m;
}

// Abnar & Zuidema (2020): per layer the heads' mean, 0.5 A + 0.5 I with rows renormalised, and
// R_l = Â_l R_{l-1}; one "head" per layer.
Matrices rollout(const Attention& a) {
  Matrices m{a.layers, 1, a.n, {}, a.tokens};
  m.weights.assign(static_cast<std::size_t>(a.layers) * a.n * a.n, 0.0);
  std::vector<double> previous;
  for (int l = 0; l < a.layers; ++l) {
    std::vector<double> mixed(static_cast<std::size_t>(a.n) * a.n);
    for (int q = 0; q < a.n; ++q) {
      double sum = 0;
      for (int k = 0; k < a.n; ++k) {
        double mean = 0;
        for (int h = 0; h < a.heads; ++h) mean += a.at(l, h, q, k) / a.heads;
        mixed[q * a.n + k] = 0.5 * mean + (q == k ? 0.5 : 0.0);
        sum += mixed[q * a.n + k];
      }
      for (int k = 0; k < a.n; ++k) mixed[q * a.n + k] /= sum;
    }
    for (int q = 0; q < a.n; ++q) {
      for (int k = 0; k < a.n; ++k) {
        double v = 0;
        for (int j = 0; j < a.n; ++j)
          v += mixed[q * a.n + j] * (l == 0 ? (j == k) : previous[j * a.n + k]);
        m.at(l, 0, q, k) = v;
      }
    }
    previous.assign(m.weights.begin() + static_cast<std::ptrdiff_t>(l) * a.n * a.n,
                    m.weights.begin() + static_cast<std::ptrdiff_t>(l + 1) * a.n * a.n);
  }
  return m;
}

// The page's first input holds these tokens and, within its 8-bit storage (row max / 510), these
// weights.
void expect_page_holds(const std::string& page, Matrices expected) {
  const nlohmann::json input = testing::meta_of(page).at("inputs").at(0);
  EXPECT_EQ(input.at("tokens").get<std::vector<std::string>>(), expected.tokens);
  ASSERT_EQ(input.at("n").get<int>(), expected.n);
  ASSERT_EQ(input.at("layers").get<int>(), expected.layers);
  ASSERT_EQ(input.at("heads").get<int>(), expected.heads);
  EXPECT_EQ(input.at("head_dim").get<int>(), 0);  // no neuron view
  for (int l = 0; l < expected.layers; ++l) {
    const testing::PageLayer layer = testing::page_layer(page, 0, l);
    ASSERT_EQ(layer.weights.size(),
              static_cast<std::size_t>(expected.heads) * expected.n * expected.n);
    for (int h = 0; h < expected.heads; ++h) {
      for (int q = 0; q < expected.n; ++q) {
        const double bound = layer.scales[h * expected.n + q] / 510 + 1e-6;
        for (int k = 0; k < expected.n; ++k) {
          ASSERT_NEAR(layer.weights[(h * expected.n + q) * expected.n + k], expected.at(l, h, q, k),
                      bound)
              << "layer " << l << ", head " << h << ", query " << q << ", key " << k;
        }
      }
    }
  }
}

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
      {"bert-tiny", {"--layer", "2", "--head", "3", "--words", "--focus", "animal"}},
      {"bert-tiny", {"--layer", "1", "--head", "all", "--words"}},
      {"gpt2-tiny", {"--layer", "all", "--head", "mean", "--words"}},
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
  for (const bool words : {false, true}) {
    std::vector<std::string> view{"--layer", "2", "--head", "1", "--focus", "it"};
    if (words) view.push_back("--words");
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
  }
}

// Two files: the page of the direct --compare. That runs both sentences as one batch, whose last
// bits may differ from two single runs (which ones depends on the CPU's BLAS kernels: gpt2-tiny's
// pages were byte-identical on one machine and not on another). Everything else is equal: row
// maxima to 1e-5 (relative, as the model tests hold float32 runs), each stored weight within one
// storage step (row max / 255).
TEST_F(Render, HtmlFromTwoDumpsIsTheDirectCompare) {
  for (const std::string model : {"bert-tiny", "gpt2-tiny"}) {
    dump(model, kTired, "tired");
    dump(model, kWide, "wide");
    run_ok({"html", "--model", (kData / "models" / model).string(), "--no-vectors", kTired,
            "--compare", kWide, "-o", "direct.html"});
    run_ok({"html", "--from", "tired.npy", "--from", "wide.npy", "-o", "from.html"});
    const std::string direct = test::read_all(dir_ / "direct.html");
    const std::string from = test::read_all(dir_ / "from.html");
    const nlohmann::json meta = testing::meta_of(direct);
    EXPECT_EQ(testing::meta_of(from), meta) << model;
    EXPECT_EQ(meta["inputs"][0]["label"], "A: " + kTired);
    EXPECT_EQ(meta["inputs"][1]["label"], "B: " + kWide);
    const auto strip_blocks = [](std::string page) {
      return std::regex_replace(page, std::regex("octet-stream\">[^<]*<"), "");
    };
    EXPECT_EQ(strip_blocks(direct), strip_blocks(from)) << model;  // all but the data blocks
    for (int input = 0; input < 2; ++input) {
      for (int l = 0; l < meta["inputs"][input]["layers"].get<int>(); ++l) {
        const testing::PageLayer a = testing::page_layer(direct, input, l);
        const testing::PageLayer b = testing::page_layer(from, input, l);
        ASSERT_EQ(a.weights.size(), b.weights.size());
        ASSERT_FALSE(a.weights.empty());
        const std::size_t n = a.weights.size() / a.scales.size();
        for (std::size_t i = 0; i < a.weights.size(); ++i) {
          const float scale = a.scales[i / n];
          ASSERT_NEAR(b.scales[i / n], scale, 1e-5 * scale) << model << " layer " << l;
          ASSERT_NEAR(b.weights[i], a.weights[i], scale / 255 + 1e-6) << model << " layer " << l;
        }
      }
    }
  }
}

TEST_F(Render, HtmlWordsPageHoldsTheWordMergedMatrices) {
  const std::string sentence = "Unbelievable strawberries didn't fit.";
  for (const std::string model : {"bert-tiny", "gpt2-tiny"}) {
    const std::string dir = (kData / "models" / model).string();
    std::vector<std::string> pair;  // BERT: a sentence pair, whose B moves with the words
    if (model == "bert-tiny") pair = {"--pair", "Strawberries are unbelievable."};
    std::vector<std::string> dump_args{"dump", "--model", dir, sentence, "-o", "s.npy"};
    std::vector<std::string> html{"html", "--model", dir, sentence, "--words", "-o", "direct.html"};
    dump_args.insert(dump_args.end(), pair.begin(), pair.end());
    html.insert(html.end(), pair.begin(), pair.end());
    run_ok(dump_args);
    run_ok(html);
    run_ok({"html", "--from", "s.npy", "--words", "-o", "from.html"});
    const std::string page = test::read_all(dir_ / "direct.html");
    EXPECT_EQ(page, test::read_all(dir_ / "from.html")) << model;
    const AttentionFile file = read_attention_file(dir_ / "s.npy");
    const Matrices words = merged_words(file);
    EXPECT_LT(words.n, file.attention.n) << model << ": the sentence has no word of two pieces";
    expect_page_holds(page, words);
    const int b_start = testing::meta_of(page)["inputs"][0]["sentence_b_start"].get<int>();
    if (pair.empty()) {
      EXPECT_EQ(b_start, 0);
    } else {
      ASSERT_GT(b_start, 0);
      EXPECT_EQ(words.tokens[b_start], "strawberries");  // uncased: the first word of B
      EXPECT_EQ(words.tokens[b_start - 1], "[SEP]");
    }
  }
}

TEST_F(Render, HtmlRolloutPageHoldsTheRollout) {
  for (const std::string model : {"bert-tiny", "gpt2-tiny"}) {
    const std::string dir = (kData / "models" / model).string();
    dump(model, kTired, "tired");
    run_ok({"html", "--model", dir, kTired, "--rollout", "-o", "direct.html"});
    run_ok({"html", "--from", "tired.npy", "--rollout", "-o", "from.html"});
    const std::string page = test::read_all(dir_ / "direct.html");
    EXPECT_EQ(page, test::read_all(dir_ / "from.html")) << model;
    expect_page_holds(page, rollout(read_attention_file(dir_ / "tired.npy").attention));
    EXPECT_TRUE(testing::meta_of(page)["inputs"][0]["rollout"].get<bool>()) << model;
  }
}

TEST_F(Render, HtmlWordsAndRolloutRefuseWhatTheyCannotShow) {
  const auto no_pieces = run({"html", "--from", (kFiles / "transformers.npy").string(), "--words"});
  EXPECT_EQ(no_pieces.exit_code, 1);
  EXPECT_NE(no_pieces.err.find("has no token details to find the words by"), std::string::npos)
      << no_pieces.err;
  const auto vectors = run({"html", "--model", (kData / "models" / "bert-tiny").string(), kTired,
                            "--rollout", "--vectors"});
  EXPECT_EQ(vectors.exit_code, 1);
  EXPECT_NE(vectors.err.find("--rollout pages do not have"), std::string::npos) << vectors.err;
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
      {{f("transformers.npy"), "--layer", "1", "--head", "1", "--words"},
       "has no token details to find the words by"},
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
