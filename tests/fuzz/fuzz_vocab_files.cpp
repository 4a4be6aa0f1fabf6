// The older vocabulary files as load_tokenizer reads them: the first byte picks vocab.txt
// (WordPiece) or vocab.json + merges.txt (byte-level BPE, split at the first NUL byte); then one
// sentence and one pair through the tokenizer.
#include <filesystem>

#include "attnviz/tokenizer.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& dir = attnviz::fuzz::scratch_dir();
  for (const char* name : {"vocab.txt", "vocab.json", "merges.txt"})
    std::filesystem::remove(dir / name);
  const std::string_view rest = attnviz::fuzz::as_text(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    attnviz::fuzz::write_file(dir / "vocab.txt", rest);
  } else {
    const auto nul = rest.find('\0');
    attnviz::fuzz::write_file(dir / "vocab.json", rest.substr(0, nul));
    attnviz::fuzz::write_file(dir / "merges.txt",
                              nul == std::string_view::npos ? "" : rest.substr(nul + 1));
  }
  attnviz::fuzz::expect_only_attnviz_errors([&] {
    const auto tokenizer = attnviz::load_tokenizer(dir, attnviz::TokenizerFiles::vocab_files);
    tokenizer->encode("The animal didn't cross the street, héhé 東京 🙂.");
    tokenizer->encode_pair("Second.", "First [MASK] <|endoftext|>");
  });
  return 0;
}
