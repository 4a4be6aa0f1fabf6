#include "normalizer.hpp"

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
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
    replace_double_quotes(text);
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
  if (type == "Sequence") {
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& step : json.at("normalizers")) {
      if (auto n = normalizer_from_json(step)) steps.push_back(std::move(n));
    }
    return std::make_unique<SequenceNormalizer>(std::move(steps));
  }
  throw Error("tokenizer.json: normalizer type '" + type +
              "' is not supported by attnviz (supported: BertNormalizer, Lowercase, StripAccents, "
              "NFD, Sequence)");
}

}  // namespace attnviz::tokenize
