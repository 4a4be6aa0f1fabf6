#include "regex.hpp"

#include <oniguruma.h>

#include <cctype>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"

namespace attnviz::tokenize {

struct Regex::Impl {
  OnigRegex regex = nullptr;
  ~Impl() {
    if (regex != nullptr) onig_free(regex);
  }
};

Regex::Regex(const std::string& pattern) : impl_(std::make_unique<Impl>()) {
  static const bool initialized = [] {
    OnigEncoding encodings[] = {ONIG_ENCODING_UTF8};
    return onig_initialize(encodings, 1) == ONIG_NORMAL;
  }();
  if (!initialized) throw Error("the regular expression engine (Oniguruma) failed to start");
  const auto* begin = reinterpret_cast<const OnigUChar*>(pattern.data());
  OnigErrorInfo info;
  const int code = onig_new(&impl_->regex, begin, begin + pattern.size(), ONIG_OPTION_NONE,
                            ONIG_ENCODING_UTF8, ONIG_SYNTAX_ONIGURUMA, &info);
  if (code != ONIG_NORMAL) {
    impl_->regex = nullptr;
    OnigUChar message[ONIG_MAX_ERROR_MESSAGE_LEN];
    onig_error_code_to_str(message, code, &info);
    throw Error("the regular expression '" + pattern +
                "' does not compile: " + reinterpret_cast<const char*>(message));
  }
}

Regex Regex::literal(std::string_view literal) {
  std::string pattern;
  for (const char c : literal) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) pattern += '\\';
    pattern += c;
  }
  return Regex(pattern);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;

void Regex::find_all(std::string_view text,
                     std::vector<std::pair<std::size_t, std::size_t>>& out) const {
  const auto* begin = reinterpret_cast<const OnigUChar*>(text.data());
  const auto* end = begin + text.size();
  OnigRegion* region = onig_region_new();
  std::size_t start = 0;
  while (start < text.size()) {
    const int found =
        onig_search(impl_->regex, begin, end, begin + start, end, region, ONIG_OPTION_NONE);
    if (found < 0) break;
    const auto match_begin = static_cast<std::size_t>(region->beg[0]);
    const auto match_end = static_cast<std::size_t>(region->end[0]);
    out.emplace_back(match_begin, match_end);
    if (match_end > match_begin) {
      start = match_end;
    } else {  // one character on
      start = match_end + 1;
      while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
        ++start;
    }
    onig_region_clear(region);
  }
  onig_region_free(region, 1);
}

Regex pattern_from_json(const nlohmann::json& pattern) {
  if (const auto it = pattern.find("String"); it != pattern.end())
    return Regex::literal(it->get<std::string>());
  if (const auto it = pattern.find("Regex"); it != pattern.end())
    return Regex(it->get<std::string>());
  throw Error("pattern " + pattern.dump() + " is neither a String nor a Regex");
}

}  // namespace attnviz::tokenize
