// The command users came for: `attnviz --model bert --layer 10 --head 5 "sentence"` draws heatmaps.

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "commands.hpp"
#include "figures.hpp"
#include "options.hpp"
#include "seq2seq_run.hpp"
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
  // Encoder-decoders only.
  std::string ids;
  TargetFlags target;
  std::string attention = "cross";
};

// An encoder-decoder's heatmaps: one of its three attentions, rows the queries' tokens (cross: the
// target's), columns the keys' (cross: the source's).
void run_seq2seq_view(const ViewFlags& flags) {
  for (const auto& [given, name] :
       {std::pair{flags.pair.has_value(), "--pair"},
        std::pair{flags.compare.has_value(), "--compare"}, std::pair{flags.words, "--words"}}) {
    if (given) throw Error(std::string(name) + " is not available for encoder-decoder models");
  }
  const Seq2SeqSession session = open_seq2seq_session(flags.model);
  const Seq2SeqRun run = run_seq2seq(session, flags.sentence, flags.ids, flags.target);
  const Attention& attention = attention_named(run.attentions, flags.attention);
  const bool source_rows = flags.attention == "encoder";
  ModelInfo info;
  info.layers = attention.layers;
  info.heads = attention.heads;
  info.kv_heads = attention.heads;
  info.causal = attention.causal;
  const Selection selection = view_selection(flags.view, false, info, session.name);
  ViewInput input{&attention, flags.attention + " attention"};
  if (flags.view.focus) {
    const std::string& text = source_rows ? run.source_text : run.target_text;
    if (text.empty())
      throw Error("--focus looks for a word in the text; the " +
                  std::string(source_rows ? "source" : "target") + " was not given as text");
    const Encoding& rows = source_rows ? run.attentions.source : run.attentions.target;
    input.focus_row = focus_row(rows, text, std::nullopt, *flags.view.focus);
  }
  draw_view(flags.view, selection, session.name, input);
}

void run_view(const ViewFlags& flags) {
  if (names_seq2seq_model(flags.model)) return run_seq2seq_view(flags);
  if (!flags.ids.empty() || flags.target.target || !flags.target.target_ids.empty())
    throw Error("--ids, --target and --target-ids are for encoder-decoder models");
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
  app.add_option("--ids", flags->ids,
                 "Encoder-decoders: the source as comma-separated token ids instead of text; e.g. "
                 "--ids 363,19,1");
  add_target_options(app, flags->target);
  app.add_option("--attention", flags->attention,
                 "Encoder-decoders: which attention to draw: encoder (source to source), decoder "
                 "(target to earlier target) or cross (rows target, columns source); e.g. "
                 "--attention encoder")
      ->check(CLI::IsMember({"encoder", "decoder", "cross"}))
      ->capture_default_str();
  app.callback([&app, flags] {
    if (app.get_subcommands().empty()) {
      if (flags->sentence.empty() && flags->ids.empty())
        throw Error(
            "give a sentence to look at, e.g. attnviz --model bert --layer 10 --head 5 \"The "
            "animal didn't cross the street because it was too tired.\" (see --help)");
      run_view(*flags);
    }
  });
}

}  // namespace attnviz::cli
