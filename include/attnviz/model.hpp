#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/attention_keep.hpp"
#include "attnviz/encoding.hpp"

namespace attnviz {

// What a loaded model is, read from its own config.
struct ModelInfo {
  std::string architecture;  // config.json's model_type ("bert", "llama", ...), or a manifest's
  std::string name;          // directory name, for titles
  int layers = 0;
  int heads = 0;     // query heads
  int kv_heads = 0;  // key/value heads: fewer than `heads` where query heads share them (GQA)
  int hidden = 0;
  int max_positions = 0;
  bool causal = false;
  // Per layer: a query sees only this many keys back, itself included (sliding-window and local
  // attention); 0 where it sees them all. Empty for models without windows.
  std::vector<int> windows;
  // Can return each head's queries and keys (a TorchScript export cannot).
  bool queries_keys = true;
};

struct RuntimeOptions {
  std::string device = "cpu";  // "cpu" or "cuda" / "cuda:N"
  int threads = 0;             // 0: libtorch's default
  // The dtype weight matrices are held in: "f32", or "bf16"/"f16" for half their memory; every
  // product and the attention math stay float32 either way.
  std::string dtype = "f32";
};

struct AttendOptions {
  bool with_queries_keys = false;  // also return each head's query and key vectors
  AttentionKeep keep;              // what to keep of each input's attention (everything)
  // The most memory one layer's scores may take at once: a longer input's are computed head by
  // head, in bands of query rows, with the same result.
  std::size_t scores_bytes = std::size_t{256} << 20;
  // The memory the run may use beyond the loaded weights (0: what the system has free). A run
  // predicted to need more is refused before it starts, with what to ask for instead.
  std::size_t memory_limit = 0;
};

// The memory a run is predicted to need beyond the loaded weights, in parts.
struct MemoryNeed {
  std::size_t kept = 0;         // the attentions kept
  std::size_t scores = 0;       // one layer's scores at a time
  std::size_t activations = 0;  // hidden states, MLP, masks
  std::size_t total() const { return kept + scores + activations; }
};

// Encoding -> Attention. Implementations: the native families (src/model/families.cpp),
// TorchScript. Callers never branch on which one they hold.
class Model {
 public:
  virtual ~Model() = default;
  virtual const ModelInfo& info() const = 0;
  // Runs the encodings as one padded batch and returns one Attention per encoding, cropped to its
  // own tokens. Each encoding must fit the model (see fit_to_model).
  virtual std::vector<Attention> attend(const std::vector<Encoding>& batch,
                                        const AttendOptions& options = {}) const = 0;
  // What attend() would need for this batch, without running it.
  virtual MemoryNeed memory_need(const std::vector<Encoding>& batch,
                                 const AttendOptions& options = {}) const = 0;
};

// The model_type values attnviz runs natively, in the order of its table.
std::vector<std::string> native_model_types();

// Loads a model directory: config.json with model.safetensors or pytorch_model.bin (or their
// sharded forms with an .index.json), or a
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
