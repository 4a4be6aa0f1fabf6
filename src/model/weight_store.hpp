#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace attnviz::model {

// The tensors of a checkpoint, as float32 on the target device, looked up by their name in the base
// model class (BertModel, GPT2Model). Head classes prefix those names ("bert.", "transformer.");
// the store finds which prefix the file uses and ignores tensors nobody asks for.
class WeightStore {
 public:
  // Reads model.safetensors, or where there is none, pytorch_model.bin. `probe` is a tensor name
  // every checkpoint of the family has; `prefixes` are the head-class prefixes to try.
  WeightStore(const std::filesystem::path& dir, const std::string& probe,
              const std::vector<std::string>& prefixes, const at::Device& device);

  // The tensor `name` (base-class name), checked against the shape the config implies.
  at::Tensor get(const std::string& name, const std::vector<std::int64_t>& shape) const;

  const std::string& source() const { return source_; }

 private:
  const at::Tensor* find(const std::string& name) const;

  std::map<std::string, at::Tensor> tensors_;  // full names as in the file, CPU
  std::map<std::string, std::string>
      other_dtypes_;  // tensors of non-float dtypes (position_ids buffers)
  std::string prefix_;
  std::string source_;  // the file the weights came from, for messages
  at::Device device_;
};

}  // namespace attnviz::model
