#include "attnviz/html_view.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "attnviz/markup.hpp"
#include "attnviz/parallel.hpp"
#include "page_data.hpp"
#include "web_assets.hpp"

namespace attnviz {
namespace {

// Browsers struggle with pages much above a few hundred MB; GPT-2 at 1,024 tokens is 151 M weights.
constexpr std::size_t kMaxWeights = 400'000'000;

// The storage note shown in the page, so a reader knows how exact the numbers are.
std::string storage_note(int bits) {
  const int levels = (1 << bits) - 1;
  return "Storage: attention weights are " + std::to_string(bits) +
         "-bit per row, linear in the row's maximum (w = row max \u00d7 code/" +
         std::to_string(levels) + ", error at most row max/" + std::to_string(2 * levels) +
         "); causal inputs keep only keys up to the query; queries and keys are int8 with one "
         "scale "
         "per vector. Blocks are deflated and base64-encoded, one per layer.";
}

// What a page of a long input holds instead of every cell, for its footer; "" for every cell.
std::string reduction_note(const Attention& a) {
  if (!a.reduced()) return "";
  const int last = a.end_position();
  std::string note = " This page holds tokens " + std::to_string(a.first) + " to " +
                     std::to_string(last - 1) + " (0-based) of " + std::to_string(a.input_length());
  if (a.block == 1) return note + ", at full resolution.";
  const std::string size = std::to_string(a.block);
  return note + " in blocks of " + size + " \u00d7 " + size + " tokens, each cell the " +
         (a.pooling == Pooling::max ? "largest" : "mean") +
         " weight of its block: full resolution is not stored (attnviz html --window A:B stores "
         "a range of tokens at full resolution).";
}

// Per layer, the sliding window in cells: a block of cells is masked where all of it is, i.e.
// where its rows are at least ceil((window + block - 1) / block) blocks after its columns.
std::vector<int> windows_in_cells(const Attention& a) {
  std::vector<int> windows;
  for (const int w : a.windows) windows.push_back(w > 0 ? (w + 2 * a.block - 2) / a.block : 0);
  return windows;
}

void check_weights(const Attention& a, const std::string& in) {
  const std::size_t n = static_cast<std::size_t>(a.n);
  const std::size_t columns = static_cast<std::size_t>(a.columns());
  const float* w = a.weights.data();
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < columns; ++c, ++w) {
          const bool after = a.causal && c > r;
          if (std::isfinite(*w) && *w >= 0 && !(after && *w != 0)) continue;
          throw Error(in + ": weight at layer " + std::to_string(l) + ", head " +
                      std::to_string(h) + ", query " + std::to_string(r) + ", key " +
                      std::to_string(c) + " (0-based) is " + std::to_string(*w) +
                      (after ? "; a causal attention must be 0 after the query"
                             : "; attention weights must be finite and >= 0"));
        }
      }
    }
  }
}

void check_input(const Attention& a, const std::string& label) {
  const std::string in = label.empty() ? "html view" : "html view, input \"" + label + "\"";
  if (a.layers <= 0 || a.heads <= 0 || a.n <= 0)
    throw Error(in + ": the attention has " + std::to_string(a.layers) + " layers, " +
                std::to_string(a.heads) + " heads and " + std::to_string(a.n) +
                " tokens; all three must be at least 1");
  const std::size_t n = static_cast<std::size_t>(a.n);
  if (a.key_count < 0 || (a.cross() && (a.causal || a.reduced() || !a.windows.empty())))
    throw Error(in + ": cross attention (" + std::to_string(a.key_count) +
                " keys) must be whole, not causal and without windows");
  const std::size_t columns = static_cast<std::size_t>(a.columns());
  const std::size_t count = static_cast<std::size_t>(a.layers) * a.heads * n * columns;
  if (count > kMaxWeights)
    throw Error(in + ": " + std::to_string(count) + " weights are too many for one page (limit " +
                std::to_string(kMaxWeights) + "); use fewer tokens");
  if (a.weights.size() != count)
    throw Error(in + ": weights hold " + std::to_string(a.weights.size()) +
                " floats, expected layers*heads*queries*keys = " + std::to_string(count));
  if (a.tokens.size() != n)
    throw Error(in + ": " + std::to_string(a.tokens.size()) +
                " token strings for n = " + std::to_string(n));
  if (!a.special.empty() && a.special.size() != n)
    throw Error(in + ": " + std::to_string(a.special.size()) +
                " special flags for n = " + std::to_string(n));
  if (a.cross() && (a.key_tokens.size() != columns ||
                    (!a.key_special.empty() && a.key_special.size() != columns)))
    throw Error(in + ": " + std::to_string(a.key_tokens.size()) + " key tokens and " +
                std::to_string(a.key_special.size()) + " key flags for " + std::to_string(columns) +
                " keys");
  check_weights(a, in);
  if (a.queries.empty() && a.keys.empty()) return;
  const std::size_t vec =
      static_cast<std::size_t>(a.layers) * a.heads * n * std::max(a.head_dim, 0);
  if (a.head_dim <= 0 || a.queries.size() != vec || a.keys.size() != vec)
    throw Error(in + ": queries/keys hold " + std::to_string(a.queries.size()) + "/" +
                std::to_string(a.keys.size()) + " floats, expected layers*heads*n*head_dim = " +
                std::to_string(vec) + " (head_dim " + std::to_string(a.head_dim) + ")");
  for (const auto* v : {&a.queries, &a.keys})
    for (float x : *v)
      if (!std::isfinite(x)) throw Error(in + ": a query or key vector holds a non-finite value");
}

// How the page opens: a view it has, an input, layer and heads the attention holds.
void check_initial(const std::vector<HtmlInput>& inputs, const HtmlOptions& options) {
  const std::vector<std::string> views = {"head", "model", "heatmap", "neuron"};
  if (std::find(views.begin(), views.end(), options.view) == views.end())
    throw Error("html view: no view '" + options.view + "'; choose head, model, heatmap or neuron");
  if (!options.theme.empty() && options.theme != "light" && options.theme != "dark")
    throw Error("html view: no theme '" + options.theme + "'; choose light or dark");
  if (options.input < 0 || options.input >= static_cast<int>(inputs.size()))
    throw Error("html view: input " + std::to_string(options.input) + " (0-based) of " +
                std::to_string(inputs.size()) + " does not exist");
  const Attention& a = *inputs[options.input].attention;
  if (options.layer < 0 || options.layer >= a.layers)
    throw Error("html view: layer " + std::to_string(options.layer) + " (0-based) of " +
                std::to_string(a.layers) + " does not exist");
  for (const int h : options.heads)
    if (h < 0 || h >= a.heads)
      throw Error("html view: head " + std::to_string(h) + " (0-based) of " +
                  std::to_string(a.heads) + " does not exist");
}

bool has_vectors(const Attention& a, const HtmlOptions& options) {
  return options.include_vectors && a.head_dim > 0 && !a.queries.empty() && !a.cross();
}

std::string meta_json(const std::vector<HtmlInput>& inputs, const HtmlOptions& options) {
  nlohmann::json meta = {
      {"version", 1},
      {"title", options.title},
      {"model", options.model_name},
      {"storage", storage_note(options.weight_bits) + reduction_note(*inputs.at(0).attention)},
      {"weight_levels", (1 << options.weight_bits) - 1},
      {"inputs", nlohmann::json::array()},
      {"input_label", options.input_label},
      {"initial",
       {{"view", options.view},
        {"input", options.input},
        {"layer", options.layer},
        {"heads", options.heads},
        {"theme", options.theme}}}};
  for (const HtmlInput& in : inputs) {
    const Attention& a = *in.attention;
    std::vector<bool> special = a.special, key_special = a.key_special;
    special.resize(a.n, false);
    key_special.resize(a.key_count, false);
    std::vector<int> layer_ids, head_ids;
    for (int l = 0; l < a.layers; ++l) layer_ids.push_back(a.model_layer(l));
    for (int h = 0; h < a.heads; ++h) head_ids.push_back(a.model_head(h));
    meta["inputs"].push_back({{"label", in.label},
                              {"sentence_b_start", in.sentence_b_start},
                              {"tokens", a.tokens},
                              {"special", special},
                              {"causal", a.causal},
                              {"layers", a.layers},
                              {"heads", a.heads},
                              {"heads_per_kv", a.heads_per_kv},
                              {"windows", windows_in_cells(a)},
                              {"n", a.n},
                              {"key_count", a.key_count},
                              {"key_tokens", a.key_tokens},
                              {"key_special", key_special},
                              {"layer_ids", layer_ids},
                              {"head_ids", head_ids},
                              {"head_dim", has_vectors(a, options) ? a.head_dim : 0},
                              {"rollout", in.rollout}});
  }
  if (inputs.size() == 2 && !inputs[0].attention->cross() && !inputs[1].attention->cross()) {
    // A - B on the aligned tokens, as the PNG/SVG compare
    meta["alignment"] = nlohmann::json::array();
    for (const AlignedPosition& p :
         align_tokens(inputs[0].attention->tokens, inputs[1].attention->tokens))
      meta["alignment"].push_back({p.a, p.b});
  }
  // Token strings may hold bytes that are not UTF-8 (a byte-level BPE piece); show U+FFFD rather
  // than fail.
  return web::json_for_script(meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// One data block of the page: its element id and how to make its bytes.
struct Block {
  std::string id;
  std::function<std::vector<std::uint8_t>()> encode;
  std::string html;  // filled by encode_blocks
};

// Deflate dominates the time of a large page (seconds at 1,024 tokens) and blocks are independent,
// so they are encoded on all cores.
void encode_blocks(std::vector<Block>& blocks, int level) {
  for_each_index_in_parallel(
      blocks.size(), static_cast<int>(std::thread::hardware_concurrency()), [&](std::size_t i) {
        const std::vector<std::uint8_t> packed = web::deflate_bytes(blocks[i].encode(), level);
        blocks[i].html = "<script id=\"" + blocks[i].id + "\" type=\"application/octet-stream\">" +
                         web::base64(packed.data(), packed.size()) + "</script>\n";
      });
}

// The Content-Security-Policy allows exactly the embedded bundle (by hash): no other script, no
// inline event handler and no network request can run, whatever a token contains.
std::string script_hash() {
  const std::string hex = web_assets::bundle_js_sha256;
  std::vector<std::uint8_t> digest;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    digest.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return "sha256-" + web::base64(digest.data(), digest.size());
}

}  // namespace

std::string html_view(const std::vector<HtmlInput>& inputs, const HtmlOptions& options) {
  if (inputs.empty()) throw Error("html view: no attention given; pass at least one input");
  for (const HtmlInput& in : inputs) {
    if (in.attention == nullptr)
      throw Error("html view: input \"" + in.label + "\" has no attention");
    check_input(*in.attention, in.label);
    if (in.sentence_b_start < 0 || in.sentence_b_start >= in.attention->n ||
        (in.sentence_b_start > 0 && in.attention->cross()))
      throw Error("html view: sentence B starts at token " + std::to_string(in.sentence_b_start) +
                  " of " + std::to_string(in.attention->n) +
                  "; give 0 for one sentence or the position of the first "
                  "token of sentence B");
  }
  if (options.deflate_level < 1 || options.deflate_level > 9)
    throw Error("html view: deflate_level is " + std::to_string(options.deflate_level) +
                "; choose 1 (fastest) to 9 (smallest)");
  if (options.weight_bits < 4 || options.weight_bits > 8)
    throw Error("html view: weight_bits is " + std::to_string(options.weight_bits) +
                "; choose 4 to 8 bits per stored weight");
  check_initial(inputs, options);
  const int levels = (1 << options.weight_bits) - 1;
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Attention& a = *inputs[i].attention;
    const std::string prefix = "av-" + std::to_string(i);
    for (int l = 0; l < a.layers; ++l) {
      blocks.push_back({prefix + "-w-" + std::to_string(l),
                        [&a, l, levels] { return web::encode_weights(a, l, levels); }, ""});
      if (has_vectors(a, options))
        blocks.push_back({prefix + "-v-" + std::to_string(l),
                          [&a, l] { return web::encode_vectors(a, l); }, ""});
    }
  }
  encode_blocks(blocks, options.deflate_level);

  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src '" +
      script_hash() + "'; style-src 'unsafe-inline'; font-src data:; img-src data: blob:\">\n";
  page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  page += "<meta name=\"generator\" content=\"attnviz\">\n";
  page += "<title>" + escape_markup(options.title.empty() ? "attnviz" : options.title) +
          "</title>\n<style>\n";
  if (options.embed_font)
    page += "@font-face{font-family:\"DejaVu Sans\";src:url(data:font/ttf;base64," +
            web::base64(web_assets::font_ttf, web_assets::font_ttf_size) +
            ") format(\"truetype\")}\n";
  page.append(reinterpret_cast<const char*>(web_assets::bundle_css), web_assets::bundle_css_size);
  page += "</style>\n</head>\n<body>\n<noscript>This attention view needs JavaScript.</noscript>\n";
  page += "<script id=\"attnviz-meta\" type=\"application/json\">" + meta_json(inputs, options) +
          "</script>\n";
  for (const Block& b : blocks) page += b.html;
  page += "<script>";
  page.append(reinterpret_cast<const char*>(web_assets::bundle_js), web_assets::bundle_js_size);
  page += "</script>\n</body>\n</html>\n";
  return page;
}

std::string html_view(const Attention& attention, const HtmlOptions& options) {
  return html_view(std::vector<HtmlInput>{{&attention, ""}}, options);
}

}  // namespace attnviz
