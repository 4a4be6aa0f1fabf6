#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace attnviz::model {

// The shard files a sharded checkpoint's index (model.safetensors.index.json or
// pytorch_model.bin.index.json) names in its weight_map, each once, in name order; each is checked
// to be a plain file name in the index's folder. A file that is not such an index is an Error.
std::vector<std::string> shard_files(const std::filesystem::path& index);

}  // namespace attnviz::model
