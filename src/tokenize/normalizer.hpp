#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "normalized_text.hpp"

namespace attnviz::tokenize {

// One step of HF's normalizer pipeline. Works code point by code point, keeping the alignment to
// the original.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedText& text) const = 0;
};

struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;  // HF: when unset in the file, follows lowercase
  bool lowercase = true;
};

std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerOptions& options);

// What transformers' SentencePiece tokenizers (ALBERT, XLNet) do to the text before the model sees
// it, with the keys of their tokenizer_config.json.
struct SentencePiecePreprocessOptions {
  bool remove_space = true;   // strip, and collapse whitespace runs to one space
  bool keep_accents = false;  // false: NFKD, then combining marks removed
  bool do_lower_case = false;
  bool replace_quotes =
      true;  // `` and '' become " (AlbertTokenizer's and XLNetTokenizer's preprocess_text)
};

std::unique_ptr<Normalizer> make_sentencepiece_preprocessor(
    const SentencePiecePreprocessOptions& options);
// SentencePiece's normalization rules as tokenizer.json carries them (Precompiled's
// precompiled_charsmap: base64 of a darts-clone double-array trie and the replacement strings), as
// HF's spm_precompiled applies them. Throws attnviz::Error when the charsmap is damaged.
std::unique_ptr<Normalizer> make_precompiled_normalizer(const std::string& charsmap_base64);
// The "normalizer" object of a tokenizer.json (null gives nullptr). Throws attnviz::Error for
// unsupported types.
std::unique_ptr<Normalizer> normalizer_from_json(const nlohmann::json& json);

}  // namespace attnviz::tokenize
