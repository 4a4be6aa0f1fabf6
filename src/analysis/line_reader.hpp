#pragma once

#include <cstddef>
#include <istream>
#include <optional>
#include <string>

#include "attnviz/error.hpp"
#include "text.hpp"

// Line by line through the input files of `batch` and `heads`, counting lines as editors do.
namespace attnviz::analysis_detail {

struct LineReader {
  std::istream& in;
  std::size_t line_number = 0;

  // The next line that is neither blank nor a comment, without its line ending and (on the first
  // line) a UTF-8 byte order mark.
  std::optional<std::string> next() {
    std::string line;
    while (std::getline(in, line)) {
      ++line_number;
      if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const auto content = trim(line);
      if (content.empty() || content.front() == '#') continue;
      return line;
    }
    if (in.bad()) throw Error("reading failed after line " + std::to_string(line_number));
    return std::nullopt;
  }
};

}  // namespace attnviz::analysis_detail
