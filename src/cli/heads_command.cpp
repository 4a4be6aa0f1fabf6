// `attnviz heads`: what each head does, in numbers, over a corpus: heads.csv, heads.json, the head
// atlas and the per-layer profile.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <sstream>

#include <nlohmann/json.hpp>

#include "attnviz/alignment_measures.hpp"
#include "attnviz/attention_set_file.hpp"
#include "attnviz/corpus_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/head_measures.hpp"
#include "attnviz/output_file.hpp"
#include "attnviz/render.hpp"
#include "commands.hpp"
#include "head_table.hpp"
#include "progress.hpp"
#include "session.hpp"

namespace attnviz::cli {

extern const char* const kDefaultCorpus;  // examples/heads_corpus.txt, embedded at build time

namespace {

constexpr int kExitSkippedLines = 3;  // as batch: all done, but some lines were skipped
constexpr int kRepeatPeriod = 50;     // random tokens a repeated sequence repeats (Olsson et al.)
constexpr int kTopHeads = 3;          // heads listed per role in the summary

struct HeadsFlags {
  ModelFlags model;
  std::string corpus;
  std::string output = "attnviz-heads";
  int batch_size = 16;
  int repeats = 4;
  std::string from;  // an encoder-decoder's saved attentions instead of a model run
  int band = 1;      // --band: the diagonal band's half-width, in source tokens
};

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Timing {
  double forward = 0;   // the model's attend()
  double analysis = 0;  // head_scores and prefix_matching_scores
};

struct Input {
  const CorpusItem* item = nullptr;
  Encoding encoding;
};

// A token string such as [PAD], [unused3], <s>, <|endoftext|>: never drawn as a random token.
bool looks_special(const std::string& token) {
  return token.size() >= 2 && ((token.front() == '[' && token.back() == ']') ||
                               (token.front() == '<' && token.back() == '>'));
}

// Olsson et al.'s prefix matching per head: sequences of random non-special ids, each repeated
// once, in the model's template ([CLS] ... [SEP] for BERT, nothing around it for GPT-2). NaN where
// the model's positions leave no room for a repeat.
std::vector<double> prefix_matching(const Session& session, int repeats, Timing& timing) {
  const auto& info = session.model->info();
  const Encoding shape = session.tokenizer->encode("a");
  std::size_t prefix = 0, suffix = 0;
  while (prefix < shape.size() && shape.special[prefix]) ++prefix;
  while (suffix < shape.size() - prefix && shape.special[shape.size() - 1 - suffix]) ++suffix;
  const int period =
      std::min<int>(kRepeatPeriod, (info.max_positions - static_cast<int>(prefix + suffix)) / 2);
  const std::size_t heads = static_cast<std::size_t>(info.layers) * info.heads;
  if (period < 2 || repeats < 1) return std::vector<double>(heads, std::nan(""));

  std::vector<std::int64_t> excluded(shape.ids.begin(), shape.ids.begin() + prefix);
  excluded.insert(excluded.end(), shape.ids.end() - suffix, shape.ids.end());
  if (const auto unknown = session.tokenizer->unknown_id()) excluded.push_back(*unknown);
  const auto vocab = session.tokenizer->vocab_size();
  for (std::size_t id = 0; id < vocab; ++id) {
    if (looks_special(session.tokenizer->id_to_token(static_cast<std::int64_t>(id))))
      excluded.push_back(static_cast<std::int64_t>(id));
  }
  std::vector<Encoding> batch;
  for (int r = 0; r < repeats; ++r) {
    auto ids = random_token_ids(vocab, excluded, period, static_cast<std::uint64_t>(r));
    Encoding e;
    e.ids.assign(shape.ids.begin(), shape.ids.begin() + prefix);
    e.ids.insert(e.ids.end(), ids.begin(), ids.end());
    e.ids.insert(e.ids.end(), ids.begin(), ids.end());
    e.ids.insert(e.ids.end(), shape.ids.end() - suffix, shape.ids.end());
    for (std::size_t i = 0; i < e.ids.size(); ++i) {
      const bool special = i < prefix || i >= e.ids.size() - suffix;
      e.special.push_back(special);
      e.tokens.push_back(session.tokenizer->id_to_token(e.ids[i]));
      e.display.push_back(e.tokens.back());
      e.spans.push_back({});
      e.type_ids.push_back(0);
    }
    batch.push_back(std::move(e));
  }
  auto start = Clock::now();
  const auto attentions = session.model->attend(batch);
  timing.forward += seconds_since(start);
  start = Clock::now();
  std::vector<double> mean(heads, 0.0);
  for (const auto& a : attentions) {
    const auto scores = prefix_matching_scores(a, static_cast<int>(prefix), period);
    for (std::size_t i = 0; i < heads; ++i) mean[i] += scores[i] / repeats;
  }
  timing.analysis += seconds_since(start);
  return mean;
}

std::string number(double v) {
  if (std::isnan(v)) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.6f", v);
  return text;
}

void write_csv(const std::filesystem::path& path, const std::vector<HeadRow>& rows) {
  write_output_text(path.string(), "head table", [&](std::ostream& out) {
    out << "layer,head,role,role_score";
    for (const char* name : measure_names()) out << ',' << name;
    out << '\n';
    for (const auto& r : rows) {
      out << r.layer << ',' << r.head << ',' << role_name(r.role.role) << ','
          << number(r.role.score);
      for (const double v : r.scores) out << ',' << number(v);
      out << '\n';
    }
  });
}

// Per layer: the share of its heads in each role (columns in role_names() order).
std::vector<float> role_profile(const std::vector<HeadRow>& rows, int layers, int heads) {
  const auto roles = role_names().size();
  std::vector<float> share(static_cast<std::size_t>(layers) * roles, 0.0f);
  for (const auto& r : rows) {
    share[(r.layer - 1) * roles + role_index(r.role.role)] += 1.0f / static_cast<float>(heads);
  }
  return share;
}

nlohmann::json to_json(const std::string& model, const std::vector<HeadRow>& rows, int layers,
                       int heads, std::size_t inputs, std::size_t pairs, const Timing& timing) {
  const auto value = [](double v) { return std::isnan(v) ? nlohmann::json() : nlohmann::json(v); };
  nlohmann::json doc = {{"model", model},   {"layers", layers}, {"heads", heads},
                        {"inputs", inputs}, {"pairs", pairs},   {"repeat_period", kRepeatPeriod}};
  for (const auto& rule : role_rules()) {
    doc["roles"].push_back(
        {{"role", rule.name}, {"threshold", rule.threshold}, {"score", rule.description}});
  }
  for (const auto& r : rows) {
    nlohmann::json measures;
    for (std::size_t m = 0; m < kMeasureCount; ++m)
      measures[measure_names()[m]] = value(r.scores[m]);
    doc["head_measures"].push_back({{"layer", r.layer},
                                    {"head", r.head},
                                    {"role", role_name(r.role.role)},
                                    {"role_score", value(r.role.score)},
                                    {"measures", measures}});
  }
  const auto names = role_names();
  const auto share = role_profile(rows, layers, heads);
  for (int l = 0; l < layers; ++l) {
    nlohmann::json layer = {{"layer", l + 1}};
    for (std::size_t c = 0; c < names.size(); ++c)
      layer["role_share"][names[c]] = share[l * names.size() + c];
    doc["profile"].push_back(layer);
  }
  doc["seconds"] = {{"forward", timing.forward}, {"analysis", timing.analysis}};
  return doc;
}

void save_both(const Figure& figure, const std::filesystem::path& stem) {
  save_figures({{figure, stem.string() + ".png"}, {figure, stem.string() + ".svg"}}, 2);
}

void write_figures(const std::filesystem::path& dir, const std::string& model,
                   const std::vector<HeadRow>& rows, int layers, int heads) {
  save_both(head_atlas_view(rows, layers, heads, model), dir / "heads");

  const auto share = role_profile(rows, layers, heads);
  HeatmapData profile;
  profile.matrix = {share.data(), layers, static_cast<int>(role_names().size())};
  for (int l = 0; l < layers; ++l) profile.rows.text.push_back(std::to_string(l + 1));
  profile.cols.text = role_names();
  FigureOptions options;
  options.title = "Share of each layer's heads per role · " + model;
  options.x_title = "Role";
  options.y_title = "Layer";
  options.colorbar_label = "Share of heads";
  options.x_label_angle = 90.0f;
  save_both(score_matrix_figure(profile, options), dir / "profile");
}

void print_summary(std::ostream& out, const std::vector<HeadRow>& rows, std::size_t pairs) {
  for (const auto& rule : role_rules()) {
    std::vector<const HeadRow*> ranked;
    for (const auto& r : rows) {
      if (!std::isnan(role_score(rule.role, r.scores))) ranked.push_back(&r);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [&](const HeadRow* a, const HeadRow* b) {
      return role_score(rule.role, a->scores) > role_score(rule.role, b->scores);
    });
    const auto count = std::count_if(rows.begin(), rows.end(),
                                     [&](const HeadRow& r) { return r.role.role == rule.role; });
    out << rule.name << " (score >= " << rule.threshold << "): " << count << " head(s); top:";
    for (std::size_t i = 0; i < ranked.size() && i < static_cast<std::size_t>(kTopHeads); ++i) {
      char text[64];
      std::snprintf(text, sizeof text, " L%d H%d %.2f", ranked[i]->layer, ranked[i]->head,
                    role_score(rule.role, ranked[i]->scores));
      out << (i ? "," : "") << text;
    }
    out << '\n';
  }
  const auto mixed = std::count_if(rows.begin(), rows.end(),
                                   [](const HeadRow& r) { return r.role.role == HeadRole::mixed; });
  out << "mixed (no rule reached): " << mixed << " head(s)\n";
  if (pairs > 0) {
    double cross = 0;
    for (const auto& r : rows) cross += r.scores[static_cast<int>(Measure::cross_segment)];
    cross /= static_cast<double>(rows.size());
    char text[96];
    std::snprintf(text, sizeof text,
                  "sentence pairs: %.1f%% of attention stays within a sentence\n",
                  100.0 * (1.0 - cross));
    out << text;
  }
}

void create_folder(const std::filesystem::path& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error)
    throw Error("cannot create the output folder " + dir.string() + ": " + error.message());
}

// The cross attention's alignment measures, one row per head (cross/alignment.csv, .json).
void write_alignment(const std::filesystem::path& dir, const std::string& model,
                     const Attention& cross, int band) {
  const auto scores = alignment_scores(cross, band);
  write_output_text((dir / "alignment.csv").string(), "alignment table", [&](std::ostream& out) {
    out << "layer,head,diagonal,argmax_agreement,entropy,confidence\n";
    for (std::size_t i = 0; i < scores.size(); ++i) {
      const AlignmentScores& s = scores[i];
      out << i / cross.heads + 1 << ',' << i % cross.heads + 1 << ',' << number(s.diagonal) << ','
          << number(s.argmax_agreement) << ',' << number(s.entropy) << ',' << number(s.confidence)
          << '\n';
    }
  });
  nlohmann::json doc = {{"model", model},
                        {"layers", cross.layers},
                        {"heads", cross.heads},
                        {"band", band},
                        {"reference_alignment", mean_argmax_alignment(cross)}};
  for (std::size_t i = 0; i < scores.size(); ++i) {
    const AlignmentScores& s = scores[i];
    doc["head_measures"].push_back({{"layer", i / cross.heads + 1},
                                    {"head", i % cross.heads + 1},
                                    {"diagonal", s.diagonal},
                                    {"argmax_agreement", s.argmax_agreement},
                                    {"entropy", s.entropy},
                                    {"confidence", s.confidence}});
  }
  write_output_text((dir / "alignment.json").string(), "alignment report",
                    [&](std::ostream& out) { out << doc.dump(1) << '\n'; });
  // The most diagonal and the most model-agreeing heads, as the summary lists each role's.
  for (const auto& [name, value] :
       {std::pair{"diagonal", &AlignmentScores::diagonal},
        std::pair{"argmax_agreement", &AlignmentScores::argmax_agreement}}) {
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&, value = value](std::size_t a, std::size_t b) {
      return scores[a].*value > scores[b].*value;
    });
    std::cout << "cross " << name << ": top:";
    for (std::size_t i = 0; i < order.size() && i < static_cast<std::size_t>(kTopHeads); ++i) {
      char text[64];
      std::snprintf(text, sizeof text, " L%zu H%zu %.2f", order[i] / cross.heads + 1,
                    order[i] % cross.heads + 1, scores[order[i]].*value);
      std::cout << (i ? "," : "") << text;
    }
    std::cout << '\n';
  }
}

// --from: an encoder-decoder's saved run (attnviz dump). Its encoder's and decoder's heads measured
// as a model's are over a corpus, here over this one input (no prefix matching: that needs the
// model), in encoder/ and decoder/; its cross attention's alignment measures in cross/.
void run_heads_from(const HeadsFlags& flags) {
  if (!flags.corpus.empty())
    throw Error("--from measures the heads of one saved run: leave out --corpus");
  if (!holds_attention_set(flags.from))
    throw Error(
        "--from reads an encoder-decoder's attentions as attnviz dump writes them (an "
        ".npz of encoder, decoder and cross); " +
        flags.from + " is not one");
  const AttentionSetFile file = read_attention_set_file(flags.from);
  const std::filesystem::path dir(flags.output);
  for (const auto& [name, encoding] :
       {std::pair{"encoder", &file.source}, std::pair{"decoder", &file.target}}) {
    if (encoding->ids.empty())
      throw Error(flags.from + " has no token ids for the " + std::string(name) +
                  " (the head measures need the ids and special flags attnviz dump writes)");
    const Attention& a = attention_part(file.attentions, name);
    const std::vector<HeadRow> rows = head_rows(head_scores(a, *encoding), a.layers, a.heads);
    create_folder(dir / name);
    write_csv(dir / name / "heads.csv", rows);
    write_output_text((dir / name / "heads.json").string(), "head report", [&](std::ostream& out) {
      out << to_json(file.model, rows, a.layers, a.heads, 1, 0, Timing{}).dump(1) << '\n';
    });
    write_figures(dir / name, file.model + " " + name, rows, a.layers, a.heads);
    std::cout << name << ": " << a.layers << " layers x " << a.heads << " heads\n";
    print_summary(std::cout, rows, 0);
  }
  create_folder(dir / "cross");
  write_alignment(dir / "cross", file.model, attention_part(file.attentions, "cross"), flags.band);
  std::cout << "wrote " << (dir / "encoder").string() << "/, " << (dir / "decoder").string()
            << "/ (heads.csv, heads.json, heads.png/.svg, profile.png/.svg) and "
            << (dir / "cross" / "alignment.csv").string() << ", alignment.json\n";
}

int run_heads(const HeadsFlags& flags) {
  if (!flags.from.empty()) {
    run_heads_from(flags);
    return 0;
  }
  const std::string label = flags.corpus.empty() ? "examples/heads_corpus.txt" : flags.corpus;
  CorpusFile corpus;
  if (flags.corpus.empty()) {
    std::istringstream in(kDefaultCorpus);
    corpus = parse_corpus(in);
  } else {
    corpus = read_corpus_file(flags.corpus);
  }
  if (corpus.items.empty() && corpus.bad_lines.empty()) {
    throw Error(label + " holds no texts; write one text a line (format in examples/README.md)");
  }
  const Session session = open_session(flags.model);
  const auto& info = session.model->info();
  create_folder(flags.output);

  std::size_t skipped = 0;
  const auto skip = [&](std::size_t line, const std::string& message) {
    warn(label + ":" + std::to_string(line) + ": " + message + " (skipped)");
    ++skipped;
  };
  for (const BadLine& bad : corpus.bad_lines) skip(bad.line, bad.message);
  std::vector<Input> inputs;
  for (const auto& item : corpus.items) {
    try {
      inputs.push_back({&item, session.encode(item.text, item.pair)});
    } catch (const Error& e) {
      skip(item.line, e.what());
    }
  }
  // A model without token types refuses pairs: ask it once, and skip every pair if it does.
  const auto first_pair = std::find_if(inputs.begin(), inputs.end(),
                                       [](const Input& input) { return input.item->pair; });
  if (first_pair != inputs.end()) {
    try {
      session.model->attend({first_pair->encoding});
    } catch (const Error& e) {
      for (const auto& input : inputs) {
        if (input.item->pair) skip(input.item->line, e.what());
      }
      inputs.erase(std::remove_if(inputs.begin(), inputs.end(),
                                  [](const Input& input) { return input.item->pair.has_value(); }),
                   inputs.end());
    }
  }
  // Texts of similar length run together, so a batch pads little; the means do not depend on it.
  std::stable_sort(inputs.begin(), inputs.end(), [](const Input& a, const Input& b) {
    return a.encoding.size() < b.encoding.size();
  });

  Timing timing;
  HeadScoreMeans means;
  std::size_t pairs = 0;
  Progress progress(static_cast<int>(inputs.size()), "texts");
  progress.update(0);
  for (std::size_t begin = 0; begin < inputs.size(); begin += flags.batch_size) {
    const std::size_t end = std::min(inputs.size(), begin + flags.batch_size);
    std::vector<Encoding> batch;
    for (std::size_t i = begin; i < end; ++i) batch.push_back(inputs[i].encoding);
    auto start = Clock::now();
    const auto attentions = session.model->attend(batch);
    timing.forward += seconds_since(start);
    start = Clock::now();
    for (std::size_t i = 0; i < attentions.size(); ++i) {
      means.add(head_scores(attentions[i], batch[i]));
      pairs += inputs[begin + i].item->pair ? 1 : 0;
    }
    timing.analysis += seconds_since(start);
    progress.update(static_cast<int>(end));
  }
  if (means.inputs() == 0)
    throw Error("no text of " + label + " could be run; see the lines above");

  auto scores = means.means();
  const auto induction = prefix_matching(session, flags.repeats, timing);
  for (std::size_t i = 0; i < scores.size(); ++i)
    scores[i][static_cast<int>(Measure::prefix_matching)] = induction[i];
  const std::vector<HeadRow> rows = head_rows(scores, info.layers, info.heads);
  const std::filesystem::path dir(flags.output);
  write_csv(dir / "heads.csv", rows);
  write_output_text((dir / "heads.json").string(), "head report", [&](std::ostream& out) {
    out << to_json(session.name, rows, info.layers, info.heads, means.inputs(), pairs, timing)
               .dump(1)
        << '\n';
  });
  write_figures(dir, session.name, rows, info.layers, info.heads);
  session.warn_unknown_tokens();
  std::cout << session.name << ": " << info.layers << " layers x " << info.heads << " heads over "
            << means.inputs() << " texts of " << label << "\nwrote " << (dir / "heads.csv").string()
            << ", heads.json, heads.png/.svg and profile.png/.svg\n";
  print_summary(std::cout, rows, pairs);
  char text[128];
  std::snprintf(text, sizeof text, "time: forward passes %.3f s, analysis %.3f s (%.1f%%)",
                timing.forward, timing.analysis, 100.0 * timing.analysis / timing.forward);
  std::cerr << text << '\n';
  if (skipped > 0) {
    warn(std::to_string(skipped) + " line(s) of " + label + " skipped; the others are measured");
    return kExitSkippedLines;
  }
  return 0;
}

}  // namespace

void add_heads_command(CLI::App& app) {
  auto flags = std::make_shared<HeadsFlags>();
  CLI::App* command = app.add_subcommand(
      "heads",
      "What each head does, measured over a corpus: attention to [CLS]/[SEP]/punctuation/self/\n"
      "  previous/next token, entropy, induction and duplicate-token scores, sinks, confidence; a\n"
      "  role per head (heads.csv, heads.json, heads.png/.svg atlas, profile.png/.svg). Measures "
      "and\n"
      "  role thresholds are described in the README.\n"
      "  e.g. attnviz heads --model bert --corpus my_sentences.txt -o heads/\n"
      "  Exit status: 0 all done, 3 done but some lines skipped (each reported with its line "
      "number), 1 error.");
  add_model_flags(*command, flags->model);
  command->add_option("--corpus", flags->corpus,
                      "One text a line, or JSONL with \"text\" and optionally \"pair\" (default: "
                      "examples/heads_corpus.txt, built in); e.g. --corpus sentences.txt");
  command
      ->add_option("-o,--output", flags->output,
                   "Folder for heads.csv, heads.json and the figures; e.g. -o heads/")
      ->capture_default_str();
  command
      ->add_option("--batch-size", flags->batch_size,
                   "Texts run through the model at once; e.g. --batch-size 32")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  command
      ->add_option("--repeats", flags->repeats,
                   "Repeated random sequences for the induction score (0: none); e.g. --repeats 8")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  command->add_option("--from", flags->from,
                      "An encoder-decoder's saved attentions (attnviz dump's .npz) instead of a "
                      "model run: encoder/ and decoder/ measured as above over that input, and "
                      "cross/alignment.csv: per head the share of attention on the diagonal "
                      "band, agreement with the argmax alignment of the mean of all heads, "
                      "entropy and confidence; e.g. --from run.npz");
  command
      ->add_option("--band", flags->band,
                   "With --from: half-width of the diagonal band, in source tokens; e.g. --band 2")
      ->check(CLI::Range(0, 1000))
      ->capture_default_str();
  command->callback([flags] {
    const int status = run_heads(*flags);
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace attnviz::cli
