#include "view.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <tuple>

#include "attnviz/analysis.hpp"
#include "attnviz/colormap.hpp"
#include "attnviz/error.hpp"
#include "attnviz/render.hpp"
#include "figures.hpp"

namespace attnviz::cli {
namespace {

std::string default_output(const std::string& model_name, const Selection& selection, bool compare,
                           const std::string& part) {
  return "attnviz-" + model_name + (part.empty() ? "" : "-" + part) + "-" + selection.file_stem() +
         (compare ? "-compare" : "") + ".png";
}

// --print: each query's most attended keys, as text.
void print_top_keys(const Attention& attention, const MatrixSource& source, int top,
                    const std::string& title) {
  TopKeysOptions options;
  options.k = top;
  const auto rows = top_keys(*source.attention, source.layer, source.head, options);
  const auto& keys = attention.column_tokens();  // cross attention: the source's tokens
  std::size_t width = 0;
  for (const auto& token : attention.tokens) width = std::max(width, token.size());
  std::cout << title << ": top " << top << " keys per query\n";
  for (int q = 0; q < attention.n; ++q) {
    std::ostringstream line;
    line << attention.tokens[q] << std::string(width - attention.tokens[q].size(), ' ') << "  ->";
    for (const auto& key : rows[q]) {
      char weight[16];
      std::snprintf(weight, sizeof weight, "%.3f", key.weight);
      line << "  " << keys[key.key] << ' ' << weight;
    }
    std::cout << line.str() << '\n';
  }
}

bool one_matrix(const Selection& selection) {
  return !selection.all_layers && selection.heads != Selection::Heads::all;
}

}  // namespace

void add_extent_options(CLI::App& command, ExtentOptions& options) {
  command.add_option(
      "--window", options.window,
      "Draw only tokens A to B of a long input (numbered as attnviz tokenize numbers "
      "them, B not included), at full resolution; e.g. --window 4000:4200");
  command
      .add_option("--blocks", options.blocks,
                  "The most cells a heatmap side shows: a longer input (or --window) is pooled "
                  "into blocks of tokens, stated in the figure (0: never); e.g. --blocks 128")
      ->check(CLI::Range(0, 65536) & !CLI::IsMember({1}))
      ->capture_default_str();
  command
      .add_option("--pool", options.pool,
                  "How a block of cells becomes one: max (sharp attention stays visible) or "
                  "mean; e.g. --pool mean")
      ->check(CLI::IsMember({"max", "mean"}))
      ->capture_default_str();
}

void add_colormap_option(CLI::App& command, std::string& colormap) {
  command.add_option("--cmap", colormap, "Colour map; e.g. --cmap magma")
      ->check(CLI::IsMember(Colormap::names()))
      ->capture_default_str();
}

void add_attention_option(CLI::App& command, std::optional<std::string>& attention, bool all) {
  std::vector<std::string> names = {"encoder", "decoder", "cross"};
  if (all) names.push_back("all");
  command
      .add_option("--attention", attention,
                  std::string("Encoder-decoders: which attention to draw: encoder (source to "
                              "source), decoder (target to earlier target, the future hatched) or "
                              "cross (default; rows the target's tokens, columns the source's)") +
                      (all ? ", or all (the model view of the three: leave --layer and --head "
                             "at all)"
                           : "") +
                      "; e.g. --attention encoder")
      ->check(CLI::IsMember(names));
}

void add_view_display_options(CLI::App& command, ViewOptions& options) {
  command
      .add_option("-l,--layer", options.layer,
                  "Layer, numbered from 1 (\"Layer 10\" is transformers' attentions[9]), or all; "
                  "e.g. --layer 10")
      ->capture_default_str();
  command
      .add_option("--head", options.head,
                  "Head, numbered from 1; mean (average of the layer's heads); or all (grid); e.g. "
                  "--head 5")
      ->capture_default_str();
  command.add_option("--focus", options.focus,
                     "Outline the query row of this word; e.g. --focus it");
  command.add_flag("--print", options.print,
                   "Print each query's most attended keys as text (no picture unless -o is "
                   "given); e.g. --print --top 5");
  command.add_flag("--rollout", options.rollout,
                   "Draw attention rollout (Abnar & Zuidema: heads averaged, plus the residual, "
                   "multiplied through the layers) up to --layer N (default: the last); not for "
                   "cross attention, whose keys are the encoder's tokens, not the queries' "
                   "(roll out --attention encoder or decoder); e.g. --rollout --layer 6");
  command.add_option("--top", options.top, "How many keys --print lists per query; e.g. --top 5")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  add_colormap_option(command, options.colormap);
  command
      .add_option("--values", options.values,
                  "Print weights in cells: auto (when they fit), always, never; e.g. --values "
                  "never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  add_extent_options(command, options.extent);
  command.add_option("-o,--output", options.output,
                     "Picture to write: .png or .svg (default: attnviz-MODEL-L10-H5.png); e.g. "
                     "-o it.svg");
}

Selection view_selection(const ViewOptions& options, bool compare, const ModelInfo& info,
                         const std::string& model_name) {
  const Selection selection = parse_selection(options.layer, options.head, info, model_name);
  if (options.rollout && (compare || options.print)) {
    throw Error(std::string("--rollout cannot be combined with ") +
                (compare ? "--compare" : "--print"));
  }
  if (options.rollout && selection.heads == Selection::Heads::one) {
    throw Error("--rollout averages every head of each layer: leave out --head");
  }
  if ((compare || options.print || (options.focus && !options.rollout)) && !one_matrix(selection)) {
    throw Error(std::string(compare         ? "--compare"
                            : options.print ? "--print"
                                            : "--focus") +
                " works on one heatmap: pick --layer N with --head N or --head mean");
  }
  return selection;
}

namespace {

// --window A:B as positions [first, last): token numbers as attnviz tokenize prints them (from 0),
// B not included, as in Python's slices.
std::pair<int, int> parse_window(const std::string& text, int length) {
  const auto colon = text.find(':');
  const auto number = [&](const std::string& part) {
    if (part.empty() || part.size() > 9 ||
        !std::all_of(part.begin(), part.end(), [](unsigned char c) { return std::isdigit(c); }))
      throw Error("--window '" + text +
                  "' is not A:B, two token numbers (as attnviz tokenize numbers them); e.g. "
                  "--window 100:300");
    return std::stoi(part);
  };
  if (colon == std::string::npos) number("");
  const int a = number(text.substr(0, colon)), b = number(text.substr(colon + 1));
  if (a >= b || b > length)
    throw Error("--window " + text + " is not a range of the input's " + std::to_string(length) +
                " tokens: give A:B with 0 <= A < B <= " + std::to_string(length));
  return {a, b};
}

}  // namespace

AttentionKeep extent_keep(const ExtentOptions& options, int length) {
  AttentionKeep keep;
  if (!options.window.empty())
    std::tie(keep.first, keep.last) = parse_window(options.window, length);
  const int shown = (keep.last == 0 ? length : keep.last) - keep.first;
  if (options.blocks > 0) keep.block = block_for(shown, options.blocks);
  keep.pooling = options.pool == "mean" ? Pooling::mean : Pooling::max;
  return keep;
}

AttentionKeep view_keep(const ViewOptions& options, const Selection& selection, int length) {
  AttentionKeep keep = extent_keep(options.extent, length);
  if (options.rollout) {
    const int through = selection.all_layers ? -1 : selection.layer;  // -1: every layer
    for (int l = 0; l <= through; ++l) keep.layers.push_back(l);
    return keep;
  }
  if (!selection.all_layers) keep.layers = {selection.layer};
  if (selection.heads == Selection::Heads::one) keep.heads = {selection.head};
  return keep;
}

void require_tokens(const AttentionKeep& keep, const std::string& what) {
  if (keep.block > 1) {
    throw Error(what + " works token by token, but this input is pooled into blocks of " +
                std::to_string(keep.block) + " tokens to fit --blocks: pick --window A:B of at " +
                "most --blocks tokens, or raise --blocks");
  }
}

void require_whole_input(const AttentionKeep& keep, const std::string& what) {
  require_tokens(keep, what);
  if (keep.first != 0 || keep.last != 0)
    throw Error(what + " works on whole inputs: leave out --window");
}

int kept_row(const Attention& attention, int token) {
  if (token < attention.first || token >= attention.end_position())
    throw Error("--focus: that word is token " + std::to_string(token) + ", outside --window " +
                std::to_string(attention.first) + ":" + std::to_string(attention.end_position()));
  return (token - attention.first) / attention.block;
}

void draw_view(const ViewOptions& options, const Selection& selection,
               const std::string& model_name, const ViewInput& a,
               const std::optional<ViewInput>& b) {
  FigureStyle style;
  style.model_name = model_name;
  style.extent = extent_of(*a.attention);
  style.colormap = options.colormap;
  style.values = options.values;
  style.part = a.part;
  Figure figure;
  // --rollout through --layer N, or through the last layer when every layer is selected.
  const int rollout_layer = selection.all_layers ? a.attention->layers - 1 : selection.layer;
  if (options.rollout) {
    figure = rollout_view(*a.attention, rollout_layer, style, a.focus_row);
  } else if (b) {
    figure =
        compare_view(*a.attention, a.title, *b->attention, b->title, selection, style, a.focus_row);
  } else if (one_matrix(selection)) {
    const MatrixSource source = matrix_source(*a.attention, selection);
    if (options.print)
      print_top_keys(*a.attention, source, options.top, selection.title() + " · " + model_name);
    if (options.print && options.output.empty()) return;
    figure = heatmap_view(source, selection, style, a.focus_row);
  } else {
    figure = grid_view(*a.attention, selection, style);
  }
  const std::string output = !options.output.empty() ? options.output
                             : options.rollout
                                 ? "attnviz-" + model_name + (a.part.empty() ? "" : "-" + a.part) +
                                       "-rollout-L" + std::to_string(rollout_layer + 1) + ".png"
                                 : default_output(model_name, selection, b.has_value(), a.part);
  save_figure(figure, output);
  std::cout << "wrote " << output << '\n';
}

void draw_sections(const ViewOptions& options, const std::string& model_name,
                   const AttentionSet& set) {
  if (options.layer != "all" || options.head != "all" || options.rollout || options.print ||
      options.focus)
    throw Error(
        "--attention all draws every layer and head of the encoder, the decoder and the cross "
        "attention: leave out --layer, --head, --rollout, --print and --focus, or pick one "
        "--attention");
  FigureStyle style;
  style.model_name = model_name;
  style.colormap = options.colormap;
  style.values = options.values;
  const std::string output =
      !options.output.empty() ? options.output : "attnviz-" + model_name + "-model-view.png";
  save_figure(sections_view(set, style), output);
  std::cout << "wrote " << output << '\n';
}

int focus_row(const Encoding& encoding, const std::string& text,
              const std::optional<std::string>& pair, const std::string& word) {
  try {
    return find_word(encoding, text, word).front();
  } catch (const Error&) {
    if (!pair) throw;
    return find_word(encoding, *pair, word, std::nullopt, 1).front();
  }
}

}  // namespace attnviz::cli
