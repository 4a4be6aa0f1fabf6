// The cache is shared with huggingface_hub both ways: each reads what the other wrote.
#include <gtest/gtest.h>

#include "hub_test_support.hpp"

namespace attnviz {
namespace {

using testing::FakeHub;
using testing::fixture;
namespace fs = std::filesystem;

const std::string kBert = "attnviz-test/tiny-bert";

class HubInterop : public testing::FakeHubTest {
 protected:
  void SetUp() override {
    FakeHubTest::SetUp();
    const auto [status, output] = testing::run_command(
        testing::shell_quote(testing::python_interpreter()) +
        " -c 'import huggingface_hub; print(huggingface_hub.__version__)' 2>&1");
    if (status != 0) {
      GTEST_SKIP() << "huggingface_hub is not importable by " << testing::python_interpreter()
                   << " (set ATTNVIZ_PYTHON to a Python that has it): " << output;
    }
  }

  // Runs a Python script with huggingface_hub pointed at the fake Hub and this test's cache only.
  std::string run_python(const FakeHub& hub, const std::string& script, bool offline) const {
    const fs::path file = temp_.path() / "script.py";
    std::ofstream(file) << script;
    const std::string command = "env HF_ENDPOINT=" + hub.endpoint() + " HF_HOME=" +
                                testing::shell_quote((temp_.path() / "hf-home").string()) +
                                " HF_HUB_CACHE=" + testing::shell_quote(cache().string()) +
                                " HF_HUB_OFFLINE=" + (offline ? "1" : "0") +
                                " HF_HUB_DISABLE_TELEMETRY=1 HF_HUB_DISABLE_XET=1 HF_TOKEN= " +
                                testing::shell_quote(testing::python_interpreter()) + " " +
                                testing::shell_quote(file.string()) + " 2>&1";
    const auto [status, output] = testing::run_command(command);
    EXPECT_EQ(status, 0) << output;
    return output;
  }
};

TEST_F(HubInterop, CacheWrittenByHuggingfaceHubIsReadByAttnviz) {
  FakeHub hub;
  // What `AutoModel/AutoTokenizer.from_pretrained` leaves for a BERT checkpoint.
  const std::string output = run_python(hub, R"(
import os
from huggingface_hub import hf_hub_download
for name in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"]:
    path = hf_hub_download(")" + kBert + R"(", name)
print("SNAPSHOT", os.path.dirname(path))
)",
                                        false);
  const auto at = output.find("SNAPSHOT ");
  ASSERT_NE(at, std::string::npos) << output;
  const std::string snapshot = output.substr(at + 9, output.find('\n', at) - at - 9);
  const size_t requests = hub.requests().size();

  // Online, yet no request: the cache written by huggingface_hub is complete for attnviz.
  const fs::path dir = resolve_model(kBert, options(hub));
  EXPECT_EQ(dir, fs::path(snapshot));
  EXPECT_EQ(hub.requests().size(), requests);
  EXPECT_EQ(testing::read_file(dir / "model.safetensors"), fixture(kBert, "model.safetensors"));
  EXPECT_EQ(testing::read_file(dir / "config.json"), fixture(kBert, "config.json"));
}

TEST_F(HubInterop, CacheWrittenByAttnvizIsReadByHuggingfaceHub) {
  FakeHub hub;
  const fs::path dir = resolve_model(kBert, options(hub));
  const size_t requests = hub.requests().size();

  const std::string output = run_python(hub, R"(
import hashlib
from huggingface_hub import hf_hub_download, try_to_load_from_cache, _CACHED_NO_EXIST
for name in ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"]:
    path = hf_hub_download(")" + kBert + R"(", name, local_files_only=True)
    print("FILE", name, path, hashlib.sha256(open(path, "rb").read()).hexdigest())
absent = try_to_load_from_cache(")" + kBert + R"(", "tokenizer.json")
print("ABSENT", absent is _CACHED_NO_EXIST)
)",
                                        true);
  EXPECT_EQ(hub.requests().size(), requests);  // offline: huggingface_hub asked nothing either
  for (const std::string name :
       {"config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json"}) {
    // Same path as attnviz's snapshot, same bytes as the fixture (hashed by Python, compared here).
    const std::string expected_prefix = "FILE " + name + " " + (dir / name).string() + " ";
    const auto at = output.find(expected_prefix);
    ASSERT_NE(at, std::string::npos) << output;
    const std::string digest = output.substr(at + expected_prefix.size(), 64);
    const auto [status, python_digest] = testing::run_command(
        testing::shell_quote(testing::python_interpreter()) +
        " -c 'import hashlib,sys; "
        "print(hashlib.sha256(open(sys.argv[1],\"rb\").read()).hexdigest())' " +
        testing::shell_quote(std::string(ATTNVIZ_TEST_DATA) + "/hub/repos/" + kBert + "/" + name));
    EXPECT_EQ(digest + "\n", python_digest) << name;
  }
  // huggingface_hub honours the absence marker attnviz wrote for an optional file.
  EXPECT_NE(output.find("ABSENT True"), std::string::npos) << output;
}

// huggingface_hub before 1.0 resumes <etag>.incomplete with a Range request; later versions
// download to a name of their own. Either way the blob it makes beside attnviz's partial file must
// be right.
TEST_F(HubInterop, PartialDownloadOfAttnvizDoesNotSpoilHuggingfaceHubs) {
  FakeHub hub({"--cut-once", "model.safetensors"});
  HubOptions no_resume = options(hub);
  no_resume.max_resumes = 0;
  EXPECT_THROW(resolve_model(kBert, no_resume), Error);
  const fs::path partial = cache() / "models--attnviz-test--tiny-bert" / "blobs" /
                           (hub.etag(kBert, "model.safetensors") + ".incomplete");
  ASSERT_TRUE(fs::exists(partial));
  const std::string resumed = "range=bytes=" + std::to_string(fs::file_size(partial)) + "-";

  run_python(hub,
             R"(
from huggingface_hub import hf_hub_download
hf_hub_download(")" +
                 kBert + R"(", "model.safetensors")
)",
             false);
  const auto requests = hub.requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().rfind("GET /cdn/", 0), 0u) << requests.back();
  EXPECT_TRUE(requests.back().find(resumed) != std::string::npos ||
              requests.back().find("range=-") != std::string::npos)
      << requests.back();
  EXPECT_EQ(testing::read_file(cache() / "models--attnviz-test--tiny-bert" / "snapshots" /
                               hub.commit(kBert) / "model.safetensors"),
            fixture(kBert, "model.safetensors"));
}

}  // namespace
}  // namespace attnviz
