#pragma once

#include <string>

namespace attnviz {

// Text made safe inside XML or HTML, as element content or as a quoted attribute value: SVG files
// and the HTML view both write token text with it.
inline std::string escape_markup(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";  // &apos; is XML's, and not HTML 4's
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace attnviz
