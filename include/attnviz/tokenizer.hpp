#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "attnviz/encoding.hpp"

namespace attnviz {

// Text -> Encoding, exactly as Hugging Face's tokenizers do it for the same files.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // One sentence, with the model's template (BERT: [CLS] A [SEP]; GPT-2: nothing added).
  virtual Encoding encode(std::string_view text) const = 0;
  // A sentence pair (BERT: [CLS] A [SEP] B [SEP], type ids 0 then 1).
  virtual Encoding encode_pair(std::string_view first, std::string_view second) const = 0;
  virtual std::string id_to_token(std::int64_t id) const = 0;
  virtual std::size_t vocab_size() const = 0;
};

// Reads a model directory's own tokenizer files (tokenizer.json, or vocab.txt, or vocab.json + merges.txt,
// or a SentencePiece model, with tokenizer_config.json where present).
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir);

}  // namespace attnviz
