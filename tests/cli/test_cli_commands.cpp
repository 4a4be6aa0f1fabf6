// The commands as a user runs them: files written, what is printed, exit codes.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../render/golden.hpp"
#include "attnviz/colormap.hpp"
#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(ATTNVIZ_TEST_DATA) / "models";
const std::string kBert = (kModels / "bert-tiny").string();
const std::string kGpt2 = (kModels / "gpt2-tiny").string();
const std::string kTired = "The animal didn't cross the street because it was too tired.";
const std::string kWide = "The animal didn't cross the street because it was too wide.";

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  test::CliResult run(const std::vector<std::string>& args) { return test::run_cli(args, dir_); }
  bool is_png(const fs::path& path) {
    return test::read_all(dir_ / path).rfind("\x89PNG\r\n\x1a\n", 0) == 0;
  }
  fs::path dir_;
};

TEST_F(Cli, UsersCommandWritesThePngItNames) {
  const auto result = run({"--model", kBert, "--layer", "2", "--head", "3", kTired});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "wrote attnviz-bert-tiny-L2-H3.png\n");
  EXPECT_TRUE(result.err.empty()) << result.err;
  EXPECT_TRUE(is_png("attnviz-bert-tiny-L2-H3.png"));
}

// A directory called "model" (as packages ship them) is named by its config's Hub id.
TEST_F(Cli, ModelDirectoryIsNamedByItsHubId) {
  fs::copy(kBert, dir_ / "model");
  std::string config = test::read_all(dir_ / "model" / "config.json");
  config.insert(config.find('{') + 1, R"("_name_or_path": "attnviz-test/named-bert",)");
  std::ofstream(dir_ / "model" / "config.json", std::ios::trunc) << config;
  const auto result =
      run({"--model", (dir_ / "model").string(), "--layer", "1", "--head", "1", kTired});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "wrote attnviz-named-bert-L1-H1.png\n");
}

// After set-up, `--model smollm2` runs models/smollm2-135m-instruct/ through the committed aliases
// file, offline, with an empty Hugging Face cache (a small GPT-2 stands in for the folder).
TEST_F(Cli, AliasFindsTheModelsFolderSetUpMade) {
  fs::create_directories(dir_ / "models");
  fs::copy(fs::path(std::getenv("ATTNVIZ_SOURCE_DIR")) / "models" / "aliases.json",
           dir_ / "models" / "aliases.json");
  setenv("HF_HUB_OFFLINE", "1", 1);
  setenv("HF_HUB_CACHE", (dir_ / "empty-cache").c_str(), 1);
  const auto missing = run({"tokenize", "--model", "smollm2", "Hi"});
  fs::copy(kGpt2, dir_ / "models" / "smollm2-135m-instruct");
  const auto tokens = run({"tokenize", "--model", "smollm2", "--json", "Hi there"});
  const auto expected = run({"tokenize", "--model", kGpt2, "--json", "Hi there"});
  const auto figure = run({"--model", "smollm2", "--layer", "1", "--head", "1", kTired});
  unsetenv("HF_HUB_OFFLINE");
  unsetenv("HF_HUB_CACHE");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(
      missing.err.find("HuggingFaceTB/SmolLM2-135M-Instruct' is not in the Hugging Face cache"),
      std::string::npos)
      << missing.err;
  ASSERT_EQ(tokens.exit_code, 0) << tokens.err;
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  EXPECT_EQ(tokens.out, expected.out);
  ASSERT_EQ(figure.exit_code, 0) << figure.err;
  EXPECT_EQ(figure.out, "wrote attnviz-SmolLM2-135M-Instruct-L1-H1.png\n");
  EXPECT_TRUE(is_png("attnviz-SmolLM2-135M-Instruct-L1-H1.png"));
}

TEST_F(Cli, SvgByExtension) {
  const auto result =
      run({"--model", kBert, "--layer", "1", "--head", "mean", kTired, "-o", "mean.svg"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string svg = test::read_all(dir_ / "mean.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("Layer 1, mean of heads"), std::string::npos);
  EXPECT_NE(svg.find(">animal<"), std::string::npos);
}

TEST_F(Cli, GridsAndComparisons) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--model", kBert, "--layer", "3", "--head", "all", kTired, "-o", "heads.png"},
           {"--model", kGpt2, "--layer", "all", kWide, "-o", "model-view.png"},
           {"--model", kBert, "--layer", "all", "--head", "mean", kTired, "-o", "means.png"},
           {"--model", kBert, "--layer", "2", "--head", "1", "--focus", "it", kTired, "--compare",
            kWide, "-o", "compare.png"},
           {"--model", kBert, "--layer", "2", "--head", "1", "--pair", "because it was too wide.",
            "The animal didn't cross the street", "-o", "pair.png"}}) {
    const auto result = run(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(is_png(args.back())) << args.back();
  }
}

// Sentences that do not align one to one: tokens without a counterpart are drawn masked, with a
// note saying so, in PNG and SVG (they used to stop the render stage with a NaN error).
TEST_F(Cli, CompareOfSentencesThatDoNotAlignOneToOne) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {kTired, "The animal didn't cross the big wide street."},  // different lengths
      {"The animal crossed the street.", "The animal crossed the wide street."},    // inserted word
      {"The tired animal crossed the street.", "The animal crossed the street."}};  // deleted word
  for (std::size_t i = 0; i < cases.size(); ++i) {
    for (const std::string ext : {".png", ".svg"}) {
      const std::string out = "compare" + std::to_string(i) + ext;
      const auto result = run({"--model", kBert, "--layer", "2", "--head", "1", cases[i].first,
                               "--compare", cases[i].second, "-o", out});
      ASSERT_EQ(result.exit_code, 0) << cases[i].second << ": " << result.err;
      if (ext == ".png") {
        EXPECT_TRUE(is_png(out));
        continue;
      }
      const std::string svg = test::read_all(dir_ / out);
      EXPECT_NE(svg.find("url(#attnviz-mask)"), std::string::npos) << out;
      EXPECT_NE(svg.find("tokens only one of the two sentences has"), std::string::npos) << out;
    }
  }
}

TEST_F(Cli, PrintListsTopKeysPerQuery) {
  const auto result = run(
      {"--model", kBert, "--layer", "1", "--head", "1", "--print", "--top", "2", "The cat sat."});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // [CLS] the cat sat . [SEP]: a title line and one line per query.
  EXPECT_EQ(test::count_lines(result.out), 1 + 6) << result.out;
  EXPECT_EQ(result.out.rfind("Layer 1, Head 1 · bert-tiny: top 2 keys per query\n", 0), 0U)
      << result.out;
  EXPECT_TRUE(fs::is_empty(dir_ / ".") || !fs::exists(dir_ / "attnviz-bert-tiny-L1-H1.png"));
}

TEST_F(Cli, LongInputIsTruncatedWithOneWarning) {
  std::string text;
  for (int i = 0; i < 20; ++i) text += kTired + " ";
  const auto result =
      run({"--model", kBert, "--layer", "1", "--head", "1", text, "-o", "long.png"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
  EXPECT_NE(result.err.find("takes at most 96"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("tokens were dropped"), std::string::npos) << result.err;
}

TEST_F(Cli, UnknownTokensAreCountedOnce) {
  const auto result = run(
      {"--model", kBert, "--layer", "1", "--head", "1", "The \u2603 sat. \u2603", "-o", "u.png"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      result.err,
      "attnviz: warning: 2 token(s) of the input are unknown to bert-tiny's vocabulary (shown as "
      "[UNK])\n");
}

TEST_F(Cli, DumpWritesNpyAndSidecar) {
  const auto result = run({"dump", "--model", kGpt2, kWide, "-o", "wide.npy"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto sidecar = nlohmann::json::parse(test::read_all(dir_ / "wide.json"));
  const int n = sidecar.at("n").get<int>();
  EXPECT_EQ(sidecar.at("layers").get<int>(), 2);
  EXPECT_EQ(sidecar.at("heads").get<int>(), 4);
  EXPECT_EQ(sidecar.at("tokens").size(), static_cast<std::size_t>(n));
  EXPECT_TRUE(sidecar.at("causal").get<bool>());
  const std::string npy = test::read_all(dir_ / "wide.npy");
  ASSERT_EQ(npy.rfind("\x93NUMPY\x01\x00", 0), 0U);
  const std::size_t header =
      10 + (static_cast<unsigned char>(npy[8]) | static_cast<unsigned char>(npy[9]) << 8);
  EXPECT_EQ(header % 64, 0U);
  const std::string shape = "'shape': (2, 4, " + std::to_string(n) + ", " + std::to_string(n) + ")";
  EXPECT_NE(npy.substr(0, header).find(shape), std::string::npos) << npy.substr(0, header);
  ASSERT_EQ(npy.size(), header + 2 * 4 * n * n * sizeof(float));
  // Every row of every head sums to one; GPT-2 attends to nothing after the query.
  const auto* weights = reinterpret_cast<const float*>(npy.data() + header);
  for (int row = 0; row < 2 * 4 * n; ++row) {
    float sum = 0;
    for (int k = 0; k < n; ++k) sum += weights[row * n + k];
    EXPECT_NEAR(sum, 1.0F, 1e-5F);
    const int query = row % n;
    for (int k = query + 1; k < n; ++k) EXPECT_EQ(weights[row * n + k], 0.0F);
  }
}

TEST_F(Cli, DumpTakesIds) {
  const auto result = run({"dump", "--model", kBert, "--ids", "2,98,75,3", "-o", "ids.npy"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto sidecar = nlohmann::json::parse(test::read_all(dir_ / "ids.json"));
  EXPECT_EQ(sidecar.at("tokens"), (nlohmann::json{"[CLS]", "the", "animal", "[SEP]"}));
  const auto bad = run({"dump", "--model", kBert, "--ids", "2,x,3"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("'x' is not one"), std::string::npos) << bad.err;
}

TEST_F(Cli, BatchReportsBadLinesAndSummarises) {
  std::ofstream(dir_ / "pairs.tsv")
      << "id\tsentence_a\tsentence_b\tpronoun\tcandidate_1\tcandidate_2\tcorrect_a\tcorrect_b\n"
      << "tired\t" << kTired << "\t" << kWide << "\tit\tanimal\tstreet\tanimal\tstreet\n"
      << "broken\tonly two fields\n"
      << "cat\tThe cat chased the dog because it was hungry.\tThe cat chased the dog because it "
         "was slow.\tit\tcat"
         "\tdog\tcat\tdog\n"
      << "absent\tThe cat sat.\tThe dog sat.\tshe\tcat\tdog\tcat\tdog\n";
  const auto result =
      run({"batch", "pairs.tsv", "--model", kBert, "-o", "out", "--layer", "2", "--head", "mean"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("pairs.tsv:3:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("pairs.tsv:5:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("2 line(s) of pairs.tsv skipped"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("2 pairs (4 sentences) scored"), std::string::npos) << result.out;
  for (const char* file :
       {"tired-a.png", "tired-b.png", "tired-pair.png", "cat-pair.png", "summary.png"}) {
    EXPECT_TRUE(is_png(fs::path("out") / file)) << file;
  }
  EXPECT_FALSE(fs::exists(dir_ / "out" / "absent-a.png"));
  const std::string csv = test::read_all(dir_ / "out" / "summary.csv");
  EXPECT_EQ(test::count_lines(csv), 1 + 3 * 4) << csv;
  const auto summary = nlohmann::json::parse(test::read_all(dir_ / "out" / "summary.json"));
  EXPECT_EQ(summary.at("pairs").get<int>(), 2);
  EXPECT_EQ(summary.at("sentences").get<int>(), 4);
}

// --words: each sentence's heatmap is the main command's word-level heatmap of it, not the
// pieces' heatmap.
TEST_F(Cli, BatchWordsDrawsWordHeatmaps) {
  const std::string a =
      "The strawberries didn't fit in the boxes because they were unbelievably big.";
  std::ofstream(dir_ / "pairs.tsv")
      << "id\tsentence_a\tsentence_b\tpronoun\tcandidate_1\tcandidate_2\tcorrect_a\tcorrect_b\n"
      << "fit\t" << a
      << "\tThe strawberries didn't fit in the boxes because they were unbelievably small.\tthey\t"
         "strawberries\tboxes\tstrawberries\tboxes\n";
  const std::vector<std::string> view{"--model", kBert, "--layer", "2", "--head", "3"};
  const auto batch = [&](const std::string& out, bool words) {
    std::vector<std::string> args{"batch", "pairs.tsv", "-o", out};
    args.insert(args.end(), view.begin(), view.end());
    if (words) args.push_back("--words");
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  };
  const std::string pieces_out = batch("pieces", false);
  const std::string words_out = batch("words", true);
  // The scores stay per token: the same best heads, the figures in another folder.
  EXPECT_EQ(pieces_out.substr(0, pieces_out.find("wrote")),
            words_out.substr(0, words_out.find("wrote")));
  std::vector<std::string> direct = view;
  direct.insert(direct.end(), {"--words", a, "-o", "direct.png"});
  const auto result = run(direct);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Image expected = test::read_png((dir_ / "direct.png").string());
  const Image words = test::read_png((dir_ / "words" / "fit-a.png").string());
  ASSERT_GT(expected.width, 0);
  const auto diff = test::compare_pixels(expected, words);
  EXPECT_TRUE(diff.same_size);
  EXPECT_EQ(diff.differing, 0) << "first at " << diff.first_x << "," << diff.first_y;
  const Image pieces = test::read_png((dir_ / "pieces" / "fit-a.png").string());
  ASSERT_GT(pieces.width, 0);
  EXPECT_FALSE(test::compare_pixels(pieces, words).same_size);  // 66 pieces, 17 words
  EXPECT_TRUE(is_png(fs::path("words") / "fit-pair.png"));
}

TEST_F(Cli, BatchOfShippedExamples) {
  const auto examples =
      fs::path(ATTNVIZ_TEST_DATA).parent_path().parent_path() / "examples" / "winograd_pairs.jsonl";
  const auto result =
      run({"batch", examples.string(), "--model", kBert, "-o", "out", "--no-figures"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("24 pairs (48 sentences) scored"), std::string::npos) << result.out;
  EXPECT_TRUE(is_png("out/summary.png"));
}

TEST_F(Cli, HeadsOfTheDefaultCorpus) {
  const auto result = run({"heads", "--model", kGpt2, "-o", "out"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("over 301 texts"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("induction (score >= 0.3)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("wrote out/heads.csv, heads.json, heads.png/.svg and profile.png/.svg"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.err.find("301/301 texts"), std::string::npos) << result.err;
  for (const char* file : {"heads.png", "profile.png"}) EXPECT_TRUE(is_png(fs::path("out") / file));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "heads.svg"));
  EXPECT_TRUE(fs::exists(dir_ / "out" / "profile.svg"));
  const std::string csv = test::read_all(dir_ / "out" / "heads.csv");
  EXPECT_EQ(test::count_lines(csv), 1 + 2 * 4) << csv;
  EXPECT_NE(csv.find("\n1,1,"), std::string::npos) << csv;  // 1-based, as people count
  EXPECT_NE(csv.find("\n2,4,"), std::string::npos) << csv;
  const auto doc = nlohmann::json::parse(test::read_all(dir_ / "out" / "heads.json"));
  EXPECT_EQ(doc.at("inputs").get<int>(), 301);
  EXPECT_EQ(doc.at("head_measures").size(), 8u);
  EXPECT_EQ(doc.at("profile").size(), 2u);
  for (const auto& head : doc.at("head_measures")) {
    const double prefix = head.at("measures").at("prefix_matching");
    EXPECT_GE(prefix, 0.0);
    EXPECT_LE(prefix, 1.0);
  }
}

// The command's means over a corpus equal the mean of the NumPy measures of transformers' own
// attentions for the same texts (scripts/make_head_measures_reference.py): the whole pipeline, the
// model's attention included.
TEST_F(Cli, HeadsMeansMatchNumPyOverTheReferenceTexts) {
  std::ifstream in(fs::path(ATTNVIZ_TEST_DATA) / "analysis" / "head_measures_reference.json");
  const auto reference = nlohmann::json::parse(in);
  for (const auto& [name, model] : reference.at("models").items()) {
    {
      std::ofstream corpus(dir_ / "corpus.jsonl");
      for (const auto& s : model.at("sentences")) {
        nlohmann::json line = {{"text", s.at("text")}};
        if (!s.at("pair").is_null()) line["pair"] = s.at("pair");
        corpus << line.dump() << '\n';
      }
    }
    const auto result = run({"heads", "--model", (kModels / name).string(), "--corpus",
                             "corpus.jsonl", "-o", "out-" + name});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto doc = nlohmann::json::parse(test::read_all(dir_ / ("out-" + name) / "heads.json"));
    const int heads = model.at("heads");
    for (const auto& head : doc.at("head_measures")) {
      const int layer = head.at("layer").get<int>() - 1, h = head.at("head").get<int>() - 1;
      for (const auto& [measure, value] : head.at("measures").items()) {
        if (measure == "prefix_matching") continue;  // random ids of its own; see the analysis test
        double sum = 0;
        int count = 0;
        for (const auto& s : model.at("sentences")) {
          const auto& expected = s.at("measures")[layer][h].at(measure);
          if (expected.is_null()) continue;
          sum += expected.get<double>();
          ++count;
        }
        SCOPED_TRACE(name + " layer " + std::to_string(layer) + " head " + std::to_string(h) + " " +
                     measure);
        if (count == 0) {
          EXPECT_TRUE(value.is_null());
        } else {
          EXPECT_NEAR(value.get<double>(), sum / count, 1e-5);
        }
      }
    }
    EXPECT_EQ(doc.at("head_measures").size(),
              static_cast<std::size_t>(model.at("layers").get<int>() * heads));
  }
}

TEST_F(Cli, HeadsReportsBadCorpusLinesByNumber) {
  std::ofstream(dir_ / "corpus.jsonl") << "{\"text\": \"The cat sat.\"}\n"
                                       << "{\"txt\": \"typo\"}\n"
                                       << "\n"
                                       << "{\"text\": \"A dog ran.\", \"pair\": \"It was fast.\"}\n"
                                       << "{broken\n";
  const auto result = run({"heads", "--model", kBert, "--corpus", "corpus.jsonl", "-o", "out"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("corpus.jsonl:2:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("corpus.jsonl:5:"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("2 line(s) of corpus.jsonl skipped"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("over 2 texts"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("stays within a sentence"), std::string::npos) << result.out;
  const auto doc = nlohmann::json::parse(test::read_all(dir_ / "out" / "heads.json"));
  EXPECT_EQ(doc.at("pairs").get<int>(), 1);
}

TEST_F(Cli, HeadsSkipsPairsOnAModelWithoutTokenTypes) {
  std::ofstream(dir_ / "corpus.jsonl")
      << "{\"text\": \"The cat sat.\"}\n"
      << "{\"text\": \"A dog ran.\", \"pair\": \"It was fast.\"}\n";
  const auto result = run({"heads", "--model", kGpt2, "--corpus", "corpus.jsonl", "-o", "out"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("corpus.jsonl:2:"), std::string::npos) << result.err;
  EXPECT_NE(result.out.find("over 1 texts"), std::string::npos) << result.out;
}

TEST_F(Cli, HtmlViewKeepsTokensInert) {
  const auto result =
      run({"html", "--model", kBert, "<script>alert(1)</script> the cat", "-o", "view.html"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string page = test::read_all(dir_ / "view.html");
  EXPECT_NE(page.find("<html"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert(1)</script>"), std::string::npos);
}

TEST_F(Cli, HtmlViewOfATorchScriptExportHasNoNeuronView) {
  const auto exported = (fs::path(ATTNVIZ_TEST_DATA) / "torchscript" / "bert-tiny").string();
  const auto result = run({"html", "--model", exported, kTired, "-o", "view.html"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("the page has no neuron view"), std::string::npos) << result.err;
  EXPECT_NE(test::read_all(dir_ / "view.html").find("<html"), std::string::npos);
}

TEST_F(Cli, HelpTeaches) {
  const auto result = run({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* text :
       {"--layer", "--head", "--compare", "--focus", "--print", "--pair", "--cmap", "--device",
        "--threads", "attnviz --model bert --layer 10 --head 5", "batch", "html", "dump", "heads",
        "render"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text;
  }
}

// The entries of a help text's options: each starts with "  -" and may carry its description on
// the lines after.
std::vector<std::string> option_entries(const std::string& help) {
  const std::string options = help.substr(help.find("\nOptions:\n"));
  std::istringstream lines(options.substr(0, options.find("\nSubcommands:")));
  std::vector<std::string> entries;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  -", 0) == 0) {
      entries.push_back(line);
    } else if (!entries.empty() && line.rfind("    ", 0) == 0) {
      entries.back() += line;
    }
  }
  return entries;
}

// The help entry of one option ("--pair"), empty when the command has none.
std::string option_entry(const std::string& help, const std::string& option) {
  for (const auto& entry : option_entries(help)) {
    if (entry.find(option + " ") != std::string::npos) return entry;
  }
  return "";
}

TEST_F(Cli, PairIsOneOptionOnEveryCommand) {
  std::set<std::string> entries;
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"--help"}, {"html", "--help"}, {"dump", "--help"}, {"tokenize", "--help"}}) {
    const std::string entry = option_entry(run(command).out, "--pair");
    EXPECT_FALSE(entry.empty()) << command[0];
    entries.insert(entry);
  }
  EXPECT_EQ(entries.size(), 1U) << ::testing::PrintToString(entries);
}

TEST_F(Cli, CmapOffersEveryColormapOfTheRenderStage) {
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"--help"}, {"batch", "--help"}, {"render", "--help"}}) {
    const std::string entry = option_entry(run(command).out, "--cmap");
    for (const auto& name : Colormap::names())
      EXPECT_NE(entry.find(name), std::string::npos) << command[0] << ": " << entry;
  }
  const auto result = run({"tokenize", "--help"});
  EXPECT_EQ(option_entry(result.out, "--cmap"), "");
}

// Every option of every command says what it does with an example: "e.g. ...".
TEST_F(Cli, EveryOptionHasAnExample) {
  for (const std::vector<std::string>& command :
       std::vector<std::vector<std::string>>{{"--help"},
                                             {"batch", "--help"},
                                             {"html", "--help"},
                                             {"tokenize", "--help"},
                                             {"dump", "--help"},
                                             {"heads", "--help"},
                                             {"render", "--help"}}) {
    const auto result = run(command);
    ASSERT_EQ(result.exit_code, 0) << command[0];
    const std::vector<std::string> entries = option_entries(result.out);
    EXPECT_GE(entries.size(), 4U) << command[0];
    for (const auto& entry : entries) {
      if (entry.rfind("  -h,--help", 0) == 0) continue;
      EXPECT_NE(entry.find("e.g. "), std::string::npos) << command[0] << ": " << entry;
    }
  }
}

}  // namespace
}  // namespace attnviz
