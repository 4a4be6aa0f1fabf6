#include "model_files.hpp"

#include <algorithm>

namespace attnviz::hub {

bool has_tokenizer(const RepoCache& cache, const std::string& commit) {
  const auto has = [&](const char* file) { return cache.has(commit, file); };
  return has("tokenizer.json") || has("vocab.txt") || (has("vocab.json") && has("merges.txt")) ||
         has("tokenizer.model") || has("spiece.model");
}

bool snapshot_usable(const RepoCache& cache, const std::string& commit) {
  const bool has_weights =
      std::any_of(kWeightFiles.begin(), kWeightFiles.end(),
                  [&](const std::string& file) { return cache.has(commit, file); });
  return cache.has(commit, kConfigFile) && has_weights && has_tokenizer(cache, commit);
}

}  // namespace attnviz::hub
