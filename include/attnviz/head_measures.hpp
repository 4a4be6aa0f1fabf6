#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"

// What each head does, in numbers (`attnviz heads`): per-head measures the literature defines,
// their means over a corpus, and a role per head from one threshold table. Pure functions on
// Attention and Encoding values; 0-based layers and heads. The formulas are written out in the
// README ("What each head does").
namespace attnviz {

enum class Measure {
  first,        // Clark et al. 2019: mean over queries of the weight on key 0 ([CLS], BOS)
  delimiter,    // Clark et al.: mean over queries of the weight on template keys after 0 ([SEP])
  punctuation,  // Clark et al.: mean over queries of the weight on punctuation keys
  self,         // Clark et al.: mean over queries q of A[q][q]
  previous,     // Clark et al.: mean over queries q >= 1 of A[q][q-1]
  next,         // Clark et al.: mean over queries q <= n-2 of A[q][q+1]
  entropy,      // Clark et al.: mean over queries of -sum_k A[q][k] ln A[q][k] (nats)
  uniform_entropy,  // the same for uniform rows over the keys each query sees: ln n, or ln(q+1)
  first_entropy,    // Clark et al.: the entropy of row 0 ([CLS]'s attention)
  first_uniform_entropy,  // ln of the number of keys row 0 sees
  tl_previous,      // TransformerLens head_detector "previous_token_head" (mul, no exclusions)
  tl_duplicate,     // TransformerLens "duplicate_token_head"
  tl_induction,     // TransformerLens "induction_head"
  sink,             // Xiao et al. 2023: mean over queries q >= 1 of A[q][0]
  confidence,       // Voita et al. 2019: mean over queries of max_k A[q][k]
  cross_segment,    // Kovaleva et al. 2019: mean over queries of the weight on the other sentence
  prefix_matching,  // Olsson et al. 2022: on repeated random ids, see prefix_matching_scores
};
inline constexpr std::size_t kMeasureCount = 17;

// Snake-case names, as the CSV and JSON columns are called: "first", ..., "prefix_matching".
const std::array<const char*, kMeasureCount>& measure_names();

// One value per measure; NaN where a measure does not apply (cross_segment on a single sentence;
// prefix_matching until it is filled in).
using HeadScores = std::array<double, kMeasureCount>;

// Every head's measures for one input, layer-major: index layer * a.heads + head. cross_segment is
// NaN unless the encoding holds two sentences (type ids 0 and 1); prefix_matching is NaN. Throws
// attnviz::Error when the encoding does not match the attention's tokens.
std::vector<HeadScores> head_scores(const Attention& a, const Encoding& encoding);

// Olsson et al.'s induction "prefix matching" score of every head (layer-major) on a sequence whose
// tokens start..start+period-1 are repeated at start+period..start+2*period-1: the mean over the
// queries q of the repeat of A[q][q - period + 1], the weight on the token after the query's
// earlier occurrence. Throws attnviz::Error when the repeat does not fit in a.n or period < 1.
std::vector<double> prefix_matching_scores(const Attention& a, int start, int period);

// count ids drawn uniformly from [0, vocab_size) without the excluded ones (special tokens), with a
// seeded std::mt19937_64, so that every run draws the same ones. Throws attnviz::Error when no id
// is left to draw.
std::vector<std::int64_t> random_token_ids(std::size_t vocab_size,
                                           const std::vector<std::int64_t>& excluded,
                                           std::size_t count, std::uint64_t seed);

// The mean of each head's scores over the inputs added; a NaN value is left out of its measure's
// mean (cross_segment is averaged over the pairs only, NaN when there were none).
class HeadScoreMeans {
 public:
  void add(const std::vector<HeadScores>& scores);
  std::vector<HeadScores> means() const;
  std::size_t inputs() const { return inputs_; }

 private:
  std::vector<HeadScores> sums_;
  std::vector<std::array<std::size_t, kMeasureCount>> counts_;
  std::size_t inputs_ = 0;
};

// --- Roles ---
enum class HeadRole {
  induction,
  duplicate_token,
  previous_token,
  next_token,
  self,
  sink,
  delimiter,
  punctuation,
  broad,
  mixed
};

// One row of the role table: a head takes the role of the first row whose score reaches its
// threshold (rows in order); a head that reaches none is "mixed".
struct RoleRule {
  HeadRole role;
  const char* name;         // "induction", "previous-token", ...
  const char* description;  // what the score is, for the README and the legend
  double threshold;
};
const std::vector<RoleRule>& role_rules();
const char* role_name(HeadRole role);

// The score a rule looks at, from a head's means: for broad, entropy / uniform_entropy; else one
// measure. NaN where the measure is NaN.
double role_score(HeadRole role, const HeadScores& scores);

struct HeadRoleResult {
  HeadRole role = HeadRole::mixed;
  double score = 0;  // role_score of the role; for mixed, the confidence
};
HeadRoleResult head_role(const HeadScores& scores);

}  // namespace attnviz
