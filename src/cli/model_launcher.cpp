// The model stage of the `attnviz` front end, which links no libtorch: commands that run no model
// (--help, tokenize, render, html --from, any error before a model loads) never pay for loading it.
// A command that is about to run a model continues as attnviz-torch, the same commands linked with
// the model stage, found next to this binary and given the same command line.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"

namespace attnviz {

std::unique_ptr<Model> load_model(const std::filesystem::path&, const RuntimeOptions&) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string line((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (std::size_t begin = 0; begin < line.size();) {
    const std::size_t end = line.find('\0', begin);
    args.push_back(line.substr(begin, end - begin));
    begin = end == std::string::npos ? line.size() : end + 1;
  }
  const auto self = std::filesystem::read_symlink("/proc/self/exe");
  const auto torch_binary = self.parent_path() / "attnviz-torch";
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  // libtorch's OpenMP threads spin while they wait, against OpenBLAS's own threads and anything
  // else on the machine: SmolLM2's forward at 128 tokens took 1.39 s spinning and 0.34 s sleeping
  // (2 cores, other work running). libgomp reads this once, when attnviz-torch loads it; a value
  // the user set is kept.
  setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
  execv(torch_binary.c_str(), argv.data());
  throw Error("cannot start " + torch_binary.string() + " (" + std::strerror(errno) +
              "), which runs the models: it belongs next to " + self.string() +
              "; rebuild or reinstall attnviz");
}

}  // namespace attnviz
