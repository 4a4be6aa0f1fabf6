#include "pre_tokenizer.hpp"

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

// Splits at whitespace, which is dropped; with isolate_punctuation (BertPreTokenizer) every
// punctuation character also becomes a word of its own.
class WhitespacePreTokenizer : public PreTokenizer {
 public:
  explicit WhitespacePreTokenizer(bool isolate_punctuation)
      : isolate_punctuation_(isolate_punctuation) {}

  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    std::uint32_t start = range.begin;
    for (std::uint32_t i = range.begin; i < range.end; ++i) {
      const char32_t c = text.chars[i];
      const bool space = is_white_space(c);
      if (!space && !(isolate_punctuation_ && bert_class(c) == BertClass::Punctuation)) continue;
      if (start < i) words.push_back({start, i});
      if (!space) words.push_back({i, i + 1});
      start = i + 1;
    }
    if (start < range.end) words.push_back({start, range.end});
  }

 private:
  bool isolate_punctuation_;
};

class Gpt2PreTokenizer : public PreTokenizer {
 public:
  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    const char32_t* s = text.chars.data();
    const std::uint32_t end = range.end;
    auto cls = [&](std::uint32_t i) { return gpt2_class(s[i]); };
    std::uint32_t i = range.begin;
    while (i < end) {
      const std::uint32_t start = i;
      const char32_t c = s[i];
      if (c == U'\'' && i + 1 < end) {  // contractions, case-sensitive as in GPT-2
        const char32_t a = s[i + 1];
        const char32_t b = i + 2 < end ? s[i + 2] : 0;
        std::uint32_t len = 0;
        if (a == U's' || a == U't' || a == U'm' || a == U'd') {
          len = 2;
        } else if ((a == U'r' && b == U'e') || (a == U'v' && b == U'e') ||
                   (a == U'l' && b == U'l')) {
          len = 3;
        }
        if (len > 0) {
          words.push_back({i, i + len});
          i += len;
          continue;
        }
      }
      // " ?X+" for X in letters, numbers, other: an optional leading ' ' then a run of one class.
      const std::uint32_t body = (c == U' ' && i + 1 < end) ? i + 1 : i;
      const Gpt2Class body_class = cls(body);
      if (body_class != Gpt2Class::Space) {
        i = body + 1;
        while (i < end && cls(i) == body_class) ++i;
        words.push_back({start, i});
        continue;
      }
      // Whitespace: \s+(?!\S) takes the run but leaves its last character to the next word, unless
      // the run ends the text; \s+ takes a single whitespace character before a non-space.
      std::uint32_t j = i;
      while (j < end && cls(j) == Gpt2Class::Space) ++j;
      if (j < end && j - i > 1) --j;
      words.push_back({i, j});
      i = j;
    }
  }
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}
  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    std::vector<CharRange> current{range};
    std::vector<CharRange> next;
    for (const auto& step : steps_) {
      next.clear();
      for (const CharRange r : current) step->split(text, r, next);
      current.swap(next);
    }
    words.insert(words.end(), current.begin(), current.end());
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

void add_to_spec(const nlohmann::json& json, PreTokenizerSpec& spec,
                 std::vector<std::unique_ptr<PreTokenizer>>& steps) {
  const std::string type = json.value("type", "");
  if (type == "BertPreTokenizer") {
    steps.push_back(make_bert_pre_tokenizer());
  } else if (type == "WhitespaceSplit") {
    steps.push_back(std::make_unique<WhitespacePreTokenizer>(false));
  } else if (type == "ByteLevel") {
    spec.byte_level = true;
    spec.add_prefix_space = json.value("add_prefix_space", true);
    if (json.value("use_regex", true)) steps.push_back(make_gpt2_pre_tokenizer());
  } else if (type == "Sequence") {
    for (const auto& step : json.at("pretokenizers")) add_to_spec(step, spec, steps);
  } else {
    throw Error("tokenizer.json: pre_tokenizer type '" + type +
                "' is not supported by attnviz (supported: BertPreTokenizer, ByteLevel, "
                "WhitespaceSplit, Sequence)");
  }
}

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() {
  return std::make_unique<WhitespacePreTokenizer>(true);
}
std::unique_ptr<PreTokenizer> make_gpt2_pre_tokenizer() {
  return std::make_unique<Gpt2PreTokenizer>();
}

PreTokenizerSpec pre_tokenizer_from_json(const nlohmann::json& json) {
  PreTokenizerSpec spec;
  if (json.is_null()) return spec;
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  add_to_spec(json, spec, steps);
  if (steps.size() == 1) {
    spec.splitter = std::move(steps.front());
  } else if (!steps.empty()) {
    spec.splitter = std::make_unique<SequencePreTokenizer>(std::move(steps));
  }
  return spec;
}

}  // namespace attnviz::tokenize
