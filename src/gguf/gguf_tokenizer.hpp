#pragma once

#include <nlohmann/json.hpp>

#include "gguf_file.hpp"

namespace attnviz::gguf {

// The tokenizer.json (Hugging Face's format) that the file's own tokenizer.ggml.* metadata stands
// for, so the tokenize stage reads it as any other. tokenizer.ggml.model gpt2: byte-level BPE with
// the file's merges and the pre-tokenizer tokenizer.ggml.pre names (the Split regexes of the Hub's
// tokenizer.json for that family). Control tokens become special added tokens, user-defined ones
// added tokens; BOS/EOS as add_bos_token / add_eos_token say. Other models are an Error naming
// them.
nlohmann::json tokenizer_json(const GgufFile& file);

}  // namespace attnviz::gguf
