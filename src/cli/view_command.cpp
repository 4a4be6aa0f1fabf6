// The command users came for: `attnviz --model bert --layer 10 --head 5 "sentence"` draws heatmaps.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "attnviz/render.hpp"
#include "commands.hpp"
#include "figures.hpp"
#include "selection.hpp"
#include "session.hpp"

namespace attnviz::cli {
namespace {

struct ViewFlags {
  ModelFlags model;
  std::string sentence;
  std::string layer = "all";
  std::string head = "all";
  std::optional<std::string> pair;
  std::optional<std::string> compare;
  std::optional<std::string> focus;
  bool print = false;
  bool rollout = false;
  bool words = false;
  int top = 3;
  std::string colormap = "viridis";
  std::string values = "auto";
  std::string output;
};

// The row --focus outlines: the first piece of the word, looked for in sentence A, then in B of a
// pair.
int focus_row(const Encoding& encoding, const ViewFlags& flags) {
  if (!flags.focus) return -1;
  try {
    return find_word(encoding, flags.sentence, *flags.focus).front();
  } catch (const Error&) {
    if (!flags.pair) throw;
    return find_word(encoding, *flags.pair, *flags.focus, std::nullopt, 1).front();
  }
}

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

std::string default_output(const std::string& model_name, const Selection& selection,
                           bool compare) {
  return "attnviz-" + model_name + "-" + selection.file_stem() + (compare ? "-compare" : "") +
         ".png";
}

// --print: each query's most attended keys, as text.
void print_top_keys(const Attention& attention, const MatrixSource& source, int top,
                    const std::string& title) {
  TopKeysOptions options;
  options.k = top;
  const auto rows = top_keys(*source.attention, source.layer, source.head, options);
  std::size_t width = 0;
  for (const auto& token : attention.tokens) width = std::max(width, token.size());
  std::cout << title << ": top " << top << " keys per query\n";
  for (int q = 0; q < attention.n; ++q) {
    std::ostringstream line;
    line << attention.tokens[q] << std::string(width - attention.tokens[q].size(), ' ') << "  ->";
    for (const auto& key : rows[q]) {
      char weight[16];
      std::snprintf(weight, sizeof weight, "%.3f", key.weight);
      line << "  " << attention.tokens[key.key] << ' ' << weight;
    }
    std::cout << line.str() << '\n';
  }
}

void run_view(const ViewFlags& flags) {
  if (flags.compare && flags.pair) throw Error("--compare and --pair cannot be combined: pick one");
  const Session session = open_session(flags.model);
  const Selection selection =
      parse_selection(flags.layer, flags.head, session.model->info(), session.name);
  const bool one_matrix = !selection.all_layers && selection.heads != Selection::Heads::all;
  if (flags.rollout && (flags.compare || flags.print)) {
    throw Error(std::string("--rollout cannot be combined with ") +
                (flags.compare ? "--compare" : "--print"));
  }
  if (flags.rollout && selection.heads == Selection::Heads::one) {
    throw Error("--rollout averages every head of each layer: leave out --head");
  }
  if ((flags.compare || flags.print || (flags.focus && !flags.rollout)) && !one_matrix) {
    throw Error(std::string(flags.compare ? "--compare"
                            : flags.print ? "--print"
                                          : "--focus") +
                " works on one heatmap: pick --layer N with --head N or --head mean");
  }

  std::vector<Encoding> inputs{session.encode(flags.sentence, flags.pair)};
  if (flags.compare) inputs.push_back(session.encode(*flags.compare));
  std::vector<Attention> attentions = session.model->attend(inputs);
  session.warn_unknown_tokens();
  if (flags.words) {
    for (std::size_t i = 0; i < attentions.size(); ++i) {
      attentions[i] = word_attention(attentions[i], inputs[i]);
    }
  }

  FigureStyle style;
  style.model_name = session.name;
  style.colormap = flags.colormap;
  style.values = flags.values;
  const std::string title = selection.title() + " · " + session.name;
  const int focus = flags.words ? word_of_token(inputs[0], focus_row(inputs[0], flags))
                                : focus_row(inputs[0], flags);
  Figure figure;
  // --rollout through --layer N, or through the last layer when every layer is selected.
  const int rollout_layer =
      selection.all_layers ? session.model->info().layers - 1 : selection.layer;
  if (flags.rollout) {
    figure = rollout_view(attentions[0], rollout_layer, style, focus);
  } else if (flags.compare) {
    figure = compare_view(attentions[0], "A: " + shorten(flags.sentence), attentions[1],
                          "B: " + shorten(*flags.compare), selection, style, focus);
  } else if (one_matrix) {
    const MatrixSource source = matrix_source(attentions[0], selection);
    if (flags.print) print_top_keys(attentions[0], source, flags.top, title);
    if (flags.print && flags.output.empty()) return;
    figure = heatmap_view(source, selection, style, focus);
  } else {
    figure = grid_view(attentions[0], selection, style);
  }
  const std::string output =
      !flags.output.empty() ? flags.output
      : flags.rollout
          ? "attnviz-" + session.name + "-rollout-L" + std::to_string(rollout_layer + 1) + ".png"
          : default_output(session.name, selection, flags.compare.has_value());
  save_figure(figure, output);
  std::cout << "wrote " << output << '\n';
}

}  // namespace

void add_view_options(CLI::App& app) {
  auto flags = std::make_shared<ViewFlags>();
  add_model_flags(app, flags->model);
  app.add_option("sentence", flags->sentence, "The text to look at (quote it)");
  app.add_option("-l,--layer", flags->layer,
                 "Layer, numbered from 1 (\"Layer 10\" is transformers' attentions[9]), or all; "
                 "e.g. --layer 10")
      ->capture_default_str();
  app.add_option("--head", flags->head,
                 "Head, numbered from 1; mean (average of the layer's heads); or all (grid); e.g. "
                 "--head 5")
      ->capture_default_str();
  app.add_option(
      "--pair", flags->pair,
      "A second sentence, run as BERT's sentence pair: [CLS] A [SEP] B [SEP]; e.g. --pair "
      "\"It was tired.\"");
  app.add_option("--compare", flags->compare,
                 "Another sentence: draws A, B and A-B side by side, aligned by token; e.g. "
                 "--compare \"... because it was too wide.\"");
  app.add_option("--focus", flags->focus, "Outline the query row of this word; e.g. --focus it");
  app.add_flag("--print", flags->print,
               "Print each query's most attended keys as text (no picture unless -o is given); "
               "e.g. --print --top 5");
  app.add_flag("--rollout", flags->rollout,
               "Draw attention rollout (Abnar & Zuidema: heads averaged, plus the residual, "
               "multiplied through the layers) up to --layer N (default: the last); e.g. "
               "--rollout --layer 6");
  app.add_flag("--words", flags->words,
               "Merge word pieces: attention to a word is the sum over its pieces, from a word the "
               "mean (Clark et al.); e.g. --words");
  app.add_option("--top", flags->top, "How many keys --print lists per query; e.g. --top 5")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--cmap", flags->colormap, "Colour map; e.g. --cmap magma")
      ->check(CLI::IsMember({"viridis", "magma", "greys"}))
      ->capture_default_str();
  app.add_option("--values", flags->values,
                 "Print weights in cells: auto (when they fit), always, never; e.g. --values never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.add_option("-o,--output", flags->output,
                 "Picture to write: .png or .svg (default: attnviz-MODEL-L10-H5.png); e.g. "
                 "-o it.svg");
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
