// `attnviz render FILE`: the main command's pictures from saved attentions (attnviz dump,
// transformers, TransformerLens), without a model.
#include <algorithm>
#include <cctype>

#include "attnviz/analysis.hpp"
#include "attnviz/attention_file.hpp"
#include "attnviz/attention_set_file.hpp"
#include "attnviz/error.hpp"
#include "commands.hpp"
#include "figures.hpp"
#include "view.hpp"

namespace attnviz::cli {
namespace {

struct RenderFlags {
  std::string file;
  std::optional<std::string> compare;
  std::string tokens;
  bool no_check = false;
  bool words = false;
  std::optional<std::string> attention;  // an encoder-decoder's file: which of its attentions
  ViewOptions view;
};

// A token as a word: lower case, without the word-piece markers tokenizers put on it.
std::string bare(std::string token) {
  for (const std::string marker : {"\u00b7", "\u0120", "\u2581", "##"}) {
    if (token.rfind(marker, 0) == 0) token.erase(0, marker.size());
  }
  std::transform(token.begin(), token.end(), token.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return token;
}

// --focus: as the main command finds the word where the file has its text (attnviz dump), else
// the first token that is the word.
int focus_token(const Encoding& encoding, const std::string& text, const std::string& pair,
                const std::vector<std::string>& tokens, const std::string& path,
                const std::string& word) {
  if (!encoding.ids.empty() && !text.empty()) {
    return focus_row(encoding, text, pair.empty() ? std::nullopt : std::optional<std::string>(pair),
                     word);
  }
  const auto found = std::find_if(tokens.begin(), tokens.end(),
                                  [&](const std::string& t) { return bare(t) == bare(word); });
  if (found == tokens.end())
    throw Error("--focus: no token of " + path + " is the word '" + word + "'");
  return static_cast<int>(found - tokens.begin());
}

int file_focus_row(const AttentionFile& file, const std::string& path, const std::string& word) {
  return focus_token(file.encoding, file.text, file.pair, file.attention.tokens, path, word);
}

// --words: the file's attention with its word pieces merged, as the main command merges them.
void merge_words(AttentionFile& file, const std::string& path) {
  file.attention = word_attention(file.attention, words_encoding(file, path));
}

ViewInput view_input(const AttentionFile& file, const std::string& path, const char* letter) {
  return {&file.attention,
          std::string(letter) + ": " + shorten(file.text.empty() ? path : file.text)};
}

// An encoder-decoder's file (attnviz dump): the attention --attention names, rows its queries'
// tokens (the source's for the encoder, else the target's), columns its keys'.
void run_render_set(const RenderFlags& flags, const AttentionFileOptions& options) {
  if (flags.compare)
    throw Error(
        "--compare draws two files of one self-attention model; for an encoder-decoder's "
        "file, draw each with --attention");
  const AttentionSetFile file = read_attention_set_file(flags.file, options);
  const std::string part = flags.attention.value_or("cross");
  if (part == "all") {
    if (flags.words) throw Error("--words: pick one --attention (encoder, decoder or cross)");
    return draw_sections(flags.view, file.model, file.attentions);
  }
  Attention attention = attention_part(file.attentions, part);
  if (!extent_keep(flags.view.extent, std::max(attention.n, attention.columns())).everything())
    throw Error("--window and --blocks: an encoder-decoder's file is drawn whole; leave them out");
  const bool source_rows = part == "encoder";
  const Encoding& rows = source_rows ? file.source : file.target;
  const Encoding& columns = part == "decoder" ? file.target : file.source;
  ViewInput input{&attention, "", -1, part};
  if (flags.view.focus) {
    input.focus_row = focus_token(rows, source_rows ? file.source_text : file.target_text, "",
                                  attention.tokens, flags.file, *flags.view.focus);
  }
  if (flags.words) {
    if (rows.ids.empty() || columns.ids.empty())
      throw Error(flags.file +
                  " has no token details to find the words by (--words needs the "
                  "ids, spans, type_ids and special that attnviz dump writes in the JSON)");
    input.focus_row = word_of_token(rows, input.focus_row);
    attention = word_attention(attention, rows, columns);
  }
  ModelInfo info;
  info.layers = attention.layers;
  info.heads = attention.heads;
  const Selection selection = view_selection(flags.view, false, info, file.model);
  draw_view(flags.view, selection, file.model, input);
}

void run_render(const RenderFlags& flags) {
  AttentionFileOptions options;
  options.tokens = flags.tokens;
  options.check = !flags.no_check;
  if (holds_attention_set(flags.file)) return run_render_set(flags, options);
  if (flags.attention)
    throw Error("--attention chooses among an encoder-decoder's attentions; " + flags.file +
                " holds one self-attention");
  AttentionFile a = read_attention_file(flags.file, options);
  const int focus_token = flags.view.focus ? file_focus_row(a, flags.file, *flags.view.focus) : -1;
  // A long input is drawn as the model's own run draws it: --window, pooled to fit --blocks.
  const AttentionKeep keep = extent_keep(flags.view.extent, a.attention.n);
  if (!keep.everything()) {
    // --compare aligns the tokens of two whole files.
    if (flags.compare) require_whole_input(keep, "--compare");
    if (flags.words) require_whole_input(keep, "--words");
    if (flags.view.print) require_tokens(keep, "--print");
    a.attention = keep_attention(a.attention, keep);
  }
  std::optional<AttentionFile> b;
  if (flags.compare) {
    b = read_attention_file(*flags.compare, {{}, options.check});
    if (b->attention.layers != a.attention.layers || b->attention.heads != a.attention.heads) {
      throw Error("--compare: " + flags.file + " has " + std::to_string(a.attention.layers) +
                  " layers of " + std::to_string(a.attention.heads) + " heads, " + *flags.compare +
                  " has " + std::to_string(b->attention.layers) + " of " +
                  std::to_string(b->attention.heads));
    }
  }
  ModelInfo info;
  info.layers = a.attention.layers;
  info.heads = a.attention.heads;
  const Selection selection = view_selection(flags.view, b.has_value(), info, a.model);

  ViewOptions view = flags.view;
  if (a.negative || (b && b->negative)) view.colormap = "rdbu";  // values around 0
  ViewInput input_a = view_input(a, flags.file, "A");
  if (flags.words) {  // --focus found its token; the row to outline is that token's word
    input_a.focus_row = word_of_token(words_encoding(a, flags.file), focus_token);
    merge_words(a, flags.file);
    if (b) merge_words(*b, *flags.compare);
  } else if (focus_token >= 0) {
    input_a.focus_row = kept_row(a.attention, focus_token);
  }
  std::optional<ViewInput> input_b;
  if (b) input_b = view_input(*b, *flags.compare, "B");
  draw_view(view, selection, a.model, input_a, input_b);
}

}  // namespace

void add_render_command(CLI::App& app) {
  auto flags = std::make_shared<RenderFlags>();
  CLI::App* command = app.add_subcommand(
      "render",
      "Draw saved attentions, no model needed: a .npy, .npz or .safetensors of [layers, heads, "
      "n, n], [heads, n, n] or [n, n] with its tokens (the JSON sidecar attnviz dump writes), or "
      "an encoder-decoder's .npz of encoder, decoder and cross (--attention)\n"
      "  e.g. attnviz render attention.npy --layer 10 --head 5 -o it.png");
  command->add_option("file", flags->file, "The saved attentions; e.g. attention.npy")->required();
  command->add_option("--compare", flags->compare,
                      "A second file of the same model: draws A, B and A-B aligned by token; e.g. "
                      "--compare wide.npy");
  command->add_option("--tokens", flags->tokens,
                      "The tokens, when FILE.json is not there: a JSON list of the n strings, or "
                      "an object with \"tokens\"; e.g. --tokens tokens.json");
  command->add_flag("--no-check", flags->no_check,
                    "Draw values that are not probabilities (scores, differences); negative "
                    "values get a diverging map; e.g. --no-check");
  command->add_flag("--words", flags->words,
                    "Merge word pieces, as the main command's --words (needs the JSON attnviz dump "
                    "writes); e.g. --words");
  add_attention_option(*command, flags->attention, true);
  add_view_display_options(*command, flags->view);
  command->callback([flags] { run_render(*flags); });
}

}  // namespace attnviz::cli
