#pragma once

#include <cstddef>
#include <cstdint>
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

// ---- Encoder-decoder (seq2seq) models: BART, mBART, Marian, Pegasus, M2M100, T5 / mT5 ----

// What a loaded encoder-decoder is, read from its own config.
struct Seq2SeqInfo {
  std::string architecture;  // config.json's model_type ("bart", "t5", ...)
  std::string name;          // directory name, for titles
  int encoder_layers = 0;
  int decoder_layers = 0;
  int encoder_heads = 0;
  int decoder_heads = 0;  // the cross attention's heads too
  int hidden = 0;
  int max_source_positions = 0;  // 0: no limit (T5's relative positions)
  int max_target_positions = 0;  // 0: no limit
  std::int64_t decoder_start_token_id = 0;
  // mBART: the decoder input starts with the labels' last token (their language code) instead of
  // decoder_start_token_id (its shift_tokens_right).
  bool start_from_last_label = false;
  std::int64_t eos_token_id = 0;
  std::int64_t pad_token_id = 0;
};

// One run's three attentions, 0-based as everywhere in code:
// - encoder [encoder_layers][encoder_heads][n][n]: tokens, special: the source's; causal false.
// - decoder [decoder_layers][decoder_heads][m][m]: tokens, special: the decoder input's (the
//   target shifted right behind decoder_start_token_id); causal true.
// - cross   [decoder_layers][decoder_heads][m][n]: rows (tokens, special) the decoder input's,
//   columns (key_count = n, key_tokens, key_special) the source's; causal false.
// source and target are the encodings the encoder and the decoder read (target: the decoder
// input, ids[0] = decoder_start_token_id).
struct Seq2SeqAttentions {
  Encoding source;
  Encoding target;
  Attention encoder;
  Attention decoder;
  Attention cross;
};

// The three as an AttentionSet, in this order: "encoder", "decoder", "cross".
inline AttentionSet attention_set(Seq2SeqAttentions attentions) {
  AttentionSet set;
  set.push_back({"encoder", std::move(attentions.encoder)});
  set.push_back({"decoder", std::move(attentions.decoder)});
  set.push_back({"cross", std::move(attentions.cross)});
  return set;
}

class Seq2SeqModel {
 public:
  virtual ~Seq2SeqModel() = default;
  virtual const Seq2SeqInfo& info() const = 0;
  // The source through the encoder and the decoder input through the decoder in one pass, as
  // transformers' forward with decoder_input_ids and output_attentions. Each must fit the model.
  virtual Seq2SeqAttentions attend(const Encoding& source, const Encoding& decoder_input) const = 0;
  // Greedy decoding as transformers' generate (num_beams 1, no sampling): from
  // decoder_start_token_id, the most likely next token each step until EOS (kept) or
  // max_new_tokens tokens. Returns decoder_start_token_id and the generated ids.
  virtual std::vector<std::int64_t> generate(const Encoding& source, int max_new_tokens) const = 0;
};

// Whether a model directory holds an encoder-decoder (config.json's is_encoder_decoder). Reads
// only config.json: it needs no libtorch.
bool is_seq2seq_model(const std::filesystem::path& dir);

// The encoder-decoder model_type values attnviz runs natively, in the order of its table.
std::vector<std::string> native_seq2seq_model_types();

// Loads an encoder-decoder's directory: config.json with model.safetensors or pytorch_model.bin.
std::unique_ptr<Seq2SeqModel> load_seq2seq_model(const std::filesystem::path& dir,
                                                 const RuntimeOptions& options = {});

// The decoder input transformers makes from labels (the family's shift_tokens_right):
// info.decoder_start_token_id (shown as `start_token`, a special token), or with
// start_from_last_label the last label, then every label but the last. Type ids are 0, spans those
// of the labels (the start token's empty, at 0).
Encoding decoder_input_from_labels(const Encoding& labels, const Seq2SeqInfo& info,
                                   const std::string& start_token);

}  // namespace attnviz
