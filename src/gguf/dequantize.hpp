#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "gguf_file.hpp"

namespace attnviz::gguf {

// The types attnviz turns into float32: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K,
// Q4_K, Q5_K, Q6_K, IQ4_NL and IQ4_XS, each bit for bit as gguf-py's NumPy reference
// (gguf.quants.dequantize) computes it (the same float32 operations in the same order).
bool can_dequantize(TensorType type);

// The names of the types above, for messages.
std::string dequantizable_types();

// `elements` values (whole blocks of `type`) from `data` into `out`. The caller checks the type
// with can_dequantize first; `data` holds elements / block_elements * block_bytes bytes.
void dequantize(TensorType type, const std::byte* data, std::size_t elements, float* out);

// The whole tensor `info` of `file` into `out` (info.elements floats); a type attnviz cannot
// dequantize is an Error naming it, the tensor and the file.
void dequantize_tensor(const TensorInfo& info, const std::string& file, float* out);

// float16 to float32, exactly (subnormals, infinities and NaNs included).
float half_to_float(std::uint16_t half);

}  // namespace attnviz::gguf
