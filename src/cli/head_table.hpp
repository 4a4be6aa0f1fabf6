#pragma once

#include <string>
#include <vector>

#include "attnviz/figure.hpp"
#include "attnviz/head_measures.hpp"

namespace attnviz::cli {

// One head's row of `attnviz heads` (heads.csv, heads.json; the notebook's heads()).
struct HeadRow {
  int layer = 0, head = 0;  // 1-based, as people see them
  HeadScores scores;
  HeadRoleResult role;
};

// Rows for layer-major scores (layer * heads + head), each with its role.
std::vector<HeadRow> head_rows(const std::vector<HeadScores>& scores, int layers, int heads);

// The roles in the atlas's legend order: role_rules(), then "mixed".
std::vector<std::string> role_names();
int role_index(HeadRole role);

// The head atlas: a layers x heads grid in each head's role colour ("Head roles · MODEL").
Figure head_atlas_view(const std::vector<HeadRow>& rows, int layers, int heads,
                       const std::string& model);

}  // namespace attnviz::cli
