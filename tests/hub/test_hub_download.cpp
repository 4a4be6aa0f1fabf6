// Downloads from the fake Hub on 127.0.0.1 into a temporary Hugging Face cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "hub_test_support.hpp"

namespace attnviz {
namespace {

using testing::error_message;
using testing::FakeHub;
using testing::fixture;
using testing::matching;
namespace fs = std::filesystem;

const std::string kBert = "attnviz-test/tiny-bert";
const std::vector<std::string> kBertFiles = {"config.json", "model.safetensors", "vocab.txt",
                                             "tokenizer_config.json"};

using HubDownload = testing::FakeHubTest;

TEST_F(HubDownload, FirstDownloadFillsTheCacheInTheHubLayout) {
  FakeHub hub;
  HubOptions opts = options(hub);
  std::vector<DownloadProgress> reports;
  opts.progress = [&](const DownloadProgress& progress) { reports.push_back(progress); };

  const fs::path dir = resolve_model(kBert, opts);

  const std::string commit = hub.commit(kBert);
  const fs::path repo = cache() / "models--attnviz-test--tiny-bert";
  EXPECT_EQ(dir, repo / "snapshots" / commit);
  EXPECT_EQ(testing::read_file(repo / "refs" / "main"), commit);  // no newline, as huggingface_hub
  for (const auto& file : kBertFiles) {
    SCOPED_TRACE(file);
    const fs::path pointer = dir / file;
    ASSERT_TRUE(fs::is_symlink(pointer));
    EXPECT_EQ(fs::read_symlink(pointer), fs::path("../../blobs") / hub.etag(kBert, file));
    EXPECT_EQ(testing::read_file(pointer), fixture(kBert, file));
  }
  // The LFS blob is named by its sha256, the small files by git's blob sha1.
  EXPECT_EQ(hub.etag(kBert, "model.safetensors").size(), 64u);
  EXPECT_EQ(hub.etag(kBert, "config.json").size(), 40u);
  for (const auto& entry : fs::directory_iterator(repo / "blobs")) {
    EXPECT_NE(entry.path().extension(), ".incomplete");
  }
  // Absent optional files are remembered the way huggingface_hub does.
  EXPECT_TRUE(fs::exists(repo / ".no_exist" / commit / "tokenizer.json"));
  EXPECT_FALSE(fs::exists(dir / "tokenizer.json"));

  ASSERT_FALSE(reports.empty());
  const auto last_weights = std::find_if(reports.rbegin(), reports.rend(), [](const auto& r) {
    return r.file == "model.safetensors";
  });
  ASSERT_NE(last_weights, reports.rend());
  EXPECT_EQ(last_weights->total, fixture(kBert, "model.safetensors").size());
  EXPECT_EQ(last_weights->done, last_weights->total);
}

// A sharded checkpoint (scripts/make_family_checkpoints.py's llama-sharded with a tokenizer): the
// index and every shard it names, then a snapshot the model stage can load.
TEST_F(HubDownload, ShardedCheckpointBringsEveryShard) {
  const std::string sharded = "attnviz-test/tiny-llama-sharded";
  FakeHub hub;
  const fs::path dir = resolve_model(sharded, options(hub));
  for (const auto* file :
       {"config.json", "model.safetensors.index.json", "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors", "tokenizer.json"}) {
    SCOPED_TRACE(file);
    EXPECT_EQ(testing::read_file(dir / file), fixture(sharded, file));
  }
  // A second run finds the snapshot complete and asks nothing.
  const size_t requests = hub.requests().size();
  EXPECT_EQ(resolve_model(sharded, options(hub)), dir);
  EXPECT_EQ(hub.requests().size(), requests);
}

TEST_F(HubDownload, SecondRunMakesNoRequest) {
  FakeHub hub;
  const fs::path first = resolve_model(kBert, options(hub));
  const size_t requests = hub.requests().size();
  ASSERT_GT(requests, 0u);

  EXPECT_EQ(resolve_model(kBert, options(hub)), first);
  EXPECT_EQ(hub.requests().size(), requests);

  // An alias from the aliases file leads to the same cached snapshot, still without a request.
  HubOptions with_alias = options(hub);
  with_alias.aliases_file = temp_.path() / "aliases.json";
  std::ofstream(with_alias.aliases_file) << R"({"tiny": ")" << kBert << R"("})";
  EXPECT_EQ(resolve_model("tiny", with_alias), first);
  EXPECT_EQ(hub.requests().size(), requests);
}

TEST_F(HubDownload, OfflineModeNeverTouchesTheNetwork) {
  FakeHub hub;
  HubOptions offline = options(hub);
  offline.offline = true;

  const std::string message = error_message([&] { resolve_model(kBert, offline); });
  EXPECT_NE(message.find("HF_HUB_OFFLINE"), std::string::npos) << message;
  EXPECT_NE(message.find("local model directory"), std::string::npos) << message;
  EXPECT_NE(message.find((cache()).string()), std::string::npos) << message;
  EXPECT_THROW(download_model(kBert, offline), Error);
  EXPECT_TRUE(hub.requests().empty());

  const fs::path online = resolve_model(kBert, options(hub));
  const size_t requests = hub.requests().size();
  EXPECT_EQ(resolve_model(kBert, offline), online);
  EXPECT_EQ(hub.requests().size(), requests);
}

TEST_F(HubDownload, BrokenTransferIsResumedWithARangeRequest) {
  FakeHub hub({"--cut-once", "model.safetensors"});
  const fs::path dir = resolve_model(kBert, options(hub));

  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  const auto cdn = matching(hub.requests(), "GET /cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_NE(cdn[0].find("range=-"), std::string::npos) << cdn[0];
  // The second request asks for the rest only: half of the file was kept.
  const size_t half = fixture(kBert, "model.safetensors").size() / 2;
  EXPECT_NE(cdn[1].find("range=bytes=" + std::to_string(half) + "-"), std::string::npos) << cdn[1];
}

TEST_F(HubDownload, StalledTransferIsAbandonedAndResumed) {
  FakeHub hub({"--stall-once", "model.safetensors"});
  HubOptions impatient = options(hub);
  impatient.stall_timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  const fs::path dir = resolve_model(kBert, impatient);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  const auto cdn = matching(hub.requests(), "GET /cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  const size_t half = fixture(kBert, "model.safetensors").size() / 2;
  EXPECT_NE(cdn[1].find("range=bytes=" + std::to_string(half) + "-"), std::string::npos) << cdn[1];
}

TEST_F(HubDownload, ConcurrentDownloadsShareTheCache) {
  FakeHub hub;
  std::vector<fs::path> dirs(3);
  std::vector<std::string> errors(3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < dirs.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        dirs[i] = resolve_model(kBert, options(hub));
      } catch (const Error& error) {
        errors[i] = error.what();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (size_t i = 0; i < dirs.size(); ++i) {
    EXPECT_EQ(errors[i], "");
    EXPECT_EQ(dirs[i], dirs[0]);
  }
  for (const auto& file : kBertFiles) {
    EXPECT_EQ(testing::read_file(dirs[0] / file), fixture(kBert, file)) << file;
  }
  // The lock makes each file travel once, however the threads interleave.
  EXPECT_EQ(matching(hub.requests(), "GET ").size(), kBertFiles.size());
}

TEST_F(HubDownload, InterruptedDownloadResumesOnTheNextRun) {
  FakeHub hub({"--cut-once", "model.safetensors"});
  HubOptions no_resume = options(hub);
  no_resume.max_resumes = 0;

  const std::string message = error_message([&] { resolve_model(kBert, no_resume); });
  EXPECT_NE(message.find("run again to resume"), std::string::npos) << message;
  const fs::path repo = cache() / "models--attnviz-test--tiny-bert";
  const std::string sha = hub.etag(kBert, "model.safetensors");
  const fs::path partial = repo / "blobs" / (sha + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  const auto kept = fs::file_size(partial);
  EXPECT_GT(kept, 0u);
  EXPECT_LT(kept, fixture(kBert, "model.safetensors").size());
  // Nothing half-done is visible: no blob under the real name, no pointer, no ref.
  EXPECT_FALSE(fs::exists(repo / "blobs" / sha));
  EXPECT_FALSE(fs::exists(repo / "snapshots" / hub.commit(kBert) / "model.safetensors"));
  EXPECT_FALSE(fs::exists(repo / "refs" / "main"));
  EXPECT_FALSE(find_cached_model(kBert, no_resume).has_value());

  const fs::path dir = resolve_model(kBert, options(hub));
  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  EXPECT_FALSE(fs::exists(partial));
  const auto cdn = matching(hub.requests(), "GET /cdn/");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_NE(cdn[1].find("range=bytes=" + std::to_string(kept) + "-"), std::string::npos) << cdn[1];
}

TEST_F(HubDownload, CorruptTransferIsRejectedAndLeavesNothing) {
  FakeHub hub({"--corrupt", "model.safetensors"});
  const std::string message = error_message([&] { resolve_model(kBert, options(hub)); });
  EXPECT_NE(message.find("sha256"), std::string::npos) << message;
  EXPECT_NE(message.find("model.safetensors"), std::string::npos) << message;

  const fs::path repo = cache() / "models--attnviz-test--tiny-bert";
  const std::string sha = hub.etag(kBert, "model.safetensors");
  EXPECT_FALSE(fs::exists(repo / "blobs" / sha));
  EXPECT_FALSE(fs::exists(repo / "blobs" / (sha + ".incomplete")));
  EXPECT_FALSE(fs::exists(repo / "snapshots" / hub.commit(kBert) / "model.safetensors"));
  EXPECT_FALSE(fs::exists(repo / "refs" / "main"));
}

TEST_F(HubDownload, UnknownModelAndRevisionSayNotFound) {
  FakeHub hub;
  std::string message =
      error_message([&] { resolve_model("attnviz-test/no-such-model", options(hub)); });
  EXPECT_NE(message.find("'attnviz-test/no-such-model' was not found"), std::string::npos)
      << message;
  EXPECT_NE(message.find("404"), std::string::npos) << message;

  HubOptions branch = options(hub);
  branch.revision = "no-such-branch";
  message = error_message([&] { resolve_model(kBert, branch); });
  EXPECT_NE(message.find("revision 'no-such-branch'"), std::string::npos) << message;
}

TEST_F(HubDownload, PrivateModelNeedsHfToken) {
  FakeHub hub({"--private", kBert + "=secret-token"});
  std::string message = error_message([&] { resolve_model(kBert, options(hub)); });
  EXPECT_NE(message.find("401"), std::string::npos) << message;
  EXPECT_NE(message.find("set HF_TOKEN"), std::string::npos) << message;

  HubOptions wrong = options(hub);
  wrong.token = "wrong-token";
  message = error_message([&] { resolve_model(kBert, wrong); });
  EXPECT_NE(message.find("HF_TOKEN is set but was not accepted"), std::string::npos) << message;

  HubOptions right = options(hub);
  right.token = "secret-token";
  const fs::path dir = resolve_model(kBert, right);
  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  // The token goes to the Hub, never to the CDN that serves the large file.
  const auto requests = hub.requests();
  const auto hub_requests = matching(requests, "HEAD /" + kBert);
  ASSERT_FALSE(hub_requests.empty());
  EXPECT_NE(hub_requests.back().find("auth=yes"), std::string::npos);
  const auto cdn = matching(requests, "GET /cdn/");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_NE(cdn[0].find("auth=no"), std::string::npos) << cdn[0];
}

TEST_F(HubDownload, OtherAnswersGiveTheirOwnHint) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"403", "is forbidden (HTTP 403): the model is gated"},
      {"503", "cannot download '" + kBert + "' from "},
      {"200", "it is not a Hugging Face Hub or mirror. Check HF_ENDPOINT"}};
  for (const auto& [status, expected] : cases) {
    FakeHub hub({"--answer", status});
    const std::string message = error_message([&] { resolve_model(kBert, options(hub)); });
    EXPECT_NE(message.find(expected), std::string::npos) << status << ": " << message;
    EXPECT_FALSE(fs::exists(cache() / "models--attnviz-test--tiny-bert" / "refs"));
  }
}

TEST_F(HubDownload, WeightsFallBackToPytorchModelBin) {
  FakeHub hub;
  const fs::path dir = resolve_model("tiny-gpt2", options(hub));
  const std::string commit = hub.commit("tiny-gpt2");
  EXPECT_EQ(dir, cache() / "models--tiny-gpt2" / "snapshots" / commit);
  for (const std::string file : {"config.json", "pytorch_model.bin", "vocab.json", "merges.txt"}) {
    EXPECT_EQ(testing::read_file(dir / file), fixture("tiny-gpt2", file)) << file;
  }
  EXPECT_TRUE(
      fs::exists(cache() / "models--tiny-gpt2" / ".no_exist" / commit / "model.safetensors"));
}

TEST_F(HubDownload, RenamedRepositoryFollowsTheRelativeRedirect) {
  FakeHub hub({"--rename", "old-name=" + kBert});
  const fs::path dir = resolve_model("old-name", options(hub));
  // Cached under the name asked for, as huggingface_hub does.
  EXPECT_EQ(dir, cache() / "models--old-name" / "snapshots" / hub.commit(kBert));
  EXPECT_EQ(testing::read_file(dir / "vocab.txt"), fixture(kBert, "vocab.txt"));
}

TEST_F(HubDownload, IncompleteSnapshotFetchesOnlyWhatIsMissing) {
  FakeHub hub;
  const fs::path dir = resolve_model(kBert, options(hub));
  fs::remove(fs::canonical(dir / "vocab.txt"));  // the blob: a dangling pointer is left
  fs::remove(dir / "model.safetensors");         // the pointer only: its blob stays
  const size_t before = hub.requests().size();

  EXPECT_EQ(resolve_model(kBert, options(hub)), dir);
  const auto requests = hub.requests();
  const std::vector<std::string> after(requests.begin() + static_cast<long>(before),
                                       requests.end());
  const auto gets = matching(after, "GET ");
  ASSERT_EQ(gets.size(), 1u);
  EXPECT_NE(gets[0].find("/vocab.txt"), std::string::npos) << gets[0];
  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  EXPECT_EQ(testing::read_file(dir / "vocab.txt"), fixture(kBert, "vocab.txt"));
}

}  // namespace
}  // namespace attnviz
