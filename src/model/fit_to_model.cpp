#include "attnviz/model.hpp"

namespace attnviz {
namespace {

template <typename T>
void keep(std::vector<T>& values, std::size_t head, std::size_t tail_begin) {
  if (values.empty()) return;
  values.erase(values.begin() + static_cast<std::ptrdiff_t>(head),
               values.begin() + static_cast<std::ptrdiff_t>(tail_begin));
}

}  // namespace

FittedEncoding fit_to_model(const Encoding& encoding, std::size_t max_positions) {
  FittedEncoding fitted{encoding, 0};
  const std::size_t n = encoding.size();
  if (n <= max_positions) return fitted;
  // Template tokens at the end ([SEP]) stay, as transformers' truncation keeps them.
  std::size_t trailing = 0;
  while (trailing < n && trailing + 1 < max_positions && encoding.special.size() == n &&
         encoding.special[n - 1 - trailing]) {
    ++trailing;
  }
  const std::size_t head = max_positions - trailing;
  const std::size_t tail_begin = n - trailing;
  Encoding& out = fitted.encoding;
  keep(out.ids, head, tail_begin);
  keep(out.type_ids, head, tail_begin);
  keep(out.tokens, head, tail_begin);
  keep(out.display, head, tail_begin);
  keep(out.spans, head, tail_begin);
  keep(out.special, head, tail_begin);
  fitted.dropped = n - max_positions;
  return fitted;
}

}  // namespace attnviz
