#pragma once

#include <string>
#include <string_view>

#include "attnviz/encoding.hpp"

namespace attnviz::test {

// A stand-in tokenizer for tests that only need spans: [CLS], one token per run of non-space bytes,
// [SEP].
inline Encoding word_encoding(std::string_view text) {
  Encoding e;
  auto add = [&](std::string token, std::size_t begin, std::size_t end, bool special) {
    e.ids.push_back(static_cast<std::int64_t>(e.ids.size()));
    e.type_ids.push_back(0);
    e.display.push_back(token);
    e.tokens.push_back(std::move(token));
    e.spans.push_back({begin, end});
    e.special.push_back(special);
  };
  add("[CLS]", 0, 0, true);
  std::size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] == ' ') {
      ++pos;
      continue;
    }
    const auto end = std::min(text.find(' ', pos), text.size());
    add(std::string(text.substr(pos, end - pos)), pos, end, false);
    pos = end;
  }
  add("[SEP]", text.size(), text.size(), true);
  return e;
}

}  // namespace attnviz::test
