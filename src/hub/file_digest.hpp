#pragma once

#include <filesystem>
#include <string>

namespace attnviz {

// The sha256 of a file's bytes, as 64 lowercase hex digits (a Hub blob's ETag, an Ollama blob's
// name).
std::string sha256_of_file(const std::filesystem::path& path);

}  // namespace attnviz
