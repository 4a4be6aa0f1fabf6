#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "attnviz/error.hpp"

namespace attnviz {

// Writes an output file (a figure, a page, a table, saved attentions), replacing it: the one way
// every stage writes one. `what` names it for the user ("PNG", "HTML page"); `parts` are written
// one after the other (a header and gigabytes of weights need no copy into one buffer). Throws
// attnviz::Error naming the path when its folder is missing, or it cannot be written (the reason,
// e.g. permission denied or no space left).
inline void write_output_file(const std::string& path, const std::string& what,
                              std::initializer_list<std::string_view> parts) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !std::filesystem::is_directory(parent, error)) {
    throw Error("cannot write the " + what + " to " + path + ": the folder " + parent.string() +
                " does not exist; create it or write somewhere else");
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (const std::string_view part : parts) {
    if (out) out.write(part.data(), static_cast<std::streamsize>(part.size()));
  }
  if (out) out.close();
  if (!out) {
    throw Error("cannot write the " + what + " to " + path + ": " + std::strerror(errno) +
                "; check that its folder is writable and has room");
  }
}

// write_output_file for text made by write(std::ostream&) (CSV, JSON).
template <typename Write>
void write_output_text(const std::string& path, const std::string& what, Write write) {
  std::ostringstream text;
  write(text);
  write_output_file(path, what, {text.str()});
}

}  // namespace attnviz
