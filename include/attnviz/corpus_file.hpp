#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include "attnviz/batch_file.hpp"

// The corpus of `attnviz heads`: one text a line, or JSONL with "text" (and optionally "pair", a
// second sentence). The format is documented in examples/README.md.
namespace attnviz {

struct CorpusItem {
  std::size_t line = 0;  // 1-based
  std::string text;
  std::optional<std::string> pair;
};

struct CorpusFile {
  std::vector<CorpusItem> items;
  std::vector<BadLine> bad_lines;  // reported and skipped, as in a batch file
};

// Blank lines and lines whose first non-blank character is '#' are skipped. JSONL when the first
// other line starts with '{', one text a line otherwise.
CorpusFile parse_corpus(std::istream& in);

// Reads and parses a file. Throws attnviz::Error when it is missing or unreadable.
CorpusFile read_corpus_file(const std::filesystem::path& path);

}  // namespace attnviz
