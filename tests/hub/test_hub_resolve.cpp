// Name resolution without a server: local folders, aliases, cache lookup, environment, messages.
#include <gtest/gtest.h>

#include "hub_test_support.hpp"

namespace attnviz {
namespace {

using testing::error_message;
using testing::TempDir;
namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

// A snapshot laid out by hand the way huggingface_hub lays it out (blobs + relative symlinks).
void cache_snapshot(const fs::path& cache, const std::string& folder, const std::string& commit,
                    const std::vector<std::string>& files) {
  const fs::path repo = cache / folder;
  for (const auto& file : files) {
    write(repo / "blobs" / ("blob-" + file), "content of " + file);
    fs::create_directories(repo / "snapshots" / commit);
    fs::create_symlink(fs::path("../../blobs") / ("blob-" + file),
                       repo / "snapshots" / commit / file);
  }
  write(repo / "refs" / "main", commit);
}

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

class HubResolve : public ::testing::Test {
 protected:
  HubOptions options() const {
    HubOptions options;
    options.models_dir = temp_.path() / "models";
    options.aliases_file = temp_.path() / "models" / "aliases.json";
    options.cache_dir = temp_.path() / "cache";
    options.offline = true;
    return options;
  }
  TempDir temp_;
};

TEST_F(HubResolve, ExistingDirectoryIsTakenAsIs) {
  EXPECT_EQ(resolve_model(temp_.path().string(), options()), temp_.path());
}

TEST_F(HubResolve, MissingDirectoryOrFileIsAnError) {
  std::string message = error_message([&] { resolve_model("./no/such/dir", options()); });
  EXPECT_NE(message.find("does not exist"), std::string::npos) << message;
  write(temp_.path() / "config.json", "{}");
  message =
      error_message([&] { resolve_model((temp_.path() / "config.json").string(), options()); });
  EXPECT_NE(message.find("pass the directory"), std::string::npos) << message;
}

TEST_F(HubResolve, SymbolicLinkLoopInTheDirectoryIsAnError) {
  fs::create_symlink("config.json", temp_.path() / "config.json");
  const std::string message =
      error_message([&] { resolve_model(temp_.path().string(), options()); });
  EXPECT_NE(message.find((temp_.path() / "config.json").string() + " is a symbolic link loop"),
            std::string::npos)
      << message;
  fs::create_directories(temp_.path() / "models" / "looped");
  fs::rename(temp_.path() / "config.json", temp_.path() / "models" / "looped" / "config.json");
  const std::string in_models = error_message([&] { resolve_model("looped", options()); });
  EXPECT_NE(in_models.find("symbolic link loop"), std::string::npos) << in_models;
}

TEST_F(HubResolve, ModelsFolderComesBeforeAliasesAndCache) {
  cache_snapshot(temp_.path() / "cache", "models--bert-base-uncased", kCommit,
                 {"config.json", "model.safetensors", "vocab.txt"});
  fs::create_directories(temp_.path() / "models" / "bert");
  EXPECT_EQ(resolve_model("bert", options()), temp_.path() / "models" / "bert");
  fs::remove(temp_.path() / "models" / "bert");
  EXPECT_EQ(resolve_model("bert", options()),
            temp_.path() / "cache" / "models--bert-base-uncased" / "snapshots" / kCommit);
}

TEST_F(HubResolve, AliasesFileExtendsAndOverridesTheBuiltIns) {
  EXPECT_EQ(alias_targets("bert", options()),
            (std::vector<std::string>{"bert-base-uncased", "google-bert/bert-base-uncased"}));
  EXPECT_EQ(alias_targets("gpt2", options()),
            (std::vector<std::string>{"openai-community/gpt2", "gpt2"}));
  EXPECT_EQ(alias_targets("org/other", options()), std::vector<std::string>{"org/other"});
  write(options().aliases_file, R"({"bert": "me/my-bert", "pair": ["a/b", "c"]})");
  EXPECT_EQ(alias_targets("bert", options()), std::vector<std::string>{"me/my-bert"});
  EXPECT_EQ(alias_targets("pair", options()), (std::vector<std::string>{"a/b", "c"}));
  EXPECT_EQ(alias_targets("gpt2", options()).front(), "openai-community/gpt2");
}

TEST_F(HubResolve, TheCommittedAliasesFileIsValid) {
  HubOptions committed = options();
  committed.aliases_file =
      fs::path(std::getenv("ATTNVIZ_SOURCE_DIR") ? std::getenv("ATTNVIZ_SOURCE_DIR") : ".") /
      "models" / "aliases.json";
  ASSERT_TRUE(fs::exists(committed.aliases_file)) << committed.aliases_file;
  EXPECT_EQ(alias_targets("bert", committed).front(), "bert-base-uncased");
  EXPECT_EQ(alias_targets("gpt2", committed).front(), "openai-community/gpt2");
  EXPECT_EQ(alias_targets("smollm2", committed).front(), "HuggingFaceTB/SmolLM2-135M-Instruct");
  // What scripts/make_smollm2_dir.sh makes, found before the Hub.
  EXPECT_EQ(
      alias_folders("smollm2", committed),
      std::vector<fs::path>{committed.aliases_file.parent_path() / "./smollm2-135m-instruct"});
}

TEST_F(HubResolve, AliasFolderComesFirstThenItsHubIds) {
  write(options().aliases_file, R"({"small": ["./small-local", "org/small"]})");
  EXPECT_EQ(alias_targets("small", options()), std::vector<std::string>{"org/small"});
  EXPECT_EQ(alias_folders("small", options()),
            std::vector<fs::path>{temp_.path() / "models" / "./small-local"});
  cache_snapshot(temp_.path() / "cache", "models--org--small", kCommit,
                 {"config.json", "model.safetensors", "tokenizer.json"});
  // The folder is missing: the Hub id's cached snapshot.
  EXPECT_EQ(resolve_model("small", options()),
            temp_.path() / "cache" / "models--org--small" / "snapshots" / kCommit);
  fs::create_directories(temp_.path() / "models" / "small-local");
  EXPECT_EQ(resolve_model("small", options()), temp_.path() / "models" / "./small-local");
}

TEST_F(HubResolve, AliasOfMissingFoldersOnlyNamesThem) {
  write(options().aliases_file, R"({"small": "./small-local"})");
  const std::string message = error_message([&] { resolve_model("small", options()); });
  EXPECT_NE(message.find("alias 'small'"), std::string::npos) << message;
  EXPECT_NE(message.find((temp_.path() / "models" / "./small-local").string()), std::string::npos)
      << message;
  EXPECT_NE(message.find("add a Hub id"), std::string::npos) << message;
}

TEST_F(HubResolve, BadAliasesFileNamesTheFile) {
  write(options().aliases_file, R"({"bert": 3})");
  std::string message = error_message([&] { alias_targets("bert", options()); });
  EXPECT_NE(message.find(options().aliases_file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("'bert'"), std::string::npos) << message;
  write(options().aliases_file, "{not json");
  message = error_message([&] { alias_targets("bert", options()); });
  EXPECT_NE(message.find("not valid JSON"), std::string::npos) << message;
}

TEST_F(HubResolve, AliasesFileNumberADoubleCannotHoldNamesTheFile) {
  // nlohmann's parser throws out_of_range, not parse_error, for a number past a double's range.
  write(options().aliases_file, R"({"bert": 1e999})");
  const std::string message = error_message([&] { alias_targets("bert", options()); });
  EXPECT_NE(message.find(options().aliases_file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("1e999"), std::string::npos) << message;
}

TEST_F(HubResolve, AliasesFileFieldOfTheWrongTypeNamesFileAndField) {
  for (const char* text : {R"({"bert": {"id": "a/b"}})", R"({"bert": ["a/b", 7]})"}) {
    write(options().aliases_file, text);
    const std::string message = error_message([&] { alias_targets("bert", options()); });
    EXPECT_NE(message.find(options().aliases_file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("alias 'bert'"), std::string::npos) << message;
  }
}

TEST_F(HubResolve, AliasCandidatesAreSearchedInTheCacheInOrder) {
  // A user who loaded "gpt2" with transformers has models--gpt2, not
  // models--openai-community--gpt2.
  cache_snapshot(temp_.path() / "cache", "models--gpt2", kCommit,
                 {"config.json", "model.safetensors", "vocab.json", "merges.txt"});
  EXPECT_EQ(resolve_model("gpt2", options()),
            temp_.path() / "cache" / "models--gpt2" / "snapshots" / kCommit);
}

TEST_F(HubResolve, CachedSnapshotMustBeUsable) {
  const fs::path cache = temp_.path() / "cache";
  cache_snapshot(cache, "models--org--no-weights", kCommit, {"config.json", "tokenizer.json"});
  cache_snapshot(cache, "models--org--no-merges", kCommit,
                 {"config.json", "pytorch_model.bin", "vocab.json"});
  cache_snapshot(cache, "models--org--spm", kCommit,
                 {"config.json", "pytorch_model.bin", "spiece.model"});
  EXPECT_FALSE(find_cached_model("org/no-weights", options()));
  EXPECT_FALSE(find_cached_model("org/no-merges", options()));
  EXPECT_EQ(find_cached_model("org/spm", options()),
            cache / "models--org--spm" / "snapshots" / kCommit);
  // A dangling pointer (blob deleted by hand) does not count.
  fs::remove(cache / "models--org--spm" / "blobs" / "blob-spiece.model");
  EXPECT_FALSE(find_cached_model("org/spm", options()));
  // A commit hash as revision needs no ref.
  fs::remove(cache / "models--org--no-merges" / "refs" / "main");
  write(cache / "models--org--no-merges" / "snapshots" / kCommit / "merges.txt", "#version: 0.2\n");
  HubOptions pinned = options();
  pinned.revision = kCommit;
  EXPECT_TRUE(find_cached_model("org/no-merges", pinned));
  EXPECT_FALSE(find_cached_model("org/no-merges", options()));
}

TEST_F(HubResolve, OfflineWithoutCacheSaysWhatToDo) {
  const std::string message = error_message([&] { resolve_model("bert", options()); });
  EXPECT_NE(message.find("HF_HUB_OFFLINE is set and 'bert-base-uncased'"), std::string::npos)
      << message;
  EXPECT_NE(message.find("local model directory"), std::string::npos) << message;
  EXPECT_NE(message.find("fill the cache"), std::string::npos) << message;
}

TEST_F(HubResolve, UnreachableEndpointSaysWhatToDo) {
  HubOptions online = options();
  online.offline = false;
  online.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  const std::string message = error_message([&] { resolve_model("bert", online); });
  EXPECT_NE(message.find("cannot download 'bert-base-uncased' from http://127.0.0.1:1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("Pass a local model directory"), std::string::npos) << message;
  EXPECT_NE(message.find("set HF_ENDPOINT to a mirror"), std::string::npos) << message;
  EXPECT_NE(message.find("fill the cache"), std::string::npos) << message;
}

TEST_F(HubResolve, InvalidHubIdIsAnError) {
  for (const std::string name : {"two--dashes", "a/b/c", "bad name", "x..y", "-lead"}) {
    const std::string message = error_message([&] { resolve_model(name, options()); });
    EXPECT_NE(message.find("is not a Hugging Face model id"), std::string::npos)
        << name << ": " << message;
  }
}

class HubEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kVariables) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      unsetenv(name);
    }
  }
  void TearDown() override {
    for (const char* name : kVariables) unsetenv(name);
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  static constexpr const char* kVariables[] = {"HOME",
                                               "XDG_CACHE_HOME",
                                               "HF_HOME",
                                               "HF_HUB_CACHE",
                                               "HUGGINGFACE_HUB_CACHE",
                                               "HF_ENDPOINT",
                                               "HF_TOKEN",
                                               "HUGGING_FACE_HUB_TOKEN",
                                               "HF_TOKEN_PATH",
                                               "HF_HUB_OFFLINE",
                                               "TRANSFORMERS_OFFLINE",
                                               "HF_HUB_ETAG_TIMEOUT",
                                               "HF_HUB_DOWNLOAD_TIMEOUT"};
  std::vector<std::pair<std::string, std::string>> saved_;
  TempDir temp_;
};

TEST_F(HubEnvironment, CacheFolderFollowsHuggingfaceHub) {
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(HubOptions::from_environment().cache_dir, "/home/someone/.cache/huggingface/hub");
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(HubOptions::from_environment().cache_dir, "/xdg/huggingface/hub");
  setenv("HF_HOME", "~/hf", 1);
  EXPECT_EQ(HubOptions::from_environment().cache_dir, "/home/someone/hf/hub");
  setenv("HUGGINGFACE_HUB_CACHE", "/old", 1);
  EXPECT_EQ(HubOptions::from_environment().cache_dir, "/old");
  setenv("HF_HUB_CACHE", "/new", 1);
  EXPECT_EQ(HubOptions::from_environment().cache_dir, "/new");
}

TEST_F(HubEnvironment, EndpointOfflineTokenAndTimeouts) {
  setenv("HOME", temp_.path().c_str(), 1);
  HubOptions defaults = HubOptions::from_environment();
  EXPECT_EQ(defaults.endpoint, "https://huggingface.co");
  EXPECT_FALSE(defaults.offline);
  EXPECT_EQ(defaults.token, "");

  setenv("HF_ENDPOINT", "https://mirror.example/", 1);
  for (const char* yes : {"1", "on", "YES", "true"}) {
    setenv("HF_HUB_OFFLINE", yes, 1);
    EXPECT_TRUE(HubOptions::from_environment().offline) << yes;
  }
  setenv("HF_HUB_OFFLINE", "0", 1);
  EXPECT_FALSE(HubOptions::from_environment().offline);
  unsetenv("HF_HUB_OFFLINE");
  setenv("TRANSFORMERS_OFFLINE", "1", 1);
  EXPECT_TRUE(HubOptions::from_environment().offline);
  EXPECT_EQ(HubOptions::from_environment().endpoint, "https://mirror.example");

  // The token file `hf auth login` writes, unless HF_TOKEN is set.
  write(temp_.path() / ".cache" / "huggingface" / "token", "hf_from_file\n");
  EXPECT_EQ(HubOptions::from_environment().token, "hf_from_file");
  setenv("HF_TOKEN", "hf_from_variable", 1);
  EXPECT_EQ(HubOptions::from_environment().token, "hf_from_variable");

  setenv("HF_HUB_DOWNLOAD_TIMEOUT", "30", 1);
  EXPECT_EQ(HubOptions::from_environment().stall_timeout_s, 30);
  setenv("HF_HUB_ETAG_TIMEOUT", "soon", 1);
  const std::string message = error_message([] { HubOptions::from_environment(); });
  EXPECT_NE(message.find("HF_HUB_ETAG_TIMEOUT"), std::string::npos) << message;
}

TEST(HubProgress, FormatsABar) {
  EXPECT_EQ(format_progress({"model.safetensors", 220'000'000, 440'000'000}, 10),
            "model.safetensors   50% [#####.....]  220.0/440.0 MB");
  EXPECT_EQ(format_progress({"vocab.txt", 231'508, 231'508}, 4),
            "vocab.txt  100% [####]  231.5/231.5 kB");
  EXPECT_EQ(format_progress({"config.json", 0, 570}, 4), "config.json    0% [....]  0.0/570.0 B");
  EXPECT_EQ(format_progress({"big.bin", 1'500'000'000, 0}), "big.bin  1.5 GB");
}

}  // namespace
}  // namespace attnviz
