// Encoder-decoder input: the source and the target each tokenized by the model's own tokenizer
// (its template, as for the source), the target taken as transformers takes labels: the decoder
// reads decoder_start_token_id and then the target without its last token. Without a target, the
// target is generated greedily.
#include "seq2seq_run.hpp"

#include <iostream>

#include "attnviz/error.hpp"
#include "options.hpp"

namespace attnviz::cli {

void add_target_options(CLI::App& command, TargetFlags& flags) {
  command.add_option(
      "--target", flags.target,
      "Encoder-decoders: the target text (a translation, a summary), tokenized as the source is; "
      "the decoder reads decoder_start_token_id and then the target without its last token (as "
      "transformers makes decoder_input_ids from labels). Without --target or --target-ids the "
      "target is generated greedily and printed; e.g. --target \"Das Haus ist klein.\"");
  command.add_option("--target-ids", flags.target_ids,
                     "Encoder-decoders: the target as comma-separated token ids (labels, shifted "
                     "as --target is); e.g. --target-ids 363,1,2");
  command
      .add_option("--max-new-tokens", flags.max_new_tokens,
                  "Encoder-decoders without a target: generate at most this many tokens (greedy, "
                  "stopping at EOS); e.g. --max-new-tokens 64")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
}

namespace {

// The decoder input of a generated target: what the decoder read at its last step (every
// generated token but the last), the start token marked special.
Encoding decoder_input_of(const std::vector<std::int64_t>& generated, const Tokenizer& tokenizer) {
  Encoding input;
  for (std::size_t i = 0; i + 1 < generated.size(); ++i) {
    input.ids.push_back(generated[i]);
    input.tokens.push_back(tokenizer.id_to_token(generated[i]));
    input.special.push_back(i == 0);
  }
  input.display = input.tokens;
  input.type_ids.assign(input.ids.size(), 0);
  input.spans.assign(input.ids.size(), ByteSpan{});
  return input;
}

}  // namespace

Seq2SeqRun run_seq2seq(const Seq2SeqSession& session, const std::string& source,
                       const std::string& source_ids, const TargetFlags& flags) {
  if (source.empty() == source_ids.empty())
    throw Error("give the source either as text or with --ids, not both");
  if (flags.target && !flags.target_ids.empty())
    throw Error("give the target either with --target or with --target-ids, not both");
  const Tokenizer& tokenizer = *session.tokenizer;
  const Seq2SeqInfo& info = session.model->info();
  Seq2SeqRun run;
  Encoding source_encoding;
  if (source_ids.empty()) {
    run.source_text = text_argument(source);
    source_encoding = tokenizer.encode(run.source_text);
  } else {
    source_encoding = encoding_of_ids(source_ids, tokenizer, "--ids");
  }
  Encoding decoder_input;
  if (flags.target || !flags.target_ids.empty()) {
    Encoding labels;
    if (flags.target) {
      run.target_text = text_argument(*flags.target);
      labels = tokenizer.encode(run.target_text);
    } else {
      labels = encoding_of_ids(flags.target_ids, tokenizer, "--target-ids");
    }
    decoder_input =
        decoder_input_from_labels(labels, info, tokenizer.id_to_token(info.decoder_start_token_id));
  } else {
    run.generated = true;
    run.generated_ids = session.model->generate(source_encoding, flags.max_new_tokens);
    decoder_input = decoder_input_of(run.generated_ids, tokenizer);
    std::cout << "generated " << run.generated_ids.size() - 1 << " tokens:";
    for (std::size_t i = 1; i < run.generated_ids.size(); ++i)
      std::cout << ' ' << tokenizer.id_to_token(run.generated_ids[i]);
    std::cout << '\n';
  }
  run.attentions = session.model->attend(source_encoding, decoder_input);
  return run;
}

const Attention& attention_named(const Seq2SeqAttentions& attentions, const std::string& name) {
  if (name == "encoder") return attentions.encoder;
  if (name == "decoder") return attentions.decoder;
  if (name == "cross") return attentions.cross;
  throw Error("--attention " + name + ": use encoder, decoder or cross");
}

}  // namespace attnviz::cli
