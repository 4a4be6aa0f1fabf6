#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"
#include "attnviz/model.hpp"
#include "selection.hpp"

namespace attnviz::cli {

// Which positions of a long input to draw, and how finely: --window, --blocks, --pool.
struct ExtentOptions {
  std::string window;  // --window A:B, tokens A to B - 1 numbered from 0; empty: all
  int blocks = 256;    // --blocks: the most cells a side; longer inputs are pooled (0: never)
  std::string pool = "max";
};
void add_extent_options(CLI::App& command, ExtentOptions& options);

// The positions ExtentOptions keep of an input of `length` tokens, pooled into blocks to fit.
AttentionKeep extent_keep(const ExtentOptions& options, int length);

// The options of a heatmap view that need no model: the main command and `attnviz render` share
// them.
struct ViewOptions {
  std::string layer = "all";
  std::string head = "all";
  std::optional<std::string> focus;
  bool print = false;
  bool rollout = false;
  int top = 3;
  std::string colormap = "viridis";
  std::string values = "auto";
  std::string output;
  ExtentOptions extent;
};

// --cmap: one of the render stage's colormaps (Colormap::names()).
void add_colormap_option(CLI::App& command, std::string& colormap);

// --attention: which of an encoder-decoder's attentions to draw: encoder, decoder, cross (the
// default where it is not given), or all (the model view of the three; `all` false leaves it out).
void add_attention_option(CLI::App& command, std::optional<std::string>& attention, bool all);

// --layer, --head, --focus, --print, --rollout, --top, --cmap, --values, --window, --blocks,
// --pool, -o.
void add_view_display_options(CLI::App& command, ViewOptions& options);

// What the view draws of an input of `length` tokens: extent_keep's positions, and of the
// model's layers and heads only the selection's (every layer through --layer for --rollout).
AttentionKeep view_keep(const ViewOptions& options, const Selection& selection, int length);

// Refuses what needs every token when the cells are pooled into blocks (`what`: "--print", ...).
void require_tokens(const AttentionKeep& keep, const std::string& what);
// Refuses what needs every token of the whole input (`what`: "--words", "--compare"): pooled
// blocks, or a --window.
void require_whole_input(const AttentionKeep& keep, const std::string& what);

// A token's row in a kept attention (its position in the window, or its block); an error where
// the window leaves it out.
int kept_row(const Attention& attention, int token);

// The selection the options make on a model of this shape, checked: --compare, --print and --focus
// need one matrix; --rollout needs every head.
Selection view_selection(const ViewOptions& options, bool compare, const ModelInfo& info,
                         const std::string& model_name);

// One attention to draw, with the panel title --compare gives it and the row --focus outlines
// (-1: none).
struct ViewInput {
  const Attention* attention = nullptr;
  std::string title;
  int focus_row = -1;
  std::string part;  // an encoder-decoder's "encoder", "decoder" or "cross"; empty otherwise
};

// Draws the selection of a (and of b, with --compare: A, B and A-B) to the output file, or prints
// it (--print).
void draw_view(const ViewOptions& options, const Selection& selection,
               const std::string& model_name, const ViewInput& a,
               const std::optional<ViewInput>& b = std::nullopt);

// --attention all: the static model view of an encoder-decoder's three attentions (every layer
// and head of each) to the output file; the options must select every layer and head.
void draw_sections(const ViewOptions& options, const std::string& model_name,
                   const AttentionSet& set);

// The row --focus outlines: the first piece of the word, looked for in the text, then in the
// second sentence of a pair.
int focus_row(const Encoding& encoding, const std::string& text,
              const std::optional<std::string>& pair, const std::string& word);

}  // namespace attnviz::cli
