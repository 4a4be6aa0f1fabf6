#include "figures.hpp"

#include <cmath>

#include "attnviz/analysis.hpp"
#include "attnviz/error.hpp"
#include "attnviz/render.hpp"

namespace attnviz::cli {
namespace {

// What the axes of an encoder-decoder's part hold: the source's tokens or the target's (the decoder
// input).
std::string part_axis(const std::string& part, bool keys) {
  const bool source = part == "encoder" || (part == "cross" && keys);
  return std::string(source ? "Source" : "Target") +
         (keys ? " key (attended to)" : " query (attending from)");
}

std::string part_title(const std::string& part) {
  return part == "encoder"   ? "Encoder self-attention"
         : part == "decoder" ? "Decoder self-attention"
                             : "Cross attention (target → source)";
}

FigureOptions options_for(const std::string& title, const FigureStyle& style) {
  FigureOptions options;
  options.title = title;
  if (!style.part.empty()) {
    options.x_title = part_axis(style.part, true);
    options.y_title = part_axis(style.part, false);
  }
  options.colormap = style.colormap;
  options.values = style.values == "always"  ? CellValues::always
                   : style.values == "never" ? CellValues::never
                                             : CellValues::automatic;
  return options;
}

std::string title_of(const Selection& selection, const FigureStyle& style) {
  return selection.title() + (style.part.empty() ? "" : " · " + part_title(style.part)) +
         (style.model_name.empty() ? "" : " · " + style.model_name) + style.extent;
}

// Every layer (rows) and head (columns) of attention, titled.
GridData titled_model_grid(const Attention& attention) {
  GridData grid = model_grid(attention);
  for (int l = 0; l < attention.layers; ++l)
    grid.row_titles.push_back(layer_title(attention.model_layer(l)));
  for (int h = 0; h < attention.heads; ++h)
    grid.col_titles.push_back(head_title(attention.model_head(h)));
  return grid;
}

// 8192 as "8,192".
std::string thousands(int value) {
  std::string digits = std::to_string(value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// The held index of the selection's layer or head, or an error saying the attention does not
// hold it.
int held_layer(const Attention& attention, int layer) {
  const int index = attention.layer_index(layer);
  if (index < 0) throw Error(layer_title(layer) + " was not kept by the model run");
  return index;
}
int held_head(const Attention& attention, int head) {
  const int index = attention.head_index(head);
  if (index < 0) throw Error(head_title(head) + " was not kept by the model run");
  return index;
}

// A grid of `count` panels as near square as it gets, wider than tall.
void square_grid(GridData& grid, int count) {
  grid.grid_cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count))));
  grid.grid_rows = (count + grid.grid_cols - 1) / grid.grid_cols;
  grid.panels.resize(static_cast<std::size_t>(grid.grid_rows * grid.grid_cols), nullptr);
  grid.panel_titles.resize(grid.panels.size());
}

// " · key/value heads shared by heads 1–3, 4–6, 7–9" for grouped-query models, else "".
std::string shared_key_value_heads(const Attention& attention) {
  const int group = attention.heads_per_kv;
  if (group <= 1) return "";
  std::string groups;
  for (int first = 0; first < attention.heads; first += group) {
    groups += (groups.empty() ? "" : ", ") + std::to_string(first + 1) + "–" +
              std::to_string(first + group);
  }
  return " · key/value heads shared by heads " + groups;
}

}  // namespace

std::string shorten(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // whole UTF-8 characters
  return text.substr(0, cut) + "…";
}

std::string extent_of(const Attention& attention) {
  if (!attention.reduced()) return "";
  const int last = attention.end_position();
  std::string extent = attention.first == 0 && last == attention.input_length()
                           ? " · " + thousands(last) + " tokens"
                           : " · --window " + std::to_string(attention.first) + ":" +
                                 std::to_string(last) + " of " +
                                 thousands(attention.input_length()) + " tokens";
  if (attention.block > 1) extent += " in blocks of " + std::to_string(attention.block);
  return extent;
}

MatrixSource matrix_source(const Attention& attention, const Selection& selection) {
  MatrixSource source;
  source.layer = held_layer(attention, selection.layer);
  if (selection.heads == Selection::Heads::mean) {
    source.attention = std::make_shared<const Attention>(mean_over_heads(attention));
    source.head = 0;
  } else {
    // Not owned: the caller's attention outlives the figure it draws.
    source.attention = std::shared_ptr<const Attention>(std::shared_ptr<void>(), &attention);
    source.head = held_head(attention, selection.head);
  }
  return source;
}

Figure heatmap_view(const MatrixSource& source, const Selection& selection,
                    const FigureStyle& style, int focus_row) {
  HeatmapData data = heatmap_data(*source.attention, source.matrix());
  data.window = source.attention->window(source.layer);
  data.focus_row = focus_row;
  return heatmap_figure(data, options_for(title_of(selection, style), style));
}

Figure rollout_view(const Attention& attention, int layer, const FigureStyle& style,
                    int focus_row) {
  const Attention rollout = attention_rollout(attention);
  HeatmapData data = heatmap_data(rollout, rollout.head(layer, 0));
  data.focus_row = focus_row;
  FigureOptions options = options_for(
      "Attention rollout through " + layer_title(layer) +
          (style.part.empty() ? "" : " · " + part_title(style.part)) + " · " + style.model_name,
      style);
  options.colorbar_label = "Rollout weight";
  return heatmap_figure(data, options);
}

Figure grid_view(const Attention& attention, const Selection& selection, const FigureStyle& style) {
  const bool mean = selection.heads == Selection::Heads::mean;
  const Attention means = mean ? mean_over_heads(attention) : Attention{};
  const Attention& source = mean ? means : attention;
  GridData grid;
  if (!selection.all_layers) {  // one layer, all heads
    grid = layer_grid(attention, held_layer(attention, selection.layer));
    grid.panel_titles.resize(grid.panels.size());
    for (int h = 0; h < attention.heads; ++h)
      grid.panel_titles[h] = head_title(attention.model_head(h));
  } else if (selection.heads ==
             Selection::Heads::all) {  // every layer and head: a static model view
    grid = titled_model_grid(attention);
  } else {  // every layer, one head or the mean
    const int head = mean ? 0 : held_head(attention, selection.head);
    grid = model_grid(attention);  // the shared parts; the panels are laid out anew
    grid.panels.clear();
    grid.panel_windows.clear();
    square_grid(grid, attention.layers);
    for (int l = 0; l < attention.layers; ++l) {
      grid.panels[l] = source.head(l, head);
      grid.panel_titles[l] = layer_title(attention.model_layer(l));
      if (!attention.windows.empty()) grid.panel_windows.push_back(attention.window(l));
    }
    if (!grid.panel_windows.empty()) grid.panel_windows.resize(grid.panels.size(), 0);
  }
  std::string title = title_of(selection, style);
  if (selection.heads == Selection::Heads::all) title += shared_key_value_heads(attention);
  return grid_figure(grid, options_for(title, style));
}

Figure sections_view(const AttentionSet& set, const FigureStyle& style) {
  std::vector<GridSection> sections;
  for (const NamedAttention& part : set) {
    GridSection section{part_title(part.name), titled_model_grid(part.attention),
                        part_axis(part.name, true), part_axis(part.name, false)};
    sections.push_back(std::move(section));
  }
  return sections_figure(sections, options_for("Model view · " + style.model_name, style));
}

Figure compare_view(const Attention& a, const std::string& title_a, const Attention& b,
                    const std::string& title_b, const Selection& selection,
                    const FigureStyle& style, int focus_row) {
  const MatrixSource source_a = matrix_source(a, selection);
  const MatrixSource source_b = matrix_source(b, selection);
  const auto alignment = align_tokens(a.tokens, b.tokens);
  const AlignedHeads aligned = align_heads(*source_a.attention, *source_b.attention, alignment,
                                           source_a.layer, source_a.head);
  int aligned_focus = -1;
  for (std::size_t i = 0; i < alignment.size(); ++i) {
    if (focus_row >= 0 && alignment[i].a == focus_row) aligned_focus = static_cast<int>(i);
  }
  // Positions a side has no token at hold NaN: drawn masked, as tokens without a counterpart.
  std::vector<bool> absent_a, absent_b, absent_either;
  for (const AlignedPosition& pos : alignment) {
    absent_a.push_back(pos.a < 0);
    absent_b.push_back(pos.b < 0);
    absent_either.push_back(pos.a < 0 || pos.b < 0);
  }
  const auto panel = [&](const Attention& matrix, const std::string& title,
                         const std::vector<bool>& absent) {
    Panel result{heatmap_data(matrix, matrix.head(0, 0)), title};
    result.data.rows.absent = result.data.cols.absent = absent;
    result.data.focus_row = aligned_focus;
    return result;
  };
  return compare_figure(panel(aligned.a, title_a, absent_a), panel(aligned.b, title_b, absent_b),
                        panel(aligned.difference, "A − B", absent_either),
                        options_for(title_of(selection, style), style));
}

Figure pair_view(const MatrixSource& a, const std::string& title_a, const MatrixSource& b,
                 const std::string& title_b, const Selection& selection, const FigureStyle& style) {
  return pair_figure(Panel{heatmap_data(*a.attention, a.matrix()), title_a},
                     Panel{heatmap_data(*b.attention, b.matrix()), title_b},
                     options_for(title_of(selection, style), style));
}

}  // namespace attnviz::cli
