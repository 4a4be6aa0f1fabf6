#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"
#include "attnviz/model.hpp"
#include "selection.hpp"

namespace attnviz::cli {

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
};

// --cmap: one of the render stage's colormaps (Colormap::names()).
void add_colormap_option(CLI::App& command, std::string& colormap);

// --layer, --head, --focus, --print, --rollout, --top, --cmap, --values, -o.
void add_view_display_options(CLI::App& command, ViewOptions& options);

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
};

// Draws the selection of a (and of b, with --compare: A, B and A-B) to the output file, or prints
// it (--print).
void draw_view(const ViewOptions& options, const Selection& selection,
               const std::string& model_name, const ViewInput& a,
               const std::optional<ViewInput>& b = std::nullopt);

// The row --focus outlines: the first piece of the word, looked for in the text, then in the
// second sentence of a pair.
int focus_row(const Encoding& encoding, const std::string& text,
              const std::optional<std::string>& pair, const std::string& word);

}  // namespace attnviz::cli
