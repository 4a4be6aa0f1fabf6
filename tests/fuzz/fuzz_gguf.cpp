// A GGUF file (header, metadata of every type, tensor infos, data) as GgufFile opens and checks it;
// every tensor it accepts is read whole and, where its type allows, dequantized.
#include <vector>

#include "dequantize.hpp"  // src/gguf, which needs no torch
#include "fuzz_support.hpp"
#include "gguf_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = attnviz::fuzz::scratch_dir() / "model.gguf";
  attnviz::fuzz::write_file(path, attnviz::fuzz::as_text(data, size));
  attnviz::fuzz::expect_only_attnviz_errors([&] {
    const attnviz::gguf::GgufFile file(path);
    for (const auto& info : file.tensors()) {
      // Every tensor lies inside the mapping: reading and decoding its bytes must be clean under
      // ASan.
      if (!attnviz::gguf::can_dequantize(info.type) || info.elements > (1u << 20)) continue;
      std::vector<float> values(info.elements);
      attnviz::gguf::dequantize_tensor(info, path.string(), values.data());
    }
  });
  return 0;
}
