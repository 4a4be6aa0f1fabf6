#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace attnviz {

// Byte range [begin, end) into the text a token came from: for sentence B of a pair, offsets into
// B. Template tokens ([CLS], [SEP]) do not come from the text: they have an empty span at the end
// of the sequence before them.
struct ByteSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
};

// What the tokenize stage hands to the model stage: one sequence (or sentence pair) of token ids.
// All vectors have the same length.
struct Encoding {
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> type_ids;  // 0 for sentence A, 1 for sentence B
  std::vector<std::string> tokens;     // the vocabulary strings ("##ing", "Ġthe", "[CLS]")
  // As a person reads them: "##"/"Ġ" markers removed, a word-continuation piece prefixed with
  // U+00B7 ("·ing"), whitespace made visible ("↵"), special tokens as they are ("[CLS]").
  std::vector<std::string> display;
  std::vector<ByteSpan> spans;  // byte spans into the text each token came from
  // true for template tokens only ([CLS], [SEP]), not for "[MASK]" in text
  std::vector<bool> special;

  std::size_t size() const { return ids.size(); }
};

}  // namespace attnviz
