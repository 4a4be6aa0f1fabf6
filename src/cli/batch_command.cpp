// `attnviz batch FILE`: Winograd-style pairs in, heatmaps per pair and a per-head summary out.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

#include "attnviz/analysis.hpp"
#include "attnviz/batch_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/output_file.hpp"
#include "attnviz/render.hpp"
#include "attnviz/winograd.hpp"
#include "commands.hpp"
#include "figures.hpp"
#include "progress.hpp"
#include "selection.hpp"
#include "session.hpp"
#include "view.hpp"
#include "winograd_summary_io.hpp"

namespace attnviz::cli {
namespace {

// Exit status when every good line was done but some lines were skipped.
constexpr int kExitSkippedLines = 3;

struct BatchFlags {
  ModelFlags model;
  std::string file;
  std::string output = "attnviz-batch";
  std::string layer;  // default: the last layer
  std::string head = "mean";
  int batch_size = 16;
  bool figures = true;
  bool words = false;  // --words: the figures' word pieces merged
  std::string colormap = "viridis";
};

struct PairResult {
  const WinogradItem* item = nullptr;
  Encoding encodings[2];
};

class BatchRun {
 public:
  BatchRun(const BatchFlags& flags, const Session& session, const Selection& selection)
      : flags_(flags), session_(session), selection_(selection) {
    summary_.model = session.name;
    style_.model_name = session.name;
    style_.colormap = flags.colormap;
  }

  // Runs a chunk of pairs as one batch of 2 x size sentences. Items that cannot be run are reported
  // and skipped.
  void run_chunk(const std::vector<const WinogradItem*>& chunk) {
    std::vector<PairResult> pairs;
    std::vector<Encoding> encodings;
    for (const WinogradItem* item : chunk) {
      try {
        PairResult pair{item,
                        {session_.encode(item->sentence_a), session_.encode(item->sentence_b)}};
        encodings.push_back(pair.encodings[0]);
        encodings.push_back(pair.encodings[1]);
        pairs.push_back(std::move(pair));
      } catch (const Error& e) {
        skip(*item, e.what());
      }
    }
    if (encodings.empty()) return;
    const std::vector<Attention> attentions = session_.model->attend(encodings);
    std::vector<FigureFile> figures;
    for (std::size_t p = 0; p < pairs.size(); ++p) {
      try {
        score_pair(pairs[p], attentions[2 * p], attentions[2 * p + 1], figures);
      } catch (const Error& e) {
        skip(*pairs[p].item, e.what());
      }
    }
    // Each figure on its own, in parallel: the model is idle meanwhile, so its threads are free.
    save_figures(figures, figure_threads());
  }

  void write_summary() const {
    if (summary_.pairs == 0)
      throw Error("no pair of " + flags_.file + " could be scored; nothing to summarise");
    write_output_text(output("summary.csv"), "summary table",
                      [&](std::ostream& out) { write_summary_csv(out, summary_); });
    write_output_text(output("summary.json"), "summary",
                      [&](std::ostream& out) { write_summary_json(out, summary_); });
    const std::vector<float> shares = summary_.share_matrix();
    HeatmapData data;
    data.matrix = MatrixView{shares.data(), summary_.layers, summary_.heads};
    for (int l = 0; l < summary_.layers; ++l)
      data.rows.text.push_back(std::to_string(one_based(l)));
    for (int h = 0; h < summary_.heads; ++h) data.cols.text.push_back(std::to_string(one_based(h)));
    FigureOptions options;
    options.title = "Share of sentences where the pronoun attends more to the right antecedent · " +
                    session_.name + " · " + std::to_string(summary_.sentences) + " sentences";
    options.x_title = "Head";
    options.y_title = "Layer";
    options.colorbar_label = "Share correct";
    options.colormap = flags_.colormap;
    save_figure(score_matrix_figure(data, options), output("summary.png"));
  }

  void print_best_heads(std::ostream& out) const {
    std::vector<std::pair<double, int>> ranked;
    for (int l = 0; l < summary_.layers; ++l)
      for (int h = 0; h < summary_.heads; ++h)
        ranked.emplace_back(summary_.share_correct(l, h), l * summary_.heads + h);
    std::sort(ranked.begin(), ranked.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    out << summary_.pairs << " pairs (" << summary_.sentences
        << " sentences) scored; heads where the pronoun most "
        << "often attends to the right antecedent:\n";
    for (std::size_t i = 0; i < std::min<std::size_t>(5, ranked.size()); ++i) {
      const int l = ranked[i].second / summary_.heads;
      const int h = ranked[i].second % summary_.heads;
      char share[16];
      std::snprintf(share, sizeof share, "%.0f%%", 100.0 * ranked[i].first);
      out << "  " << layer_title(l) << ", " << head_title(h) << ": " << share << '\n';
    }
    out << "wrote " << output("summary.csv") << ", summary.json, summary.png"
        << (flags_.figures ? " and 3 figures per pair" : "") << " in " << flags_.output << '\n';
  }

  int skipped() const { return skipped_; }
  void skip_line(const std::string& message) {
    warn(message);
    ++skipped_;
  }

 private:
  // Scores one pair into the summary, and adds its three figures to `figures`.
  void score_pair(const PairResult& pair, const Attention& a, const Attention& b,
                  std::vector<FigureFile>& figures) {
    const WinogradItem& item = *pair.item;
    const auto scores_a =
        candidate_attention(a, locate_winograd_words(pair.encodings[0], item.sentence_a, item));
    const auto scores_b =
        candidate_attention(b, locate_winograd_words(pair.encodings[1], item.sentence_b, item));
    add_pair(summary_, scores_a, item.correct_a, scores_b, item.correct_b);
    if (!flags_.figures) return;
    if (!flags_.words) return add_figures(item, a, b, figures);
    add_figures(item, word_attention(a, pair.encodings[0]), word_attention(b, pair.encodings[1]),
                figures);
  }

  // The pair's three figures (A, B, side by side) of the two sentences' attentions.
  void add_figures(const WinogradItem& item, const Attention& a, const Attention& b,
                   std::vector<FigureFile>& figures) const {
    const MatrixSource source_a = matrix_source(a, selection_);
    const MatrixSource source_b = matrix_source(b, selection_);
    const std::string title_a = "A: " + shorten(item.sentence_a);
    const std::string title_b = "B: " + shorten(item.sentence_b);
    figures.push_back({heatmap_view(source_a, selection_, style_, -1), output(item.id + "-a.png")});
    figures.push_back({heatmap_view(source_b, selection_, style_, -1), output(item.id + "-b.png")});
    figures.push_back({pair_view(source_a, title_a, source_b, title_b, selection_, style_),
                       output(item.id + "-pair.png")});
  }

  // As many as the model may use (--threads), else one per core.
  int figure_threads() const {
    if (flags_.model.threads > 0) return flags_.model.threads;
    return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  }

  void skip(const WinogradItem& item, const std::string& why) {
    skip_line(flags_.file + ":" + std::to_string(item.line) + ": " + why + " (skipped)");
  }

  std::string output(const std::string& name) const {
    return (std::filesystem::path(flags_.output) / name).string();
  }

  const BatchFlags& flags_;
  const Session& session_;
  Selection selection_;
  FigureStyle style_;
  WinogradSummary summary_;
  int skipped_ = 0;
};

int run_batch(const BatchFlags& flags) {
  const BatchFile file = read_batch_file(flags.file);
  if (file.items.empty() && file.bad_lines.empty()) {
    throw Error(flags.file + " holds no pairs; its format is described in examples/README.md");
  }
  const Session session = open_session(flags.model);
  const auto& info = session.model->info();
  const Selection selection =
      parse_selection(flags.layer.empty() ? std::to_string(info.layers) : flags.layer, flags.head,
                      info, session.name);
  if (selection.all_layers || selection.heads == Selection::Heads::all) {
    throw Error("batch draws one matrix per sentence: pick --layer N and --head N or --head mean");
  }
  std::error_code error;
  std::filesystem::create_directories(flags.output, error);
  if (error)
    throw Error("cannot create the output folder " + flags.output + ": " + error.message());

  if (info.causal) {
    warn(session.name +
         " is causal: a pronoun attends only to words before it, so where the deciding word comes "
         "after the pronoun (as in most Winograd pairs) both sentences give the same scores (see "
         "examples/README.md)");
  }
  BatchRun run(flags, session, selection);
  for (const BadLine& bad : file.bad_lines) {
    run.skip_line(flags.file + ":" + std::to_string(bad.line) + ": " + bad.message + " (skipped)");
  }
  Progress progress(static_cast<int>(file.items.size()), "pairs");
  progress.update(0);
  // Pairs of similar length run together, so a batch pads little; the summary does not depend on
  // order.
  std::vector<const WinogradItem*> items;
  for (const auto& item : file.items) items.push_back(&item);
  const auto length = [](const WinogradItem* item) {
    return std::max(item->sentence_a.size(), item->sentence_b.size());
  };
  std::stable_sort(items.begin(), items.end(),
                   [&](const auto* a, const auto* b) { return length(a) < length(b); });
  std::vector<const WinogradItem*> chunk;
  for (std::size_t i = 0; i < items.size(); ++i) {
    chunk.push_back(items[i]);
    if (static_cast<int>(chunk.size()) == flags.batch_size || i + 1 == items.size()) {
      run.run_chunk(chunk);
      chunk.clear();
      progress.update(static_cast<int>(i + 1));
    }
  }
  run.write_summary();
  session.warn_unknown_tokens();
  run.print_best_heads(std::cout);
  if (run.skipped() > 0) {
    warn(std::to_string(run.skipped()) + " line(s) of " + flags.file +
         " skipped; the others are in the summary");
    return kExitSkippedLines;
  }
  return 0;
}

}  // namespace

void add_batch_command(CLI::App& app) {
  auto flags = std::make_shared<BatchFlags>();
  CLI::App* command = app.add_subcommand(
      "batch",
      "Run a file of Winograd-style sentence pairs: heatmaps per pair, and per layer and head the "
      "share of\n"
      "  sentences where the pronoun attends more to the right antecedent (summary.csv, .json, "
      ".png).\n"
      "  The file format (TSV with a header, or JSONL) is described in examples/README.md.\n"
      "  e.g. attnviz batch examples/winograd_pairs.tsv --model bert --layer 10 --head 5 -o "
      "winograd/\n"
      "  Exit status: 0 all done, 3 done but some lines skipped (each reported with its line "
      "number), 1 error.");
  add_model_flags(*command, flags->model);
  command->add_option("file", flags->file, "The pairs: .tsv or .jsonl")->required();
  command
      ->add_option("-o,--output", flags->output,
                   "Folder for the figures and the summary; e.g. -o winograd/")
      ->capture_default_str();
  command->add_option(
      "-l,--layer", flags->layer,
      "Layer of the per-pair heatmaps, from 1 (default: the last); e.g. --layer 10");
  command
      ->add_option("--head", flags->head,
                   "Head of the per-pair heatmaps, from 1, or mean; e.g. --head 5")
      ->capture_default_str();
  command
      ->add_option("--batch-size", flags->batch_size,
                   "Pairs run through the model at once; e.g. --batch-size 32")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  command->add_flag("!--no-figures", flags->figures,
                    "Write only the summary, no heatmaps per pair; e.g. --no-figures");
  add_colormap_option(*command, flags->colormap);
  command->add_flag("--words", flags->words,
                    "Heatmaps of words, pieces merged: attention to a word is the sum over its "
                    "pieces, from a word the mean (Clark et al.); the scores stay per token; e.g. "
                    "--words");
  command->callback([flags] {
    const int status = run_batch(*flags);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace attnviz::cli
