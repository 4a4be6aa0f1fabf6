#pragma once

#include <ATen/ATen.h>

#include <cstdint>

#include "batched_model.hpp"

namespace attnviz::model {

// ALiBi (BLOOM, Falcon with alibi): no position embeddings; each head adds slope · key position to
// its scores. The slopes as transformers' build_alibi_tensor: 2^(-8i/m) for i = 1..m, m the largest
// power of two not above `heads`, then the odd ones of 2m's series for the heads left. [heads],
// float32.
at::Tensor alibi_slopes(std::int64_t heads);

// slope · key position for every input of the batch, [batch, heads, 1, n] float32 on the input's
// device, positions counted over each input's real tokens as transformers counts them from the
// mask; the product taken in `precision` (Falcon's build_alibi_tensor rounds it to bfloat16).
at::Tensor alibi_bias(std::int64_t heads, const BatchInput& input,
                      at::ScalarType precision = at::kFloat);

}  // namespace attnviz::model
