#include "attnviz/error.hpp"
#include "model.hpp"

namespace attnviz::tokenize {

WordLevel::WordLevel(Vocab vocab, std::string unk_token)
    : Model(std::move(vocab), ""),
      unk_token_(std::move(unk_token)),
      unk_id_(vocab_.find(unk_token_)) {}

void WordLevel::tokenize(const Word& word, std::vector<Piece>& out) const {
  const auto id = vocab_.find(word.text);
  if (!id && !unk_id_) {
    throw Error("WordLevel model: the word \"" + word.text +
                "\" is not in the vocabulary, and neither is the unknown token '" + unk_token_ +
                "'; the tokenizer file is incomplete");
  }
  out.push_back({id ? *id : *unk_id_, 0, word.char_count()});
}

}  // namespace attnviz::tokenize
