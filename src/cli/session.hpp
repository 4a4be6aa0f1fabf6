#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "attnviz/encoding.hpp"
#include "attnviz/model.hpp"
#include "attnviz/tokenizer.hpp"

namespace attnviz::cli {

// The flags every command that runs a model shares.
struct ModelFlags {
  std::string model = "bert";
  std::string device = "cpu";
  int threads = 0;
  double max_memory_gb = 0;   // --max-memory; 0: what the system has free
  std::string dtype = "f32";  // --dtype
};

void add_model_flags(CLI::App& command, ModelFlags& flags);

// A model resolved to its directory (hub), loaded (model) with its tokenizer (tokenize).
struct Session {
  std::string name;  // for titles and file names: "bert-base-uncased", or the directory's name
  std::filesystem::path dir;
  std::unique_ptr<Model> model;
  std::unique_ptr<Tokenizer> tokenizer;

  // The text (and second sentence of a pair) as the model takes it. Input longer than the model's
  // positions is cut, with one warning on stderr saying how many tokens were dropped.
  Encoding encode(const std::string& text,
                  const std::optional<std::string>& second = std::nullopt) const;

  // model->attend under --max-memory.
  std::vector<Attention> attend(const std::vector<Encoding>& inputs,
                                AttendOptions options = {}) const;
  std::size_t memory_limit = 0;

  // One warning on stderr with the count of unknown tokens ([UNK]) in everything encode() saw, if
  // any.
  void warn_unknown_tokens() const;
  mutable std::size_t unknown_tokens = 0;
};

Session open_session(const ModelFlags& flags);

// An encoder-decoder resolved to its directory, loaded (load_seq2seq_model) with its tokenizer.
struct Seq2SeqSession {
  std::string name;  // as Session::name
  std::filesystem::path dir;
  std::unique_ptr<Seq2SeqModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

// Whether --model names an encoder-decoder (config.json's is_encoder_decoder), which the commands
// run through open_seq2seq_session instead of open_session.
bool names_seq2seq_model(const ModelFlags& flags);

Seq2SeqSession open_seq2seq_session(const ModelFlags& flags);

// Comma-separated token ids (`flag`: the option that gave them, for errors) as an encoding, each
// token shown as its vocabulary string.
Encoding encoding_of_ids(const std::string& text, const Tokenizer& tokenizer,
                         const std::string& flag);

// One line on stderr, prefixed like the CLI's errors.
void warn(const std::string& message);

}  // namespace attnviz::cli
