// `attnviz html`: one self-contained interactive page (head view, model view, heatmap, neuron
// view).
#include <algorithm>
#include <iostream>

#include "attnviz/analysis.hpp"
#include "attnviz/attention_file.hpp"
#include "attnviz/attention_set_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/html_view.hpp"
#include "attnviz/output_file.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "session.hpp"
#include "view.hpp"

namespace attnviz::cli {
namespace {

struct HtmlFlags {
  ModelFlags model;
  std::string sentence;
  std::optional<std::string> pair;
  std::optional<std::string> compare;
  bool vectors = false;                  // --vectors
  bool no_vectors = false;               // --no-vectors; neither: vectors up to kLongInput tokens
  bool words = false;                    // --words: word pieces merged
  bool rollout = false;                  // --rollout: attention rollout instead of the heads
  ExtentOptions extent;                  // a long input: every head pooled to --blocks cells a side
  int weight_bits = 0;                   // 0: 8 bits, 6 above kLongInput tokens
  std::vector<std::string> from;         // saved attentions instead of a model run
  std::optional<std::string> attention;  // an encoder-decoder's file: the attention shown first
  std::string output = "attnviz-view.html";
};

// Above this many tokens a page of every head grows past tens of MB (GPT-2 at 1,024: ~60 MB at 8
// bits, 50.5 at 7 on near-uniform attention, 40.9 at 6): weights drop to 6 bits and the neuron
// view's vectors are left out unless asked for.
constexpr std::size_t kLongInput = 512;

// The first token of sentence B of a pair, 0 for one sentence.
int sentence_b_start(const std::vector<std::int64_t>& type_ids) {
  const auto b = std::find(type_ids.begin(), type_ids.end(), 1);
  return b == type_ids.end() ? 0 : static_cast<int>(b - type_ids.begin());
}

// The first word (word_groups) of sentence B of a pair, 0 for one sentence.
int word_b_start(const Encoding& encoding) {
  const auto groups = word_groups(encoding);
  for (std::size_t w = 0; w < groups.size(); ++w) {
    if (encoding.type_ids[groups[w].front()] == 1) return static_cast<int>(w);
  }
  return 0;
}

// What the page shows of one input: its attention with --words' pieces merged, then --rollout's
// rollout (layer l: through layers 1..l, one "head"); sentence B's start moves with the words.
struct PageInput {
  Attention attention;
  int sentence_b_start = 0;
};

PageInput page_input(const HtmlFlags& flags, Attention attention, const Encoding& encoding) {
  PageInput input{std::move(attention), sentence_b_start(encoding.type_ids)};
  if (flags.words) {
    input.attention = word_attention(input.attention, encoding);
    input.sentence_b_start = word_b_start(encoding);
  }
  if (flags.rollout) input.attention = attention_rollout(input.attention);
  return input;
}

// The page's title and heading: the model, and what --words and --rollout made of its attention.
// It names the model, so the page is given no model_name to show beside it a second time.
std::string page_title(const HtmlFlags& flags, const std::string& model) {
  return "attnviz · " + model + (flags.words ? " · words (pieces merged)" : "") +
         (flags.rollout ? " · attention rollout" : "");
}

// --from of an encoder-decoder's file (attnviz dump): a page whose attention switch offers its
// encoder, decoder and cross attention, opening on --attention's (default cross).
void run_html_from_set(const HtmlFlags& flags) {
  if (flags.from.size() != 1)
    throw Error(
        "--from of an encoder-decoder's file takes that one file; its page switches "
        "between the encoder, decoder and cross attention");
  if (flags.rollout)
    throw Error(
        "--rollout: cross attention has no rollout by itself (its keys are the encoder's "
        "tokens, not the queries'); draw the encoder's or the decoder's rollout with "
        "attnviz render --rollout --attention encoder|decoder");
  const AttentionSetFile file = read_attention_set_file(flags.from[0]);
  std::vector<Attention> attentions;
  std::size_t cells = 0;
  for (const NamedAttention& part : file.attentions) {
    const Attention& a = part.attention;
    cells = std::max({cells, static_cast<std::size_t>(a.n), static_cast<std::size_t>(a.columns())});
    if (!extent_keep(flags.extent, std::max(a.n, a.columns())).everything())
      throw Error(
          "--window and --blocks: an encoder-decoder's file is drawn whole; leave them out");
    if (!flags.words) {
      attentions.push_back(a);
      continue;
    }
    const Encoding& rows = part.name == "encoder" ? file.source : file.target;
    const Encoding& columns = part.name == "decoder" ? file.target : file.source;
    if (rows.ids.empty() || columns.ids.empty())
      throw Error(flags.from[0] +
                  " has no token details to find the words by (--words needs the "
                  "ids, spans, type_ids and special that attnviz dump writes in the JSON)");
    attentions.push_back(word_attention(a, rows, columns));
  }
  const std::string shown = flags.attention.value_or("cross");
  HtmlOptions options;
  options.title = page_title(flags, file.model);
  options.model_name = file.model;
  options.include_vectors = false;
  options.input_label = "Attention";
  options.weight_bits = flags.weight_bits != 0 ? flags.weight_bits : (cells > kLongInput ? 6 : 8);
  std::vector<HtmlInput> inputs;
  for (std::size_t i = 0; i < attentions.size(); ++i) {
    const std::string& name = file.attentions[i].name;
    if (name == shown) options.input = static_cast<int>(i);
    std::string label = name == "encoder"   ? "Encoder (source → source)"
                        : name == "decoder" ? "Decoder (target → earlier target)"
                                            : "Cross (target → source)";
    inputs.push_back({&attentions[i], label, 0, false});
  }
  write_output_file(flags.output, "HTML page", {html_view(inputs, options)});
  std::cout << "wrote " << flags.output << '\n';
}

// --from: the page of saved attentions (no neuron view: the files hold no queries and keys).
void run_html_from(const HtmlFlags& flags) {
  if (!flags.sentence.empty() || flags.pair || flags.compare || flags.vectors)
    throw Error(
        "--from draws saved attentions: it takes no sentence, --pair, --compare or "
        "--vectors (give --from twice to switch between two files)");
  if (std::any_of(flags.from.begin(), flags.from.end(),
                  [](const std::string& path) { return holds_attention_set(path); }))
    return run_html_from_set(flags);
  if (flags.attention)
    throw Error("--attention chooses among an encoder-decoder's attentions; --from " +
                flags.from[0] + " holds one self-attention");
  if (flags.from.size() > 2) throw Error("--from takes one file, or two to switch between");
  std::vector<AttentionFile> files;
  for (const auto& path : flags.from) files.push_back(read_attention_file(path));
  for (AttentionFile& file : files) {
    const AttentionKeep keep = extent_keep(flags.extent, file.attention.n);
    if (keep.everything()) continue;
    // The page's A − B aligns the tokens of two whole inputs.
    if (files.size() == 2) require_whole_input(keep, "--from twice");
    if (flags.words) require_whole_input(keep, "--words");
    file.attention = keep_attention(file.attention, keep);
  }
  const auto n = static_cast<std::size_t>(files[0].attention.n);  // cells, before --words
  std::vector<PageInput> pages;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const Encoding& encoding =
        flags.words ? words_encoding(files[i], flags.from[i]) : files[i].encoding;
    pages.push_back(page_input(flags, std::move(files[i].attention), encoding));
  }
  std::vector<HtmlInput> inputs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string text = files[i].text.empty() ? flags.from[i] : files[i].text;
    inputs.push_back({&pages[i].attention,
                      files.size() == 2 ? std::string(i == 0 ? "A: " : "B: ") + text : text,
                      pages[i].sentence_b_start, flags.rollout});
  }
  HtmlOptions options;
  options.title = page_title(flags, files[0].model);
  options.include_vectors = false;
  options.weight_bits = flags.weight_bits != 0 ? flags.weight_bits : (n > kLongInput ? 6 : 8);
  write_output_file(flags.output, "HTML page", {html_view(inputs, options)});
  std::cout << "wrote " << flags.output << '\n';
}

void run_html(const HtmlFlags& flags) {
  if (!flags.from.empty()) return run_html_from(flags);
  if (flags.vectors && flags.no_vectors) throw Error("--vectors and --no-vectors: pick one");
  if (flags.sentence.empty()) throw Error("give a sentence to look at (see attnviz html --help)");
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  const std::string sentence = text_argument(flags.sentence);
  std::vector<Encoding> encodings{session.encode(sentence, flags.pair)};
  if (flags.compare) encodings.push_back(session.encode(text_argument(*flags.compare)));
  if (flags.vectors && (flags.words || flags.rollout))
    throw Error(std::string("--vectors: the neuron view shows each token's query and key, which ") +
                (flags.words ? "--words" : "--rollout") + " pages do not have: leave out one");
  std::size_t longest = 0;
  for (const auto& encoding : encodings) longest = std::max(longest, encoding.size());
  AttendOptions attend;
  attend.keep = extent_keep(flags.extent, static_cast<int>(longest));
  if (flags.compare) require_whole_input(attend.keep, "--compare");
  if (flags.words) require_whole_input(attend.keep, "--words");
  const bool pooled = attend.keep.block > 1;
  const bool wanted = flags.vectors || (!flags.no_vectors && !flags.words && !flags.rollout &&
                                        !pooled && encodings[0].size() <= kLongInput);
  const bool vectors = wanted && session.model->info().queries_keys && !pooled;
  if (wanted && !vectors) {
    warn(pooled ? "this input is pooled into blocks of " + std::to_string(attend.keep.block) +
                      " tokens, and queries and keys cannot be: the page has no neuron view "
                      "(--window A:B of at most --blocks tokens has one)"
                : session.name +
                      " returns no query and key vectors (a TorchScript export): the "
                      "page has no neuron view");
  }
  attend.with_queries_keys = vectors;
  std::vector<Attention> attentions = session.attend(encodings, attend);
  session.warn_unknown_tokens();
  std::vector<PageInput> pages;
  for (std::size_t i = 0; i < attentions.size(); ++i)
    pages.push_back(page_input(flags, std::move(attentions[i]), encodings[i]));

  std::vector<HtmlInput> inputs{{&pages[0].attention, flags.compare ? "A: " + sentence : sentence,
                                 pages[0].sentence_b_start, flags.rollout}};
  if (flags.compare)
    inputs.push_back({&pages[1].attention, "B: " + *flags.compare, 0, flags.rollout});
  HtmlOptions options;
  options.title = page_title(flags, session.name);
  options.include_vectors = vectors;
  const auto cells = static_cast<std::size_t>(attend.keep.everything() ? encodings[0].size()
                                                                       : pages[0].attention.n);
  options.weight_bits = flags.weight_bits != 0 ? flags.weight_bits : (cells > kLongInput ? 6 : 8);
  write_output_file(flags.output, "HTML page", {html_view(inputs, options)});
  std::cout << "wrote " << flags.output << '\n';
}

}  // namespace

void add_html_command(CLI::App& app) {
  auto flags = std::make_shared<HtmlFlags>();
  CLI::App* command = app.add_subcommand("html",
                                         "Write one offline HTML page: head view, model view, "
                                         "heatmaps and neuron view (no network, no server)\n"
                                         "  e.g. attnviz html --model bert \"The animal didn't "
                                         "cross the street because it was too tired.\" -o it.html");
  add_model_flags(*command, flags->model);
  command->add_option("sentence", flags->sentence,
                      "The text to look at, or @FILE for the text of a file; e.g. @chapter.txt");
  add_pair_option(*command, flags->pair);
  command->add_option("--compare", flags->compare,
                      "Another sentence, switchable in the page; e.g. --compare \"... too wide.\"");
  command->add_flag("--vectors", flags->vectors,
                    "Store queries and keys for the neuron view (default up to 512 tokens); e.g. "
                    "--vectors");
  command->add_flag("--no-vectors", flags->no_vectors,
                    "Leave out queries and keys (no neuron view; smaller file); e.g. --no-vectors");
  command
      ->add_option("--weight-bits", flags->weight_bits,
                   "Bits per stored weight, 4-8 (default: 8, or 6 above 512 tokens); fewer make a "
                   "smaller file; e.g. --weight-bits 6")
      ->check(CLI::Range(4, 8));
  command->add_flag("--words", flags->words,
                    "Merge word pieces: attention to a word is the sum over its pieces, from a "
                    "word the mean (Clark et al.); no neuron view; e.g. --words");
  command->add_flag("--rollout", flags->rollout,
                    "Show attention rollout (Abnar & Zuidema) instead of the heads: layer N is the "
                    "rollout through layers 1 to N; no neuron view; e.g. --rollout");
  command->add_option("--from", flags->from,
                      "Saved attentions instead of a model run (as attnviz render reads them); "
                      "twice: a page that switches between the two; e.g. --from attention.npy");
  add_attention_option(*command, flags->attention, false);
  add_extent_options(*command, flags->extent);
  command->add_option("-o,--output", flags->output, "The .html file; e.g. -o it.html")
      ->capture_default_str();
  command->callback([flags] { run_html(*flags); });
}

}  // namespace attnviz::cli
