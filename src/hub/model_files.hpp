#pragma once

#include <string>
#include <vector>

#include "cache.hpp"

// Which of a repository's files attnviz needs, and when a snapshot has enough of them.
namespace attnviz::hub {

inline const std::string kConfigFile = "config.json";
// In order of preference: the first one the repository has is taken. An .index.json names the
// shards of a sharded checkpoint, which are taken with it.
inline const std::vector<std::string> kWeightFiles = {
    "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
    "pytorch_model.bin.index.json"};
// Every one the repository has is taken; none is required on its own.
inline const std::vector<std::string> kTokenizerFiles = {"tokenizer.json",
                                                         "tokenizer_config.json",
                                                         "special_tokens_map.json",
                                                         "vocab.txt",
                                                         "vocab.json",
                                                         "merges.txt",
                                                         "tokenizer.model",
                                                         "spiece.model"};

// config.json, a weights file and a tokenizer attnviz can build (tokenizer.json, vocab.txt,
// vocab.json with merges.txt, or a SentencePiece model).
bool snapshot_usable(const RepoCache& cache, const std::string& commit);
bool has_tokenizer(const RepoCache& cache, const std::string& commit);

}  // namespace attnviz::hub
