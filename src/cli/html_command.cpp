// `attnviz html`: one self-contained interactive page (head view, model view, heatmap, neuron
// view).
#include <algorithm>
#include <iostream>

#include "attnviz/attention_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/html_view.hpp"
#include "attnviz/output_file.hpp"
#include "commands.hpp"
#include "options.hpp"
#include "session.hpp"

namespace attnviz::cli {
namespace {

struct HtmlFlags {
  ModelFlags model;
  std::string sentence;
  std::optional<std::string> pair;
  std::optional<std::string> compare;
  bool vectors = false;           // --vectors
  bool no_vectors = false;        // --no-vectors; neither: vectors up to kLongInput tokens
  int weight_bits = 0;            // 0: 8 bits, 6 above kLongInput tokens
  std::vector<std::string> from;  // saved attentions instead of a model run
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

// --from: the page of saved attentions (no neuron view: the files hold no queries and keys).
void run_html_from(const HtmlFlags& flags) {
  if (!flags.sentence.empty() || flags.pair || flags.compare || flags.vectors)
    throw Error(
        "--from draws saved attentions: it takes no sentence, --pair, --compare or "
        "--vectors (give --from twice to switch between two files)");
  if (flags.from.size() > 2) throw Error("--from takes one file, or two to switch between");
  std::vector<AttentionFile> files;
  for (const auto& path : flags.from) files.push_back(read_attention_file(path));
  std::vector<HtmlInput> inputs;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::string text = files[i].text.empty() ? flags.from[i] : files[i].text;
    inputs.push_back({&files[i].attention,
                      files.size() == 2 ? std::string(i == 0 ? "A: " : "B: ") + text : text,
                      sentence_b_start(files[i].encoding.type_ids)});
  }
  HtmlOptions options;
  options.title = "attnviz · " + files[0].model;
  options.model_name = files[0].model;
  options.include_vectors = false;
  const auto n = static_cast<std::size_t>(files[0].attention.n);
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
  std::vector<Encoding> encodings{session.encode(flags.sentence, flags.pair)};
  if (flags.compare) encodings.push_back(session.encode(*flags.compare));
  const bool wanted = flags.vectors || (!flags.no_vectors && encodings[0].size() <= kLongInput);
  const bool vectors = wanted && session.model->info().queries_keys;
  if (wanted && !vectors) {
    warn(session.name +
         " returns no query and key vectors (a TorchScript export): the page has no neuron view");
  }
  AttendOptions attend;
  attend.with_queries_keys = vectors;
  const std::vector<Attention> attentions = session.model->attend(encodings, attend);
  session.warn_unknown_tokens();

  std::vector<HtmlInput> inputs{
      {&attentions[0], flags.compare ? "A: " + flags.sentence : flags.sentence}};
  if (flags.compare) inputs.push_back({&attentions[1], "B: " + *flags.compare});
  if (flags.pair) {
    inputs[0].sentence_b_start = sentence_b_start(encodings[0].type_ids);
  }
  HtmlOptions options;
  options.title = "attnviz · " + session.name;
  options.model_name = session.name;
  options.include_vectors = vectors;
  options.weight_bits =
      flags.weight_bits != 0 ? flags.weight_bits : (encodings[0].size() > kLongInput ? 6 : 8);
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
  command->add_option("sentence", flags->sentence, "The text to look at");
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
  command->add_option("--from", flags->from,
                      "Saved attentions instead of a model run (as attnviz render reads them); "
                      "twice: a page that switches between the two; e.g. --from attention.npy");
  command->add_option("-o,--output", flags->output, "The .html file; e.g. -o it.html")
      ->capture_default_str();
  command->callback([flags] { run_html(*flags); });
}

}  // namespace attnviz::cli
