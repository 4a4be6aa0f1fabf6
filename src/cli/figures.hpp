#pragma once

#include <memory>
#include <string>

#include "attnviz/attention.hpp"
#include "attnviz/figure.hpp"
#include "selection.hpp"

namespace attnviz::cli {

// How every figure of one command looks.
struct FigureStyle {
  std::string model_name;
  std::string extent;  // extent_of the attention drawn: appended to titles
  std::string colormap = "viridis";
  std::string values = "auto";  // auto, always, never
  // Which of an encoder-decoder's attentions is drawn ("encoder", "decoder", "cross"): named in
  // titles, its tokens in the axis titles; empty for a model of one stack.
  std::string part;
};

// " · --window 4000:4200 of 8,192 tokens" where the attention holds a window of its input, or
// " · 8,192 tokens in blocks of 32" where it pools it, else "".
std::string extent_of(const Attention& attention);

// One n x n matrix picked by a selection: a head of the attention, or a layer's mean of heads.
struct MatrixSource {
  std::shared_ptr<const Attention> attention;  // the model's output, or its head means
  int layer = 0;
  int head = 0;
  const float* matrix() const { return attention->head(layer, head); }
};

// The selection must pick one matrix (one layer; one head or the mean) that the attention holds.
MatrixSource matrix_source(const Attention& attention, const Selection& selection);

Figure heatmap_view(const MatrixSource& source, const Selection& selection,
                    const FigureStyle& style, int focus_row);
// Attention rollout (Abnar & Zuidema) through layer (0-based) as one heatmap.
Figure rollout_view(const Attention& attention, int layer, const FigureStyle& style, int focus_row);
// A layer's heads, or every layer (each head, one head, or each layer's mean), as small multiples.
Figure grid_view(const Attention& attention, const Selection& selection, const FigureStyle& style);
// A, B and A-B aligned by token, under their titles; focus_row indexes A's tokens (-1: none).
Figure compare_view(const Attention& a, const std::string& title_a, const Attention& b,
                    const std::string& title_b, const Selection& selection,
                    const FigureStyle& style, int focus_row);

// The static model view of an encoder-decoder: every layer and head of each part of the set
// (encoder, decoder, cross), one section each, on one colour scale.
Figure sections_view(const AttentionSet& set, const FigureStyle& style);

// A sentence cut to fit a panel title, at a character boundary.
std::string shorten(const std::string& text, std::size_t limit = 60);
// The two sentences of a pair side by side, each with its own title, on one scale.
Figure pair_view(const MatrixSource& a, const std::string& title_a, const MatrixSource& b,
                 const std::string& title_b, const Selection& selection, const FigureStyle& style);

}  // namespace attnviz::cli
