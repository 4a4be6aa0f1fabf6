#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"

// The analysis stage: pure functions on attention values. No torch, no drawing, no printing.
// Indices are 0-based; the CLI converts to the 1-based numbers a person sees. Every function
// validates its indices and the Attention's shape and throws attnviz::Error when they do not fit.
namespace attnviz {

// --- Reductions ---
// Results that are matrices over the same tokens are returned as an Attention, so that everything
// that draws or prints one head can draw them too.

// The mean of each layer's heads: layers = a.layers, heads = 1. Layer l, head 0 holds the
// element-wise mean of a's heads in layer l (what `--head mean` draws); cross attention stays cross
// attention (the same key tokens). Queries/keys are not
// carried over.
Attention mean_over_heads(const Attention& a);

// Attention rollout (Abnar & Zuidema, 2020): per layer, average the heads, add the identity (the
// residual connection) and renormalise each row to sum 1; then multiply through the layers. Result:
// layers = a.layers, heads = 1, where layer l holds the rollout through layers 0..l, i.e. R_0 = Â_0
// and R_l = Â_l · R_{l-1}. Row q of R_l says how much of token q's representation after layer l
// flows from each input token. Cross attention has none (its keys are not the queries' tokens):
// throws attnviz::Error saying so.
Attention attention_rollout(const Attention& a);

// --- Word-level attention (for `--words`) ---

// The tokens of each word, in order: a word is a token and the continuation pieces that follow it
// (their display starts with U+00B7, "·ing"); a template token ([CLS], [SEP]) is a word of its own.
std::vector<std::vector<int>> word_groups(const Encoding& encoding);

// Attention between words, as Clark et al. (2019) merge word pieces: the attention *to* a word is
// the sum over its pieces' columns, the attention *from* a word the mean over its pieces' rows, so
// rows still sum to 1. n = the number of words; tokens are the words as a person reads them (the
// pieces' display joined, "·" markers dropped); special and causal are carried over. Queries/keys
// are not. Throws attnviz::Error when the encoding does not match the attention's tokens.
Attention word_attention(const Attention& a, const Encoding& encoding);
// The same for cross attention (or self-attention, with one encoding twice): rows merged by the
// words of `queries` (the target's), columns by those of `keys` (the source's).
Attention word_attention(const Attention& a, const Encoding& queries, const Encoding& keys);

// The index of the word (word_groups) that holds a token; -1 for -1 (no token) or a token the
// encoding does not have.
int word_of_token(const Encoding& encoding, int token);

// --- Top attended keys (for `--print`) ---
struct KeyWeight {
  int key = 0;
  float weight = 0.0f;
};

struct TopKeysOptions {
  int k = 3;
  // Leave out template tokens ([CLS], [SEP]) as keys: in BERT they soak up much of the attention.
  bool skip_special = false;
};

// For every query row of one head: the keys with the largest weights, largest first, ties broken by
// the lower key index. At most k entries a row. For a causal model (a.causal) only keys at or
// before the query are candidates: later keys are masked, not attended to. Result has a.n rows.
std::vector<std::vector<KeyWeight>> top_keys(const Attention& a, int layer, int head,
                                             const TopKeysOptions& options = {});

// --- Locating words ---

// Finds `word` (one word, or several separated by spaces, e.g. "the trophy"; spaces around it are
// ignored) in `text`, case-insensitively (Unicode simple case mapping) and as a whole word (the
// characters either side of the match are not letters, digits or marks), and returns the indices of
// the tokens whose byte spans overlap the match, in order. Template tokens are never returned.
// `segment` selects the sentence of a pair encoding: only tokens with that type id are searched,
// and their spans index into `text` (an empty type_ids vector counts as all segment 0).
// `occurrence` (0-based) picks one match when the word occurs several times. Throws attnviz::Error,
// naming the word and the text, when the word is absent, when it occurs several times and no
// occurrence is given, when the occurrence does not exist, or when no token covers it (the text was
// cut to fit the model).
std::vector<int> find_word(const Encoding& encoding, std::string_view text, std::string_view word,
                           std::optional<int> occurrence = std::nullopt, int segment = 0);

// --- Aligning two sentences (for `--compare`) ---

// One position of the aligned sequence: the index of its token in sentence A and in sentence B, or
// -1 where that sentence has no counterpart.
struct AlignedPosition {
  int a = -1;
  int b = -1;
};

// Aligns two token sequences: tokens equal as strings are matched by a longest common subsequence;
// in each gap between matches the unmatched tokens are paired in order as substitutions ("tired"
// with "wide"), and what is left over in the longer side of a gap stays alone (the other index is
// -1). The result is monotone in both a and b and covers every token of both sequences exactly
// once.
std::vector<AlignedPosition> align_tokens(const std::vector<std::string>& a,
                                          const std::vector<std::string>& b);

// One head of A and B laid out on the common aligned positions, plus their difference, each as an
// Attention with layers = heads = 1 and n = alignment.size(), so each can be drawn like any head.
// Cell (i, j) of `a` is A's weight from query alignment[i].a to key alignment[j].a; where either
// index is -1 the cell is NaN, meaning "no counterpart" (mark the position absent in the render
// stage's AxisLabels, which draws its cells masked, never as zero).
// `difference` = a - b cell by cell, NaN where either is NaN. Token labels: the shared string for a
// match, "tired/wide" for a substitution, the one token for a position only one side has. `special`
// is set where either side's token is special; `causal` where both inputs are (the alignment is
// monotone, so the masked triangle stays the upper one).
struct AlignedHeads {
  Attention a;
  Attention b;
  Attention difference;
};
AlignedHeads align_heads(const Attention& a, const Attention& b,
                         const std::vector<AlignedPosition>& alignment, int layer, int head);

}  // namespace attnviz
