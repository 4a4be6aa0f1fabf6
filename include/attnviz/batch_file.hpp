#pragma once

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

// The input of `attnviz batch FILE`: Winograd-style sentence pairs, as TSV with a header or as
// JSONL. The format is documented in examples/README.md.
namespace attnviz {

// One pair: two sentences that differ in a word which changes what the pronoun refers to.
struct WinogradItem {
  std::size_t line = 0;  // line in the file, 1-based as editors count
  std::string id;        // file-name safe; "line-N" when the file gives none
  std::string sentence_a;
  std::string sentence_b;
  std::string pronoun;
  std::string candidate_1;
  std::string candidate_2;
  int correct_a = 1;  // which candidate the pronoun refers to in sentence_a: 1 or 2
  int correct_b = 2;  // and in sentence_b

  // which = 0: sentence_a, 1: sentence_b.
  const std::string& sentence(int which) const { return which == 0 ? sentence_a : sentence_b; }
  int correct(int which) const { return which == 0 ? correct_a : correct_b; }
};

// A line that could not be read as an item: reported and skipped, the rest still done.
struct BadLine {
  std::size_t line = 0;  // 1-based
  std::string message;   // what is wrong and what to do; without the file name or line number
};

struct BatchFile {
  std::vector<WinogradItem> items;
  std::vector<BadLine> bad_lines;
};

// The two formats. Blank lines and lines whose first non-blank character is '#' are skipped in
// both; a line longer than 65,536 bytes is a bad line.
BatchFile parse_batch_tsv(std::istream& in);
BatchFile parse_batch_jsonl(std::istream& in);
// Picks the format from the content: JSONL when the first line that is not blank or a comment
// starts with '{', TSV otherwise.
BatchFile parse_batch(std::istream& in);

// Reads and parses a file. Throws attnviz::Error when the file is missing or unreadable, or when a
// TSV header lacks a required column (then no line can be read).
BatchFile read_batch_file(const std::filesystem::path& path);

}  // namespace attnviz
