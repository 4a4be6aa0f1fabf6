#include "mixture_of_experts.hpp"

namespace attnviz::model {
namespace {

GatedMlp load_gated_mlp(const WeightScope& mlp, const ExpertsConfig& config, std::int64_t hidden,
                        std::int64_t inner) {
  return {load_linear(mlp, config.gate, inner, hidden, Bias::without),
          load_linear(mlp, config.up, inner, hidden, Bias::without),
          load_linear(mlp, config.down, hidden, inner, Bias::without)};
}

}  // namespace

void read_expert_counts(const JsonFields& config, const char* experts_key, const char* top_k_key,
                        ExpertsConfig& experts) {
  experts.experts = config.positive_int(experts_key);
  experts.top_k = config.positive_int(top_k_key);
  if (experts.top_k > experts.experts) {
    config.fail(": " + std::string(top_k_key) + " " + std::to_string(experts.top_k) +
                " is more than " + experts_key + " " + std::to_string(experts.experts));
  }
}

at::Tensor MixtureOfExperts::operator()(const at::Tensor& x, const Activation& activation) const {
  const at::Tensor tokens = x.reshape({-1, x.size(-1)});
  const at::Tensor probabilities = at::softmax(router(tokens), -1, at::kFloat);
  auto [weights, chosen] = at::topk(probabilities, top_k, -1);
  if (normalize_top_k) weights = weights / weights.sum(-1, true);
  at::Tensor out = at::zeros_like(tokens);
  // Expert by expert over the tokens that chose it, as transformers' loop: a token's weight for
  // an expert is the one of its top_k entries that names it.
  for (std::size_t e = 0; e < experts.size(); ++e) {
    const at::Tensor picked = chosen == static_cast<std::int64_t>(e);
    const at::Tensor rows = picked.any(-1).nonzero().squeeze(-1);
    if (rows.numel() == 0) continue;
    const at::Tensor weight = (weights * picked).sum(-1).index_select(0, rows).unsqueeze(-1);
    out.index_add_(0, rows, experts[e](tokens.index_select(0, rows), activation) * weight);
  }
  if (shared_gate.weight.defined())
    out = out + at::sigmoid(shared_gate(tokens)) * shared(tokens, activation);
  return out.view(x.sizes());
}

MixtureOfExperts load_mixture_of_experts(const WeightScope& block, const ExpertsConfig& config,
                                         std::int64_t hidden) {
  MixtureOfExperts out;
  out.router = load_linear(block, "gate", config.experts, hidden, Bias::without);
  for (int e = 0; e < config.experts; ++e) {
    out.experts.push_back(
        load_gated_mlp(block.scope("experts").scope(e), config, hidden, config.intermediate));
  }
  if (config.shared_intermediate > 0) {
    out.shared =
        load_gated_mlp(block.scope("shared_expert"), config, hidden, config.shared_intermediate);
    out.shared_gate = load_linear(block, "shared_expert_gate", 1, hidden, Bias::without);
  }
  out.top_k = config.top_k;
  out.normalize_top_k = config.normalize_top_k;
  return out;
}

}  // namespace attnviz::model
