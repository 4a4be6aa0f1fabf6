#include "weight_store.hpp"

#include <torch/csrc/jit/serialization/pickle.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "attnviz/error.hpp"
#include "checkpoint_index.hpp"
#include "safetensors_file.hpp"

namespace attnviz::model {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// The floating-point dtypes attnviz computes with; weights of any other dtype are refused by name.
std::optional<at::ScalarType> float_type(DType dtype) {
  switch (dtype) {
    case DType::F64:
      return at::kDouble;
    case DType::F32:
      return at::kFloat;
    case DType::F16:
      return at::kHalf;
    case DType::BF16:
      return at::kBFloat16;
    default:
      return std::nullopt;
  }
}

// A view of one safetensors entry in its own dtype. Data that is aligned is used in place (the
// mapping stays alive as long as the tensor does): no second copy of the weights.
at::Tensor tensor_of(const SafetensorsEntry& entry, at::ScalarType type,
                     const std::shared_ptr<MappedFile>& mapping) {
  auto* data = const_cast<std::byte*>(entry.data);
  const bool aligned = reinterpret_cast<std::uintptr_t>(data) % dtype_size(entry.dtype) == 0;
  if (!aligned) {
    at::Tensor copy = at::empty(entry.shape, at::TensorOptions().dtype(type));
    std::memcpy(copy.data_ptr(), data, entry.bytes);
    return copy;
  }
  at::Tensor view = at::from_blob(
      data, entry.shape, [mapping](void*) {}, at::TensorOptions().dtype(type));
  return view;
}

void read_safetensors(const std::filesystem::path& file, std::map<std::string, at::Tensor>& tensors,
                      std::map<std::string, std::string>& other_dtypes) {
  SafetensorsFile safetensors(file);
  for (const auto& [name, entry] : safetensors.entries()) {
    if (const auto type = float_type(entry.dtype)) {
      tensors.emplace(name, tensor_of(entry, *type, safetensors.mapping()));
    } else {
      other_dtypes.emplace(name, dtype_name(entry.dtype));
    }
  }
}

std::map<std::string, at::Tensor> read_pytorch_bin(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  if (!stream) throw Error("cannot open " + file.string());
  std::vector<char> bytes((std::istreambuf_iterator<char>(stream)),
                          std::istreambuf_iterator<char>());
  c10::IValue value;
  try {
    value = torch::jit::pickle_load(bytes);
  } catch (const std::exception& e) {
    throw Error(file.string() + " could not be read as a torch.save zip archive (" +
                std::string(e.what()).substr(0, 200) +
                "); re-save it with a recent PyTorch, or convert it to model.safetensors");
  }
  if (!value.isGenericDict())
    throw Error(file.string() + " does not hold a state dict (name -> tensor)");
  std::map<std::string, at::Tensor> tensors;
  for (const auto& item : value.toGenericDict()) {
    if (!item.key().isString() || !item.value().isTensor()) continue;
    tensors.emplace(item.key().toStringRef(), item.value().toTensor());
  }
  return tensors;
}

}  // namespace

WeightStore::WeightStore(const std::filesystem::path& dir, const std::string& probe,
                         const std::vector<std::string>& prefixes, const at::Device& device,
                         at::ScalarType matrices)
    : device_(device), matrices_(matrices) {
  const auto safetensors = dir / "model.safetensors";
  const auto bin = dir / "pytorch_model.bin";
  if (std::filesystem::exists(safetensors)) {
    read_file(safetensors);
  } else if (std::filesystem::exists(dir / "model.safetensors.index.json")) {
    read_index(dir / "model.safetensors.index.json");
  } else if (std::filesystem::exists(bin)) {
    read_file(bin);
  } else if (std::filesystem::exists(dir / "pytorch_model.bin.index.json")) {
    read_index(dir / "pytorch_model.bin.index.json");
  } else {
    throw Error(dir.string() +
                " has no model.safetensors or pytorch_model.bin (nor a sharded .index.json)");
  }
  std::string tried;
  for (const auto& prefix : prefixes) {
    if (tensors_.count(prefix + probe) != 0) {
      prefix_ = prefix;
      return;
    }
    tried += (tried.empty() ? "" : " or ") + prefix + probe;
  }
  throw Error(source_ + " has no tensor " + tried +
              "; is it a checkpoint of the model_type in config.json?");
}

WeightStore::WeightStore(std::map<std::string, at::Tensor> tensors, std::string source,
                         const at::Device& device, at::ScalarType matrices)
    : tensors_(std::move(tensors)),
      source_(std::move(source)),
      device_(device),
      matrices_(matrices) {}

void WeightStore::read_file(const std::filesystem::path& file) {
  source_ = file.string();
  if (file.extension() == ".safetensors") {
    read_safetensors(file, tensors_, other_dtypes_);
  } else {
    for (auto& [name, tensor] : read_pytorch_bin(file)) tensors_.emplace(name, std::move(tensor));
  }
}

// A sharded checkpoint: the index's weight_map names, for every tensor, the shard that holds it.
void WeightStore::read_index(const std::filesystem::path& index) {
  for (const auto& shard : shard_files(index)) {
    const auto file = index.parent_path() / shard;
    if (!std::filesystem::exists(file)) {
      throw Error(index.string() + " names the shard " + shard +
                  ", which is missing: download the checkpoint again");
    }
    read_file(file);
  }
  source_ = index.string();
}

const at::Tensor* WeightStore::find(const std::string& name) const {
  auto found = tensors_.find(prefix_ + name);
  if (found != tensors_.end()) return &found->second;
  // Checkpoints converted from TensorFlow name LayerNorm parameters gamma and beta.
  for (const auto& [modern, legacy] :
       {std::pair{".weight", ".gamma"}, std::pair{".bias", ".beta"}}) {
    const std::string suffix = modern;
    if (name.size() > suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found = tensors_.find(prefix_ + name.substr(0, name.size() - suffix.size()) + legacy);
      if (found != tensors_.end()) return &found->second;
    }
  }
  return nullptr;
}

at::Tensor WeightStore::get(const std::string& name, const std::vector<std::int64_t>& shape) const {
  return checked(find(name), prefix_ + name, shape);
}

at::Tensor WeightStore::get_head(const std::string& name,
                                 const std::vector<std::int64_t>& shape) const {
  const auto found = tensors_.find(name);
  return checked(found == tensors_.end() ? nullptr : &found->second, name, shape);
}

at::Tensor WeightStore::checked(const at::Tensor* tensor, const std::string& full_name,
                                const std::vector<std::int64_t>& shape) const {
  if (tensor == nullptr && other_dtypes_.count(full_name) != 0) {
    throw Error(source_ + ": tensor '" + full_name + "' has dtype " + other_dtypes_.at(full_name) +
                ", but weights must be F32, F16, BF16 or F64; convert the checkpoint");
  }
  if (tensor == nullptr) {
    throw Error(source_ + " is missing tensor '" + full_name +
                "'; the checkpoint does not match config.json");
  }
  if (tensor->sizes() != at::IntArrayRef(shape)) {
    throw Error(source_ + ": tensor '" + full_name + "' has shape " + shape_text(tensor->sizes()) +
                " but config.json implies " + shape_text(shape));
  }
  // Matrices (projections, embeddings) in the dtype asked for; norms and biases in float32.
  return tensor->to(device_, tensor->dim() == 2 ? matrices_ : at::kFloat);
}

}  // namespace attnviz::model
