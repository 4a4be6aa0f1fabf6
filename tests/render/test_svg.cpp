// The SVG back end: a well-formed document, escaped text, compact cells, and the same display
// list as the PNG.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "attnviz/error.hpp"
#include "attnviz/render.hpp"
#include "attnviz/svg.hpp"
#include "fixtures.hpp"
#include "golden.hpp"

namespace attnviz {
namespace {

// A small XML well-formedness check: balanced tags, quoted attributes, no raw '<' or stray '&'
// in text or attribute values, only the five predefined entities or numeric references.
std::string xml_problem(const std::string& xml) {
  std::vector<std::string> open;
  auto entity_ok = [&](std::size_t amp) {
    static const std::regex entity("&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
    return std::regex_search(xml.begin() + amp, xml.begin() + std::min(xml.size(), amp + 12),
                             entity, std::regex_constants::match_continuous);
  };
  std::size_t i = 0;
  while (i < xml.size()) {
    if (xml[i] == '&' && !entity_ok(i)) return "bad entity at " + std::to_string(i);
    if (xml[i] != '<') {
      if (xml[i] == '>') return "raw '>' in text at " + std::to_string(i);
      ++i;
      continue;
    }
    if (xml.compare(i, 5, "<?xml") == 0) {
      i = xml.find("?>", i) + 2;
      continue;
    }
    const bool closing = xml[i + 1] == '/';
    std::size_t j = i + (closing ? 2 : 1);
    std::size_t name_end = xml.find_first_of(" \n/>", j);
    const std::string name = xml.substr(j, name_end - j);
    if (name.empty()) return "empty tag name at " + std::to_string(i);
    j = name_end;
    // Attributes: name="value" with the value free of '<' and raw '"'.
    while (j < xml.size() && xml[j] != '>' && !(xml[j] == '/' && xml[j + 1] == '>')) {
      if (xml[j] == ' ' || xml[j] == '\n') {
        ++j;
        continue;
      }
      const std::size_t eq = xml.find('=', j);
      if (eq == std::string::npos || xml[eq + 1] != '"')
        return "unquoted attribute in <" + name + ">";
      const std::size_t end = xml.find('"', eq + 2);
      for (std::size_t k = eq + 2; k < end; ++k) {
        if (xml[k] == '<') return "'<' in an attribute of <" + name + ">";
        if (xml[k] == '&' && !entity_ok(k)) return "bad entity in an attribute of <" + name + ">";
      }
      j = end + 1;
    }
    if (j >= xml.size()) return "unterminated tag <" + name + ">";
    const bool self_closing = xml[j] == '/';
    if (closing) {
      if (open.empty() || open.back() != name) return "mismatched </" + name + ">";
      open.pop_back();
    } else if (!self_closing) {
      open.push_back(name);
    }
    i = j + (self_closing ? 2 : 1);
  }
  return open.empty() ? "" : "unclosed <" + open.back() + ">";
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = haystack.find(needle); p != std::string::npos;
       p = haystack.find(needle, p + 1))
    ++n;
  return n;
}

TEST(RenderSvg, CheckerRejectsBrokenDocuments) {
  EXPECT_EQ(xml_problem("<svg><text x=\"1\">a &amp; b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a & b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text>a < b</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><text x=\"a\"b\">c</text></svg>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
}

TEST(RenderSvg, TokensWithMarkupCharactersAreEscaped) {
  const std::vector<std::string> tokens = {"<s>", "a&b", "\"q\"", "it's", "x>y", "bad\xff"};
  const auto m = test::attention_like(6, 1);
  FigureOptions o;
  o.title = "<title> & \"quotes\"";
  const std::string svg = to_svg(heatmap_figure(test::data_of(m, tokens, {}), o));
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find(">&lt;s&gt;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">a&amp;b</text>"), std::string::npos);
  EXPECT_NE(svg.find(">&quot;q&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">it&#39;s</text>"), std::string::npos);
  EXPECT_NE(svg.find(">&lt;title&gt; &amp; &quot;quotes&quot;</text>"), std::string::npos);
  EXPECT_NE(svg.find(">bad\u25A1</text>"), std::string::npos);  // invalid byte: box, still UTF-8
  EXPECT_EQ(svg.find("\xff"), std::string::npos);
}

TEST(RenderSvg, EveryTextItemIsSvgTextAndEveryFigureIsWellFormed) {
  const auto tokens = test::winograd_tokens();
  const auto a = test::attention_like(16, 4, 10, 2);
  const auto b = test::attention_like(16, 4, 10, 8);
  std::vector<float> d(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) d[i] = a[i] - b[i];
  HeatmapData causal = test::data_of(a, tokens, test::bert_special(16));
  causal.causal = true;
  GridData g;
  g.grid_rows = 2;
  g.grid_cols = 2;
  g.n = 16;
  g.tokens = {tokens, {}};
  g.panels = {a.data(), b.data(), a.data(), nullptr};
  const Panel pa{test::data_of(a, tokens, {}), "A"}, pb{test::data_of(b, tokens, {}), "B"},
      pd{test::data_of(d, tokens, {}), "A − B"};
  const std::vector<Figure> figures = {heatmap_figure(causal, {}), grid_figure(g, {}),
                                       pair_figure(pa, pb, {}), compare_figure(pa, pb, pd, {})};
  for (const Figure& f : figures) {
    const std::string svg = to_svg(f);
    EXPECT_EQ(xml_problem(svg), "");
    std::size_t texts = 0;
    for (const Item& item : f.items) texts += std::holds_alternative<Text>(item);
    EXPECT_EQ(count(svg, "<text "), texts);
    EXPECT_NE(svg.find("width=\"" + std::to_string(f.width) + "\" height=\"" +
                       std::to_string(f.height) + "\""),
              std::string::npos);
  }
  EXPECT_NE(to_svg(figures[0]).find("url(#attnviz-mask)"), std::string::npos);
}

TEST(RenderSvg, EqualNeighbouringCellsMergeIntoOneRun) {
  const int n = 200;
  std::vector<float> flat(static_cast<std::size_t>(n) * n, 0.5f);
  HeatmapData d = test::data_of(flat, test::long_tokens(n), {});
  FigureOptions o;
  o.vmin = 0.0f;
  o.vmax = 1.0f;
  const std::string svg = to_svg(heatmap_figure(d, o));
  // One colour: one path, one run per row, instead of 40000 rectangles.
  EXPECT_EQ(count(svg, "h200v1h-200z"), static_cast<std::size_t>(n));
  EXPECT_LT(svg.size(), 60000u);
}

TEST(RenderSvg, WriteToAnUnwritablePathNamesIt) {
  const Figure f =
      heatmap_figure(test::data_of(test::attention_like(4, 0), test::long_tokens(4), {}), {});
  try {
    write_svg(f, "/nonexistent-folder/x.svg");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-folder/x.svg"), std::string::npos);
  }
  const std::string path =
      (std::filesystem::temp_directory_path() / "attnviz_svg_test.svg").string();
  save_figure(f, path);
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  EXPECT_EQ(buffer.str(), to_svg(f));
}

// One display list, two back ends: an independent SVG renderer (librsvg) must draw the same
// picture as the PNG, cell for cell, with text differing only in antialiasing.
TEST(RenderSvg, RasterizedSvgAgreesWithThePng) {
  if (std::system("command -v rsvg-convert > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "rsvg-convert is not installed (Debian: apt-get install librsvg2-bin)";
  const auto m = test::attention_like(16, 4, 10, 2, true);
  HeatmapData d = test::data_of(m, test::winograd_tokens(), test::bert_special(16));
  d.causal = true;
  d.focus_row = 10;
  FigureOptions o;
  o.title = "Layer 10, Head 5 · bert-base-uncased";
  const Figure f = heatmap_figure(d, o);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string svg = (dir / "attnviz_agree.svg").string(),
                    png = (dir / "attnviz_agree.png").string();
  write_svg(f, svg);
  ASSERT_EQ(std::system(("rsvg-convert -o '" + png + "' '" + svg + "'").c_str()), 0);
  const Image theirs = test::read_png(png), ours = rasterize(f);
  ASSERT_EQ(theirs.width, ours.width);
  ASSERT_EQ(theirs.height, ours.height);

  const Cells* cells = nullptr;
  for (const Item& item : f.items)
    if (const auto* c = std::get_if<Cells>(&item); c && c->rows == 16 && c->cols == 16) cells = c;
  ASSERT_NE(cells, nullptr);
  for (int r = 0; r < 16; ++r) {
    for (int c = 0; c < r; ++c) {  // unmasked cells, away from the value text
      const int x = static_cast<int>(cells->x + c * cells->cell_w) + 3;
      const int y = static_cast<int>(cells->y + r * cells->cell_h) + 3;
      const Color a = ours.pixel(x, y), b = theirs.pixel(x, y);
      EXPECT_LE(std::abs(a.r - b.r) + std::abs(a.g - b.g) + std::abs(a.b - b.b), 3)
          << r << "," << c;
    }
  }
  long far = 0;
  for (int y = 0; y < ours.height; ++y) {
    for (int x = 0; x < ours.width; ++x) {
      const Color a = ours.pixel(x, y), b = theirs.pixel(x, y);
      far += std::max({std::abs(a.r - b.r), std::abs(a.g - b.g), std::abs(a.b - b.b)}) > 128;
    }
  }
  EXPECT_LT(far, static_cast<long>(ours.width) * ours.height / 50)
      << far << " pixels differ strongly";
}

}  // namespace
}  // namespace attnviz
