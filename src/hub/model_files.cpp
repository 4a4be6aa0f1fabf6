#include "model_files.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "attnviz/error.hpp"

namespace attnviz::hub {

bool has_tokenizer(const RepoCache& cache, const std::string& commit) {
  const auto has = [&](const char* file) { return cache.has(commit, file); };
  return has("tokenizer.json") || has("vocab.txt") || (has("vocab.json") && has("merges.txt")) ||
         has("tokenizer.model") || has("spiece.model");
}

std::vector<std::string> shard_files(const std::filesystem::path& index) {
  std::ifstream stream(index);
  const nlohmann::json json = nlohmann::json::parse(stream, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("weight_map") ||
      !json["weight_map"].is_object()) {
    throw Error(index.string() + " is not a checkpoint index (a JSON object with a weight_map)");
  }
  std::set<std::string> shards;
  for (const auto& [tensor, shard] : json["weight_map"].items()) {
    const std::string name = shard.is_string() ? shard.get<std::string>() : "";
    if (name.empty() || name.find('/') != std::string::npos ||
        name.find('\\') != std::string::npos || name == "." || name == "..") {
      throw Error(index.string() + ": tensor '" + tensor + "' names no shard file in the folder");
    }
    shards.insert(name);
  }
  return {shards.begin(), shards.end()};
}

bool snapshot_usable(const RepoCache& cache, const std::string& commit) {
  const auto complete = [&](const std::string& file) {
    if (!cache.has(commit, file)) return false;
    if (file.size() < 11 || file.compare(file.size() - 11, 11, ".index.json") != 0) return true;
    const auto shards = shard_files(cache.snapshot(commit) / file);
    return std::all_of(shards.begin(), shards.end(),
                       [&](const std::string& shard) { return cache.has(commit, shard); });
  };
  const bool has_weights = std::any_of(kWeightFiles.begin(), kWeightFiles.end(), complete);
  return cache.has(commit, kConfigFile) && has_weights && has_tokenizer(cache, commit);
}

}  // namespace attnviz::hub
