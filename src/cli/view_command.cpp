// The command users came for: `attnviz --model bert --layer 10 --head 5 "sentence"` draws heatmaps.
#include <algorithm>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "commands.hpp"
#include "figures.hpp"
#include "options.hpp"
#include "session.hpp"
#include "view.hpp"

namespace attnviz::cli {
namespace {

struct ViewFlags {
  ModelFlags model;
  std::string sentence;
  std::optional<std::string> pair;
  std::optional<std::string> compare;
  bool words = false;
  ViewOptions view;
};

// The index of the word (word_groups) that holds a token; -1 stays -1.
int word_of_token(const Encoding& encoding, int token) {
  if (token < 0) return token;
  const auto groups = word_groups(encoding);
  for (std::size_t w = 0; w < groups.size(); ++w) {
    if (std::find(groups[w].begin(), groups[w].end(), token) != groups[w].end())
      return static_cast<int>(w);
  }
  return -1;
}

void run_view(const ViewFlags& flags) {
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  const Selection selection =
      view_selection(flags.view, flags.compare.has_value(), session.model->info(), session.name);

  std::vector<Encoding> inputs{session.encode(flags.sentence, flags.pair)};
  if (flags.compare) inputs.push_back(session.encode(*flags.compare));
  std::vector<Attention> attentions = session.model->attend(inputs);
  session.warn_unknown_tokens();
  if (flags.words) {
    for (std::size_t i = 0; i < attentions.size(); ++i)
      attentions[i] = word_attention(attentions[i], inputs[i]);
  }

  ViewInput a{&attentions[0], "A: " + shorten(flags.sentence)};
  if (flags.view.focus) {
    a.focus_row = focus_row(inputs[0], flags.sentence, flags.pair, *flags.view.focus);
    if (flags.words) a.focus_row = word_of_token(inputs[0], a.focus_row);
  }
  std::optional<ViewInput> b;
  if (flags.compare) b = ViewInput{&attentions[1], "B: " + shorten(*flags.compare)};
  draw_view(flags.view, selection, session.name, a, b);
}

}  // namespace

void add_view_options(CLI::App& app) {
  auto flags = std::make_shared<ViewFlags>();
  add_model_flags(app, flags->model);
  app.add_option("sentence", flags->sentence, "The text to look at (quote it)");
  add_pair_option(app, flags->pair);
  app.add_option("--compare", flags->compare,
                 "Another sentence: draws A, B and A-B side by side, aligned by token; e.g. "
                 "--compare \"... because it was too wide.\"");
  app.add_flag("--words", flags->words,
               "Merge word pieces: attention to a word is the sum over its pieces, from a word the "
               "mean (Clark et al.); e.g. --words");
  add_view_display_options(app, flags->view);
  app.callback([&app, flags] {
    if (app.get_subcommands().empty()) {
      if (flags->sentence.empty())
        throw Error(
            "give a sentence to look at, e.g. attnviz --model bert --layer 10 --head 5 \"The "
            "animal didn't cross the street because it was too tired.\" (see --help)");
      run_view(*flags);
    }
  });
}

}  // namespace attnviz::cli
