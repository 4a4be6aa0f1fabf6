// attnviz tokenize --model DIR "text"|@FILE [--pair "second"] [--json]: what the model will see,
// token by token.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "attnviz/encoding.hpp"
#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"
#include "commands.hpp"
#include "model_directory.hpp"
#include "options.hpp"

namespace attnviz::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::optional<std::string> pair;
  std::optional<std::string> target;
  bool json = false;
};

nlohmann::json encoding_json(const Encoding& enc) {
  nlohmann::json spans = nlohmann::json::array();
  for (const ByteSpan& s : enc.spans) spans.push_back({s.begin, s.end});
  return {{"ids", enc.ids},         {"type_ids", enc.type_ids}, {"tokens", enc.tokens},
          {"display", enc.display}, {"spans", spans},           {"special", enc.special}};
}

// Widths in code points (not bytes), so tokens with non-ASCII letters still line up.
std::size_t width(const std::string& s) {
  std::size_t chars = 0;
  for (const char c : s) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return chars;
}

std::string pad(const std::string& s, std::size_t columns) {
  const std::size_t w = width(s);
  return s + std::string(w < columns ? columns - w : 1, ' ');
}

void print_table(const Encoding& enc, bool pair, std::ostream& out) {
  std::size_t token_width = 5;
  std::size_t display_width = 7;
  for (std::size_t i = 0; i < enc.size(); ++i) {
    token_width = std::max(token_width, width(enc.tokens[i]) + 2);
    display_width = std::max(display_width, width(enc.display[i]) + 2);
  }
  out << pad("#", 6) << pad("id", 8) << pad("token", token_width) << pad("display", display_width)
      << "span" << (pair ? "          sentence" : "") << "\n";
  for (std::size_t i = 0; i < enc.size(); ++i) {
    const std::string span =
        "[" + std::to_string(enc.spans[i].begin) + ", " + std::to_string(enc.spans[i].end) + ")";
    out << pad(std::to_string(i), 6) << pad(std::to_string(enc.ids[i]), 8)
        << pad(enc.tokens[i], token_width) << pad(enc.display[i], display_width)
        << (pair ? pad(span, 14) + (enc.type_ids[i] ? "B" : "A") : span)
        << (enc.special[i] ? "  (special)" : "") << "\n";
  }
  out << enc.size() << " tokens; spans are byte offsets into "
      << (pair ? "the sentence each token came from" : "the text") << "\n";
}

void run_tokenize(const TokenizeOptions& options) {
  const bool has_pair = options.pair.has_value();
  const auto tokenizer = load_tokenizer(resolve_model_directory(options.model));
  const std::string text = text_argument(options.text);
  const Encoding enc =
      has_pair ? tokenizer->encode_pair(text, *options.pair) : tokenizer->encode(text);
  if (!options.target) {
    if (options.json) {
      std::cout << encoding_json(enc).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      print_table(enc, has_pair, std::cout);
    }
    return;
  }
  // An encoder-decoder's two sides: the target is tokenized as the source, as labels.
  if (has_pair) throw Error("--pair and --target cannot be combined: pick one");
  const Encoding target = tokenizer->encode(text_argument(*options.target));
  if (options.json) {
    const nlohmann::json both{{"source", encoding_json(enc)}, {"target", encoding_json(target)}};
    std::cout << both.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << "source (what the encoder reads):\n";
  print_table(enc, false, std::cout);
  std::cout << "\ntarget (labels: the decoder reads decoder_start_token_id, then these but the "
               "last):\n";
  print_table(target, false, std::cout);
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto options = std::make_shared<TokenizeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "tokenize", "Show the tokens a model sees for a text: ids, strings, byte spans");
  cmd->add_option(
         "-m,--model", options->model,
         "Model: bert, gpt2, a Hugging Face id, a folder under models/, or a model directory; "
         "e.g. --model gpt2")
      ->required();
  cmd->add_option("text", options->text,
                  "Text to tokenize (UTF-8), or @FILE for the text of a file; e.g. @chapter.txt")
      ->required();
  add_pair_option(*cmd, options->pair);
  cmd->add_option("--target", options->target,
                  "Encoder-decoders: also the target text, tokenized as the source is (the "
                  "labels; the decoder reads decoder_start_token_id, then these but the last); "
                  "e.g. --target \"Das Haus.\"");
  cmd->add_flag("--json", options->json, "Print one JSON object instead of a table; e.g. --json");
  cmd->callback([options] { run_tokenize(*options); });
}

}  // namespace attnviz::cli
