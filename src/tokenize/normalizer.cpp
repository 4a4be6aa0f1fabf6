#include "normalizer.hpp"

#include <utf8proc.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "regex.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {

namespace {

// Rewrites every code point through map(c, out), which appends its replacement (zero or more code
// points); the replacements keep the original span of the code point they came from, as HF's
// alignments do.
template <typename Map>
void map_chars(NormalizedText& text, Map map) {
  NormalizedText out;
  out.chars.reserve(text.size());
  out.begin.reserve(text.size());
  out.end.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    map(text.chars[i], out.chars);
    out.begin.resize(out.chars.size(), text.begin[i]);
    out.end.resize(out.chars.size(), text.end[i]);
  }
  text = std::move(out);
}

class BertNormalizer : public Normalizer {
 public:
  explicit BertNormalizer(const BertNormalizerOptions& options) : options_(options) {}

  void normalize(NormalizedText& text) const override {
    map_chars(text, [this](char32_t c, std::u32string& out) {
      if (options_.clean_text) {
        const BertClass cls = bert_class(c);
        if (cls == BertClass::Removed) return;
        if (cls == BertClass::Space) c = U' ';
      }
      const bool chinese = options_.handle_chinese_chars && is_cjk_ideograph(c);
      if (chinese) out.push_back(U' ');
      const std::size_t mark = out.size();
      if (options_.strip_accents) {
        append_bert_strip_accents(c, out);
      } else {
        out.push_back(c);
      }
      if (options_.lowercase) {
        // Lowercase what stripping produced (usually one code point).
        const std::u32string produced(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end());
        out.resize(mark);
        for (char32_t p : produced) append_lowercase(p, out);
      }
      if (chinese) out.push_back(U' ');
    });
  }

 private:
  BertNormalizerOptions options_;
};

class LowercaseNormalizer : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override { map_chars(text, append_lowercase); }
};

// HF's StripAccents removes nonspacing marks; it is meant to follow NFD, which splits them off.
class StripAccentsNormalizer : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override { map_chars(text, append_strip_accents); }
};

class NfdNormalizer : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override { map_chars(text, append_nfd); }
};

class SentencePiecePreprocessor : public Normalizer {
 public:
  explicit SentencePiecePreprocessor(const SentencePiecePreprocessOptions& options)
      : options_(options) {}

  void normalize(NormalizedText& text) const override {
    // transformers lowercases the whole text before preprocess_text lowercases again after NFKD;
    // both matter
    // ("Ϲ" lowercases to "ϲ", whose NFKD is "ς", while its own NFKD "Σ" lowercases to "σ").
    if (options_.do_lower_case) map_chars(text, append_lowercase);
    if (options_.remove_space) collapse_spaces(text);
    if (options_.replace_quotes) replace_double_quotes(text);
    if (!options_.keep_accents) map_chars(text, append_nfkd_without_combining);
    if (options_.do_lower_case) map_chars(text, append_lowercase);
  }

 private:
  // " ".join(text.strip().split()): a run of spaces becomes one ' ' that spans the whole run.
  static void collapse_spaces(NormalizedText& text) {
    NormalizedText out;
    std::size_t i = 0;
    while (i < text.size()) {
      if (!is_python_space(text.chars[i])) {
        out.push(text.chars[i], text.begin[i], text.end[i]);
        ++i;
        continue;
      }
      const std::size_t start = i;
      while (i < text.size() && is_python_space(text.chars[i])) ++i;
      if (start > 0 && i < text.size()) out.push(U' ', text.begin[start], text.end[i - 1]);
    }
    text = std::move(out);
  }

  // `` and '' become ".
  static void replace_double_quotes(NormalizedText& text) {
    NormalizedText out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char32_t c = text.chars[i];
      if ((c == U'`' || c == U'\'') && i + 1 < text.size() && text.chars[i + 1] == c) {
        out.push(U'"', text.begin[i], text.end[i + 1]);
        ++i;
      } else {
        out.push(c, text.begin[i], text.end[i]);
      }
    }
    text = std::move(out);
  }

  SentencePiecePreprocessOptions options_;
};

// HF's Prepend: a non-empty text gets `prefix` in front, aligned with its first character.
class PrependNormalizer : public Normalizer {
 public:
  explicit PrependNormalizer(const std::string& prefix) {
    for (std::size_t pos = 0; pos < prefix.size();) prefix_.push_back(decode_utf8(prefix, pos));
  }
  void normalize(NormalizedText& text) const override {
    if (text.chars.empty()) return;
    text.chars.insert(0, prefix_);
    text.begin.insert(text.begin.begin(), prefix_.size(), text.begin.front());
    text.end.insert(text.end.begin(), prefix_.size(), text.end.front());
  }

 private:
  std::u32string prefix_;
};

// HF's Replace: every match of a pattern becomes `content`, whose characters take the alignment of
// the last character matched (NormalizedString::replace).
class ReplaceNormalizer : public Normalizer {
 public:
  ReplaceNormalizer(Regex pattern, const std::string& content) : pattern_(std::move(pattern)) {
    for (std::size_t pos = 0; pos < content.size();) content_.push_back(decode_utf8(content, pos));
  }
  void normalize(NormalizedText& text) const override {
    std::string utf8;
    std::vector<std::uint32_t> char_at;  // byte offset -> character index (at character starts)
    for (std::size_t i = 0; i < text.size(); ++i) {
      char_at.resize(utf8.size() + 1, static_cast<std::uint32_t>(i));
      append_utf8(text.chars[i], utf8);
    }
    char_at.resize(utf8.size() + 1, static_cast<std::uint32_t>(text.size()));
    char_at[utf8.size()] = static_cast<std::uint32_t>(text.size());
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    pattern_.find_all(utf8, matches);
    if (matches.empty()) return;
    NormalizedText out;
    std::uint32_t next = 0;
    for (const auto& [b, e] : matches) {
      const std::uint32_t begin = char_at[b];
      const std::uint32_t end = char_at[e];
      for (; next < begin; ++next) out.push(text.chars[next], text.begin[next], text.end[next]);
      const std::uint32_t anchor = end > 0 ? end - 1 : 0;
      for (const char32_t c : content_) {
        out.push(c, text.begin[anchor], text.end[anchor]);
      }
      next = end;
    }
    for (; next < text.size(); ++next) out.push(text.chars[next], text.begin[next], text.end[next]);
    text = std::move(out);
  }

 private:
  Regex pattern_;
  std::u32string content_;
};

// NFD-style decomposition (canonical, or compatibility for NFKD/NFKC), canonical ordering and, for
// NFC/NFKC, canonical composition, with the Unicode tables of utf8proc. The alignments follow HF's
// (unicode-normalization-alignments): each result character carries a change, 0 for one that takes
// the place of an original character, +1 for one inserted (a decomposition's later parts), minus
// the characters a composition absorbed; they travel with the characters through the reordering,
// and are then read left to right against the original characters (NormalizedText::transform).
class UnicodeNormalizer : public Normalizer {
 public:
  UnicodeNormalizer(bool compatibility, bool compose)
      : compatibility_(compatibility), compose_(compose) {}

  void normalize(NormalizedText& text) const override {
    std::u32string chars;
    std::vector<int> changes;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const std::size_t first = chars.size();
      append_decomposition(text.chars[i], chars);
      changes.resize(chars.size(), 1);
      changes[first] = 0;
      reorder_marks(chars, changes, first);
    }
    if (!compose_) {
      text.transform(chars, changes);
      return;
    }
    std::u32string composed;
    std::vector<int> composed_changes;
    std::ptrdiff_t starter = -1;  // the last starter in composed
    int last_class = 0;
    for (std::size_t k = 0; k < chars.size(); ++k) {
      const char32_t c = chars[k];
      const int cls = combining_class(c);
      const bool adjacent =
          starter >= 0 && static_cast<std::size_t>(starter) + 1 == composed.size();
      if (starter >= 0 && c >= 0x300 && (last_class < cls || (last_class == 0 && adjacent))) {
        const auto s = static_cast<std::size_t>(starter);
        if (const char32_t pair = compose(composed[s], c)) {
          composed[s] = pair;
          composed_changes[s] += changes[k] - 1;
          continue;
        }
      }
      if (cls == 0) starter = static_cast<std::ptrdiff_t>(composed.size());
      last_class = cls;
      composed.push_back(c);
      composed_changes.push_back(changes[k]);
    }
    text.transform(composed, composed_changes);
  }

 private:
  static int combining_class(char32_t c) {
    return c < 0x300 ? 0 : utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
  }
  void append_decomposition(char32_t c, std::u32string& out) const {
    if (c < 0xA0) {
      out.push_back(c);
      return;
    }
    utf8proc_int32_t buffer[32];
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compatibility_ ? UTF8PROC_COMPAT : 0));
    const auto n =
        utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), buffer, 32, options, nullptr);
    for (utf8proc_ssize_t i = 0; i < n; ++i) out.push_back(static_cast<char32_t>(buffer[i]));
  }
  // Canonical ordering: the run of marks ending at the new characters (from `first` on) sorted by
  // combining class, stably.
  static void reorder_marks(std::u32string& chars, std::vector<int>& changes, std::size_t first) {
    for (std::size_t k = first; k < chars.size(); ++k) {
      const int cls = combining_class(chars[k]);
      if (cls == 0) continue;
      for (std::size_t j = k; j > 0 && combining_class(chars[j - 1]) > cls; --j) {
        std::swap(chars[j], chars[j - 1]);
        std::swap(changes[j], changes[j - 1]);
      }
    }
  }
  // The primary composite of a and b, or 0.
  static char32_t compose(char32_t a, char32_t b) {
    std::string utf8;
    append_utf8(a, utf8);
    append_utf8(b, utf8);
    utf8proc_uint8_t* result = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(utf8.data()),
                                static_cast<utf8proc_ssize_t>(utf8.size()), &result,
                                static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    char32_t composed = 0;
    if (n > 0) {
      const std::string_view mapped(reinterpret_cast<const char*>(result),
                                    static_cast<std::size_t>(n));
      std::size_t pos = 0;
      char32_t c;
      if (try_decode_utf8(mapped, pos, c) && pos == mapped.size()) composed = c;
    }
    std::free(result);
    return composed;
  }

  bool compatibility_;
  bool compose_;
};

class SequenceNormalizer : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps)
      : steps_(std::move(steps)) {}
  void normalize(NormalizedText& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerOptions& options) {
  return std::make_unique<BertNormalizer>(options);
}

std::unique_ptr<Normalizer> make_sentencepiece_preprocessor(
    const SentencePiecePreprocessOptions& options) {
  return std::make_unique<SentencePiecePreprocessor>(options);
}

std::unique_ptr<Normalizer> normalizer_from_json(const nlohmann::json& json) {
  if (json.is_null()) return nullptr;
  const std::string type = json.value("type", "");
  if (type == "BertNormalizer") {
    BertNormalizerOptions options;
    options.clean_text = json.value("clean_text", true);
    options.handle_chinese_chars = json.value("handle_chinese_chars", true);
    options.lowercase = json.value("lowercase", true);
    const auto strip = json.find("strip_accents");
    options.strip_accents =
        strip == json.end() || strip->is_null() ? options.lowercase : strip->get<bool>();
    return make_bert_normalizer(options);
  }
  if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
  if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
  if (type == "NFD") return std::make_unique<NfdNormalizer>();
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(false, true);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(true, true);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(true, false);
  if (type == "Prepend")
    return std::make_unique<PrependNormalizer>(json.at("prepend").get<std::string>());
  if (type == "Replace") {
    return std::make_unique<ReplaceNormalizer>(pattern_from_json(json.at("pattern")),
                                               json.at("content").get<std::string>());
  }
  if (type == "Precompiled")
    return make_precompiled_normalizer(json.at("precompiled_charsmap").get<std::string>());
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : json.at("normalizers")) {
      if (auto n = normalizer_from_json(step)) steps.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  throw Error("normalizer type '" + type +
              "' is not known to attnviz (known: BertNormalizer, Lowercase, StripAccents, NFD, "
              "NFC, NFKC, NFKD, Precompiled, Prepend, Replace, Sequence)");
}

}  // namespace attnviz::tokenize
