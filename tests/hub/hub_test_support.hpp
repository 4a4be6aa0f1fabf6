#pragma once

// Shared by the hub tests: a temporary folder, the Python interpreter, and the fake Hub process
// (tests/hub/fake_hub.py) on 127.0.0.1.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnviz/error.hpp"
#include "attnviz/hub.hpp"

extern char** environ;

namespace attnviz::testing {

namespace fs = std::filesystem;

inline std::string python_interpreter() {
  const char* python = std::getenv("ATTNVIZ_PYTHON");
  return python && *python ? python : "python3";
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "attnviz-hub-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs `command` through /bin/sh; returns its exit status and standard output.
inline std::pair<int, std::string> run_command(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The fake Hub: started on free ports in the constructor, stopped in the destructor.
class FakeHub {
 public:
  explicit FakeHub(const std::vector<std::string>& switches = {}) {
    std::vector<std::string> args = {python_interpreter(),
                                     FAKE_HUB_SCRIPT,
                                     "--root",
                                     std::string(ATTNVIZ_TEST_DATA) + "/hub/repos",
                                     "--log",
                                     log_path().string(),
                                     "--manifest",
                                     (dir_.path() / "manifest.json").string()};
    args.insert(args.end(), switches.begin(), switches.end());
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    const int spawned = posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    output_ = out[0];
    if (spawned != 0) throw std::runtime_error("cannot start " + args[0] + " " + FAKE_HUB_SCRIPT);
    // The first line says the ports; it comes once both sockets listen.
    std::string line;
    pollfd ready{output_, POLLIN, 0};
    char c = 0;
    while (line.find('\n') == std::string::npos && poll(&ready, 1, 20000) > 0 &&
           read(output_, &c, 1) == 1) {
      line += c;
    }
    if (std::sscanf(line.c_str(), "PORT %d %d", &port_, &cdn_port_) != 2) {
      throw std::runtime_error("the fake Hub did not start (said: '" + line + "')");
    }
    manifest_ = nlohmann::json::parse(read_file(dir_.path() / "manifest.json"));
  }
  ~FakeHub() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (output_ >= 0) close(output_);
  }
  FakeHub(const FakeHub&) = delete;
  FakeHub& operator=(const FakeHub&) = delete;

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int cdn_port() const { return cdn_port_; }
  // One line per request so far: "METHOD PATH range=R auth=yes|no".
  std::vector<std::string> requests() const { return read_lines(log_path()); }
  std::string commit(const std::string& repo) const { return manifest_.at(repo).at("commit"); }
  std::string etag(const std::string& repo, const std::string& file) const {
    return manifest_.at(repo).at("files").at(file).at("etag");
  }

 private:
  fs::path log_path() const { return dir_.path() / "requests.log"; }

  TempDir dir_;
  pid_t pid_ = -1;
  int output_ = -1;
  int port_ = 0;
  int cdn_port_ = 0;
  nlohmann::json manifest_;
};

// The fixtures' own bytes, to compare the cache against.
inline std::string fixture(const std::string& repo, const std::string& file) {
  return read_file(fs::path(ATTNVIZ_TEST_DATA) / "hub" / "repos" / repo / file);
}

// The message of the attnviz::Error `action` throws; a test failure when it throws none.
inline std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "no attnviz::Error was thrown";
  return "";
}

// The lines that start with `prefix`.
inline std::vector<std::string> matching(const std::vector<std::string>& lines,
                                         const std::string& prefix) {
  std::vector<std::string> found;
  for (const auto& line : lines) {
    if (line.rfind(prefix, 0) == 0) found.push_back(line);
  }
  return found;
}

// A test against the fake Hub with its own empty cache.
class FakeHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A proxy from the environment must not see requests to the local server.
    setenv("NO_PROXY", "127.0.0.1", 1);
    setenv("no_proxy", "127.0.0.1", 1);
  }

  HubOptions options(const FakeHub& hub) const {
    HubOptions options;
    options.models_dir.clear();
    options.aliases_file.clear();
    options.cache_dir = cache();
    options.endpoint = hub.endpoint();
    options.stall_timeout_s = 5;
    return options;
  }

  fs::path cache() const { return temp_.path() / "cache"; }

  TempDir temp_;
};

}  // namespace attnviz::testing
