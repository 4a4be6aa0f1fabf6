#include "model_files.hpp"

#include <algorithm>

#include "checkpoint_index.hpp"

namespace attnviz::hub {

bool has_tokenizer(const RepoCache& cache, const std::string& commit) {
  const auto has = [&](const char* file) { return cache.has(commit, file); };
  return has("tokenizer.json") || has("vocab.txt") || (has("vocab.json") && has("merges.txt")) ||
         has("tokenizer.model") || has("spiece.model");
}

bool snapshot_usable(const RepoCache& cache, const std::string& commit) {
  const auto complete = [&](const std::string& file) {
    if (!cache.has(commit, file)) return false;
    if (file.size() < 11 || file.compare(file.size() - 11, 11, ".index.json") != 0) return true;
    const auto shards = model::shard_files(cache.snapshot(commit) / file);
    return std::all_of(shards.begin(), shards.end(),
                       [&](const std::string& shard) { return cache.has(commit, shard); });
  };
  const bool has_weights = std::any_of(kWeightFiles.begin(), kWeightFiles.end(), complete);
  return cache.has(commit, kConfigFile) && has_weights && has_tokenizer(cache, commit);
}

}  // namespace attnviz::hub
