#pragma once

#include <filesystem>
#include <string>

namespace attnviz {

// `ollama:NAME[:TAG]` (NAME may be NAMESPACE/NAME or REGISTRY/NAMESPACE/NAME; TAG defaults to
// latest) as the GGUF blob of Ollama's store: OLLAMA_MODELS, else ~/.ollama/models. The manifest
// under manifests/<registry>/<namespace>/<name>/<tag> names the model layer by sha256; the blob's
// bytes are checked against it. A missing name is an Error that lists what the store holds.
bool is_ollama_name(const std::string& model);
std::filesystem::path resolve_ollama(const std::string& model);

}  // namespace attnviz
