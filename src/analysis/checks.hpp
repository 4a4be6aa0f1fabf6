#pragma once

#include <string>

#include "attnviz/attention.hpp"

// Argument checks shared by the analysis functions; each throws attnviz::Error saying what does not
// fit.
namespace attnviz::analysis_detail {

// weights, tokens and special flags agree with layers, heads and n.
void check_shape(const Attention& a);
// check_shape, and the keys are the queries: `what` ("head measures") needs self-attention.
void check_square(const Attention& a, const std::string& what);
void check_layer_head(const Attention& a, int layer, int head);

// A new Attention of `layers` x `heads` zero weights with a's tokens, special flags, causal flag
// and positions (and its layer and head ids where their counts are a's).
Attention like(const Attention& a, int layers, int heads);

}  // namespace attnviz::analysis_detail
