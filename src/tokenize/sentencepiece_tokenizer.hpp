#pragma once

#include <filesystem>
#include <memory>

#include <nlohmann/json_fwd.hpp>

#include "attnviz/tokenizer.hpp"

namespace attnviz::tokenize {

// A SentencePiece model (tokenizer.model / spiece.model) through libsentencepiece.
// tokenizer_config.json decides lowercasing (do_lower_case) and the template: "[CLS] A [SEP] (B
// [SEP])" when it names cls_token and sep_token (ALBERT), "A </s> (B </s>)" when it names only
// eos_token (T5), nothing otherwise.
std::unique_ptr<Tokenizer> load_sentencepiece(const std::filesystem::path& model_path,
                                              const nlohmann::json& config);

}  // namespace attnviz::tokenize
