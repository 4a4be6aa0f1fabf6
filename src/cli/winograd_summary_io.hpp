#pragma once

// The batch summary's files. Layers and heads are written 1-based, as a person reads them, so they
// are written here in cli (DESIGN: the one place that converts).

#include <ostream>

#include "attnviz/winograd.hpp"

namespace attnviz::cli {

// CSV, one row per layer and head, layer and head 1-based (as a person reads them), columns:
//   layer,head,sentences,correct,wrong,ties,share_correct,pairs,pairs_both_correct,mean_margin
// Shares and margins print with 6 significant digits; an undefined one (no sentences) is an empty
// field.
void write_summary_csv(std::ostream& out, const WinogradSummary& summary);

// JSON with the keys model, layers, heads, sentences, pairs, share_correct (one array per layer,
// one number per head) and heads_detail (one object per layer and head with the CSV's columns as
// keys). Layer and head are 1-based; an undefined share or margin is null.
void write_summary_json(std::ostream& out, const WinogradSummary& summary);

}  // namespace attnviz::cli
