#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "attnviz/model.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// Builds a family's model from its config.json (read under Hugging Face's own field names) and
// its weights. It fills in what `info` says of the model (layers, heads, windows, ...).
using BuildModel = std::unique_ptr<Model> (*)(const JsonFields& config, const WeightStore& weights,
                                              ModelInfo info, at::Device device);

// One row of the table: a model_type, the tensor that every checkpoint of it has (under the base
// class's names), the prefixes its head classes put before those names, and its builder.
struct Family {
  std::string model_type;
  std::string probe;
  std::vector<std::string> prefixes;
  BuildModel build;
};

const std::vector<Family>& families();

// Each family's builder, one file each under src/model/.
std::unique_ptr<Model> build_bert(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_roberta(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_electra(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_distilbert(const JsonFields&, const WeightStore&, ModelInfo,
                                        at::Device);
std::unique_ptr<Model> build_albert(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gpt2(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gpt_neo(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gpt_neox(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_llama(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_mistral(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_qwen2(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_qwen3(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gemma(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gemma2(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_phi3(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gptj(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_opt(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_bloom(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_falcon(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gpt_bigcode(const JsonFields&, const WeightStore&, ModelInfo,
                                         at::Device);
std::unique_ptr<Model> build_starcoder2(const JsonFields&, const WeightStore&, ModelInfo,
                                        at::Device);
std::unique_ptr<Model> build_phi(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_stablelm(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_cohere(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_granite(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_mixtral(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_qwen2_moe(const JsonFields&, const WeightStore&, ModelInfo,
                                       at::Device);
std::unique_ptr<Model> build_olmo(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_olmo2(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_gemma3_text(const JsonFields&, const WeightStore&, ModelInfo,
                                         at::Device);
std::unique_ptr<Model> build_gemma3(const JsonFields&, const WeightStore&, ModelInfo, at::Device);
std::unique_ptr<Model> build_modernbert(const JsonFields&, const WeightStore&, ModelInfo,
                                        at::Device);

}  // namespace attnviz::model
