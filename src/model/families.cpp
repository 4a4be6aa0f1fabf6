#include "families.hpp"

namespace attnviz::model {

// DeBERTa-v2/v3 (deberta_model.cpp), declared here rather than in families.hpp, which every family
// file includes.
std::unique_ptr<Model> build_deberta_v2(const JsonFields&, const WeightStore&, ModelInfo,
                                        at::Device);

const std::vector<Family>& families() {
  static const std::vector<Family> table = {
      {"bert", "embeddings.word_embeddings.weight", {"", "bert."}, build_bert},
      {"roberta", "embeddings.word_embeddings.weight", {"", "roberta."}, build_roberta},
      {"xlm-roberta", "embeddings.word_embeddings.weight", {"", "roberta."}, build_roberta},
      {"electra", "embeddings.word_embeddings.weight", {"", "electra."}, build_electra},
      {"distilbert", "embeddings.word_embeddings.weight", {"", "distilbert."}, build_distilbert},
      {"albert", "embeddings.word_embeddings.weight", {"", "albert."}, build_albert},
      {"gpt2", "wte.weight", {"", "transformer."}, build_gpt2},
      {"gpt_neo", "wte.weight", {"", "transformer."}, build_gpt_neo},
      {"gpt_neox", "embed_in.weight", {"", "gpt_neox."}, build_gpt_neox},
      {"llama", "embed_tokens.weight", {"", "model."}, build_llama},
      {"mistral", "embed_tokens.weight", {"", "model."}, build_mistral},
      {"qwen2", "embed_tokens.weight", {"", "model."}, build_qwen2},
      {"qwen3", "embed_tokens.weight", {"", "model."}, build_qwen3},
      {"gemma", "embed_tokens.weight", {"", "model."}, build_gemma},
      {"gemma2", "embed_tokens.weight", {"", "model."}, build_gemma2},
      {"phi3", "embed_tokens.weight", {"", "model."}, build_phi3},
      {"gptj", "wte.weight", {"", "transformer."}, build_gptj},
      {"opt", "decoder.embed_tokens.weight", {"", "model."}, build_opt},
      {"bloom", "word_embeddings.weight", {"", "transformer."}, build_bloom},
      {"falcon", "word_embeddings.weight", {"", "transformer."}, build_falcon},
      {"gpt_bigcode", "wte.weight", {"", "transformer."}, build_gpt_bigcode},
      {"starcoder2", "embed_tokens.weight", {"", "model."}, build_starcoder2},
      {"phi", "embed_tokens.weight", {"", "model."}, build_phi},
      {"stablelm", "embed_tokens.weight", {"", "model."}, build_stablelm},
      {"cohere", "embed_tokens.weight", {"", "model."}, build_cohere},
      {"granite", "embed_tokens.weight", {"", "model."}, build_granite},
      {"deberta-v2", "embeddings.word_embeddings.weight", {"", "deberta."}, build_deberta_v2},
      {"mixtral", "embed_tokens.weight", {"", "model."}, build_mixtral},
      {"qwen2_moe", "embed_tokens.weight", {"", "model."}, build_qwen2_moe},
      {"olmo", "embed_tokens.weight", {"", "model."}, build_olmo},
      {"olmo2", "embed_tokens.weight", {"", "model."}, build_olmo2},
      {"gemma3_text", "embed_tokens.weight", {"", "model."}, build_gemma3_text},
      {"gemma3",
       "embed_tokens.weight",
       {"language_model.model.", "model.language_model."},
       build_gemma3},
      {"modernbert", "embeddings.tok_embeddings.weight", {"", "model."}, build_modernbert},
  };
  return table;
}

}  // namespace attnviz::model

namespace attnviz {

std::vector<std::string> native_model_types() {
  std::vector<std::string> names;
  for (const auto& family : model::families()) names.push_back(family.model_type);
  return names;
}

}  // namespace attnviz
