// Each block is decoded with the operations of gguf-py's quants.py, in its order and in float32
// (this file is compiled with -ffp-contract=off, so that no product and sum is fused into one
// rounding), so that the values are bit for bit those of gguf.quants.dequantize.
#include "dequantize.hpp"

#include <cstring>

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

constexpr std::size_t QK_K = 256;
constexpr std::int8_t kIq4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                        1,    13,   25,  38,  53,  69,  89,  113};

std::uint16_t u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
std::uint32_t u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
float f16(const std::uint8_t* p) {
  return half_to_float(u16(p));
}

// The 4-bit layout of Q4_0, Q4_1, IQ4_NL: value j < 16 is the low nibble of byte j, value j >= 16
// the high nibble of byte j - 16.
std::uint8_t nibble32(const std::uint8_t* qs, std::size_t j) {
  return j < 16 ? (qs[j] & 0x0F) : (qs[j - 16] >> 4);
}

void q4_0(const std::uint8_t* b, float* out) {
  const float d = f16(b);
  for (std::size_t j = 0; j < 32; ++j)
    out[j] = d * static_cast<float>(static_cast<int>(nibble32(b + 2, j)) - 8);
}

void q4_1(const std::uint8_t* b, float* out) {
  const float d = f16(b), m = f16(b + 2);
  for (std::size_t j = 0; j < 32; ++j) out[j] = d * static_cast<float>(nibble32(b + 4, j)) + m;
}

void q5_0(const std::uint8_t* b, float* out) {
  const float d = f16(b);
  const std::uint32_t qh = u32(b + 2);
  for (std::size_t j = 0; j < 32; ++j) {
    const int q = nibble32(b + 6, j) | (((qh >> j) & 1) << 4);
    out[j] = d * static_cast<float>(q - 16);
  }
}

void q5_1(const std::uint8_t* b, float* out) {
  const float d = f16(b), m = f16(b + 2);
  const std::uint32_t qh = u32(b + 4);
  for (std::size_t j = 0; j < 32; ++j) {
    const int q = nibble32(b + 8, j) | (((qh >> j) & 1) << 4);
    out[j] = d * static_cast<float>(q) + m;
  }
}

void q8_0(const std::uint8_t* b, float* out) {
  const float d = f16(b);
  for (std::size_t j = 0; j < 32; ++j)
    out[j] = static_cast<float>(static_cast<std::int8_t>(b[2 + j])) * d;
}

// scales[16], qs[64], d, dmin
void q2_k(const std::uint8_t* b, float* out) {
  const std::uint8_t* scales = b;
  const std::uint8_t* qs = b + 16;
  const float d = f16(b + 80), dmin = f16(b + 82);
  for (std::size_t e = 0; e < QK_K; ++e) {
    const std::size_t half = e / 128, shift = (e / 32) % 4, l = e % 32, g = e / 16;
    const float dl = d * static_cast<float>(scales[g] & 0x0F);
    const float ml = dmin * static_cast<float>(scales[g] >> 4);
    const float q = static_cast<float>((qs[half * 32 + l] >> (2 * shift)) & 3);
    out[e] = dl * q - ml;
  }
}

// hmask[32], qs[64], scales[12], d
void q3_k(const std::uint8_t* b, float* out) {
  const std::uint8_t* hmask = b;
  const std::uint8_t* qs = b + 32;
  const std::uint8_t* scales = b + 96;
  const float d = f16(b + 108);
  float dl[16];
  for (std::size_t i = 0; i < 16; ++i) {
    const int low = (scales[i % 8] >> (4 * (i / 8))) & 0x0F;
    const int high = (scales[8 + i % 4] >> (2 * (i / 4))) & 0x03;
    dl[i] = d * static_cast<float>(static_cast<std::int8_t>(low | (high << 4)) - 32);
  }
  for (std::size_t e = 0; e < QK_K; ++e) {
    const std::size_t half = e / 128, shift = (e / 32) % 4, l = e % 32;
    const int ql = (qs[half * 32 + l] >> (2 * shift)) & 3;
    const int qh = ((hmask[l] >> (e / 32)) & 1) ^ 1;
    out[e] = dl[e / 16] * static_cast<float>(ql - (qh << 2));
  }
}

// The 6-bit scales and mins of Q4_K and Q5_K, packed in 12 bytes.
void k_scale_min(const std::uint8_t* s, int* sc, int* mn) {
  for (int j = 0; j < 4; ++j) {
    sc[j] = s[j] & 0x3F;
    mn[j] = s[4 + j] & 0x3F;
    sc[4 + j] = (s[8 + j] & 0x0F) | ((s[j] >> 2) & 0x30);
    mn[4 + j] = (s[8 + j] >> 4) | ((s[4 + j] >> 2) & 0x30);
  }
}

// d, dmin, scales[12], qs[128]
void q4_k(const std::uint8_t* b, float* out) {
  const float d = f16(b), dmin = f16(b + 2);
  int sc[8], mn[8];
  k_scale_min(b + 4, sc, mn);
  const std::uint8_t* qs = b + 16;
  for (std::size_t sb = 0; sb < 8; ++sb) {
    const float ds = d * static_cast<float>(sc[sb]);
    const float dm = dmin * static_cast<float>(mn[sb]);
    for (std::size_t l = 0; l < 32; ++l) {
      const float q = static_cast<float>((qs[(sb / 2) * 32 + l] >> (4 * (sb % 2))) & 0x0F);
      out[sb * 32 + l] = ds * q - dm;
    }
  }
}

// d, dmin, scales[12], qh[32], qs[128]
void q5_k(const std::uint8_t* b, float* out) {
  const float d = f16(b), dmin = f16(b + 2);
  int sc[8], mn[8];
  k_scale_min(b + 4, sc, mn);
  const std::uint8_t* qh = b + 16;
  const std::uint8_t* qs = b + 48;
  for (std::size_t sb = 0; sb < 8; ++sb) {
    const float ds = d * static_cast<float>(sc[sb]);
    const float dm = dmin * static_cast<float>(mn[sb]);
    for (std::size_t l = 0; l < 32; ++l) {
      const int low = (qs[(sb / 2) * 32 + l] >> (4 * (sb % 2))) & 0x0F;
      const int high = (qh[l] >> sb) & 1;
      out[sb * 32 + l] = ds * static_cast<float>(low | (high << 4)) - dm;
    }
  }
}

// ql[128], qh[64], scales[16] (int8), d
void q6_k(const std::uint8_t* b, float* out) {
  const std::uint8_t* ql = b;
  const std::uint8_t* qh = b + 128;
  const auto* scales = reinterpret_cast<const std::int8_t*>(b + 192);
  const float d = f16(b + 208);
  for (std::size_t e = 0; e < QK_K; ++e) {
    const std::size_t h = e / 128;
    const int low = (ql[h * 64 + e % 64] >> (4 * ((e / 64) % 2))) & 0x0F;
    const int high = (qh[h * 32 + e % 32] >> (2 * ((e / 32) % 4))) & 0x03;
    const float ds = d * static_cast<float>(scales[e / 16]);
    out[e] = ds * static_cast<float>(static_cast<std::int8_t>(low | (high << 4)) - 32);
  }
}

void iq4_nl(const std::uint8_t* b, float* out) {
  const float d = f16(b);
  for (std::size_t j = 0; j < 32; ++j)
    out[j] = d * static_cast<float>(kIq4Values[nibble32(b + 2, j)]);
}

// d, scales_h (uint16), scales_l[4], qs[128]
void iq4_xs(const std::uint8_t* b, float* out) {
  const float d = f16(b);
  const std::uint16_t scales_h = u16(b + 2);
  const std::uint8_t* scales_l = b + 4;
  const std::uint8_t* qs = b + 8;
  for (std::size_t ib = 0; ib < 8; ++ib) {
    const int low = (scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F;
    const int high = (scales_h >> (2 * ib)) & 0x03;
    const float dl = d * static_cast<float>(static_cast<std::int8_t>(low | (high << 4)) - 32);
    for (std::size_t e = 0; e < 32; ++e) {
      const int q = (qs[ib * 16 + e % 16] >> (4 * (e / 16))) & 0x0F;
      out[ib * 32 + e] = dl * static_cast<float>(kIq4Values[q]);
    }
  }
}

using BlockFunction = void (*)(const std::uint8_t*, float*);

BlockFunction block_function(TensorType type) {
  switch (type) {
    case TensorType::Q4_0:
      return q4_0;
    case TensorType::Q4_1:
      return q4_1;
    case TensorType::Q5_0:
      return q5_0;
    case TensorType::Q5_1:
      return q5_1;
    case TensorType::Q8_0:
      return q8_0;
    case TensorType::Q2_K:
      return q2_k;
    case TensorType::Q3_K:
      return q3_k;
    case TensorType::Q4_K:
      return q4_k;
    case TensorType::Q5_K:
      return q5_k;
    case TensorType::Q6_K:
      return q6_k;
    case TensorType::IQ4_NL:
      return iq4_nl;
    case TensorType::IQ4_XS:
      return iq4_xs;
    default:
      return nullptr;
  }
}

}  // namespace

float half_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half & 0x8000) << 16;
  std::uint32_t exponent = (half >> 10) & 0x1F;
  std::uint32_t mantissa = half & 0x3FF;
  std::uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);  // infinity or NaN (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {  // subnormal: normalise
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

bool can_dequantize(TensorType type) {
  return type == TensorType::F32 || type == TensorType::F16 || type == TensorType::BF16 ||
         block_function(type) != nullptr;
}

std::string dequantizable_types() {
  return "F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL, "
         "IQ4_XS";
}

void dequantize(TensorType type, const std::byte* data, std::size_t elements, float* out) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
  switch (type) {
    case TensorType::F32:
      std::memcpy(out, bytes, elements * sizeof(float));
      return;
    case TensorType::F16:
      for (std::size_t i = 0; i < elements; ++i) out[i] = f16(bytes + 2 * i);
      return;
    case TensorType::BF16:
      for (std::size_t i = 0; i < elements; ++i) {
        const std::uint32_t bits = static_cast<std::uint32_t>(u16(bytes + 2 * i)) << 16;
        std::memcpy(out + i, &bits, sizeof(float));
      }
      return;
    default:
      break;
  }
  const BlockFunction function = block_function(type);
  const TypeLayout* layout = type_layout(static_cast<std::uint32_t>(type));
  if (function == nullptr || layout == nullptr) {
    throw Error("internal: dequantize called for " + type_name(static_cast<std::uint32_t>(type)));
  }
  const std::size_t blocks = elements / layout->block_elements;
  for (std::size_t i = 0; i < blocks; ++i)
    function(bytes + i * layout->block_bytes, out + i * layout->block_elements);
}

void dequantize_tensor(const TensorInfo& info, const std::string& file, float* out) {
  if (!can_dequantize(info.type)) {
    throw Error(file + ": tensor '" + info.name + "' has type " +
                type_name(static_cast<std::uint32_t>(info.type)) +
                ", which attnviz cannot dequantize (it reads " + dequantizable_types() +
                "); convert the model with another quantization (llama.cpp's llama-quantize)");
  }
  dequantize(info.type, info.data, static_cast<std::size_t>(info.elements), out);
}

}  // namespace attnviz::gguf
