// The command users came for: `attnviz --model bert --layer 10 --head 5 "sentence"` draws heatmaps.

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

void run_view(const ViewFlags& flags) {
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  const Selection selection =
      view_selection(flags.view, flags.compare.has_value(), session.model->info(), session.name);

  const std::string sentence = text_argument(flags.sentence);
  std::vector<Encoding> inputs{session.encode(sentence, flags.pair)};
  if (flags.compare) inputs.push_back(session.encode(text_argument(*flags.compare)));
  // Only what is drawn is kept: one head of a long input is one matrix, not every layer's.
  AttendOptions attend;
  std::size_t longest = 0;
  for (const auto& input : inputs) longest = std::max(longest, input.size());
  attend.keep = view_keep(flags.view, selection, static_cast<int>(longest));
  if (flags.compare) require_whole_input(attend.keep, "--compare");
  if (flags.words) require_whole_input(attend.keep, "--words");
  if (flags.view.print) require_tokens(attend.keep, "--print");
  std::vector<Attention> attentions = session.attend(inputs, attend);
  session.warn_unknown_tokens();
  if (flags.words) {
    for (std::size_t i = 0; i < attentions.size(); ++i)
      attentions[i] = word_attention(attentions[i], inputs[i]);
  }

  ViewInput a{&attentions[0], "A: " + shorten(sentence)};
  if (flags.view.focus) {
    a.focus_row = focus_row(inputs[0], sentence, flags.pair, *flags.view.focus);
    a.focus_row =
        flags.words ? word_of_token(inputs[0], a.focus_row) : kept_row(attentions[0], a.focus_row);
  }
  std::optional<ViewInput> b;
  if (flags.compare) b = ViewInput{&attentions[1], "B: " + shorten(*flags.compare)};
  draw_view(flags.view, selection, session.name, a, b);
}

}  // namespace

void add_view_options(CLI::App& app) {
  auto flags = std::make_shared<ViewFlags>();
  add_model_flags(app, flags->model);
  app.add_option("sentence", flags->sentence,
                 "The text to look at (quote it), or @FILE for the text of a file; e.g. "
                 "@chapter.txt");
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
