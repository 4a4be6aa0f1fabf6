#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "attnviz/model.hpp"
#include "gguf_file.hpp"

namespace attnviz::model {

// The GGUF file a model path stands for: the path itself where it is a .gguf file, or the one .gguf
// file of a directory without config.json; nullopt otherwise (two GGUF files in one directory are
// an Error that names them).
std::optional<std::filesystem::path> gguf_model_file(const std::filesystem::path& path);

// The config.json transformers would have for the file: general.architecture and the <arch>.* keys
// under Hugging Face's field names (model_type, hidden_size, num_attention_heads, ...).
nlohmann::json gguf_config(const gguf::GgufFile& file);

// The model a GGUF file holds, built by its family from gguf_config() and the file's tensors under
// Hugging Face's names, dequantized to float32 (matrices then held as `matrices`).
std::unique_ptr<Model> load_gguf_checkpoint(const std::filesystem::path& path, ModelInfo info,
                                            at::Device device, at::ScalarType matrices);

}  // namespace attnviz::model
