// A GGUF file as a checkpoint of the family table: its metadata becomes the config.json the
// family's reader takes, its tensors (blk.N.attn_q.weight, ...) the base class's weights
// (layers.N.self_attn. q_proj.weight, ...), dequantized. What llama.cpp's converter changed is
// undone as transformers' GGUF loader undoes it: the query and key rows of llama-style models,
// permuted for llama.cpp's rotary layout, are put back; Gemma's norms, stored as 1 + weight, get
// their 1 back.
#include "gguf_checkpoint.hpp"

#include <cstring>
#include <fstream>
#include <regex>

#include "attnviz/error.hpp"
#include "dequantize.hpp"
#include "families.hpp"
#include "weight_store.hpp"

namespace attnviz::model {
namespace {

// How one GGUF architecture maps onto a family of the table.
struct GgufArchitecture {
  const char* gguf;        // general.architecture
  const char* model_type;  // the family
  bool permuted_qk;        // llama.cpp permuted attn_q / attn_k rows (LlamaModel's converter)
  bool norms_plus_one;     // llama.cpp stored Gemma's RMSNorm weights as 1 + weight
};

constexpr GgufArchitecture kArchitectures[] = {
    {"llama", "llama", true, false},        {"mistral", "mistral", true, false},
    {"qwen2", "qwen2", false, false},       {"qwen3", "qwen3", false, false},
    {"gemma", "gemma", false, true},        {"gemma2", "gemma2", false, true},
    {"gemma3", "gemma3_text", false, true}, {"phi3", "phi3", false, false},
};

const GgufArchitecture& architecture_of(const gguf::GgufFile& file) {
  const auto name = file.text("general.architecture");
  if (!name) {
    throw Error(file.path().string() +
                " has no general.architecture: it is not a model GGUF (a LoRA adapter or a "
                "vocabulary-only file?)");
  }
  std::string known;
  for (const auto& row : kArchitectures) {
    if (*name == row.gguf) return row;
    known += (known.empty() ? "" : ", ") + std::string(row.gguf);
  }
  throw Error(file.path().string() + ": architecture '" + *name +
              "' is not one attnviz reads from GGUF (it reads " + known + ")");
}

// The Hugging Face name of a GGUF tensor of a llama-style model; empty for tensors no attention
// needs (output.weight, the LM head).
std::string hf_name(const std::string& name, const GgufArchitecture& arch) {
  static const std::regex block(R"(blk\.(\d+)\.(.+)\.(weight|bias))");
  if (name == "token_embd.weight") return "embed_tokens.weight";
  if (name == "output_norm.weight") return "norm.weight";
  std::smatch match;
  if (!std::regex_match(name, match, block)) return {};
  const std::string layer = "layers." + match[1].str() + ".";
  const std::string part = match[2].str();
  const std::string suffix = "." + match[3].str();
  const bool gemma_sandwich =
      std::strcmp(arch.gguf, "gemma2") == 0 || std::strcmp(arch.gguf, "gemma3") == 0;
  const bool phi3 = std::strcmp(arch.gguf, "phi3") == 0;
  static const std::map<std::string, std::string> common = {
      {"attn_norm", "input_layernorm"},
      {"attn_q", "self_attn.q_proj"},
      {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},
      {"attn_qkv", "self_attn.qkv_proj"},
      {"attn_output", "self_attn.o_proj"},
      {"attn_q_norm", "self_attn.q_norm"},
      {"attn_k_norm", "self_attn.k_norm"},
      {"ffn_gate", "mlp.gate_proj"},
      {"ffn_down", "mlp.down_proj"},
      {"post_attention_norm", "post_attention_layernorm"},
      {"post_ffw_norm", "post_feedforward_layernorm"},
  };
  if (part == "ffn_norm")
    return layer + (gemma_sandwich ? "pre_feedforward_layernorm" : "post_attention_layernorm") +
           suffix;
  if (part == "ffn_up") return layer + (phi3 ? "mlp.gate_up_proj" : "mlp.up_proj") + suffix;
  const auto found = common.find(part);
  return found == common.end() ? std::string() : layer + found->second + suffix;
}

std::int64_t required(const gguf::GgufFile& file, const std::string& key) {
  const auto value = file.integer(key);
  if (!value || *value <= 0) {
    throw Error(file.path().string() + " has no positive " + key +
                "; the file's metadata is incomplete: convert the model again with llama.cpp");
  }
  return *value;
}

// llama.cpp's permute(): rows [heads][2][half] stored as [heads][half][2]. Row r of the Hugging
// Face tensor is row source_row(r) of the GGUF one.
std::int64_t source_row(std::int64_t row, std::int64_t rows, std::int64_t heads) {
  const std::int64_t per_head = rows / heads, half = per_head / 2;
  const std::int64_t head = row / per_head, within = row % per_head;
  return head * per_head + (within % half) * 2 + within / half;
}

at::Tensor dense(const gguf::GgufFile& file, const gguf::TensorInfo& info) {
  at::Tensor out = at::empty(info.shape(), at::TensorOptions().dtype(at::kFloat));
  gguf::dequantize_tensor(info, file.path().string(), out.data_ptr<float>());
  return out;
}

}  // namespace

std::optional<std::filesystem::path> gguf_model_file(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error)) {
    // by name, or by the magic (an Ollama blob is named sha256-...)
    char magic[4] = {};
    std::ifstream(path, std::ios::binary).read(magic, 4);
    const bool gguf = path.extension() == ".gguf" || std::string(magic, 4) == "GGUF";
    return gguf ? std::optional(path) : std::nullopt;
  }
  if (!std::filesystem::is_directory(path, error) || std::filesystem::exists(path / "config.json"))
    return std::nullopt;
  std::vector<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(path, error))
    if (entry.path().extension() == ".gguf") found.push_back(entry.path());
  if (found.empty()) return std::nullopt;
  if (found.size() > 1) {
    std::sort(found.begin(), found.end());
    throw Error(path.string() + " holds " + std::to_string(found.size()) + " GGUF files (" +
                found[0].filename().string() + ", " + found[1].filename().string() +
                (found.size() > 2 ? ", ..." : "") +
                "): pass the one to use with --model FILE.gguf");
  }
  return found.front();
}

nlohmann::json gguf_config(const gguf::GgufFile& file) {
  const GgufArchitecture& arch = architecture_of(file);
  const std::string a = arch.gguf;
  nlohmann::json config;
  config["model_type"] = arch.model_type;
  config["hidden_size"] = required(file, a + ".embedding_length");
  config["num_hidden_layers"] = required(file, a + ".block_count");
  config["num_attention_heads"] = required(file, a + ".attention.head_count");
  config["num_key_value_heads"] =
      file.integer(a + ".attention.head_count_kv").value_or(config["num_attention_heads"]);
  config["intermediate_size"] = required(file, a + ".feed_forward_length");
  config["max_position_embeddings"] = required(file, a + ".context_length");
  if (const auto eps = file.number(a + ".attention.layer_norm_rms_epsilon"))
    config["rms_norm_eps"] = *eps;
  config["rope_theta"] = file.number(a + ".rope.freq_base").value_or(10000.0);
  std::int64_t vocab = 0;
  if (const auto size = file.integer(a + ".vocab_size")) {
    vocab = *size;
  } else if (const gguf::Value* tokens = file.find("tokenizer.ggml.tokens")) {
    vocab = static_cast<std::int64_t>(tokens->size());
  } else if (const gguf::TensorInfo* embedding = file.tensor("token_embd.weight")) {
    vocab = static_cast<std::int64_t>(embedding->dims.size() == 2 ? embedding->dims[1] : 0);
  }
  config["vocab_size"] = vocab;
  const std::int64_t heads = config["num_attention_heads"];
  if (const auto key_length = file.integer(a + ".attention.key_length")) {
    config["head_dim"] = *key_length;
  } else if (const auto rotary = file.integer(a + ".rope.dimension_count");
             rotary && arch.permuted_qk) {
    config["head_dim"] =
        *rotary;  // llama.cpp's n_rot is the head size for Llama (transformers too)
  }
  if (const auto window = file.integer(a + ".attention.sliding_window"))
    config["sliding_window"] = *window;
  if (const auto type = file.text(a + ".rope.scaling.type"); type && *type != "none") {
    const auto factor = file.number(a + ".rope.scaling.factor");
    if (*type != "linear" || !factor) {
      throw Error(file.path().string() + ": rope scaling '" + *type +
                  "' from GGUF is not supported by attnviz yet (linear is)");
    }
    config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", *factor}};
  }
  if (file.tensor("rope_freqs.weight") != nullptr || file.tensor("rope_factors_long.weight")) {
    throw Error(file.path().string() +
                " carries rope frequency factors (rope_freqs / rope_factors_long: Llama 3.1's or "
                "Phi-3's long-context rope), which attnviz does not read from GGUF yet");
  }
  if (a == "gemma" || a == "gemma2" || a == "gemma3") {
    config["hidden_activation"] = "gelu_pytorch_tanh";
    const std::int64_t head_dim =
        config.value("head_dim", config["hidden_size"].get<std::int64_t>() / heads);
    // transformers' query_pre_attn_scalar is the head size for every Gemma 2/3 but Gemma 2 27B,
    // whose 46 layers scale by hidden_size / heads (llama.cpp's rule too)
    config["query_pre_attn_scalar"] = (a == "gemma2" && config["num_hidden_layers"] == 46)
                                          ? config["hidden_size"].get<std::int64_t>() / heads
                                          : head_dim;
    if (const auto cap = file.number(a + ".attn_logit_softcapping"))
      config["attn_logit_softcapping"] = *cap;
    if (const auto cap = file.number(a + ".final_logit_softcapping"))
      config["final_logit_softcapping"] = *cap;
  }
  if (a == "gemma3") {
    // not in the GGUF: Gemma3TextConfig's defaults, which every Gemma 3 text model keeps
    config["rope_local_base_freq"] = 10000.0;
    config["sliding_window_pattern"] = 6;
  }
  return config;
}

std::unique_ptr<Model> load_gguf_checkpoint(const std::filesystem::path& path, ModelInfo info,
                                            at::Device device, at::ScalarType matrices) {
  const gguf::GgufFile file(path);
  const GgufArchitecture& arch = architecture_of(file);
  const nlohmann::json json = gguf_config(file);
  const std::string source = path.string();
  const JsonFields config(json, source + " (its metadata as config.json)");
  const Family* family = nullptr;
  for (const auto& row : families())
    if (row.model_type == arch.model_type) family = &row;
  if (family == nullptr) {
    throw Error(source + ": architecture '" + std::string(arch.gguf) + "' needs the " +
                arch.model_type + " family, which this build of attnviz lacks");
  }
  const std::int64_t heads = json["num_attention_heads"], kv_heads = json["num_key_value_heads"];
  std::map<std::string, at::Tensor> tensors;
  for (const auto& info_ : file.tensors()) {
    const std::string name = hf_name(info_.name, arch);
    if (name.empty()) continue;
    at::Tensor tensor = dense(file, info_);
    if (arch.permuted_qk && (info_.name.find(".attn_q.") != std::string::npos ||
                             info_.name.find(".attn_k.") != std::string::npos)) {
      const std::int64_t n = info_.name.find(".attn_q.") != std::string::npos ? heads : kv_heads;
      const std::int64_t rows = tensor.size(0);
      if (rows % (2 * n) != 0) {
        throw Error(source + ": tensor '" + info_.name + "' has " + std::to_string(rows) +
                    " rows, not a multiple of 2 x " + std::to_string(n) + " heads");
      }
      at::Tensor index = at::empty({rows}, at::kLong);
      for (std::int64_t r = 0; r < rows; ++r) index[r] = source_row(r, rows, n);
      tensor = tensor.index_select(0, index);
    }
    if (arch.norms_plus_one && tensor.dim() == 1 && name.size() >= 11 &&
        name.compare(name.size() - 11, 11, "norm.weight") == 0) {
      tensor = tensor - 1.0f;
    }
    tensors.emplace(name, std::move(tensor));
  }
  info.architecture = family->model_type;
  const WeightStore weights(std::move(tensors), source, device, matrices);
  return family->build(config, weights, std::move(info), device);
}

}  // namespace attnviz::model
