#include "activation.hpp"

#include <cmath>

#include "attnviz/error.hpp"

namespace attnviz::model {

Activation activation_named(const std::string& name) {
  if (name == "gelu") return [](const at::Tensor& x) { return at::gelu(x); };
  if (name == "gelu_new") {
    // transformers' NewGELUActivation, written out the same way so the rounding agrees.
    const double scale = std::sqrt(2.0 / M_PI);
    return [scale](const at::Tensor& x) {
      return 0.5 * x * (1.0 + at::tanh(scale * (x + 0.044715 * at::pow(x, 3.0))));
    };
  }
  if (name == "gelu_pytorch_tanh") return [](const at::Tensor& x) { return at::gelu(x, "tanh"); };
  if (name == "gelu_fast") {
    return [](const at::Tensor& x) {
      return 0.5 * x * (1.0 + at::tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x)));
    };
  }
  if (name == "quick_gelu") return [](const at::Tensor& x) { return x * at::sigmoid(1.702 * x); };
  if (name == "relu") return [](const at::Tensor& x) { return at::relu(x); };
  if (name == "silu" || name == "swish") return [](const at::Tensor& x) { return at::silu(x); };
  if (name == "tanh") return [](const at::Tensor& x) { return at::tanh(x); };  // DeBERTa's conv_act
  throw Error("activation '" + name +
              "' in config.json is not supported (gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, "
              "quick_gelu, "
              "relu, silu, tanh)");
}

}  // namespace attnviz::model
