// A batch file (TSV with a header, or JSONL) as parse_batch reads it: bad lines are reported, never
// thrown past; a bad header is an attnviz::Error.
#include <sstream>

#include "attnviz/batch_file.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in{std::string(attnviz::fuzz::as_text(data, size))};
  attnviz::fuzz::expect_only_attnviz_errors([&] { attnviz::parse_batch(in); });
  return 0;
}
