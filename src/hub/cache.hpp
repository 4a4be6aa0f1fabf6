#pragma once

#include <filesystem>
#include <optional>
#include <string>

// The Hugging Face cache layout, as huggingface_hub writes and reads it:
//   <cache>/models--org--name/refs/<revision>            the commit hash, no newline
//   <cache>/models--org--name/snapshots/<commit>/<file>  relative symlink to ../../blobs/<etag>
//   <cache>/models--org--name/blobs/<etag>               the file; <etag>.incomplete while
//   downloading <cache>/models--org--name/.no_exist/<commit>/<file>  empty: the Hub said the file
//   is absent <cache>/.locks/models--org--name/<etag>.lock         flock() taken while a blob is
//   written
namespace attnviz::hub {

// Throws attnviz::Error unless repo_id is a valid Hub id.
void check_repo_id(const std::string& repo_id);

bool is_commit_hash(const std::string& revision);
// A plain name for a file in blobs/ (an etag): no path separator, no leading dot.
bool is_file_name(const std::string& name);

class RepoCache {
 public:
  RepoCache(const std::filesystem::path& cache_dir, const std::string& repo_id);

  const std::filesystem::path& folder() const { return folder_; }
  // A commit hash stands for itself; a branch or tag is looked up in refs/.
  std::optional<std::string> commit_for(const std::string& revision) const;
  void write_ref(const std::string& revision, const std::string& commit) const;

  std::filesystem::path snapshot(const std::string& commit) const;
  std::filesystem::path blob(const std::string& etag) const;
  std::filesystem::path lock_file(const std::string& etag) const;
  // True when snapshots/<commit>/<file> leads to an existing file.
  bool has(const std::string& commit, const std::string& file) const;
  // snapshots/<commit>/<file> -> ../../blobs/<etag>, replacing a stale pointer.
  void link(const std::string& commit, const std::string& file, const std::string& etag) const;
  void mark_absent(const std::string& commit, const std::string& file) const;

 private:
  std::filesystem::path folder_;
  std::filesystem::path locks_;
};

// flock() on a lock file, compatible with huggingface_hub's filelock; released on destruction.
class FileLock {
 public:
  explicit FileLock(const std::filesystem::path& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace attnviz::hub
