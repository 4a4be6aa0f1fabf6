// GPT-BigCode (SantaCoder, StarCoder 1): GPT-2's decoder and config with nn.Linear weights, learned
// positions, and multi-query attention (one key and value head shared by every query head) where
// multi_query is set; without it, c_attn's output is laid out per head.
#include "families.hpp"
#include "gpt2_model.hpp"

namespace attnviz::model {

std::unique_ptr<Model> build_gpt_bigcode(const JsonFields& json, const WeightStore& weights,
                                         ModelInfo info, at::Device device) {
  Gpt2Config config = read_gpt2_config(json);
  config.linear = true;
  const bool multi_query = json.flag("multi_query", true);
  config.kv_heads = multi_query ? 1 : config.heads;
  config.qkv_per_head = !multi_query;
  return make_gpt2_model(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
