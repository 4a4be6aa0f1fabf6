// `attnviz render FILE`: the main command's pictures from saved attentions (attnviz dump,
// transformers, TransformerLens), without a model.
#include <algorithm>
#include <cctype>

#include "attnviz/analysis.hpp"
#include "attnviz/attention_file.hpp"
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
int file_focus_row(const AttentionFile& file, const std::string& path, const std::string& word) {
  if (!file.encoding.ids.empty() && !file.text.empty()) {
    return focus_row(file.encoding, file.text,
                     file.pair.empty() ? std::nullopt : std::optional<std::string>(file.pair),
                     word);
  }
  const auto& tokens = file.attention.tokens;
  const auto found = std::find_if(tokens.begin(), tokens.end(),
                                  [&](const std::string& t) { return bare(t) == bare(word); });
  if (found == tokens.end())
    throw Error("--focus: no token of " + path + " is the word '" + word + "'");
  return static_cast<int>(found - tokens.begin());
}

// --words: the file's attention with its word pieces merged, as the main command merges them.
void merge_words(AttentionFile& file, const std::string& path) {
  file.attention = word_attention(file.attention, words_encoding(file, path));
}

ViewInput view_input(const AttentionFile& file, const std::string& path, const char* letter) {
  return {&file.attention,
          std::string(letter) + ": " + shorten(file.text.empty() ? path : file.text)};
}

void run_render(const RenderFlags& flags) {
  AttentionFileOptions options;
  options.tokens = flags.tokens;
  options.check = !flags.no_check;
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
      "n, n], [heads, n, n] or [n, n] with its tokens (the JSON sidecar attnviz dump writes)\n"
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
  add_view_display_options(*command, flags->view);
  command->callback([flags] { run_render(*flags); });
}

}  // namespace attnviz::cli
