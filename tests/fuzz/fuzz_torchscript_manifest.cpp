// attnviz_manifest.json as load_model reads a TorchScript export's, next to an empty model.pt:
// every manifest is read and checked in full, and a manifest that passes ends at libtorch refusing
// the module, which must also be an attnviz::Error.
#include <filesystem>

#include "attnviz/model.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto dir = [] {
    const auto path = attnviz::fuzz::scratch_dir() / "export";
    std::filesystem::create_directories(path);
    attnviz::fuzz::write_file(path / "model.pt", "");
    return path;
  }();
  attnviz::fuzz::write_file(dir / "attnviz_manifest.json", attnviz::fuzz::as_text(data, size));
  attnviz::fuzz::expect_only_attnviz_errors([&] { attnviz::load_model(dir, {"cpu", 1}); });
  return 0;
}
