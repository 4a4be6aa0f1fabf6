#include <algorithm>
#include <string>
#include <vector>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "checks.hpp"

namespace attnviz {

std::vector<std::vector<KeyWeight>> top_keys(const Attention& a, int layer, int head,
                                             const TopKeysOptions& options) {
  analysis_detail::check_layer_head(a, layer, head);
  if (options.k < 1) {
    throw Error("the number of top keys to show must be at least 1, not " +
                std::to_string(options.k));
  }
  const float* w = a.head(layer, head);
  std::vector<std::vector<KeyWeight>> rows(a.n);
  std::vector<KeyWeight> row;
  for (int q = 0; q < a.n; ++q) {
    row.clear();
    const int last_key = a.causal ? q : a.columns() - 1;
    for (int k = 0; k <= last_key; ++k) {
      if (options.skip_special && a.column_special()[k]) continue;
      row.push_back({k, w[static_cast<std::size_t>(q) * a.columns() + k]});
    }
    const auto take = std::min(row.size(), static_cast<std::size_t>(options.k));
    std::partial_sort(row.begin(), row.begin() + take, row.end(),
                      [](const KeyWeight& x, const KeyWeight& y) {
                        return x.weight != y.weight ? x.weight > y.weight : x.key < y.key;
                      });
    rows[q].assign(row.begin(), row.begin() + take);
  }
  return rows;
}

}  // namespace attnviz
