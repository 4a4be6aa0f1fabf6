#pragma once

#include <string>

#include "attnviz/model.hpp"

namespace attnviz::cli {

// What --layer and --head pick, 0-based. This is the one place where the 1-based numbers a person
// types become indices, and the one place that names them back ("Layer 10, Head 5").
struct Selection {
  enum class Heads { one, mean, all };
  bool all_layers = false;
  int layer = 0;  // when !all_layers
  Heads heads = Heads::one;
  int head = 0;  // when heads == one

  std::string title() const;      // "Layer 10, Head 5", "Layer 10, mean of 12 heads", ...
  std::string file_stem() const;  // "L10-H5", "L10-mean", "all-layers-all-heads", ...
};

// --layer N|all and --head N|mean|all, checked against the model ("layer 13 of 12").
Selection parse_selection(const std::string& layer, const std::string& head, const ModelInfo& info,
                          const std::string& model_name);

// A 1-based layer or head number (`what`: "layer" or "head") of a model with `count` of them, as
// an index; out of range is an error naming the range ("bert has layers 1-12").
int checked_index(long long number, int count, const std::string& what, const std::string& model);

// The number a person reads for a 0-based layer or head index: 10 for index 9.
inline int one_based(int index) {
  return index + 1;
}

std::string layer_title(int layer);  // "Layer 10" for index 9
std::string head_title(int head);    // "Head 5" for index 4

}  // namespace attnviz::cli
