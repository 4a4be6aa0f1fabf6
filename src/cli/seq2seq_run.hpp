#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "attnviz/model.hpp"
#include "session.hpp"

namespace attnviz::cli {

// The target side of an encoder-decoder run, as the main command and dump take it.
struct TargetFlags {
  std::optional<std::string> target;  // --target: text, tokenized as labels are
  std::string target_ids;             // --target-ids: labels as ids
  int max_new_tokens = 32;            // without either: greedy generation
};

// --target, --target-ids, --max-new-tokens.
void add_target_options(CLI::App& command, TargetFlags& flags);

// One encoder-decoder run: what each stack read and its three attentions.
struct Seq2SeqRun {
  Seq2SeqAttentions attentions;
  std::string source_text;  // empty where the source was given as ids
  std::string target_text;  // empty where given as ids, or generated
  bool generated = false;
  std::vector<std::int64_t> generated_ids;  // decoder_start_token_id, then what was generated
};

// Encodes the source (text, or ids where `source_ids` is not empty) and the target (text, ids, or
// generated greedily from the source), and runs both through the model. A generated target is
// announced on stdout, token by token.
Seq2SeqRun run_seq2seq(const Seq2SeqSession& session, const std::string& source,
                       const std::string& source_ids, const TargetFlags& flags);

// The part --attention names ("encoder", "decoder" or "cross").
const Attention& attention_named(const Seq2SeqAttentions& attentions, const std::string& name);

}  // namespace attnviz::cli
