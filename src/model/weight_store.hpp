#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace attnviz::model {

// The tensors of a checkpoint on the target device, looked up by their name in the base
// model class (BertModel, LlamaModel). Head classes prefix those names ("bert.", "model."); the
// store finds which prefix the file uses and ignores tensors nobody asks for.
class WeightStore {
 public:
  // Reads model.safetensors, or where there is none, pytorch_model.bin, or the shards that
  // model.safetensors.index.json / pytorch_model.bin.index.json name. `probe` is a tensor name
  // every checkpoint of the family has; `prefixes` are the head-class prefixes to try.
  // Matrices come out as `matrices` (float32, or bfloat16/float16 to halve their memory), every
  // other tensor as float32.
  WeightStore(const std::filesystem::path& dir, const std::string& probe,
              const std::vector<std::string>& prefixes, const at::Device& device,
              at::ScalarType matrices = at::kFloat);

  // Tensors already in memory under the base class's names (a GGUF file's, renamed and
  // dequantized); `source` names the file for messages.
  WeightStore(std::map<std::string, at::Tensor> tensors, std::string source,
              const at::Device& device, at::ScalarType matrices = at::kFloat);

  // The tensor `name` (base-class name), checked against the shape the config implies.
  at::Tensor get(const std::string& name, const std::vector<std::int64_t>& shape) const;
  bool has(const std::string& name) const { return find(name) != nullptr; }
  // A tensor of the head class, outside the base class's prefix (an encoder-decoder's
  // lm_head.weight, final_logits_bias), checked as get() checks.
  at::Tensor get_head(const std::string& name, const std::vector<std::int64_t>& shape) const;
  bool has_head(const std::string& name) const { return tensors_.count(name) != 0; }

  const std::string& source() const { return source_; }

 private:
  const at::Tensor* find(const std::string& name) const;
  at::Tensor checked(const at::Tensor* tensor, const std::string& full_name,
                     const std::vector<std::int64_t>& shape) const;

  void read_file(const std::filesystem::path& file);
  void read_index(const std::filesystem::path& index);

  std::map<std::string, at::Tensor> tensors_;  // full names as in the file, CPU
  std::map<std::string, std::string>
      other_dtypes_;  // tensors of non-float dtypes (position_ids buffers)
  std::string prefix_;
  std::string source_;  // the file the weights came from, for messages
  at::Device device_;
  at::ScalarType matrices_;
};

// A view of the store under a name prefix, as candle's VarBuilder::pp: weights.scope("layers.3")
// .get("self_attn.q_proj.weight", ...) reads "layers.3.self_attn.q_proj.weight".
class WeightScope {
 public:
  WeightScope(const WeightStore& store, std::string prefix = {})
      : store_(store), prefix_(std::move(prefix)) {}
  WeightScope scope(const std::string& name) const { return {store_, prefix_ + name + "."}; }
  WeightScope scope(std::size_t index) const { return scope(std::to_string(index)); }
  at::Tensor get(const std::string& name, const std::vector<std::int64_t>& shape) const {
    return store_.get(prefix_ + name, shape);
  }
  bool has(const std::string& name) const { return store_.has(prefix_ + name); }

 private:
  const WeightStore& store_;
  std::string prefix_;
};

}  // namespace attnviz::model
