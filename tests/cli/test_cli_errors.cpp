// Bad input through the real binary: one clear line on stderr and a non-zero exit, never a crash.
// CI runs these under AddressSanitizer too (scripts/run_sanitized_tests.sh).
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(ATTNVIZ_TEST_DATA) / "models";
const std::string kBert = (kModels / "bert-tiny").string();
const std::string kSentence = "The animal didn't cross the street because it was too tired.";

class CliError : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs attnviz and checks the error contract; returns the message line.
  std::string expect_error(const std::vector<std::string>& args) {
    const auto result = test::run_cli(args, dir_);
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
    EXPECT_EQ(result.err.rfind("attnviz: error: ", 0), 0U) << result.err;
    return result.err;
  }

  // A model directory with bert-tiny's config and tokenizer and `weights` as its model.safetensors.
  std::string model_with_weights(const std::string& weights) {
    const auto model = dir_ / "model";
    fs::create_directories(model);
    for (const char* file :
         {"config.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"}) {
      fs::copy_file(kModels / "bert-tiny" / file, model / file);
    }
    std::ofstream(model / "model.safetensors", std::ios::binary) << weights;
    return model.string();
  }
  static std::string safetensors(const std::string& header, std::size_t data_bytes,
                                 std::uint64_t declared = UINT64_MAX) {
    const std::uint64_t length = declared == UINT64_MAX ? header.size() : declared;
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    return bytes + header + std::string(data_bytes, '\0');
  }
  // bert-tiny's own weights with the header edited.
  static std::string edited_checkpoint(const std::function<void(nlohmann::json&)>& edit) {
    const std::string bytes = test::read_all(kModels / "bert-tiny" / "model.safetensors");
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<std::uint8_t>(bytes[i]);
    auto header = nlohmann::json::parse(bytes.substr(8, length));
    edit(header);
    return safetensors(header.dump(), 0) + bytes.substr(8 + length);
  }

  fs::path dir_;
};

TEST_F(CliError, TruncatedSafetensors) {
  const std::string whole = test::read_all(kModels / "bert-tiny" / "model.safetensors");
  const auto model = model_with_weights(whole.substr(0, whole.size() / 2));
  EXPECT_NE(
      expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence}).find("truncated"),
      std::string::npos);
}

TEST_F(CliError, OffsetsThatLie) {
  const auto model = model_with_weights(
      safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 16));
  EXPECT_NE(expect_error({"dump", "--model", model, kSentence}).find("lies at bytes [8, 24)"),
            std::string::npos);
}

TEST_F(CliError, OverlappingTensors) {
  const auto model = model_with_weights(safetensors(
      R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
      12));
  EXPECT_NE(
      expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence}).find("overlap"),
      std::string::npos);
}

TEST_F(CliError, UnknownDtype) {
  const auto model = model_with_weights(
      safetensors(R"({"a":{"dtype":"F31","shape":[2],"data_offsets":[0,8]}})", 8));
  EXPECT_NE(expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence})
                .find("dtype 'F31'"),
            std::string::npos);
}

TEST_F(CliError, HugeDeclaredHeader) {
  const auto model = model_with_weights(safetensors("{}", 0, UINT64_MAX - 1));
  EXPECT_NE(expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence})
                .find("declares a header"),
            std::string::npos);
}

// Resource limits: each a clear error, without the allocation the input asks for.
TEST_F(CliError, HeaderDeclaringATrillionElements) {
  const auto model = model_with_weights(
      safetensors(R"({"a":{"dtype":"F32","shape":[1000000,1000000],"data_offsets":[0,4]}})", 4));
  EXPECT_NE(expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence})
                .find("has shape [1000000, 1000000] of F32 but 4 bytes of data"),
            std::string::npos);
}

TEST_F(CliError, VocabularyOfNoEntries) {
  const auto model = dir_ / "empty-vocab";
  fs::create_directories(model);
  fs::copy_file(kModels / "bert-tiny" / "config.json", model / "config.json");
  fs::copy_file(kModels / "bert-tiny" / "model.safetensors", model / "model.safetensors");
  std::ofstream(model / "vocab.txt");
  EXPECT_NE(expect_error({"--model", model.string(), "--layer", "1", "--head", "1", kSentence})
                .find("vocab.txt is empty"),
            std::string::npos);
}

// A tokenizer file that is a symbolic link to itself (it used to be an "internal error").
TEST_F(CliError, SymbolicLinkLoopInTheModelDirectory) {
  const auto model = dir_ / "loop";
  fs::create_directories(model);
  fs::copy_file(kModels / "bert-tiny" / "config.json", model / "config.json");
  fs::copy_file(kModels / "bert-tiny" / "model.safetensors", model / "model.safetensors");
  fs::create_symlink("vocab.txt", model / "vocab.txt");
  const std::string message =
      expect_error({"--model", model.string(), "--layer", "1", "--head", "1", kSentence});
  EXPECT_NE(message.find("loop/vocab.txt"), std::string::npos) << message;
  EXPECT_NE(message.find("a symbolic link loop"), std::string::npos) << message;
}

TEST_F(CliError, MissingTensor) {
  const auto model = model_with_weights(edited_checkpoint(
      [](nlohmann::json& header) { header.erase("bert.encoder.layer.2.output.dense.bias"); }));
  // Erasing the entry leaves its bytes uncovered, which the file check reports first; renaming
  // keeps them.
  const auto renamed = dir_ / "renamed";
  fs::create_directories(renamed);
  for (const auto& entry : fs::directory_iterator(model))
    fs::copy_file(entry.path(), renamed / entry.path().filename());
  std::ofstream(renamed / "model.safetensors", std::ios::binary)
      << edited_checkpoint([](nlohmann::json& header) {
           header["spare"] = header["bert.encoder.layer.2.output.dense.bias"];
           header.erase("bert.encoder.layer.2.output.dense.bias");
         });
  EXPECT_NE(expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence})
                .find("belong to no tensor"),
            std::string::npos);
  EXPECT_NE(expect_error({"--model", renamed.string(), "--layer", "1", "--head", "1", kSentence})
                .find("missing tensor 'bert.encoder.layer.2.output.dense.bias'"),
            std::string::npos);
}

TEST_F(CliError, WrongShape) {
  const auto model = model_with_weights(edited_checkpoint([](nlohmann::json& header) {
    header["bert.embeddings.position_embeddings.weight"]["shape"] = {48, 64};
  }));
  EXPECT_NE(expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence})
                .find("has shape [48, 64]"),
            std::string::npos);
}

TEST_F(CliError, UnsupportedModelType) {
  const auto model =
      model_with_weights(test::read_all(kModels / "bert-tiny" / "model.safetensors"));
  std::ofstream(fs::path(model) / "config.json") << R"({"model_type": "mamba"})";
  const std::string error =
      expect_error({"--model", model, "--layer", "1", "--head", "1", kSentence});
  EXPECT_NE(error.find("model_type 'mamba'"), std::string::npos);
  // The message lists the table: decoders, encoders and encoder-decoders alike.
  for (const char* family : {"gpt2", "modernbert", "deberta-v2", "mixtral", "t5"})
    EXPECT_NE(error.find(family), std::string::npos) << family << " missing from: " << error;
}

TEST_F(CliError, LayerOutOfRange) {
  EXPECT_NE(expect_error({"--model", kBert, "--layer", "13", "--head", "1", kSentence})
                .find("layer 13 of 3"),
            std::string::npos);
}

TEST_F(CliError, RolloutOfOneHeadOrWithCompare) {
  EXPECT_NE(expect_error({"--model", kBert, "--rollout", "--head", "1", kSentence})
                .find("leave out --head"),
            std::string::npos);
  EXPECT_NE(expect_error({"--model", kBert, "--rollout", "--layer", "2", "--head", "mean",
                          kSentence, "--compare", "Another one."})
                .find("--rollout cannot be combined with --compare"),
            std::string::npos);
}

TEST_F(CliError, HeadsCorpusMissing) {
  EXPECT_NE(expect_error({"heads", "--model", kBert, "--corpus", "nowhere.txt"})
                .find("corpus file nowhere.txt does not exist"),
            std::string::npos);
}

TEST_F(CliError, HeadZero) {
  EXPECT_NE(expect_error({"--model", kBert, "--layer", "1", "--head", "0", kSentence})
                .find("head 0 of 4"),
            std::string::npos);
}

TEST_F(CliError, HeadNotANumber) {
  EXPECT_NE(expect_error({"--model", kBert, "--layer", "1", "--head", "five", kSentence})
                .find("heads 1-4"),
            std::string::npos);
}

TEST_F(CliError, EmptySentence) {
  expect_error({"--model", kBert, "--layer", "1", "--head", "1", ""});
  EXPECT_NE(expect_error({"--model", kBert, "--layer", "1", "--head", "1", " \t "}).find("empty"),
            std::string::npos);
  EXPECT_NE(expect_error({"--model", kBert, "--layer", "1", "--head", "1", "--pair", "  ", "Hi."})
                .find("second sentence (--pair) is empty"),
            std::string::npos);
}

TEST_F(CliError, PairOnAModelWithoutTokenTypes) {
  const std::string gpt2 = (kModels / "gpt2-tiny").string();
  EXPECT_NE(
      expect_error({"--model", gpt2, "--layer", "1", "--head", "1", "--pair", "It was.", kSentence})
          .find("cannot tell the two sentences of a pair apart"),
      std::string::npos);
}

TEST_F(CliError, NoSentence) {
  expect_error({"--model", kBert, "--layer", "1", "--head", "1"});
}

TEST_F(CliError, MissingModelDirectory) {
  expect_error({"--model", "/nonexistent/model/dir", "--layer", "1", "--head", "1", kSentence});
}

TEST_F(CliError, CudaWithoutCuda) {
  const auto result = test::run_cli(
      {"--model", kBert, "--device", "cuda", "--layer", "1", "--head", "1", kSentence}, dir_);
  if (result.exit_code == 0) GTEST_SKIP() << "this libtorch has CUDA and a GPU";
  EXPECT_NE(
      expect_error({"--model", kBert, "--device", "cuda", "--layer", "1", "--head", "1", kSentence})
          .find("CUDA"),
      std::string::npos);
}

TEST_F(CliError, FocusWordAbsent) {
  EXPECT_NE(expect_error(
                {"--model", kBert, "--layer", "1", "--head", "1", "--focus", "giraffe", kSentence})
                .find("giraffe"),
            std::string::npos);
}

TEST_F(CliError, SymbolicLinkLoopOnConfigJson) {
  const auto model = dir_ / "loop";
  fs::create_directories(model);
  for (const char* file : {"model.safetensors", "tokenizer.json", "tokenizer_config.json"})
    fs::copy_file(kModels / "bert-tiny" / file, model / file);
  fs::create_symlink("config.json", model / "config.json");
  for (const auto& command : std::vector<std::vector<std::string>>{
           {"--model", model.string(), "--layer", "1", "--head", "1", kSentence},
           {"html", "--model", model.string(), kSentence}}) {
    const std::string message = expect_error(command);
    EXPECT_NE(message.find("loop/config.json is a symbolic link loop"), std::string::npos)
        << message;
  }
}

TEST_F(CliError, OutputIntoAMissingFolderSaysSoOnEveryCommand) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--model", kBert, "--layer", "1", "--head", "1", kSentence, "-o", "missing/out.png"},
       "PNG"},
      {{"--model", kBert, "--layer", "1", "--head", "1", kSentence, "-o", "missing/out.svg"},
       "SVG"},
      {{"html", "--model", kBert, kSentence, "-o", "missing/view.html"}, "HTML page"},
      {{"dump", "--model", kBert, kSentence, "-o", "missing/attention.npy"}, "attentions (.npy)"}};
  for (const auto& [args, what] : cases) {
    const std::string message = expect_error(args);
    EXPECT_NE(message.find("cannot write the " + what + " to missing/"), std::string::npos)
        << message;
    EXPECT_NE(message.find("the folder missing does not exist"), std::string::npos) << message;
  }
}

TEST_F(CliError, UnwritableOutput) {
  expect_error({"--model", kBert, "--layer", "1", "--head", "1", kSentence, "-o",
                "/nonexistent/dir/out.png"});
}

TEST_F(CliError, MissingBatchFile) {
  expect_error({"batch", "--model", kBert, "no-such-file.tsv"});
}

TEST_F(CliError, BatchFileWithoutPairs) {
  std::ofstream(dir_ / "empty.tsv") << "";
  EXPECT_NE(expect_error({"batch", "--model", kBert, "empty.tsv"}).find("holds no pairs"),
            std::string::npos);
  std::ofstream(dir_ / "header.tsv") << "id\tsentence_a\tsentence_b\tpronoun\tcandidate_1\t"
                                        "candidate_2\tcorrect_a\tcorrect_b\n";
  EXPECT_NE(expect_error({"batch", "--model", kBert, "header.tsv"}).find("holds no pairs"),
            std::string::npos);
}

// A command line that cannot be parsed: one "attnviz: error:" line saying what to do, exit 2.
TEST(CliUsage, UnparsableCommandLinesGetOneLineAndExitTwo) {
  const auto dir = test::fresh_dir("usage");
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--colour", "red"}, "no such option"},
      {{"--model", kBert, "--layer", "1", "--head", "1", "The", "animal"},
       "put a sentence with spaces in quotes"},
      {{"--threads", "-1", "hi"}, "--threads: Value -1 not in range 0 to 1024"},
      {{"--top", "0", "hi"}, "--top: Value 0 not in range 1 to 1000"},
      {{"batch", "pairs.tsv", "--batch-size", "0"}, "not in range 1 to 4096"},
  };
  for (const auto& [args, expected] : cases) {
    const auto result = test::run_cli(args, dir);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_EQ(test::count_lines(result.err), 1) << result.err;
    EXPECT_EQ(result.err.rfind("attnviz: error: ", 0), 0U) << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace attnviz
