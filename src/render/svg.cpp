#include "attnviz/svg.hpp"

#include <cstdio>
#include <map>

#include "attnviz/error.hpp"
#include "attnviz/markup.hpp"
#include "attnviz/output_file.hpp"

namespace attnviz {
namespace {

// Shortest decimal with at most two fractional digits: coordinates are on a pixel grid.
std::string num(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", static_cast<double>(v));
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

std::string hex(Color c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", c.r, c.g, c.b);
  return buf;
}

// fill="..." plus fill-opacity when the colour is translucent.
std::string paint(const char* attribute, Color c) {
  std::string s = std::string(" ") + attribute + "=\"" + hex(c) + "\"";
  if (c.a != 255) s += std::string(" ") + attribute + "-opacity=\"" + num(c.a / 255.0f) + "\"";
  return s;
}

void write(std::string& out, const Rect& r) {
  if (r.fill.a) {
    const float sw = r.stroke.a ? r.stroke_width : 0;
    out += "<rect x=\"" + num(r.x + sw) + "\" y=\"" + num(r.y + sw) + "\" width=\"" +
           num(r.w - 2 * sw) + "\" height=\"" + num(r.h - 2 * sw) + "\"" + paint("fill", r.fill) +
           "/>\n";
  }
  if (r.stroke.a && r.stroke_width > 0) {
    const float half = r.stroke_width / 2;  // SVG centres strokes on the edge; ours lie inside
    out += "<rect x=\"" + num(r.x + half) + "\" y=\"" + num(r.y + half) + "\" width=\"" +
           num(r.w - r.stroke_width) + "\" height=\"" + num(r.h - r.stroke_width) +
           "\" fill=\"none\"" + paint("stroke", r.stroke) + " stroke-width=\"" +
           num(r.stroke_width) + "\"/>\n";
  }
}

void write(std::string& out, const Text& t) {
  out += "<text x=\"" + num(t.x) + "\" y=\"" + num(t.y) + "\" font-size=\"" + num(t.size) + "\"" +
         paint("fill", t.color);
  if (t.anchor == Anchor::middle) out += " text-anchor=\"middle\"";
  if (t.anchor == Anchor::end) out += " text-anchor=\"end\"";
  if (t.weight == FontWeight::bold) out += " font-weight=\"bold\"";
  if (t.italic) out += " font-style=\"oblique\"";
  if (t.angle_deg != 0)
    out += " transform=\"rotate(" + num(-t.angle_deg) + " " + num(t.x) + " " + num(t.y) + ")\"";
  out += ">" + escape_markup(drawable_text(t.text)) + "</text>\n";
}

std::uint32_t key(Color c) {
  return (std::uint32_t{c.r} << 24) | (std::uint32_t{c.g} << 16) | (std::uint32_t{c.b} << 8) | c.a;
}

// One path per colour; each run of equal cells in a row is one rectangle, in cell units.
void write(std::string& out, const Cells& cells) {
  std::map<std::uint32_t, std::string> paths;
  std::map<std::uint32_t, Color> colors;
  std::string masked;
  auto is_masked = [&](std::size_t k) { return !cells.masked.empty() && cells.masked[k]; };
  for (int row = 0; row < cells.rows; ++row) {
    const std::size_t base = static_cast<std::size_t>(row) * cells.cols;
    for (int col = 0; col < cells.cols;) {
      int end = col + 1;
      const bool m = is_masked(base + col);
      const Color c = cells.colors[base + col];
      while (end < cells.cols && is_masked(base + end) == m && (m || cells.colors[base + end] == c))
        ++end;
      const int run = end - col;
      if (m) {
        // Absolute units, so the hatch pattern has the same scale as in the PNG.
        masked += "M" + num(cells.x + col * cells.cell_w) + " " +
                  num(cells.y + row * cells.cell_h) + "h" + num(run * cells.cell_w) + "v" +
                  num(cells.cell_h) + "h" + num(-run * cells.cell_w) + "z";
      } else {
        colors[key(c)] = c;
        paths[key(c)] += "M" + std::to_string(col) + " " + std::to_string(row) + "h" +
                         std::to_string(run) + "v1h-" + std::to_string(run) + "z";
      }
      col = end;
    }
  }
  out += "<g transform=\"translate(" + num(cells.x) + " " + num(cells.y) + ") scale(" +
         num(cells.cell_w) + " " + num(cells.cell_h) + ")\" shape-rendering=\"crispEdges\">\n";
  for (const auto& [k, d] : paths)
    out += "<path" + paint("fill", colors[k]) + " d=\"" + d + "\"/>\n";
  out += "</g>\n";
  if (!masked.empty())
    out +=
        "<path fill=\"url(#attnviz-mask)\" shape-rendering=\"crispEdges\" d=\"" + masked + "\"/>\n";
}

}  // namespace

std::string to_svg(const Figure& figure) {
  if (figure.width <= 0 || figure.height <= 0)
    throw Error("cannot write a figure of size " + std::to_string(figure.width) + "x" +
                std::to_string(figure.height) + " as SVG: it has no area");
  const std::string w = std::to_string(figure.width), h = std::to_string(figure.height);
  const std::string s = std::to_string(kMaskHatchSpacing);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + w + "\" height=\"" +
         h + "\" viewBox=\"0 0 " + w + " " + h + "\" xml:space=\"preserve\">\n";
  out += "<defs><pattern id=\"attnviz-mask\" patternUnits=\"userSpaceOnUse\" width=\"" + s +
         "\" height=\"" + s + "\"><rect width=\"" + s + "\" height=\"" + s + "\"" +
         paint("fill", kMaskBackground) + "/><path d=\"M-1 1L1 -1M0 " + s + "L" + s + " 0M" +
         std::to_string(kMaskHatchSpacing - 1) + " " + std::to_string(kMaskHatchSpacing + 1) + "L" +
         std::to_string(kMaskHatchSpacing + 1) + " " + std::to_string(kMaskHatchSpacing - 1) +
         "\"" + paint("stroke", kMaskHatch) + " stroke-width=\"1\"/></pattern></defs>\n";
  out +=
      "<rect width=\"" + w + "\" height=\"" + h + "\"" + paint("fill", figure.background) + "/>\n";
  out += "<g font-family=\"DejaVu Sans, Verdana, sans-serif\">\n";
  for (const Item& item : figure.items) std::visit([&](const auto& v) { write(out, v); }, item);
  out += "</g>\n</svg>\n";
  return out;
}

void write_svg(const Figure& figure, const std::string& path) {
  const std::string svg = to_svg(figure);
  write_output_file(path, "SVG", {svg});
}

}  // namespace attnviz
