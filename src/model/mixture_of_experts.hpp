#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "activation.hpp"
#include "blocks.hpp"
#include "json_fields.hpp"
#include "weight_store.hpp"

namespace attnviz::model {

// Where and how a decoder's layers hold a mixture of experts in place of their MLP (Mixtral,
// Qwen2-MoE), under Hugging Face's names.
struct ExpertsConfig {
  int experts = 0;  // 0: no layer has experts
  int top_k = 0;
  int intermediate = 0;         // of each expert
  int shared_intermediate = 0;  // of Qwen2-MoE's shared expert; 0 for none
  bool normalize_top_k = true;  // the top_k probabilities divided by their sum (norm_topk_prob)
  std::vector<bool> layers;     // which layers have experts
  std::string block = "mlp";    // Mixtral: block_sparse_moe
  std::string gate = "gate_proj", up = "up_proj", down = "down_proj";  // Mixtral: w1, w3, w2
};

// The top_k and expert count as `top_k_key` and `experts_key` give them, checked: top_k of at
// most that many experts.
void read_expert_counts(const JsonFields& config, const char* experts_key, const char* top_k_key,
                        ExpertsConfig& experts);

// down(act(gate(x)) · up(x)), without biases: one expert.
struct GatedMlp {
  Linear gate, up, down;
  at::Tensor operator()(const at::Tensor& x, const Activation& activation) const {
    return down(activation(gate(x)) * up(x));
  }
};

// The sparse block as transformers runs it: the router's softmax over the experts (in float32),
// each token's top_k experts, their outputs summed weighted by those probabilities (renormalised
// where the config says), plus the shared expert times sigmoid(its gate) where there is one.
struct MixtureOfExperts {
  Linear router;
  std::vector<GatedMlp> experts;
  GatedMlp shared;
  Linear shared_gate;
  int top_k = 0;
  bool normalize_top_k = true;
  at::Tensor operator()(const at::Tensor& x, const Activation& activation) const;
};

MixtureOfExperts load_mixture_of_experts(const WeightScope& block, const ExpertsConfig& config,
                                         std::int64_t hidden);

}  // namespace attnviz::model
