#include "cache.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <thread>

#include "attnviz/error.hpp"

namespace fs = std::filesystem;

namespace attnviz::hub {
namespace {

std::string repo_folder_name(const std::string& repo_id) {
  std::string name = "models--" + repo_id;
  for (auto slash = name.find('/'); slash != std::string::npos; slash = name.find('/', slash)) {
    name.replace(slash, 1, "--");
  }
  return name;
}

void make_folder(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    throw Error("cannot create cache folder " + dir.string() + ": " + error.message() +
                ". Set HF_HUB_CACHE to a writable folder.");
  }
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// huggingface_hub's rule: [org/]name, each part starting with a letter, digit or '_', made of
// letters, digits, '-', '_', '.'; no "--" or ".."; not ending in '-' or '.'; at most 96 characters.
bool is_repo_part(const std::string& part) {
  return !part.empty() && part.front() != '-' && part.front() != '.' &&
         std::all_of(part.begin(), part.end(), is_name_char);
}

}  // namespace

void check_repo_id(const std::string& repo_id) {
  const auto slash = repo_id.find('/');
  const bool ok = repo_id.size() <= 96 && is_repo_part(repo_id.substr(0, slash)) &&
                  (slash == std::string::npos || is_repo_part(repo_id.substr(slash + 1))) &&
                  repo_id.find("--") == std::string::npos &&
                  repo_id.find("..") == std::string::npos && repo_id.back() != '.' &&
                  repo_id.back() != '-';
  if (!ok) {
    throw Error("'" + repo_id + "' is not a Hugging Face model id (org/name or name: letters, " +
                "digits, '-', '_', '.'). Pass an existing model directory or a Hub id.");
  }
}

bool is_file_name(const std::string& name) {
  return !name.empty() && name.size() <= 128 && std::isalnum(static_cast<unsigned char>(name[0])) &&
         std::all_of(name.begin(), name.end(), is_name_char);
}

bool is_commit_hash(const std::string& revision) {
  return revision.size() == 40 &&
         revision.find_first_not_of("0123456789abcdef") == std::string::npos;
}

RepoCache::RepoCache(const fs::path& cache_dir, const std::string& repo_id)
    : folder_(cache_dir / repo_folder_name(repo_id)),
      locks_(cache_dir / ".locks" / repo_folder_name(repo_id)) {}

std::optional<std::string> RepoCache::commit_for(const std::string& revision) const {
  if (is_commit_hash(revision)) return revision;
  std::ifstream ref(folder_ / "refs" / revision);
  std::string commit;
  if (!(ref >> commit) || !is_commit_hash(commit)) return std::nullopt;
  return commit;
}

void RepoCache::write_ref(const std::string& revision, const std::string& commit) const {
  if (revision == commit || commit_for(revision) == commit) return;
  const fs::path ref = folder_ / "refs" / revision;
  make_folder(ref.parent_path());
  // Written aside and renamed, so a reader never sees a half-written hash; the name is unique so
  // that concurrent writers do not rename each other's file.
  const fs::path temporary =
      ref.string() + ".tmp-" + std::to_string(::getpid()) + "-" +
      std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  std::ofstream(temporary, std::ios::binary) << commit;
  fs::rename(temporary, ref);
}

fs::path RepoCache::snapshot(const std::string& commit) const {
  return folder_ / "snapshots" / commit;
}

fs::path RepoCache::blob(const std::string& etag) const {
  return folder_ / "blobs" / etag;
}

fs::path RepoCache::lock_file(const std::string& etag) const {
  return locks_ / (etag + ".lock");
}

bool RepoCache::has(const std::string& commit, const std::string& file) const {
  std::error_code error;
  return fs::is_regular_file(snapshot(commit) / file, error);
}

void RepoCache::link(const std::string& commit, const std::string& file,
                     const std::string& etag) const {
  const fs::path pointer = snapshot(commit) / file;
  make_folder(pointer.parent_path());
  std::error_code error;
  fs::remove(pointer, error);
  // Relative, like huggingface_hub's: the cache keeps working when its folder is moved.
  fs::create_symlink(fs::relative(blob(etag), pointer.parent_path()), pointer, error);
  if (error) {
    throw Error("cannot link " + pointer.string() + " to its blob: " + error.message() +
                ". The cache folder must allow symbolic links.");
  }
}

void RepoCache::mark_absent(const std::string& commit, const std::string& file) const {
  const fs::path marker = folder_ / ".no_exist" / commit / file;
  std::error_code error;
  fs::create_directories(marker.parent_path(), error);
  if (!error) std::ofstream(marker, std::ios::app);  // a hint only: failing to write it is harmless
}

FileLock::FileLock(const fs::path& path) {
  make_folder(path.parent_path());
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0) {
    if (fd_ >= 0) ::close(fd_);
    throw Error("cannot lock " + path.string() + ". Check that the cache folder is writable.");
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace attnviz::hub
