#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
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
  // The id that stands for text the vocabulary cannot represent ([UNK], <unk>), if the model has
  // one, so a caller can count and report unknown tokens.
  virtual std::optional<std::int64_t> unknown_id() const = 0;
};

// Reads a model directory's own tokenizer files (tokenizer.json, or vocab.txt, or vocab.json +
// merges.txt, or a SentencePiece model, with tokenizer_config.json where present). Text must be
// valid UTF-8 (as for Hugging Face, whose API only takes valid strings): encode throws
// attnviz::Error naming the byte offset of the first invalid sequence. Nothing is truncated here.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir);

// Which of a directory's tokenizer files to read; automatic prefers tokenizer.json, then the older
// vocabulary files (vocab.txt; vocab.json + merges.txt; encoder.json + vocab.bpe), then a
// SentencePiece model.
enum class TokenizerFiles { automatic, tokenizer_json, vocab_files, sentencepiece };
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir,
                                          TokenizerFiles files);

}  // namespace attnviz
