#include "checks.hpp"

#include <string>

#include "attnviz/error.hpp"

namespace attnviz::analysis_detail {

void check_shape(const Attention& a) {
  if (a.layers < 0 || a.heads < 0 || a.n < 0) {
    throw Error("attention has a negative size (" + std::to_string(a.layers) + " layers, " +
                std::to_string(a.heads) + " heads, " + std::to_string(a.n) + " tokens)");
  }
  if (a.key_count < 0)
    throw Error("attention has a negative key count " + std::to_string(a.key_count));
  const std::size_t expected = static_cast<std::size_t>(a.layers) * a.heads * a.n * a.columns();
  if (a.weights.size() != expected) {
    throw Error("attention holds " + std::to_string(a.weights.size()) + " weights but " +
                std::to_string(a.layers) + " layers x " + std::to_string(a.heads) + " heads x " +
                std::to_string(a.n) + " x " + std::to_string(a.columns()) + " tokens need " +
                std::to_string(expected));
  }
  const auto keys = static_cast<std::size_t>(a.key_count);
  if (a.cross() && (a.key_tokens.size() != keys || a.key_special.size() != keys)) {
    throw Error("cross attention to " + std::to_string(a.key_count) + " keys carries " +
                std::to_string(a.key_tokens.size()) + " key strings and " +
                std::to_string(a.key_special.size()) + " key flags; both must be " +
                std::to_string(a.key_count));
  }
  const auto n = static_cast<std::size_t>(a.n);
  if (a.tokens.size() != n || a.special.size() != n) {
    throw Error("attention over " + std::to_string(a.n) + " tokens carries " +
                std::to_string(a.tokens.size()) + " token strings and " +
                std::to_string(a.special.size()) + " special flags; both must be " +
                std::to_string(a.n));
  }
}

void check_square(const Attention& a, const std::string& what) {
  check_shape(a);
  if (a.cross())
    throw Error(what +
                " needs self-attention (the keys are the queries); this is cross attention "
                "from " +
                std::to_string(a.n) + " target tokens to " + std::to_string(a.key_count) +
                " source tokens");
}

void check_layer_head(const Attention& a, int layer, int head) {
  check_shape(a);
  if (layer < 0 || layer >= a.layers) {
    throw Error("layer index " + std::to_string(layer) + " is out of range: the attention has " +
                std::to_string(a.layers) + " layers (indices 0 to " + std::to_string(a.layers - 1) +
                ")");
  }
  if (head < 0 || head >= a.heads) {
    throw Error("head index " + std::to_string(head) + " is out of range: the attention has " +
                std::to_string(a.heads) + " heads a layer (indices 0 to " +
                std::to_string(a.heads - 1) + ")");
  }
}

Attention like(const Attention& a, int layers, int heads) {
  Attention out;
  out.layers = layers;
  out.heads = heads;
  out.n = a.n;
  out.key_count = a.key_count;
  out.weights.assign(static_cast<std::size_t>(layers) * heads * a.n * a.columns(), 0.0f);
  out.tokens = a.tokens;
  out.special = a.special;
  out.key_tokens = a.key_tokens;
  out.key_special = a.key_special;
  out.causal = a.causal;
  // The same layers and positions; a head's identity is gone where heads are combined.
  if (layers == a.layers) out.layer_ids = a.layer_ids;
  if (heads == a.heads) out.head_ids = a.head_ids;
  out.first = a.first;
  out.block = a.block;
  out.pooling = a.pooling;
  out.positions = a.positions;
  return out;
}

}  // namespace attnviz::analysis_detail
