// Saved attentions as `attnviz render` reads them: the first byte picks the format (.npy, .npz or
// .safetensors, by its value mod 3) and whether rows are checked as distributions; the rest is the
// tokens sidecar (JSON), a NUL byte, then the array file.
#include <filesystem>

#include "attnviz/attention_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* const kExtensions[] = {".npy", ".npz", ".safetensors"};
  const auto& dir = attnviz::fuzz::scratch_dir();
  const auto file = dir / (std::string("attention") + kExtensions[data[0] % 3]);
  const std::string_view rest = attnviz::fuzz::as_text(data + 1, size - 1);
  const auto nul = rest.find('\0');
  attnviz::fuzz::write_file(dir / "tokens.json", rest.substr(0, nul));
  attnviz::fuzz::write_file(file, nul == std::string_view::npos ? "" : rest.substr(nul + 1));
  attnviz::AttentionFileOptions options;
  options.tokens = dir / "tokens.json";
  options.check = data[0] / 3 % 2 == 0;
  attnviz::fuzz::expect_only_attnviz_errors([&] { attnviz::read_attention_file(file, options); });
  return 0;
}
