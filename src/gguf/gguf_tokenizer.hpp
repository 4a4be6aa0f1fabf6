#pragma once

#include <nlohmann/json.hpp>

#include "gguf_file.hpp"

namespace attnviz::gguf {

// The tokenizer.json (Hugging Face's format) that the file's own tokenizer.ggml.* metadata stands
// for, so the tokenize stage reads it as any other, with the ids of the model's Hub tokenizer.json.
// tokenizer.ggml.model gpt2: byte-level BPE with the file's merges and the pre-tokenizer
// tokenizer.ggml.pre names (the Split regexes of the Hub's tokenizer.json for that family); llama:
// SentencePiece's BPE, merges made from the scores; bert: WordPiece; t5: Unigram with the file's
// precompiled_charsmap. Control tokens become special added tokens, user-defined ones added tokens;
// BOS/EOS as add_bos_token / add_eos_token say (llama.cpp's defaults per model where the file is
// silent). Other models and pre-tokenizers are an Error naming them.
nlohmann::json tokenizer_json(const GgufFile& file);

}  // namespace attnviz::gguf
