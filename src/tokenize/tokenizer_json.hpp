#pragma once

#include <deque>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model.hpp"
#include "vocab.hpp"

namespace attnviz::tokenize {

// The two big parts of a tokenizer.json's model, read straight from the text: nearly all of a
// 9 MB (Llama 3) or 33 MB (Gemma 3) file is model.vocab and model.merges, which nlohmann's DOM
// holds as hundreds of thousands of small allocations.
struct ModelArrays {
  std::optional<Vocab> vocab;  // model.vocab, where it is an object of token -> id
  // model.merges, where it is an array of "a b" or ["a", "b"]: views into the text read, or into
  // `decoded` for the strings that held escapes.
  std::optional<MergeList> merges;
  std::deque<std::string> decoded;
};

// A tokenizer.json: the document without the parts read into `arrays`.
struct TokenizerJson {
  nlohmann::json document;
  ModelArrays arrays;
};

// Reads a tokenizer.json's text, or returns nullopt where anything is not as expected (invalid
// JSON, a duplicate key or id, an id that is not a whole number below kIdLimit, a merge of another
// shape): the caller then reads it with nlohmann alone, which gives the same document, or the error
// to report. So this reader accepts nothing that nlohmann rejects, and reads what it accepts as
// nlohmann does.
std::optional<TokenizerJson> read_tokenizer_json(std::string_view text);

// A vocab.json (an object of token -> id) in the same way; nullopt as above.
std::optional<Vocab> read_vocab_json(std::string_view text);

}  // namespace attnviz::tokenize
