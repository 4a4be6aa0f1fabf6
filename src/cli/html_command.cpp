// `attnviz html`: one self-contained interactive page (head view, model view, heatmap, neuron
// view).
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
  std::string output = "attnviz-view.html";
};

void run_html(const HtmlFlags& flags) {
  if (flags.sentence.empty()) throw Error("give a sentence to look at (see attnviz html --help)");
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  std::vector<Encoding> encodings{session.encode(flags.sentence, flags.pair)};
  if (flags.compare) encodings.push_back(session.encode(*flags.compare));
  AttendOptions attend;
  attend.with_queries_keys = flags.vectors;
  const std::vector<Attention> attentions = session.model->attend(encodings, attend);

  std::vector<HtmlInput> inputs{
      {&attentions[0], flags.compare ? "A: " + flags.sentence : flags.sentence}};
  if (flags.compare) inputs.push_back({&attentions[1], "B: " + *flags.compare});
  HtmlOptions options;
  options.title = "attnviz · " + session.name;
  options.model_name = session.name;
  options.include_vectors = flags.vectors;
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
  command->add_option("-o,--output", flags->output, "The .html file")->capture_default_str();
  command->callback([flags] { run_html(*flags); });
}

}  // namespace attnviz::cli
