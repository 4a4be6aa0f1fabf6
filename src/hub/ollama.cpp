#include "ollama.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "attnviz/error.hpp"
#include "file_digest.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;

fs::path store_dir() {
  if (const char* models = std::getenv("OLLAMA_MODELS"); models != nullptr && *models != '\0')
    return models;
  const char* home = std::getenv("HOME");
  return fs::path(home != nullptr ? home : "") / ".ollama" / "models";
}

// Every model the store holds, as Ollama names it (library models without registry and namespace).
std::vector<std::string> store_names(const fs::path& manifests) {
  std::vector<std::string> names;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(manifests, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error) || it.depth() != 3) continue;
    const fs::path relative = fs::relative(it->path(), manifests, error);
    std::vector<std::string> parts(relative.begin(), relative.end());
    std::string name =
        parts[0] == "registry.ollama.ai" && parts[1] == "library"
            ? parts[2]
            : (parts[0] == "registry.ollama.ai" ? parts[1] + "/" + parts[2]
                                                : parts[0] + "/" + parts[1] + "/" + parts[2]);
    names.push_back(name + ":" + parts[3]);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

bool is_ollama_name(const std::string& model) {
  return model.rfind("ollama:", 0) == 0;
}

fs::path resolve_ollama(const std::string& model) {
  std::string name = model.substr(7);
  std::string tag = "latest";
  const auto colon = name.rfind(':');
  if (colon != std::string::npos && name.find('/', colon) == std::string::npos) {
    tag = name.substr(colon + 1);
    name = name.substr(0, colon);
  }
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto slash = name.find('/', start);
    parts.push_back(name.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  const bool bad =
      name.empty() || tag.empty() || parts.size() > 3 ||
      std::any_of(parts.begin(), parts.end(),
                  [](const std::string& p) { return p.empty() || p == "." || p == ".."; }) ||
      tag.find('/') != std::string::npos || tag == "." || tag == "..";
  if (bad) {
    throw Error("'" + model +
                "' is not an Ollama model name: use ollama:NAME or ollama:NAME:TAG, "
                "e.g. ollama:gemma3:270m");
  }
  if (parts.size() == 1) parts.insert(parts.begin(), "library");
  if (parts.size() == 2) parts.insert(parts.begin(), "registry.ollama.ai");
  const fs::path store = store_dir();
  const fs::path manifest = store / "manifests" / parts[0] / parts[1] / parts[2] / tag;
  std::ifstream stream(manifest);
  if (!stream) {
    const auto names = store_names(store / "manifests");
    std::string list;
    for (const auto& held : names) list += (list.empty() ? "" : ", ") + held;
    throw Error("Ollama's store at " + store.string() + " has no " + model.substr(7) +
                (colon == std::string::npos ? ":latest" : "") +
                (names.empty()
                     ? std::string(" (it holds no models; set OLLAMA_MODELS to the store, or "
                                   "run `ollama pull` first)")
                     : "; it holds " + list));
  }
  const nlohmann::json json = nlohmann::json::parse(stream, nullptr, false);
  const std::string where = "the Ollama manifest " + manifest.string();
  if (!json.is_object() || !json.contains("layers") || !json["layers"].is_array())
    throw Error(where + " is not a manifest (no layers); pull the model again");
  for (const auto& layer : json["layers"]) {
    if (!layer.is_object() || layer.value("mediaType", "") != "application/vnd.ollama.image.model")
      continue;
    const std::string digest = layer.value("digest", "");
    const std::string hex = digest.rfind("sha256:", 0) == 0 ? digest.substr(7) : "";
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos)
      throw Error(where + " names the model layer by '" + digest + "', not a sha256 digest");
    const fs::path blob = store / "blobs" / ("sha256-" + hex);
    if (!fs::is_regular_file(blob))
      throw Error(where + " names the blob " + blob.string() +
                  ", which is missing: pull the model again");
    const std::string actual = sha256_of_file(blob);
    if (actual != hex) {
      throw Error(blob.string() + " has sha256 " + actual + ", not the " + hex +
                  " its manifest names: the blob is damaged; pull the model again");
    }
    return blob;
  }
  throw Error(where + " has no model layer (application/vnd.ollama.image.model)");
}

}  // namespace attnviz
