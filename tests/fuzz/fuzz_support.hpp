#pragma once

// What the libFuzzer harnesses share: a scratch directory of their own for the files a loader reads
// from a model directory, and the one rule they check: bad input is an attnviz::Error, anything
// else (another exception, a crash, a sanitizer report) is a finding.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "attnviz/error.hpp"

namespace attnviz::fuzz {

// A directory under the system's temporary directory, one per process, removed at exit.
inline const std::filesystem::path& scratch_dir() {
  struct Dir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("attnviz-fuzz-" + std::to_string(::getpid()));
    Dir() {
      std::filesystem::remove_all(path);
      std::filesystem::create_directories(path);
    }
    ~Dir() { std::filesystem::remove_all(path); }
  };
  static const Dir dir;
  return dir.path;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs f; an attnviz::Error is the expected answer to bad input and ends the run quietly.
template <class F>
void expect_only_attnviz_errors(F&& f) {
  try {
    f();
  } catch (const attnviz::Error&) {
  }
}

}  // namespace attnviz::fuzz
