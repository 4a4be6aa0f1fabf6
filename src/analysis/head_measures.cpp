#include "attnviz/head_measures.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <random>
#include <string_view>

#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A vocabulary string without its word-boundary marker: "##" (WordPiece), "Ġ" (byte-level BPE),
// "▁" (SentencePiece).
std::string_view without_marker(std::string_view token) {
  for (std::string_view marker : {"##", "\xC4\xA0", "\xE2\x96\x81"}) {
    if (token.rfind(marker, 0) == 0) return token.substr(marker.size());
  }
  return token;
}

bool is_punctuation(std::string_view token) {
  const auto text = without_marker(token);
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return c < 128 && std::ispunct(c) != 0;
  });
}

double entropy(const float* row, int keys) {
  double h = 0;
  for (int k = 0; k < keys; ++k) {
    if (row[k] > 0) h -= static_cast<double>(row[k]) * std::log(static_cast<double>(row[k]));
  }
  return h;
}

// Which keys each query of the input is compared with, the same for every head.
struct Keys {
  std::vector<bool> delimiter, punctuation;
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> segment;  // empty unless the input is a pair
};

Keys keys_of(const Attention& a, const Encoding& e) {
  if (static_cast<int>(e.size()) != a.n || e.special.size() != e.size() ||
      e.tokens.size() != e.size()) {
    throw Error("the encoding has " + std::to_string(e.size()) + " tokens but the attention " +
                std::to_string(a.n) + ": measure a head on the encoding it was computed from");
  }
  Keys keys;
  keys.ids = e.ids;
  for (int k = 0; k < a.n; ++k) {
    keys.delimiter.push_back(e.special[k] && k > 0);
    keys.punctuation.push_back(!e.special[k] && is_punctuation(e.tokens[k]));
  }
  const bool pair = e.type_ids.size() == e.size() &&
                    std::find(e.type_ids.begin(), e.type_ids.end(), 1) != e.type_ids.end();
  if (pair) keys.segment = e.type_ids;
  return keys;
}

HeadScores one_head(const float* head, int n, bool causal, const Keys& keys) {
  HeadScores s;
  s.fill(0.0);
  double tl_previous = 0, tl_duplicate = 0, tl_induction = 0, cross = 0;
  for (int q = 0; q < n; ++q) {
    const float* row = head + static_cast<std::size_t>(q) * n;
    const int visible = causal ? q + 1 : n;
    s[static_cast<int>(Measure::first)] += row[0];
    s[static_cast<int>(Measure::self)] += row[q];
    if (q > 0) {
      s[static_cast<int>(Measure::previous)] += row[q - 1];
      s[static_cast<int>(Measure::sink)] += row[0];
      tl_previous += row[q - 1];
    }
    if (q + 1 < n) s[static_cast<int>(Measure::next)] += row[q + 1];
    s[static_cast<int>(Measure::entropy)] += entropy(row, n);
    s[static_cast<int>(Measure::uniform_entropy)] += std::log(static_cast<double>(visible));
    s[static_cast<int>(Measure::confidence)] += *std::max_element(row, row + n);
    for (int k = 0; k < n; ++k) {
      if (keys.delimiter[k]) s[static_cast<int>(Measure::delimiter)] += row[k];
      if (keys.punctuation[k]) s[static_cast<int>(Measure::punctuation)] += row[k];
      if (!keys.segment.empty() && keys.segment[k] != keys.segment[q]) cross += row[k];
      // TransformerLens' patterns are lower-triangular and leave the token itself out.
      if (k < q && keys.ids[k] == keys.ids[q]) tl_duplicate += row[k];
      if (k >= 1 && k <= q && keys.ids[k - 1] == keys.ids[q]) tl_induction += row[k];
    }
  }
  for (const Measure m : {Measure::first, Measure::delimiter, Measure::punctuation, Measure::self,
                          Measure::entropy, Measure::uniform_entropy, Measure::confidence}) {
    s[static_cast<int>(m)] /= n;
  }
  // Queries that have a previous (next) token.
  s[static_cast<int>(Measure::previous)] =
      n > 1 ? s[static_cast<int>(Measure::previous)] / (n - 1) : kNaN;
  s[static_cast<int>(Measure::sink)] = n > 1 ? s[static_cast<int>(Measure::sink)] / (n - 1) : kNaN;
  s[static_cast<int>(Measure::next)] = n > 1 ? s[static_cast<int>(Measure::next)] / (n - 1) : kNaN;
  s[static_cast<int>(Measure::first_entropy)] = entropy(head, n);
  s[static_cast<int>(Measure::first_uniform_entropy)] =
      std::log(static_cast<double>(causal ? 1 : n));
  // TransformerLens' "mul" score: sum(A * pattern) / sum(A), where sum(A) = n (rows sum to 1).
  s[static_cast<int>(Measure::tl_previous)] = tl_previous / n;
  s[static_cast<int>(Measure::tl_duplicate)] = tl_duplicate / n;
  s[static_cast<int>(Measure::tl_induction)] = tl_induction / n;
  s[static_cast<int>(Measure::cross_segment)] = keys.segment.empty() ? kNaN : cross / n;
  s[static_cast<int>(Measure::prefix_matching)] = kNaN;
  return s;
}

}  // namespace

const std::array<const char*, kMeasureCount>& measure_names() {
  static const std::array<const char*, kMeasureCount> names = {
      "first",          "delimiter",
      "punctuation",    "self",
      "previous",       "next",
      "entropy",        "uniform_entropy",
      "first_entropy",  "first_uniform_entropy",
      "tl_previous",    "tl_duplicate",
      "tl_induction",   "sink",
      "confidence",     "cross_segment",
      "prefix_matching"};
  return names;
}

std::vector<HeadScores> head_scores(const Attention& a, const Encoding& encoding) {
  analysis_detail::check_square(a, "the head measures");
  const Keys keys = keys_of(a, encoding);
  std::vector<HeadScores> out;
  out.reserve(static_cast<std::size_t>(a.layers) * a.heads);
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) out.push_back(one_head(a.head(l, h), a.n, a.causal, keys));
  }
  return out;
}

std::vector<double> prefix_matching_scores(const Attention& a, int start, int period) {
  analysis_detail::check_square(a, "prefix matching");
  if (period < 1 || start < 0 || start + 2 * period > a.n) {
    throw Error("a repeat of " + std::to_string(period) + " tokens from token " +
                std::to_string(start) + " does not fit in " + std::to_string(a.n) + " tokens");
  }
  std::vector<double> out;
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      double sum = 0;
      for (int q = start + period; q < start + 2 * period; ++q)
        sum += a.at(l, h, q, q - period + 1);
      out.push_back(sum / period);
    }
  }
  return out;
}

std::vector<std::int64_t> random_token_ids(std::size_t vocab_size,
                                           const std::vector<std::int64_t>& excluded,
                                           std::size_t count, std::uint64_t seed) {
  std::vector<std::int64_t> pool;
  for (std::size_t id = 0; id < vocab_size; ++id) {
    const auto value = static_cast<std::int64_t>(id);
    if (std::find(excluded.begin(), excluded.end(), value) == excluded.end()) pool.push_back(value);
  }
  if (pool.empty()) throw Error("the vocabulary has no token that is not a special token");
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
  std::vector<std::int64_t> out(count);
  for (auto& id : out) id = pool[pick(random)];
  return out;
}

void HeadScoreMeans::add(const std::vector<HeadScores>& scores) {
  if (sums_.empty()) {
    HeadScores zero;
    zero.fill(0.0);
    sums_.assign(scores.size(), zero);
    counts_.assign(scores.size(), {});
  }
  if (scores.size() != sums_.size()) {
    throw Error("every input must have the same layers and heads (" + std::to_string(sums_.size()) +
                " heads, then " + std::to_string(scores.size()) + ")");
  }
  for (std::size_t i = 0; i < scores.size(); ++i) {
    for (std::size_t m = 0; m < kMeasureCount; ++m) {
      if (std::isnan(scores[i][m])) continue;
      sums_[i][m] += scores[i][m];
      ++counts_[i][m];
    }
  }
  ++inputs_;
}

std::vector<HeadScores> HeadScoreMeans::means() const {
  std::vector<HeadScores> out(sums_.size());
  for (std::size_t i = 0; i < sums_.size(); ++i) {
    for (std::size_t m = 0; m < kMeasureCount; ++m) {
      out[i][m] = counts_[i][m] > 0 ? sums_[i][m] / static_cast<double>(counts_[i][m]) : kNaN;
    }
  }
  return out;
}

const std::vector<RoleRule>& role_rules() {
  static const std::vector<RoleRule> rules = {
      {HeadRole::induction, "induction",
       "prefix_matching: weight on the token after the earlier copy", 0.3},
      {HeadRole::duplicate_token, "duplicate-token", "tl_duplicate: weight on earlier copies", 0.3},
      {HeadRole::previous_token, "previous-token", "previous: weight on the token before", 0.5},
      {HeadRole::next_token, "next-token", "next: weight on the token after", 0.5},
      {HeadRole::self, "self", "self: weight on the token itself", 0.5},
      {HeadRole::sink, "sink", "sink: weight on the first token ([CLS], BOS)", 0.5},
      {HeadRole::delimiter, "delimiter", "delimiter: weight on [SEP] and other template tokens",
       0.5},
      {HeadRole::punctuation, "punctuation", "punctuation: weight on punctuation", 0.3},
      {HeadRole::broad, "broad", "entropy / uniform_entropy: how evenly a row spreads", 0.8},
  };
  return rules;
}

const char* role_name(HeadRole role) {
  for (const auto& rule : role_rules()) {
    if (rule.role == role) return rule.name;
  }
  return "mixed";
}

double role_score(HeadRole role, const HeadScores& s) {
  const auto at = [&](Measure m) { return s[static_cast<int>(m)]; };
  switch (role) {
    case HeadRole::induction:
      return at(Measure::prefix_matching);
    case HeadRole::duplicate_token:
      return at(Measure::tl_duplicate);
    case HeadRole::previous_token:
      return at(Measure::previous);
    case HeadRole::next_token:
      return at(Measure::next);
    case HeadRole::self:
      return at(Measure::self);
    case HeadRole::sink:
      return at(Measure::sink);
    case HeadRole::delimiter:
      return at(Measure::delimiter);
    case HeadRole::punctuation:
      return at(Measure::punctuation);
    case HeadRole::broad:
      return at(Measure::uniform_entropy) > 0 ? at(Measure::entropy) / at(Measure::uniform_entropy)
                                              : kNaN;
    case HeadRole::mixed:
      return at(Measure::confidence);
  }
  return kNaN;
}

HeadRoleResult head_role(const HeadScores& scores) {
  for (const auto& rule : role_rules()) {
    const double score = role_score(rule.role, scores);
    if (!std::isnan(score) && score >= rule.threshold) return {rule.role, score};
  }
  return {HeadRole::mixed, role_score(HeadRole::mixed, scores)};
}

}  // namespace attnviz
