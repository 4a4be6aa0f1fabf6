#pragma once

#include <memory>
#include <vector>

#include "added_vocabulary.hpp"
#include "attnviz/tokenizer.hpp"
#include "decoder.hpp"
#include "model.hpp"
#include "normalizer.hpp"
#include "post_processor.hpp"
#include "pre_tokenizer.hpp"

namespace attnviz::tokenize {

// The parts of a Hugging Face tokenizer pipeline, whichever files they were read from.
struct PipelineParts {
  std::unique_ptr<Normalizer> normalizer;
  PreTokenizerSpec pre_tokenizer;
  std::unique_ptr<Model> model;
  std::vector<AddedToken> added_tokens;
  PostProcessorSpec post_processor;
  DecoderSpec
      decoder;  // for display strings; vocabulary files set byte_level from the pre-tokenizer
};

// added tokens -> normalizer -> pre-tokenizer -> model -> post-processor, as HF's TokenizerImpl
// runs them.
class PipelineTokenizer : public Tokenizer {
 public:
  explicit PipelineTokenizer(PipelineParts parts);
  Encoding encode(std::string_view text) const override;
  Encoding encode_pair(std::string_view first, std::string_view second) const override;
  std::string id_to_token(std::int64_t id) const override;
  std::size_t vocab_size() const override;
  std::optional<std::int64_t> unknown_id() const override;

 private:
  std::vector<SequenceToken> encode_sequence(std::string_view text) const;
  void encode_words(const NormalizedText& text, CharRange range,
                    std::vector<SequenceToken>& out) const;
  void split_and_encode(const NormalizedText& text, CharRange range,
                        std::vector<SequenceToken>& out) const;
  std::function<std::string(std::int32_t)> token_fn() const;
  std::function<std::string(const std::string&, bool)> display_fn() const;
  void trim_offsets(std::vector<SequenceToken>& tokens, std::string_view text) const;
  std::string_view token_of(std::int32_t id) const;
  std::string display(const std::string& token, bool continuation) const;

  PipelineParts parts_;
  AddedVocabulary added_;
  Vocab added_vocab_;  // id <-> content of the added tokens
};

}  // namespace attnviz::tokenize
