#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace attnviz::tokenize {

// A regular expression compiled by Oniguruma, the engine Hugging Face's tokenizers use for Split
// and Replace patterns, with the same syntax and options (Oniguruma's default syntax, UTF-8).
class Regex {
 public:
  // Throws attnviz::Error with Oniguruma's message when the pattern does not compile.
  explicit Regex(const std::string& pattern);
  // A pattern that matches `literal` exactly (HF's String patterns).
  static Regex literal(std::string_view literal);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) = delete;
  Regex(const Regex&) = delete;

  // Every non-overlapping match in text, left to right, as byte ranges [begin, end); an empty match
  // moves the search on by one character, as HF's find_iter does.
  void find_all(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A tokenizer.json pattern: {"String": literal} or {"Regex": expression}.
Regex pattern_from_json(const nlohmann::json& pattern);

}  // namespace attnviz::tokenize
