#include "checkpoint_index.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "attnviz/error.hpp"

namespace attnviz::model {

std::vector<std::string> shard_files(const std::filesystem::path& index) {
  std::ifstream stream(index);
  if (!stream) throw Error("cannot read the checkpoint index " + index.string());
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

}  // namespace attnviz::model
