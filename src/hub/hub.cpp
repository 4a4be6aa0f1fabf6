#include "attnviz/hub.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>

#include "attnviz/error.hpp"
#include "cache.hpp"
#include "model_files.hpp"
#include "ollama.hpp"

namespace fs = std::filesystem;

namespace attnviz {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// huggingface_hub's _is_true.
bool is_true(std::string value) {
  for (auto& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return value == "1" || value == "ON" || value == "YES" || value == "TRUE";
}

fs::path expand_user(const std::string& path) {
  if (path == "~" || path.rfind("~/", 0) == 0) return environment("HOME") + path.substr(1);
  return path;
}

long seconds_from(const char* name, long fallback) {
  const std::string value = environment(name);
  if (value.empty()) return fallback;
  char* end = nullptr;
  const long seconds = std::strtol(value.c_str(), &end, 10);
  if (*end != '\0' || seconds <= 0) {
    throw Error(std::string(name) + " must be a whole number of seconds, not '" + value + "'.");
  }
  return seconds;
}

std::string read_token(const fs::path& path) {
  std::ifstream in(path);
  std::string token;
  in >> token;
  return token;
}

// Defaults that make `--model bert` and `--model gpt2` work from any folder; the aliases file adds
// to them and overrides them. Later ids are other names the same model is cached under.
const std::map<std::string, std::vector<std::string>>& builtin_aliases() {
  static const std::map<std::string, std::vector<std::string>> aliases = {
      {"bert", {"bert-base-uncased", "google-bert/bert-base-uncased"}},
      {"gpt2", {"openai-community/gpt2", "gpt2"}},
  };
  return aliases;
}

bool looks_like_path(const std::string& name) {
  return name.front() == '/' || name.front() == '.' || name.front() == '~' || name.back() == '/' ||
         name.find('\\') != std::string::npos;
}

// What an alias stands for, in the aliases file's order: Hub ids, and local folders (targets
// written as a path, "./smollm2-135m-instruct", relative to the aliases file's own folder).
struct AliasEntry {
  std::vector<fs::path> folders;
  std::vector<std::string> repo_ids;
  bool found = false;
};

AliasEntry aliases_from_file(const fs::path& file, const std::string& name) {
  std::ifstream in(file);
  if (file.empty() || !in) return {};
  nlohmann::json aliases;
  try {
    aliases = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& error) {  // parse_error, or out_of_range for 1e999
    throw Error(file.string() + " is not valid JSON (" + error.what() +
                "). It must be an object {\"alias\": \"org/name\" or [\"./folder\", "
                "\"org/name\", ...]}.");
  }
  const auto bad = [&](const std::string& what) {
    return Error(file.string() + ": " + what +
                 ". The file must be an object {\"alias\": \"org/name\" or [\"./folder\", "
                 "\"org/name\", ...]}.");
  };
  if (!aliases.is_object()) throw bad("the top level is not an object");
  const auto entry = aliases.find(name);
  if (entry == aliases.end()) return {};
  std::vector<std::string> targets;
  if (entry->is_string()) targets.push_back(entry->get<std::string>());
  if (entry->is_array()) {
    for (const auto& target : *entry) {
      if (!target.is_string() || target.get<std::string>().empty()) break;
      targets.push_back(target.get<std::string>());
    }
    if (targets.size() != entry->size()) targets.clear();
  }
  if (targets.empty() || targets.front().empty()) {
    throw bad("alias '" + name +
              "' is neither a Hub id nor a non-empty list of Hub ids and ./folders");
  }
  AliasEntry result;
  result.found = true;
  for (const auto& target : targets) {
    if (looks_like_path(target)) {
      result.folders.push_back(file.parent_path() / expand_user(target));
    } else {
      result.repo_ids.push_back(target);
    }
  }
  return result;
}

std::string format_bytes(double bytes, double unit, const char* suffix) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", bytes / unit);
  return std::string(text) + suffix;
}

// A local model directory, checked for files no stage could open: a symbolic link that leads back
// to itself (config.json -> config.json) would otherwise read as a missing file.
fs::path checked_directory(const fs::path& dir) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    std::error_code link_error;
    if (!entry.is_symlink(link_error)) continue;
    if (fs::status(entry.path(), link_error).type() != fs::file_type::none ||
        link_error != std::errc::too_many_symbolic_link_levels)
      continue;
    throw Error(entry.path().string() + " is a symbolic link loop (it points to " +
                fs::read_symlink(entry.path(), link_error).string() +
                ", which leads back to itself): replace the link with the file it stands for");
  }
  return dir;
}

}  // namespace

HubOptions HubOptions::from_environment() {
  HubOptions options;
  const std::string xdg = environment("XDG_CACHE_HOME");
  const fs::path cache_home = xdg.empty() ? expand_user("~/.cache") : expand_user(xdg);
  const std::string hf_home_variable = environment("HF_HOME");
  const fs::path hf_home =
      hf_home_variable.empty() ? cache_home / "huggingface" : expand_user(hf_home_variable);
  std::string hub_cache = environment("HF_HUB_CACHE");
  if (hub_cache.empty()) hub_cache = environment("HUGGINGFACE_HUB_CACHE");  // the older name
  options.cache_dir = hub_cache.empty() ? hf_home / "hub" : expand_user(hub_cache);

  std::string endpoint = environment("HF_ENDPOINT");
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (!endpoint.empty()) options.endpoint = endpoint;

  options.token = environment("HF_TOKEN");
  if (options.token.empty()) options.token = environment("HUGGING_FACE_HUB_TOKEN");
  if (options.token.empty()) {
    const std::string token_path = environment("HF_TOKEN_PATH");
    options.token = read_token(token_path.empty() ? hf_home / "token" : expand_user(token_path));
  }

  std::string offline = environment("HF_HUB_OFFLINE");
  if (offline.empty()) offline = environment("TRANSFORMERS_OFFLINE");
  options.offline = is_true(offline);
  options.connect_timeout_s = seconds_from("HF_HUB_ETAG_TIMEOUT", options.connect_timeout_s);
  options.stall_timeout_s = seconds_from("HF_HUB_DOWNLOAD_TIMEOUT", options.stall_timeout_s);
  return options;
}

std::vector<std::string> alias_targets(const std::string& name, const HubOptions& options) {
  AliasEntry entry = aliases_from_file(options.aliases_file, name);
  if (entry.found) return entry.repo_ids;
  const auto builtin = builtin_aliases().find(name);
  if (builtin != builtin_aliases().end()) return builtin->second;
  return {name};
}

std::vector<fs::path> alias_folders(const std::string& name, const HubOptions& options) {
  return aliases_from_file(options.aliases_file, name).folders;
}

std::optional<fs::path> find_cached_model(const std::string& repo_id, const HubOptions& options) {
  hub::check_repo_id(repo_id);
  const hub::RepoCache cache(options.cache_dir, repo_id);
  const auto commit = cache.commit_for(options.revision);
  if (!commit || !hub::snapshot_usable(cache, *commit)) return std::nullopt;
  return cache.snapshot(*commit);
}

fs::path resolve_model(const std::string& name_or_path, const HubOptions& options) {
  if (name_or_path.empty())
    throw Error("the model name is empty. Pass a Hub id, an alias or a directory.");
  if (is_ollama_name(name_or_path)) return resolve_ollama(name_or_path);
  std::error_code error;
  const fs::path path = expand_user(name_or_path);
  if (fs::is_directory(path, error)) return checked_directory(path);
  if (fs::exists(path, error) && path.extension() == ".gguf") return path;  // llama.cpp's one file
  if (fs::exists(path, error)) {
    throw Error(name_or_path +
                " is a file; pass the directory that holds config.json and the weights.");
  }
  if (looks_like_path(name_or_path)) {
    throw Error("model directory " + name_or_path + " does not exist.");
  }
  if (!options.models_dir.empty() && fs::is_directory(options.models_dir / name_or_path, error)) {
    return checked_directory(options.models_dir / name_or_path);
  }
  const std::vector<fs::path> folders = alias_folders(name_or_path, options);
  for (const auto& folder : folders) {
    if (fs::is_directory(folder, error)) return checked_directory(folder);
  }
  const std::vector<std::string> repo_ids = alias_targets(name_or_path, options);
  if (repo_ids.empty()) {
    std::string names;
    for (const auto& folder : folders) names += (names.empty() ? "" : ", ") + folder.string();
    throw Error("alias '" + name_or_path + "' in " + options.aliases_file.string() +
                " names only local folders, and none exists (" + names +
                "). Make the folder (scripts/setup.sh makes the ones the committed file names), "
                "or add a Hub id to the alias.");
  }
  for (const auto& repo_id : repo_ids) {
    if (auto snapshot = find_cached_model(repo_id, options)) return *snapshot;
  }
  if (options.offline) {
    throw Error("HF_HUB_OFFLINE is set and '" + repo_ids.front() +
                "' is not in the Hugging Face cache at " + options.cache_dir.string() +
                " (with config.json, weights and tokenizer files). Pass a local model directory, "
                "fill the cache where there is network (hf download " +
                repo_ids.front() + "), or unset HF_HUB_OFFLINE.");
  }
  return download_model(repo_ids.front(), options);
}

std::string format_progress(const DownloadProgress& progress, int bar_width) {
  const double total = static_cast<double>(progress.total);
  const double done = static_cast<double>(progress.done);
  const double reference = progress.total > 0 ? total : done;
  const auto [unit, suffix] = reference >= 1e9   ? std::pair{1e9, " GB"}
                              : reference >= 1e6 ? std::pair{1e6, " MB"}
                              : reference >= 1e3 ? std::pair{1e3, " kB"}
                                                 : std::pair{1.0, " B"};
  if (progress.total == 0) return progress.file + "  " + format_bytes(done, unit, suffix);
  const double fraction = std::min(1.0, done / total);
  const int filled = static_cast<int>(std::floor(fraction * bar_width));
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3d%%", static_cast<int>(std::floor(fraction * 100)));
  return progress.file + "  " + percent + " [" + std::string(filled, '#') +
         std::string(bar_width - filled, '.') + "]  " + format_bytes(done, unit, "") + "/" +
         format_bytes(total, unit, suffix);
}

}  // namespace attnviz
