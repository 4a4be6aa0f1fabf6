// Bad checkpoints: each one an attnviz::Error that names the problem, never a crash (CI also runs
// these under AddressSanitizer).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
const fs::path kModels = fs::path(ATTNVIZ_TEST_DATA) / "models";

class BadCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("attnviz-bad-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    fs::copy_file(kModels / "bert-tiny" / "config.json", dir_ / "config.json");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write_file(const std::string& bytes, const std::string& name = "model.safetensors") {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  // A safetensors file whose header is `header` and whose data section has `data_bytes` zero bytes.
  void write_safetensors(const std::string& header, std::size_t data_bytes,
                         std::uint64_t declared_length = UINT64_MAX) {
    const std::uint64_t length = declared_length == UINT64_MAX ? header.size() : declared_length;
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
    write_file(bytes + header + std::string(data_bytes, '\0'));
  }
  // The real bert-tiny checkpoint with its header changed by `edit`; offsets stay valid.
  void write_edited_checkpoint(const std::function<void(nlohmann::json&)>& edit) {
    std::ifstream in(kModels / "bert-tiny" / "model.safetensors", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i) length = (length << 8) | static_cast<std::uint8_t>(bytes[i]);
    auto header = nlohmann::json::parse(bytes.substr(8, length));
    edit(header);
    std::string new_header = header.dump();
    write_safetensors(new_header, 0);
    std::ofstream(dir_ / "model.safetensors", std::ios::binary | std::ios::app)
        << bytes.substr(8 + length);
  }
  // The message of the Error that loading throws; fails the test when there is none.
  std::string load_error() {
    try {
      load_model(dir_);
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "loading " << dir_ << " did not fail";
    return "";
  }

  fs::path dir_;
};

MATCHER_P(Mentions, text, "") {
  return arg.find(text) != std::string::npos;
}

TEST_F(BadCheckpoint, TooShort) {
  write_file("abc");
  EXPECT_THAT(load_error(), Mentions("too short"));
}

TEST_F(BadCheckpoint, Truncated) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  EXPECT_THAT(load_error(), Mentions("truncated"));
}

TEST_F(BadCheckpoint, HugeDeclaredHeader) {
  write_safetensors("{}", 0, std::uint64_t{1} << 60);
  EXPECT_THAT(load_error(), Mentions("declares a header of"));
}

TEST_F(BadCheckpoint, HeaderLongerThanFile) {
  write_safetensors("{}", 0, 1000);
  EXPECT_THAT(load_error(), Mentions("declares a header of 1000 bytes"));
}

TEST_F(BadCheckpoint, HeaderNotJson) {
  write_safetensors("{not json", 0);
  EXPECT_THAT(load_error(), Mentions("not a JSON object"));
}

TEST_F(BadCheckpoint, OffsetsBeyondData) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}})", 16);
  EXPECT_THAT(load_error(), Mentions("tensor 'a' lies at bytes [16, 32)"));
}

TEST_F(BadCheckpoint, OffsetsReversed) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", 16);
  EXPECT_THAT(load_error(), Mentions("tensor 'a' lies at bytes"));
}

TEST_F(BadCheckpoint, OverlappingTensors) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                    12);
  EXPECT_THAT(load_error(), Mentions("overlap"));
}

TEST_F(BadCheckpoint, UncoveredBytes) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 16);
  EXPECT_THAT(load_error(), Mentions("the header describes 8 bytes"));
}

TEST_F(BadCheckpoint, SizeDisagreesWithShape) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  EXPECT_THAT(load_error(), Mentions("has shape [3] of F32 but 8 bytes"));
}

TEST_F(BadCheckpoint, ShapeOverflows) {
  write_safetensors(
      R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8);
  EXPECT_THAT(load_error(), Mentions("too large"));
}

TEST_F(BadCheckpoint, UnknownDtype) {
  write_safetensors(R"({"a":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}})", 8);
  EXPECT_THAT(load_error(), Mentions("dtype 'Q4_K', which is not a safetensors dtype"));
}

TEST_F(BadCheckpoint, WeightOfIntegerDtype) {
  write_edited_checkpoint([](nlohmann::json& header) {
    auto& entry = header["bert.embeddings.LayerNorm.bias"];
    entry["dtype"] = "I32";  // same element size, so the offsets stay valid
  });
  EXPECT_THAT(load_error(),
              Mentions("'bert.embeddings.LayerNorm.bias' has dtype I32, but weights must be"));
}

TEST_F(BadCheckpoint, MalformedEntry) {
  write_safetensors(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8);
  EXPECT_THAT(load_error(), Mentions("not a list of sizes"));
}

TEST_F(BadCheckpoint, MissingTensor) {
  write_edited_checkpoint([](nlohmann::json& header) {
    header["renamed"] = header["bert.encoder.layer.1.attention.self.key.weight"];
    header.erase("bert.encoder.layer.1.attention.self.key.weight");
  });
  EXPECT_THAT(load_error(),
              Mentions("missing tensor 'bert.encoder.layer.1.attention.self.key.weight'"));
}

TEST_F(BadCheckpoint, WrongShape) {
  write_edited_checkpoint([](nlohmann::json& header) {
    header["bert.encoder.layer.0.attention.self.query.weight"]["shape"] = {16, 64};
  });
  EXPECT_THAT(load_error(),
              Mentions("'bert.encoder.layer.0.attention.self.query.weight' has shape [16, 64] but "
                       "config.json implies [32, 32]"));
}

TEST_F(BadCheckpoint, NotThisFamily) {
  write_edited_checkpoint([](nlohmann::json& header) {
    nlohmann::json renamed;
    for (auto& [name, value] : header.items())
      renamed[name == "__metadata__" ? name : "other." + name] = value;
    header = renamed;
  });
  EXPECT_THAT(load_error(), Mentions("has no tensor embeddings.word_embeddings.weight or "
                                     "bert.embeddings.word_embeddings.weight"));
}

TEST_F(BadCheckpoint, UnsupportedModelType) {
  fs::copy_file(kModels / "bert-tiny" / "model.safetensors", dir_ / "model.safetensors");
  std::ofstream(dir_ / "config.json") << R"({"model_type": "mamba", "hidden_size": 32})";
  EXPECT_THAT(load_error(), Mentions("model_type 'mamba' has no native implementation"));
}

TEST_F(BadCheckpoint, ConfigMissingKey) {
  fs::copy_file(kModels / "bert-tiny" / "model.safetensors", dir_ / "model.safetensors");
  std::ifstream in(kModels / "bert-tiny" / "config.json");
  auto config = nlohmann::json::parse(in);
  config.erase("num_attention_heads");
  std::ofstream(dir_ / "config.json") << config.dump();
  EXPECT_THAT(load_error(), Mentions("has no 'num_attention_heads'"));
}

TEST_F(BadCheckpoint, NoWeights) {
  EXPECT_THAT(load_error(), Mentions("has no model.safetensors or pytorch_model.bin"));
}

TEST_F(BadCheckpoint, CorruptPytorchBin) {
  write_file("PK\x03\x04 this is not a zip archive", "pytorch_model.bin");
  EXPECT_THAT(load_error(), Mentions("could not be read as a torch.save zip archive"));
}

// Sharded checkpoints: the index must be a weight_map naming shard files beside it.
TEST_F(BadCheckpoint, IndexNotAWeightMap) {
  write_file("[1, 2]", "model.safetensors.index.json");
  EXPECT_THAT(load_error(),
              Mentions("is not a checkpoint index (a JSON object with a weight_map)"));
}

TEST_F(BadCheckpoint, IndexNamesAShardOutsideTheFolder) {
  for (const std::string shard : {"../model.safetensors", "/etc/passwd", "..", "", "a\\\\b"}) {
    write_file(
        nlohmann::json{{"weight_map", {{"embeddings.word_embeddings.weight", shard}}}}.dump(),
        "model.safetensors.index.json");
    EXPECT_THAT(load_error(),
                Mentions("tensor 'embeddings.word_embeddings.weight' names no shard file"))
        << shard;
  }
}

TEST_F(BadCheckpoint, IndexNamesAMissingShard) {
  write_file(R"({"weight_map": {"a": "model-00001-of-00002.safetensors"}})",
             "model.safetensors.index.json");
  EXPECT_THAT(load_error(), Mentions("names the shard model-00001-of-00002.safetensors, which is "
                                     "missing: download the checkpoint again"));
}

TEST(Checkpoint, MissingDirectory) {
  EXPECT_THROW(load_model("/nonexistent/attnviz-model"), Error);
}

}  // namespace
}  // namespace attnviz
