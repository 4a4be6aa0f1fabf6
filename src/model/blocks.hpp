#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "weight_store.hpp"

// The layers every family is built from, each loaded from a checkpoint under transformers' names.
namespace attnviz::model {

// nn.Linear: weight [out, in], bias [out] or none.
// Rows of an embedding table for the ids, in float32 whatever the table's dtype.
inline at::Tensor embed(const at::Tensor& table, const at::Tensor& ids) {
  return at::embedding(table, ids).to(at::kFloat);
}

struct Linear {
  at::Tensor weight;
  at::Tensor bias;
  // A weight kept in bfloat16 or float16 is widened for the product: the arithmetic is float32's.
  at::Tensor operator()(const at::Tensor& x) const {
    return at::linear(x, weight.to(x.scalar_type()), bias);
  }
};

enum class Bias { with, without };

inline Linear load_linear(const WeightScope& weights, const std::string& name, std::int64_t out,
                          std::int64_t in, Bias bias = Bias::with) {
  return Linear{weights.get(name + ".weight", {out, in}),
                bias == Bias::with ? weights.get(name + ".bias", {out}) : at::Tensor()};
}

// GPT-2's Conv1D: weight stored [in, out], applied with addmm as transformers does.
struct Conv1D {
  at::Tensor weight;
  at::Tensor bias;
  at::Tensor operator()(const at::Tensor& x) const {
    auto shape = x.sizes().vec();
    shape.back() = weight.size(1);
    return at::addmm(bias, x.reshape({-1, x.size(-1)}), weight.to(x.scalar_type())).view(shape);
  }
};

inline Conv1D load_conv1d(const WeightScope& weights, const std::string& name, std::int64_t in,
                          std::int64_t out) {
  return Conv1D{weights.get(name + ".weight", {in, out}), weights.get(name + ".bias", {out})};
}

// nn.LayerNorm over the last dimension, with the eps the config gives; without a bias (Cohere,
// StableLM's head norms) or without weight and bias (OPT's layer_norm_elementwise_affine false)
// where those are undefined.
struct LayerNorm {
  at::Tensor weight;
  at::Tensor bias;
  double eps = 0;
  at::Tensor operator()(const at::Tensor& x) const {
    return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
  }
};

inline LayerNorm load_layer_norm(const WeightScope& weights, const std::string& name,
                                 std::int64_t hidden, double eps, Bias bias = Bias::with) {
  return LayerNorm{weights.get(name + ".weight", {hidden}),
                   bias == Bias::with ? weights.get(name + ".bias", {hidden}) : at::Tensor(), eps};
}

// Llama's RMSNorm: x / sqrt(mean(x²) + eps), times weight; Gemma's stores weight - 1 and scales by
// (1 + weight).
struct RmsNorm {
  enum class Scale { weight, one_plus_weight };
  at::Tensor weight;
  double eps = 0;
  Scale scale = Scale::weight;
  at::Tensor operator()(const at::Tensor& x) const {
    const at::Tensor normed = x * at::rsqrt(x.pow(2).mean(-1, true) + eps);
    return scale == Scale::weight ? weight * normed : normed * (1.0 + weight);
  }
};

inline RmsNorm load_rms_norm(const WeightScope& weights, const std::string& name,
                             std::int64_t hidden, double eps,
                             RmsNorm::Scale scale = RmsNorm::Scale::weight) {
  return RmsNorm{weights.get(name + ".weight", {hidden}), eps, scale};
}

// The norm a family's config chooses: RMSNorm, or LayerNorm with or without a bias, or without
// weight and bias (OLMo's non-parametric LayerNorm).
struct Norm {
  enum class Kind { rms, layer, layer_without_bias, layer_without_parameters };
  Kind kind = Kind::rms;
  RmsNorm rms;
  LayerNorm layer;
  at::Tensor operator()(const at::Tensor& x) const { return kind == Kind::rms ? rms(x) : layer(x); }
};

inline Norm load_norm(const WeightScope& weights, const std::string& name, std::int64_t hidden,
                      double eps, Norm::Kind kind, RmsNorm::Scale scale = RmsNorm::Scale::weight) {
  Norm norm;
  norm.kind = kind;
  if (kind == Norm::Kind::rms) {
    norm.rms = load_rms_norm(weights, name, hidden, eps, scale);
  } else if (kind == Norm::Kind::layer_without_parameters) {
    norm.layer.eps = eps;
  } else {
    norm.layer = load_layer_norm(weights, name, hidden, eps,
                                 kind == Norm::Kind::layer ? Bias::with : Bias::without);
  }
  return norm;
}

}  // namespace attnviz::model
