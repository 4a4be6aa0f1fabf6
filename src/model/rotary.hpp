#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <utility>

#include "json_fields.hpp"

namespace attnviz::model {

// Rotary position embeddings as transformers computes them (modeling_rope_utils.py): the inverse
// frequencies of the config's rope_scaling type, cos/sin tables in float32, and the rotation of the
// first `dim` dimensions of each head (all of them, or a part: GPT-NeoX's rotary_pct). The pairs
// rotated together are dimensions (i, i + dim/2), or, interleaved (GPT-J's rotate_every_two,
// Cohere), dimensions (2i, 2i + 1).
struct Rotary {
  std::int64_t dim = 0;
  bool interleaved = false;
  at::Tensor inv_freq;  // [dim / 2], float32
  double attention_scaling = 1.0;
  // Phi-3's LongRoPE switches to its long factors once the input is longer than long_from.
  at::Tensor long_inv_freq;
  std::int64_t long_from = 0;

  // cos and sin for positions 0..n-1, [1, 1, n, dim], on `device`.
  std::pair<at::Tensor, at::Tensor> tables(std::int64_t n, const at::Device& device) const;
  // x [batch, heads, n, head_dim] rotated by the tables.
  at::Tensor apply(const at::Tensor& x, const std::pair<at::Tensor, at::Tensor>& tables) const;
};

// Unscaled rotary positions: 1 / theta^(2i / dim) for `dim` rotated dimensions.
Rotary default_rotary(std::int64_t dim, double theta);

// How a LongRoPE config picks between short and long factors: once, from max_position_embeddings
// against original_max_position_embeddings (transformers' shared rope functions), or per input
// from its length (Phi-3's own rotary class in transformers 4.46).
enum class LongRopeChoice { from_config, from_input_length };

// The rotary embedding of `config` ("rope_theta", "rope_scaling": none, linear, dynamic, yarn,
// longrope, llama3) for `dim` rotated dimensions. `head_dim` is what the frequencies are computed
// for (dim = head_dim * partial factor).
Rotary read_rotary(const JsonFields& config, std::int64_t dim, double theta,
                   std::int64_t max_positions,
                   LongRopeChoice long_rope = LongRopeChoice::from_config);

}  // namespace attnviz::model
