#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace attnviz {

// How far one file's download is. `done` counts bytes on disk, a resumed part included; `total` is
// the size the Hub announced. The last call for a file has done == total.
struct DownloadProgress {
  std::string file;  // file name inside the repository, e.g. "model.safetensors"
  std::uint64_t done = 0;
  std::uint64_t total = 0;
};
using ProgressCallback = std::function<void(const DownloadProgress&)>;

// Where models come from. Defaults follow huggingface_hub; from_environment() reads the same
// variables.
struct HubOptions {
  std::filesystem::path models_dir = "models";  // local exports: models_dir/<name>/; empty: skip
  std::filesystem::path aliases_file = "models/aliases.json";  // absent file: built-in aliases only
  std::filesystem::path cache_dir;                             // the Hugging Face hub cache
  std::string endpoint = "https://huggingface.co";
  std::string token;              // bearer token; empty: anonymous
  std::string revision = "main";  // branch, tag or commit hash
  bool offline = false;           // true: never touch the network
  long connect_timeout_s = 10;    // HF_HUB_ETAG_TIMEOUT
  // A transfer slower than 1 byte/s for about this long fails (HF_HUB_DOWNLOAD_TIMEOUT).
  long stall_timeout_s = 10;
  int max_resumes = 5;        // resumes after a dropped connection within one call
  ProgressCallback progress;  // at most every 100 ms per file; library code never prints

  // HF_ENDPOINT, HF_HUB_CACHE / HF_HOME / XDG_CACHE_HOME, HF_TOKEN / HF_TOKEN_PATH,
  // HF_HUB_OFFLINE / TRANSFORMERS_OFFLINE, HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT.
  static HubOptions from_environment();
};

// Name or path -> a model directory (config.json, weights, tokenizer files). In order:
//  1. an existing directory;
//  2. options.models_dir/<name>/ (e.g. a TorchScript export);
//  3. an alias (aliases file, then built-in bert/gpt2): first the first of its local folders that
//     exists, then its Hub ids; a name that is no alias is itself a Hub id;
//  4. a complete snapshot in the Hugging Face cache (no network);
//  5. a download into that cache from options.endpoint (unless offline).
// Throws attnviz::Error saying what to do when none works.
std::filesystem::path resolve_model(const std::string& name_or_path, const HubOptions& options);

// The Hub ids a name stands for, first the one to download; the name itself when it is no alias.
// Empty for an alias that names local folders only.
std::vector<std::string> alias_targets(const std::string& name, const HubOptions& options);

// The local folders an alias names, in order: its targets written as paths ("./folder", relative
// to the aliases file's own folder; "/abs", "~/x"). They come before its Hub ids.
std::vector<std::filesystem::path> alias_folders(const std::string& name,
                                                 const HubOptions& options);

// The cached snapshot of repo_id at options.revision, if it holds config.json, weights and a
// tokenizer file. Never touches the network.
std::optional<std::filesystem::path> find_cached_model(const std::string& repo_id,
                                                       const HubOptions& options);

// Fetches what attnviz needs of repo_id into the cache (files already there are not fetched again)
// and returns the snapshot directory. Asks the server even when the cache is complete.
std::filesystem::path download_model(const std::string& repo_id, const HubOptions& options);

// One line for a progress bar, e.g. "model.safetensors   42% [##########..............] 185.2/440.5
// MB" (total 0: "name  185.2 MB").
std::string format_progress(const DownloadProgress& progress, int bar_width = 24);

}  // namespace attnviz
