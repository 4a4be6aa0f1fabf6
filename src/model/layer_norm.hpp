#pragma once

#include <ATen/ATen.h>

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

}  // namespace attnviz::model
