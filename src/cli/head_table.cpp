#include "head_table.hpp"

#include "attnviz/render.hpp"

namespace attnviz::cli {

std::vector<HeadRow> head_rows(const std::vector<HeadScores>& scores, int layers, int heads) {
  std::vector<HeadRow> rows;
  for (int l = 0; l < layers; ++l) {
    for (int h = 0; h < heads; ++h) {
      const HeadScores& s = scores.at(static_cast<std::size_t>(l) * heads + h);
      rows.push_back({l + 1, h + 1, s, head_role(s)});
    }
  }
  return rows;
}

std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (const auto& rule : role_rules()) names.push_back(rule.name);
  names.push_back(role_name(HeadRole::mixed));
  return names;
}

int role_index(HeadRole role) {
  const auto& rules = role_rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].role == role) return static_cast<int>(i);
  }
  return static_cast<int>(rules.size());  // mixed
}

Figure head_atlas_view(const std::vector<HeadRow>& rows, int layers, int heads,
                       const std::string& model) {
  HeadAtlasData atlas;
  atlas.layers = layers;
  atlas.heads = heads;
  atlas.category_names = role_names();
  for (const auto& r : rows) {
    atlas.category.push_back(role_index(r.role.role));
    atlas.score.push_back(static_cast<float>(r.role.score));
  }
  FigureOptions options;
  options.title = "Head roles · " + model;
  options.x_title = "Head";
  options.y_title = "Layer";
  return head_atlas_figure(atlas, options);
}

}  // namespace attnviz::cli
