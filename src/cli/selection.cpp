#include "selection.hpp"

#include <algorithm>
#include <cctype>

#include "attnviz/error.hpp"

namespace attnviz::cli {
namespace {

// A 1-based number in [1, count], as an index; `what` names the flag in the error.
int index_of(const std::string& text, int count, const std::string& what,
             const std::string& model) {
  const bool digits =
      !text.empty() && text.size() < 9 &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
  const std::string range = model + " has " + what + "s 1-" + std::to_string(count);
  if (!digits) throw Error("--" + what + " '" + text + "' is not a number; " + range);
  return checked_index(std::stoi(text), count, what, model);
}

}  // namespace

int checked_index(long long number, int count, const std::string& what, const std::string& model) {
  if (number < 1 || number > count) {
    throw Error(what + " " + std::to_string(number) + " of " + std::to_string(count) +
                " does not exist: " + model + " has " + what + "s 1-" + std::to_string(count) +
                " (numbered from 1, as in \"Layer 10, Head 5\")");
  }
  return static_cast<int>(number - 1);
}

std::string layer_title(int layer) {
  return "Layer " + std::to_string(one_based(layer));
}
std::string head_title(int head) {
  return "Head " + std::to_string(one_based(head));
}

Selection parse_selection(const std::string& layer, const std::string& head, const ModelInfo& info,
                          const std::string& model_name) {
  Selection selection;
  if (layer == "all") {
    selection.all_layers = true;
  } else {
    selection.layer = index_of(layer, info.layers, "layer", model_name);
  }
  if (head == "mean") {
    selection.heads = Selection::Heads::mean;
  } else if (head == "all") {
    selection.heads = Selection::Heads::all;
  } else {
    selection.head = index_of(head, info.heads, "head", model_name);
  }
  return selection;
}

std::string Selection::title() const {
  const std::string layers = all_layers ? "All layers" : layer_title(layer);
  switch (heads) {
    case Heads::one:
      return layers + ", " + head_title(head);
    case Heads::mean:
      return layers + ", mean of heads";
    case Heads::all:
      return layers + ", all heads";
  }
  return layers;
}

std::string Selection::file_stem() const {
  const std::string layers = all_layers ? "all-layers" : "L" + std::to_string(layer + 1);
  switch (heads) {
    case Heads::one:
      return layers + "-H" + std::to_string(head + 1);
    case Heads::mean:
      return layers + "-mean";
    case Heads::all:
      return layers + "-all-heads";
  }
  return layers;
}

}  // namespace attnviz::cli
