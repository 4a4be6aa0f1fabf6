// attnviz._core: the Python face of the torch-free stages. It only converts: NumPy arrays and
// Python lists in, attnviz values through the same functions the CLI calls (attention_file's
// checks, src/cli/figures.cpp's views, html_view), bytes and text out. attnviz::Error becomes
// attnviz.Error (a ValueError) with the CLI's message; the pure-Python layer is python/attnviz/.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <cstring>

#include "attnviz/analysis.hpp"
#include "attnviz/attention_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/html_view.hpp"
#include "attnviz/image.hpp"
#include "attnviz/render.hpp"
#include "attnviz/svg.hpp"
#include "figures.hpp"
#include "selection.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace attnviz::python {
namespace {

using Floats = nb::ndarray<const float, nb::c_contig, nb::device::cpu>;

std::vector<std::int64_t> shape_of(const Floats& array) {
  std::vector<std::int64_t> shape;
  for (std::size_t i = 0; i < array.ndim(); ++i)
    shape.push_back(static_cast<std::int64_t>(array.shape(i)));
  return shape;
}

std::vector<float> values_of(const Floats& array) {
  return std::vector<float>(array.data(), array.data() + array.size());
}

// Saved attentions' checks (read_attention_file's), on an array: [layers, heads, n, n] and its
// tokens as the JSON sidecar would hold them.
AttentionFile attention(const Floats& array, const std::string& dtype,
                        const std::string& tokens_json, const std::string& where, bool check) {
  AttentionFileOptions options;
  options.check = check;
  options.unchecked = "check=False";
  return attention_from_values(shape_of(array), values_of(array), dtype, tokens_json, where,
                               options);
}

// An encoder-decoder's cross attention [layers, heads, queries, keys]: the queries are the
// decoder's tokens, the keys the encoder's. html_view checks the values.
AttentionFile cross_attention(const Floats& array, const std::vector<std::string>& tokens,
                              const std::vector<std::string>& key_tokens) {
  if (array.ndim() != 4)
    throw Error("cross attention has " + std::to_string(array.ndim()) +
                " axes; it must be [layers, heads, decoder tokens, encoder tokens]");
  AttentionFile file;
  Attention& a = file.attention;
  a.layers = static_cast<int>(array.shape(0));
  a.heads = static_cast<int>(array.shape(1));
  a.n = static_cast<int>(array.shape(2));
  a.key_count = static_cast<int>(array.shape(3));
  if (tokens.size() != array.shape(2) || key_tokens.size() != array.shape(3))
    throw Error("cross attention has " + std::to_string(a.n) + " decoder and " +
                std::to_string(a.key_count) + " encoder positions, but " +
                std::to_string(tokens.size()) + " decoder and " +
                std::to_string(key_tokens.size()) + " encoder tokens were given");
  a.weights = values_of(array);
  a.tokens = tokens;
  a.key_tokens = key_tokens;
  a.special.assign(tokens.size(), false);
  a.key_special.assign(key_tokens.size(), false);
  file.model = "cross";
  return file;
}

nb::ndarray<nb::numpy, float> weights_of(const AttentionFile& file) {
  const Attention& a = file.attention;
  auto* values = new std::vector<float>(a.weights);
  nb::capsule owner(values, [](void* p) noexcept { delete static_cast<std::vector<float>*>(p); });
  const std::size_t shape[4] = {static_cast<std::size_t>(a.layers),
                                static_cast<std::size_t>(a.heads), static_cast<std::size_t>(a.n),
                                static_cast<std::size_t>(a.columns())};
  return nb::ndarray<nb::numpy, float>(values->data(), 4, shape, owner);
}

nb::bytes png_of(const Figure& figure, int scale) {
  const auto bytes = encode_png(rasterize(figure, scale));
  return nb::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

cli::FigureStyle style_of(const std::string& model, const std::string& colormap,
                          const std::string& values, const Attention& attention) {
  cli::FigureStyle style;
  style.model_name = model;
  style.extent = cli::extent_of(attention);
  style.colormap = colormap;
  style.values = values;
  return style;
}

// --layer and --head as the CLI reads them ("10", "mean", "all"), checked against the attention.
cli::Selection selection_of(const AttentionFile& file, const std::string& layer,
                            const std::string& head, const std::string& model) {
  ModelInfo info;
  info.layers = file.attention.layers;
  info.heads = file.attention.heads;
  return cli::parse_selection(layer, head, info, model.empty() ? "the attention" : model);
}

Figure heatmap(const AttentionFile& file, const std::string& layer, const std::string& head,
               const std::string& model, const std::string& colormap, const std::string& values,
               int focus_row) {
  const auto selection = selection_of(file, layer, head, model);
  return cli::heatmap_view(cli::matrix_source(file.attention, selection), selection,
                           style_of(model, colormap, values, file.attention), focus_row);
}

Figure grid(const AttentionFile& file, const std::string& layer, const std::string& head,
            const std::string& model, const std::string& colormap, const std::string& values) {
  return cli::grid_view(file.attention, selection_of(file, layer, head, model),
                        style_of(model, colormap, values, file.attention));
}

Figure rollout(const AttentionFile& file, const std::string& layer, const std::string& model,
               const std::string& colormap, const std::string& values, int focus_row) {
  const auto selection = selection_of(file, layer, "all", model);
  const int through = selection.all_layers ? file.attention.layers - 1 : selection.layer;
  return cli::rollout_view(file.attention, through,
                           style_of(model, colormap, values, file.attention), focus_row);
}

Figure compare(const AttentionFile& a, const std::string& title_a, const AttentionFile& b,
               const std::string& title_b, const std::string& layer, const std::string& head,
               const std::string& model, const std::string& colormap, const std::string& values,
               int focus_row) {
  if (b.attention.layers != a.attention.layers || b.attention.heads != a.attention.heads)
    throw Error("compare: A has " + std::to_string(a.attention.layers) + " layers of " +
                std::to_string(a.attention.heads) + " heads, B has " +
                std::to_string(b.attention.layers) + " of " + std::to_string(b.attention.heads));
  const auto selection = selection_of(a, layer, head, model);
  return cli::compare_view(a.attention, title_a, b.attention, title_b, selection,
                           style_of(model, colormap, values, a.attention), focus_row);
}

// Word pieces merged into words (Clark et al.), as the CLI's --words: display strings mark a
// word's continuation pieces with U+00B7, as the tokenize stage writes them.
AttentionFile words(const AttentionFile& file, const std::vector<std::string>& display) {
  Encoding encoding;
  const Attention& a = file.attention;
  encoding.display = display;
  encoding.tokens = display;
  encoding.special = a.special;
  encoding.ids.assign(display.size(), 0);
  encoding.type_ids.assign(display.size(), 0);
  encoding.spans.assign(display.size(), {});
  AttentionFile out = file;
  out.attention = word_attention(a, encoding);
  return out;
}

std::string html(const std::vector<std::tuple<const AttentionFile*, std::string, int>>& given,
                 const std::string& title, const std::string& model, bool embed_font,
                 int weight_bits, const std::string& view, int input, int layer,
                 const std::vector<int>& heads, const std::string& theme) {
  std::vector<HtmlInput> inputs;
  for (const auto& [file, label, b_start] : given) {
    if (file == nullptr) throw Error("html view: an input is None");
    HtmlInput in;
    in.attention = &file->attention;
    in.label = label;
    in.sentence_b_start = b_start;
    inputs.push_back(in);
  }
  HtmlOptions options;
  options.title = title;
  options.model_name = model;
  options.embed_font = embed_font;
  options.weight_bits = weight_bits;
  options.view = view;
  options.input = input;
  options.layer = layer;
  options.heads = heads;
  options.theme = theme;
  nb::gil_scoped_release release;  // encoding a long input's page takes a while
  return html_view(inputs, options);
}

}  // namespace
}  // namespace attnviz::python

NB_MODULE(_core, m) {
  using namespace attnviz;
  using namespace attnviz::python;
  m.doc() = "attnviz's torch-free stages (analysis, render, web page) for Python; see attnviz";
  nb::exception<Error>(m, "Error", PyExc_ValueError);

  nb::class_<AttentionFile>(m, "Attention",
                            "Checked attention probabilities [layers, heads, queries, keys] with "
                            "their tokens")
      .def_prop_ro("layers", [](const AttentionFile& f) { return f.attention.layers; })
      .def_prop_ro("heads", [](const AttentionFile& f) { return f.attention.heads; })
      .def_prop_ro("n", [](const AttentionFile& f) { return f.attention.n; })
      .def_prop_ro("key_count", [](const AttentionFile& f) { return f.attention.columns(); })
      .def_prop_ro("tokens", [](const AttentionFile& f) { return f.attention.tokens; })
      .def_prop_ro("key_tokens", [](const AttentionFile& f) { return f.attention.column_tokens(); })
      .def_prop_ro("causal", [](const AttentionFile& f) { return f.attention.causal; })
      .def_prop_ro("negative", [](const AttentionFile& f) { return f.negative; })
      .def("weights", &weights_of, "A copy of the weights as a float32 array");

  nb::class_<Figure>(m, "Figure", "A figure of the render stage (one display list for PNG and SVG)")
      .def_ro("width", &Figure::width)
      .def_ro("height", &Figure::height)
      .def("png", &png_of, "scale"_a = 1, "PNG bytes at scale pixels per unit (1 to 4)")
      .def(
          "svg", [](const Figure& f) { return to_svg(f); }, "SVG text")
      .def(
          "save",
          [](const Figure& f, const std::string& path, int scale) { save_figure(f, path, scale); },
          "path"_a, "scale"_a = 1, "Writes a .png or .svg, chosen by the extension");

  m.def("attention", &attention, "values"_a, "dtype"_a, "tokens_json"_a, "where"_a, "check"_a);
  m.def("cross_attention", &cross_attention, "values"_a, "tokens"_a, "key_tokens"_a);
  m.def("heatmap", &heatmap, "attention"_a, "layer"_a, "head"_a, "model"_a, "colormap"_a,
        "values"_a, "focus_row"_a);
  m.def("grid", &grid, "attention"_a, "layer"_a, "head"_a, "model"_a, "colormap"_a, "values"_a);
  m.def("rollout", &rollout, "attention"_a, "layer"_a, "model"_a, "colormap"_a, "values"_a,
        "focus_row"_a);
  m.def("compare", &compare, "a"_a, "title_a"_a, "b"_a, "title_b"_a, "layer"_a, "head"_a, "model"_a,
        "colormap"_a, "values"_a, "focus_row"_a);
  m.def("words", &words, "attention"_a, "display"_a);
  m.def("html", &html, "inputs"_a, "title"_a, "model"_a, "embed_font"_a, "weight_bits"_a, "view"_a,
        "input"_a, "layer"_a, "heads"_a, "theme"_a);
}
