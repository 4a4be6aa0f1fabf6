// The model stage of the `attnviz` front end, which links no libtorch: commands that run no model
// (--help, tokenize, render, html --from, any error before a model loads) never pay for loading it.
// A command that is about to run a model continues as attnviz-torch, the same commands linked with
// the model stage, found next to this binary and given the same command line.
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"

namespace attnviz {
namespace {

[[noreturn]] void continue_as_torch_binary() {
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
  // libtorch's OpenMP threads wait for the next operation by spinning, 300,000 turns by default:
  // on a quiet machine that is what makes a short forward pass fast, on a busy one it takes the
  // cores from the work it waits for. A short spin gets most of both: SmolLM2 at 128 tokens, 2
  // threads, took 141 ms (quiet) and 812 ms (one core busy) against 217 and 476 ms sleeping at
  // once (OMP_WAIT_POLICY=PASSIVE) and 145 and 2,748 ms with libgomp's default. libgomp reads it
  // once, when attnviz-torch loads it; a wait policy or spin count the user set is kept.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) setenv("GOMP_SPINCOUNT", "10000", 0);
  execv(torch_binary.c_str(), argv.data());
  throw Error("cannot start " + torch_binary.string() + " (" + std::strerror(errno) +
              "), which runs the models: it belongs next to " + self.string() +
              "; rebuild or reinstall attnviz");
}

}  // namespace

std::unique_ptr<Model> load_model(const std::filesystem::path&, const RuntimeOptions&) {
  continue_as_torch_binary();
}

std::unique_ptr<Seq2SeqModel> load_seq2seq_model(const std::filesystem::path&,
                                                 const RuntimeOptions&) {
  continue_as_torch_binary();
}

}  // namespace attnviz
