// `attnviz html`: one self-contained interactive page (head view, model view, heatmap, neuron
// view).
#include <algorithm>
#include <iostream>

#include "attnviz/error.hpp"
#include "attnviz/html_view.hpp"
#include "commands.hpp"
#include "session.hpp"

namespace attnviz::cli {
namespace {

struct HtmlFlags {
  ModelFlags model;
  std::string sentence;
  std::optional<std::string> pair;
  std::optional<std::string> compare;
  bool vectors = true;
  int weight_bits = 0;  // 0: 8 bits, 7 above 512 tokens
  std::string output = "attnviz-view.html";
};

void run_html(const HtmlFlags& flags) {
  if (flags.sentence.empty()) throw Error("give a sentence to look at (see attnviz html --help)");
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  std::vector<Encoding> encodings{session.encode(flags.sentence, flags.pair)};
  if (flags.compare) encodings.push_back(session.encode(*flags.compare));
  const bool vectors = flags.vectors && session.model->info().queries_keys;
  if (flags.vectors && !vectors) {
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
    const auto& type_ids = encodings[0].type_ids;
    inputs[0].sentence_b_start =
        static_cast<int>(std::find(type_ids.begin(), type_ids.end(), 1) - type_ids.begin());
  }
  HtmlOptions options;
  options.title = "attnviz · " + session.name;
  options.model_name = session.name;
  options.include_vectors = vectors;
  // Above 512 tokens a page of every head grows past tens of MB; 7 bits keeps GPT-2 at 1,024 under
  // 50 MB.
  options.weight_bits =
      flags.weight_bits != 0 ? flags.weight_bits : (attentions[0].n > 512 ? 7 : 8);
  write_html_file(flags.output, html_view(inputs, options));
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
  command->add_option("--pair", flags->pair, "A second sentence (BERT sentence pair)");
  command->add_option("--compare", flags->compare, "Another sentence, switchable in the page");
  command->add_flag("!--no-vectors", flags->vectors,
                    "Leave out queries and keys (no neuron view; smaller file)");
  command
      ->add_option("--weight-bits", flags->weight_bits,
                   "Bits per stored weight, 4-8 (default: 8, or 7 above 512 tokens); fewer make a "
                   "smaller file")
      ->check(CLI::Range(4, 8));
  command->add_option("-o,--output", flags->output, "The .html file")->capture_default_str();
  command->callback([flags] { run_html(*flags); });
}

}  // namespace attnviz::cli
