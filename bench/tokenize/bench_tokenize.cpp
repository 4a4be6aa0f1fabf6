// Tokens per second of attnviz's tokenizers on a large text, one encode() per paragraph, one
// thread. Usage: bench_tokenize [benchmark flags] TEXT_FILE MODEL_DIR... (bench/tokenize/compare.py
// runs it next to Hugging Face's tokenizers on the same paragraphs.)
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "attnviz/tokenizer.hpp"

namespace {

// Paragraphs are separated by an empty line, as compare.py splits them.
std::vector<std::string> read_paragraphs(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::vector<std::string> paragraphs;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t end = text.find("\n\n", pos);
    if (end == std::string::npos) end = text.size();
    if (end > pos) paragraphs.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return paragraphs;
}

void encode_all(benchmark::State& state, const attnviz::Tokenizer* tokenizer,
                const std::vector<std::string>* paragraphs, std::size_t bytes) {
  std::size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const std::string& p : *paragraphs) tokens += tokenizer->encode(p).size();
    benchmark::DoNotOptimize(tokens);
  }
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["tokens_per_second"] =
      benchmark::Counter(static_cast<double>(tokens) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes) * state.iterations());
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (argc < 3) {
    std::cerr << "usage: bench_tokenize [benchmark flags] TEXT_FILE MODEL_DIR...\n";
    return 2;
  }
  static const std::vector<std::string> paragraphs = read_paragraphs(argv[1]);
  std::size_t bytes = 0;
  for (const auto& p : paragraphs) bytes += p.size();
  static std::vector<std::unique_ptr<attnviz::Tokenizer>> tokenizers;
  for (int i = 2; i < argc; ++i) {
    tokenizers.push_back(attnviz::load_tokenizer(argv[i]));
    // Both a cold first pass (the BPE cache fills) and steady state are in the repetitions.
    benchmark::RegisterBenchmark(
        ("encode/" + std::filesystem::path(argv[i]).filename().string()).c_str(), encode_all,
        tokenizers.back().get(), &paragraphs, bytes)
        ->Unit(benchmark::kMillisecond)
        ->MinTime(2.0);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
