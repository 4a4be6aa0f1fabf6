// A .safetensors file (header length, JSON header, data) as SafetensorsFile opens and checks it.
#include "fuzz_support.hpp"
#include "safetensors_file.hpp"  // src/model, which needs no torch

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = attnviz::fuzz::scratch_dir() / "model.safetensors";
  attnviz::fuzz::write_file(path, attnviz::fuzz::as_text(data, size));
  attnviz::fuzz::expect_only_attnviz_errors([&] {
    const attnviz::model::SafetensorsFile file(path);
    std::size_t bytes = 0;
    for (const auto& [name, entry] : file.entries()) {
      // Every entry lies inside the mapping: reading its bytes must be clean under ASan.
      for (std::size_t i = 0; i < entry.bytes; i += 4096)
        bytes += static_cast<std::size_t>(entry.data[i]);
    }
    (void)bytes;
  });
  return 0;
}
