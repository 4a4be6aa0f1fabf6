#pragma once

#include <filesystem>
#include <string>

namespace attnviz::cli {

// A model name or path as a directory (hub: local folder, alias, Hugging Face cache, download with
// a progress bar on stderr).
std::filesystem::path resolve_model_directory(const std::string& model);

}  // namespace attnviz::cli
