// A tokenizer.json as load_tokenizer reads it, then one sentence and one pair through it.
#include "attnviz/tokenizer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = attnviz::fuzz::scratch_dir();
  attnviz::fuzz::write_file(dir / "tokenizer.json", attnviz::fuzz::as_text(data, size));
  attnviz::fuzz::expect_only_attnviz_errors([&] {
    const auto tokenizer = attnviz::load_tokenizer(dir, attnviz::TokenizerFiles::tokenizer_json);
    tokenizer->encode("The animal didn't cross the street, héhé 東京 🙂.");
    tokenizer->encode_pair("Second.", "First [MASK] <|endoftext|>");
  });
  return 0;
}
