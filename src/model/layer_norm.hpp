#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

#include "weight_store.hpp"

namespace attnviz::model {

// nn.LayerNorm over the last dimension, with the eps the config gives.
struct LayerNorm {
  at::Tensor weight;
  at::Tensor bias;
  double eps = 0;
  at::Tensor operator()(const at::Tensor& x) const {
    return at::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  }
};

// The LayerNorm `name` (its .weight and .bias, each [hidden]) from a checkpoint.
inline LayerNorm load_layer_norm(const WeightStore& weights, const std::string& name,
                                 std::int64_t hidden, double eps) {
  return LayerNorm{weights.get(name + ".weight", {hidden}), weights.get(name + ".bias", {hidden}),
                   eps};
}

}  // namespace attnviz::model
