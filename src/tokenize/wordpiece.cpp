#include "attnviz/error.hpp"
#include "model.hpp"

namespace attnviz::tokenize {

WordPiece::WordPiece(Vocab vocab, WordPieceOptions options)
    : Model(std::move(vocab), options.continuing_subword_prefix), options_(std::move(options)) {
  const auto unk = vocab_.find(options_.unk_token);
  if (!unk) {
    throw Error("WordPiece: the unknown token '" + options_.unk_token +
                "' is not in the vocabulary; the tokenizer files are incomplete or do not match "
                "each other");
  }
  unk_id_ = *unk;
}

void WordPiece::tokenize(const Word& word, std::vector<Piece>& out) const {
  const std::uint32_t n = word.char_count();
  if (n > options_.max_input_chars_per_word) {
    out.push_back({unk_id_, 0, n});
    return;
  }
  const std::size_t first_piece = out.size();
  std::string candidate;
  std::uint32_t start = 0;
  while (start < n) {
    std::uint32_t end = n;
    std::optional<std::int32_t> found;
    for (; end > start; --end) {
      const std::string_view part(word.text.data() + word.char_starts[start],
                                  word.char_starts[end] - word.char_starts[start]);
      if (start == 0) {
        found = vocab_.find(part);
      } else {
        candidate.assign(options_.continuing_subword_prefix).append(part);
        found = vocab_.find(candidate);
      }
      if (found) break;
    }
    if (!found) {
      out.resize(first_piece);
      out.push_back({unk_id_, 0, n});
      return;
    }
    out.push_back({*found, start, end});
    start = end;
  }
}

}  // namespace attnviz::tokenize
