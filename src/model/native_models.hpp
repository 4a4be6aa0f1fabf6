#pragma once

#include <ATen/ATen.h>

#include <memory>

#include "attnviz/model.hpp"
#include "model_config.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

std::unique_ptr<Model> make_bert_model(const ModelConfig& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device);
std::unique_ptr<Model> make_gpt2_model(const ModelConfig& config, const WeightStore& weights,
                                       ModelInfo info, at::Device device);

}  // namespace attnviz::model
