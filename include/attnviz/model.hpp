#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"

namespace attnviz {

// What a loaded model is, read from its own config.
struct ModelInfo {
  std::string architecture;  // "bert", "gpt2", or what a TorchScript manifest says
  std::string name;          // directory name, for titles
  int layers = 0;
  int heads = 0;
  int hidden = 0;
  int max_positions = 0;
  bool causal = false;
  // Can return each head's queries and keys (a TorchScript export cannot).
  bool queries_keys = true;
};

struct RuntimeOptions {
  std::string device = "cpu";  // "cpu" or "cuda" / "cuda:N"
  int threads = 0;             // 0: libtorch's default
};

struct AttendOptions {
  bool with_queries_keys = false;  // also return each head's query and key vectors
};

// Encoding -> Attention. Implementations: native BERT, native GPT-2, TorchScript. Callers never
// branch on which one they hold.
class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  // Runs the encodings as one padded batch and returns one Attention per encoding, cropped to its
  // own tokens. Each encoding must fit the model (see fit_to_model).
  virtual std::vector<Attention> attend(const std::vector<Encoding>& batch,
                                        const AttendOptions& options = {}) const = 0;
};

// Loads a model directory: config.json with model.safetensors or pytorch_model.bin, or a
// TorchScript export made by scripts/export_torchscript.py (model.pt with attnviz_manifest.json).
std::unique_ptr<Model> load_model(const std::filesystem::path& dir,
                                  const RuntimeOptions& options = {});

// An encoding cut to the model's max positions. Template tokens at the end ([SEP]) are kept; text
// tokens before them are dropped. `dropped` says how many, so the caller can warn.
struct FittedEncoding {
  Encoding encoding;
  std::size_t dropped = 0;
};
FittedEncoding fit_to_model(const Encoding& encoding, std::size_t max_positions);

}  // namespace attnviz
