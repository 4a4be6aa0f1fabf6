// Downloads a repository's files into the Hugging Face cache the way huggingface_hub's
// hf_hub_download does: HEAD for the commit, etag and size, GET from where the HEAD points,
// write blobs/<etag>.incomplete, check it, rename it, link the snapshot to it.
#include <openssl/evp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>

#include "attnviz/error.hpp"
#include "attnviz/hub.hpp"
#include "cache.hpp"
#include "checkpoint_index.hpp"
#include "file_digest.hpp"
#include "http.hpp"
#include "model_files.hpp"

namespace fs = std::filesystem;

namespace attnviz::hub {
namespace {

// What the Hub says about one file of one revision.
struct FileInfo {
  bool found = false;
  std::string commit;
  std::string etag;  // the blob's name: sha256 of the content for LFS files, git's sha1 otherwise
  std::string location;  // where to GET it (a CDN for LFS files)
  std::uint64_t size = 0;
};

class Remote {
 public:
  Remote(const HubOptions& options, const std::string& repo_id)
      : options_(options), repo_id_(repo_id), cache_(options.cache_dir, repo_id) {}

  std::filesystem::path fetch_all();

 private:
  FileInfo head(const std::string& revision, const std::string& file) const;
  void fetch(const std::string& file, const FileInfo& info) const;
  // The shards a checkpoint index (`weights`, already fetched) names; nothing for a single file.
  void fetch_shards(const std::string& commit, const std::string& weights) const;
  void download_blob(const std::string& file, const FileInfo& info) const;
  HttpRequest request(const std::string& url) const;
  [[noreturn]] void throw_unreachable(const std::string& why) const;
  [[noreturn]] void throw_http_error(long status, const std::string& url,
                                     const std::map<std::string, std::string>& headers) const;

  const HubOptions& options_;
  std::string repo_id_;
  RepoCache cache_;
};

std::string header(const std::map<std::string, std::string>& headers, const std::string& name) {
  const auto found = headers.find(name);
  return found == headers.end() ? "" : found->second;
}

// ETag: W/"abc" or "abc" -> abc, as huggingface_hub's _normalize_etag.
std::string normalize_etag(std::string etag) {
  if (etag.rfind("W/", 0) == 0) etag.erase(0, 2);
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"')
    etag = etag.substr(1, etag.size() - 2);
  return etag;
}

bool is_sha256(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::uint64_t to_size(const std::string& text) {
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return 0;  // a nonsense size fails the size check after the download
  }
}

HttpRequest Remote::request(const std::string& url) const {
  HttpRequest request{url, {}, options_.connect_timeout_s, options_.stall_timeout_s};
  // The token goes to the Hub only, never to the CDN a large file is redirected to.
  if (!options_.token.empty() && url_origin(url) == url_origin(options_.endpoint)) {
    request.headers.push_back("Authorization: Bearer " + options_.token);
  }
  return request;
}

void Remote::throw_unreachable(const std::string& why) const {
  throw Error("cannot download '" + repo_id_ + "' from " + options_.endpoint + " (" + why +
              ") and it is not in the Hugging Face cache at " + options_.cache_dir.string() +
              ". Pass a local model directory, set HF_ENDPOINT to a mirror you can reach, or fill "
              "the cache where there is network (hf download " +
              repo_id_ + ") and copy it here.");
}

void Remote::throw_http_error(long status, const std::string& url,
                              const std::map<std::string, std::string>& headers) const {
  const std::string code = header(headers, "x-error-code");
  if (status == 404 && code == "RevisionNotFound") {
    throw Error("revision '" + options_.revision + "' of '" + repo_id_ + "' was not found on " +
                options_.endpoint + ". Pass an existing branch, tag or commit hash.");
  }
  if (status == 404) {
    throw Error("model '" + repo_id_ + "' was not found on " + options_.endpoint +
                " (HTTP 404 for " + url +
                "). Check the name (a Hub id like org/name, or an alias from " +
                options_.aliases_file.string() + "), or pass a local model directory.");
  }
  if (status == 401) {
    const std::string hint =
        options_.token.empty()
            ? "If it exists, create a read token at https://huggingface.co/settings/tokens and set "
              "HF_TOKEN to it."
            : "HF_TOKEN is set but was not accepted: check that it is valid and can read this "
              "model.";
    throw Error("the Hub refused access to '" + repo_id_ + "' (HTTP 401): the model does not " +
                "exist, or it is private or gated. " + hint);
  }
  if (status == 403) {
    throw Error("access to '" + repo_id_ + "' is forbidden (HTTP 403): the model is gated or " +
                "HF_TOKEN lacks permission. Accept its conditions on " + options_.endpoint + "/" +
                repo_id_ + " and set HF_TOKEN to a read token of that account.");
  }
  throw_unreachable("HTTP " + std::to_string(status) + " for " + url);
}

FileInfo Remote::head(const std::string& revision, const std::string& file) const {
  std::string url = options_.endpoint + "/" + repo_id_ + "/resolve/" + revision + "/" + file;
  HttpResponse response;
  // A relative redirect is a renamed repository: follow it. An absolute one points to the CDN.
  for (int hops = 0; hops < 10; ++hops) {
    response = http_head(request(url));
    if (!response.transport_error.empty()) throw_unreachable(response.transport_error);
    const std::string location = header(response.headers, "location");
    if (response.status < 300 || response.status >= 400 || location.rfind("/", 0) != 0) break;
    url = url_origin(url) + location;
  }
  FileInfo info;
  if (response.status == 404 && header(response.headers, "x-error-code") != "RepoNotFound" &&
      header(response.headers, "x-error-code") != "RevisionNotFound") {
    info.commit = header(response.headers, "x-repo-commit");
    return info;  // this file is absent; the repository may still have the others
  }
  if (response.status >= 400) throw_http_error(response.status, url, response.headers);
  info.found = true;
  info.commit = header(response.headers, "x-repo-commit");
  info.etag = normalize_etag(header(response.headers, "x-linked-etag"));
  if (info.etag.empty()) info.etag = normalize_etag(header(response.headers, "etag"));
  // A redirect's Content-Length is that of the redirect page, not of the file.
  std::string size = header(response.headers, "x-linked-size");
  if (size.empty() && response.status < 300) size = header(response.headers, "content-length");
  info.size = to_size(size);
  info.location = response.status >= 300 ? header(response.headers, "location") : url;
  if (!is_commit_hash(info.commit) || !is_file_name(info.etag) || size.empty() ||
      info.location.empty()) {
    throw Error(
        options_.endpoint + " answered " + url + " without the Hub's X-Repo-Commit, " +
        "ETag and size headers: it is not a Hugging Face Hub or mirror. Check HF_ENDPOINT.");
  }
  return info;
}

void Remote::download_blob(const std::string& file, const FileInfo& info) const {
  const fs::path blob = cache_.blob(info.etag);
  const fs::path partial = blob.string() + ".incomplete";
  fs::create_directories(blob.parent_path());
  DownloadProgress progress{file, 0, info.size};
  auto last_report = std::chrono::steady_clock::time_point{};
  const std::function<void(std::uint64_t)> on_bytes = [&](std::uint64_t done) {
    const auto now = std::chrono::steady_clock::now();
    if (!options_.progress ||
        (done != info.size && now - last_report < std::chrono::milliseconds(100))) {
      return;
    }
    last_report = now;
    progress.done = done;
    options_.progress(progress);
  };
  for (int resumes = 0;; ++resumes) {
    std::unique_ptr<std::FILE, decltype(&std::fclose)> sink(std::fopen(partial.c_str(), "ab"),
                                                            std::fclose);
    if (!sink)
      throw Error("cannot write " + partial.string() + ". Check that HF_HUB_CACHE is writable.");
    std::uint64_t offset = fs::file_size(partial);
    if (offset > info.size) {  // a leftover of another file version: start over
      fs::resize_file(partial, 0);
      offset = 0;
    }
    on_bytes(offset);
    if (offset == info.size) break;
    const HttpResponse response =
        http_get_to_file(request(info.location), sink.get(), offset, on_bytes);
    sink.reset();
    if (response.status == 416) {  // the server will not resume this part: start over
      fs::remove(partial);
      continue;
    }
    if (response.status >= 400) throw_http_error(response.status, info.location, response.headers);
    if (response.transport_error.empty()) break;
    // Like huggingface_hub: a connection that delivered bytes before breaking is resumed.
    if (response.body_bytes == 0 || resumes >= options_.max_resumes) {
      throw Error("download of " + file + " for '" + repo_id_ + "' broke off at " +
                  std::to_string(fs::file_size(partial)) + " of " + std::to_string(info.size) +
                  " bytes (" + response.transport_error + "). The part is kept in " +
                  partial.string() + ": run again to resume.");
    }
  }
  const std::uint64_t size = fs::file_size(partial);
  std::string problem;
  if (size != info.size) {
    problem =
        "it has " + std::to_string(size) + " bytes, the Hub announced " + std::to_string(info.size);
  } else if (is_sha256(info.etag)) {
    const std::string actual = sha256_of_file(partial);
    if (actual != info.etag) problem = "its sha256 is " + actual + ", the Hub reports " + info.etag;
  }
  if (!problem.empty()) {
    fs::remove(partial);
    throw Error("the download of " + file + " for '" + repo_id_ + "' is damaged (" + problem +
                ") and was deleted. Run again; if it happens again, the server at " +
                url_origin(info.location) +
                " serves a bad copy: set HF_ENDPOINT to another mirror.");
  }
  fs::rename(partial, blob);
}

void Remote::fetch(const std::string& file, const FileInfo& info) const {
  if (cache_.has(info.commit, file)) return;
  const FileLock lock(cache_.lock_file(info.etag));
  // Another process may have finished the blob while this one waited for the lock.
  if (!fs::exists(cache_.blob(info.etag))) download_blob(file, info);
  cache_.link(info.commit, file, info.etag);
}

void Remote::fetch_shards(const std::string& commit, const std::string& weights) const {
  if (weights.size() < 11 || weights.compare(weights.size() - 11, 11, ".index.json") != 0) return;
  for (const auto& shard : model::shard_files(cache_.snapshot(commit) / weights)) {
    const FileInfo info = head(commit, shard);
    if (!info.found) {
      throw Error("'" + repo_id_ + "' names the shard " + shard + " in " + weights +
                  " but has no such file at commit " + commit);
    }
    fetch(shard, info);
  }
}

fs::path Remote::fetch_all() {
  const FileInfo config = head(options_.revision, kConfigFile);
  if (!config.found) {
    throw Error("model '" + repo_id_ + "' was not found on " + options_.endpoint + ": it has no " +
                kConfigFile + " at revision '" + options_.revision +
                "'. Check the name, or pass a local model directory.");
  }
  // Later files are asked for by commit, so all of them come from the same one.
  const std::string commit = config.commit;
  fetch(kConfigFile, config);
  bool has_weights = false;
  for (const auto& file : kWeightFiles) {
    const FileInfo info = head(commit, file);
    if (info.found) {
      fetch(file, info);
      fetch_shards(commit, file);
      has_weights = true;
      break;
    }
    cache_.mark_absent(commit, file);
  }
  if (!has_weights) {
    throw Error("'" + repo_id_ + "' has no model.safetensors or pytorch_model.bin (nor a " +
                "sharded .index.json) at commit " + commit +
                "; attnviz reads only these. Export the model to one of them and pass its " +
                "directory.");
  }
  for (const auto& file : kTokenizerFiles) {
    const FileInfo info = head(commit, file);
    if (info.found) {
      fetch(file, info);
    } else {
      cache_.mark_absent(commit, file);
    }
  }
  if (!has_tokenizer(cache_, commit)) {
    throw Error("'" + repo_id_ + "' has no tokenizer files attnviz can read (tokenizer.json, " +
                "vocab.txt, vocab.json with merges.txt, or a SentencePiece model). Add them to a " +
                "local copy and pass its directory.");
  }
  // Written last: the ref points to a snapshot only once the snapshot is usable.
  cache_.write_ref(options_.revision, commit);
  return cache_.snapshot(commit);
}

}  // namespace

}  // namespace attnviz::hub

namespace attnviz {

std::string sha256_of_file(const fs::path& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::ifstream in(path, std::ios::binary);
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string text;
  for (unsigned int i = 0; i < length; ++i) {
    text += hex[digest[i] >> 4];
    text += hex[digest[i] & 15];
  }
  return text;
}

fs::path download_model(const std::string& repo_id, const HubOptions& options) {
  hub::check_repo_id(repo_id);
  if (options.offline) {
    throw Error("HF_HUB_OFFLINE is set, so '" + repo_id + "' cannot be downloaded. Unset it, or " +
                "pass a local model directory.");
  }
  try {
    return hub::Remote(options, repo_id).fetch_all();
  } catch (const fs::filesystem_error& error) {
    throw Error("cannot write to the Hugging Face cache while downloading '" + repo_id +
                "': " + error.what() + ". Set HF_HUB_CACHE to a writable folder with free space.");
  }
}

}  // namespace attnviz
