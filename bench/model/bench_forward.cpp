// The forward pass of one model at given lengths, with the process's peak memory. Run by
// bench/model/run_forward_benchmark.py beside transformers on the same weights, one process per
// length so that each peak is its own.
//
//   ATTNVIZ_BENCH_MODEL=DIR ATTNVIZ_BENCH_LENGTHS=16,128 ATTNVIZ_BENCH_THREADS=2 bench_forward
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <sstream>

#include "attnviz/model.hpp"

namespace {

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

void forward(benchmark::State& state, const attnviz::Model* model) {
  attnviz::Encoding encoding;
  std::mt19937 random(7);
  std::uniform_int_distribution<int> id(1000, 20000);
  for (int i = 0; i < state.range(0); ++i) encoding.ids.push_back(id(random));
  encoding.type_ids.assign(encoding.ids.size(), 0);
  for (auto _ : state) {
    auto attentions = model->attend({encoding});
    benchmark::DoNotOptimize(attentions);
  }
  state.counters["peak_rss_mb"] = peak_rss_mb();
}

}  // namespace

int main(int argc, char** argv) {
  const char* dir = std::getenv("ATTNVIZ_BENCH_MODEL");
  if (dir == nullptr) {
    std::cerr << "set ATTNVIZ_BENCH_MODEL to a model directory (see "
                 "bench/model/run_forward_benchmark.py)\n";
    return 2;
  }
  attnviz::RuntimeOptions options;
  if (const char* threads = std::getenv("ATTNVIZ_BENCH_THREADS"))
    options.threads = std::atoi(threads);
  const auto model = attnviz::load_model(dir, options);
  std::stringstream lengths(
      std::getenv("ATTNVIZ_BENCH_LENGTHS") ? std::getenv("ATTNVIZ_BENCH_LENGTHS") : "16");
  for (std::string length; std::getline(lengths, length, ',');) {
    benchmark::RegisterBenchmark(("forward/" + length).c_str(), forward, model.get())
        ->Arg(std::stoi(length))
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime()
        ->MinTime(2.0);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
