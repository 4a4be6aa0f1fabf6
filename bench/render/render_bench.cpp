// How long the render stage takes, from a matrix to PNG bytes or SVG text, for the sizes the CLI
// draws: one head of a short sentence, a long input, a layer's grid, a model view.
#include <benchmark/benchmark.h>

#include "attnviz/image.hpp"
#include "attnviz/render.hpp"
#include "attnviz/svg.hpp"
#include "fixtures.hpp"

namespace attnviz {
namespace {

HeatmapData head_data(const std::vector<float>& m, int n) {
  return test::data_of(m, test::long_tokens(n), test::bert_special(n));
}

void BM_HeatmapPng(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = test::attention_like(n, 3);
  FigureOptions o;
  o.title = "Layer 10, Head 5 · bert-base-uncased";
  for (auto _ : state)
    benchmark::DoNotOptimize(encode_png(rasterize(heatmap_figure(head_data(m, n), o))));
}
BENCHMARK(BM_HeatmapPng)->Arg(16)->Arg(128)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_HeatmapSvg(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = test::attention_like(n, 3);
  for (auto _ : state) benchmark::DoNotOptimize(to_svg(heatmap_figure(head_data(m, n), {})));
}
BENCHMARK(BM_HeatmapSvg)->Arg(16)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_GridPng(benchmark::State& state) {
  const int rows = static_cast<int>(state.range(0)), n = 16;
  std::vector<std::vector<float>> heads;
  for (int i = 0; i < rows * 12; ++i) heads.push_back(test::attention_like(n, i));
  GridData g;
  g.grid_rows = rows;
  g.grid_cols = 12;
  g.n = n;
  g.tokens = {test::long_tokens(n), {}};
  for (auto& h : heads) g.panels.push_back(h.data());
  for (auto _ : state) benchmark::DoNotOptimize(encode_png(rasterize(grid_figure(g, {}))));
}
BENCHMARK(BM_GridPng)->Arg(1)->Arg(12)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace attnviz

namespace attnviz {
namespace {

// The two halves of BM_HeatmapPng: drawing the pixels and encoding them.
void BM_RasterizeOnly(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = test::attention_like(n, 3);
  const Figure f = heatmap_figure(head_data(m, n), {});
  for (auto _ : state) benchmark::DoNotOptimize(rasterize(f));
}
BENCHMARK(BM_RasterizeOnly)->Arg(16)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_EncodeOnly(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = test::attention_like(n, 3);
  const Image image = rasterize(heatmap_figure(head_data(m, n), {}));
  for (auto _ : state) benchmark::DoNotOptimize(encode_png(image));
}
BENCHMARK(BM_EncodeOnly)->Arg(16)->Arg(512)->Unit(benchmark::kMillisecond);

void BM_LayoutOnly(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const auto m = test::attention_like(n, 3);
  for (auto _ : state) benchmark::DoNotOptimize(heatmap_figure(head_data(m, n), {}));
}
BENCHMARK(BM_LayoutOnly)->Arg(16)->Arg(512)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace attnviz
