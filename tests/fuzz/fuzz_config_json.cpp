// config.json as load_model reads it, next to real weights: the first byte picks bert-tiny's or
// gpt2-tiny's model.safetensors, the rest is config.json. A field of the wrong type, sizes the
// weights do not have, or sizes past any bound (num_hidden_layers 1e9, hidden_size not divisible by
// num_attention_heads) must each be an attnviz::Error, before any large allocation.
#include <filesystem>

#include "attnviz/model.hpp"
#include "fuzz_support.hpp"

namespace {

// scratch/bert-tiny and scratch/gpt2-tiny, each with its checkpoint's weights, made once.
const std::filesystem::path& model_dir(bool gpt2) {
  static const auto make = [](const char* name) {
    const auto dir = attnviz::fuzz::scratch_dir() / name;
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(
        std::filesystem::path(ATTNVIZ_TEST_DATA) / "models" / name / "model.safetensors",
        dir / "model.safetensors", std::filesystem::copy_options::overwrite_existing);
    return dir;
  };
  static const auto bert = make("bert-tiny");
  static const auto gpt2_dir = make("gpt2-tiny");
  return gpt2 ? gpt2_dir : bert;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& dir = model_dir(data[0] % 2 == 1);
  attnviz::fuzz::write_file(dir / "config.json", attnviz::fuzz::as_text(data + 1, size - 1));
  attnviz::fuzz::expect_only_attnviz_errors([&] { attnviz::load_model(dir, {"cpu", 1}); });
  return 0;
}
