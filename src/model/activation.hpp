#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <string>

namespace attnviz::model {

using Activation = std::function<at::Tensor(const at::Tensor&)>;

// The activation a config names (hidden_act / activation_function), computed as transformers'
// ACT2FN does.
Activation activation_named(const std::string& name);

}  // namespace attnviz::model
