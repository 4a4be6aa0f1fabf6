#include "pre_tokenizer.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "regex.hpp"
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

// HF's Whitespace: the matches of \w+|[^\w\s]+, runs of word characters and runs of others.
class WordRunPreTokenizer : public PreTokenizer {
 public:
  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    for (std::uint32_t i = range.begin; i < range.end;) {
      const WordClass cls = word_class(text.chars[i]);
      const std::uint32_t start = i;
      while (i < range.end && word_class(text.chars[i]) == cls) ++i;
      if (cls != WordClass::Space) words.push_back({start, i});
    }
  }
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

// HF's SplitDelimiterBehavior: what becomes of the matches of a pattern.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

SplitBehavior split_behavior_from_json(const nlohmann::json& json) {
  const std::string name = json.get<std::string>();
  if (name == "Removed") return SplitBehavior::Removed;
  if (name == "Isolated") return SplitBehavior::Isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
  if (name == "Contiguous") return SplitBehavior::Contiguous;
  throw Error("pre_tokenizer: split behavior '" + name +
              "' is not known to attnviz (known: Removed, Isolated, MergedWithPrevious, "
              "MergedWithNext, Contiguous)");
}

struct Segment {
  CharRange range;
  bool is_match;
};

// Turns the segments of a range (matches and what lies between them, in order, covering it) into
// words, as HF's NormalizedString::split does; empty words are dropped.
void split_segments(std::vector<Segment>& segments, SplitBehavior behavior, bool invert,
                    std::vector<CharRange>& words) {
  std::vector<Segment> merged;
  if (invert) {
    for (Segment& s : segments) s.is_match = !s.is_match;
  }
  switch (behavior) {
    case SplitBehavior::Isolated:
      merged = segments;
      break;
    case SplitBehavior::Removed:
      for (const Segment& s : segments) {
        if (!s.is_match) merged.push_back(s);
      }
      break;
    case SplitBehavior::MergedWithPrevious: {
      bool previous_match = false;
      for (const Segment& s : segments) {
        if (s.is_match && !previous_match && !merged.empty()) {
          merged.back().range.end = s.range.end;
        } else {
          merged.push_back(s);
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::MergedWithNext: {
      bool previous_match = false;
      for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
        if (it->is_match && !previous_match && !merged.empty()) {
          merged.back().range.begin = it->range.begin;
        } else {
          merged.push_back(*it);
        }
        previous_match = it->is_match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    }
    case SplitBehavior::Contiguous: {
      bool previous_match = false;
      for (const Segment& s : segments) {
        if (s.is_match && previous_match && !merged.empty()) {
          merged.back().range.end = s.range.end;
        } else {
          merged.push_back(s);
        }
        previous_match = s.is_match;
      }
      break;
    }
  }
  for (const Segment& s : merged) {
    if (s.range.begin < s.range.end) words.push_back(s.range);
  }
}

// HF's Split: the matches of a regular expression (or of a literal string), then a behavior.
class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(Regex regex, SplitBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}

  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    std::string utf8;
    std::vector<std::uint32_t> char_at;  // byte offset -> character index (at character starts)
    for (std::uint32_t i = range.begin; i < range.end; ++i) {
      char_at.resize(utf8.size() + 1, i);
      char_at[utf8.size()] = i;
      append_utf8(text.chars[i], utf8);
    }
    char_at.resize(utf8.size() + 1, range.end);
    char_at[utf8.size()] = range.end;
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    regex_.find_all(utf8, matches);
    std::vector<Segment> segments;
    std::uint32_t previous = range.begin;
    for (const auto& [b, e] : matches) {
      const std::uint32_t begin = char_at[b];
      const std::uint32_t end = char_at[e];
      if (previous < begin) segments.push_back({{previous, begin}, false});
      segments.push_back({{begin, end}, true});
      previous = end;
    }
    if (previous < range.end) segments.push_back({{previous, range.end}, false});
    split_segments(segments, behavior_, invert_, words);
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

// Splits on every character for which Predicate holds, each one a match of its own (HF's Digits
// and Punctuation).
template <typename Predicate>
class CharSplitPreTokenizer : public PreTokenizer {
 public:
  CharSplitPreTokenizer(Predicate predicate, SplitBehavior behavior)
      : predicate_(predicate), behavior_(behavior) {}

  void split(const NormalizedText& text, CharRange range,
             std::vector<CharRange>& words) const override {
    std::vector<Segment> segments;
    std::uint32_t previous = range.begin;
    for (std::uint32_t i = range.begin; i < range.end; ++i) {
      if (!predicate_(text.chars[i])) continue;
      if (previous < i) segments.push_back({{previous, i}, false});
      segments.push_back({{i, i + 1}, true});
      previous = i + 1;
    }
    if (previous < range.end) segments.push_back({{previous, range.end}, false});
    split_segments(segments, behavior_, false, words);
  }

 private:
  Predicate predicate_;
  SplitBehavior behavior_;
};

template <typename Predicate>
std::unique_ptr<PreTokenizer> make_char_split(Predicate predicate, SplitBehavior behavior) {
  return std::make_unique<CharSplitPreTokenizer<Predicate>>(predicate, behavior);
}

// The steps as one pre-tokenizer (nullptr for none).
std::unique_ptr<PreTokenizer> combine_steps(std::vector<std::unique_ptr<PreTokenizer>> steps) {
  if (steps.empty()) return nullptr;
  if (steps.size() == 1) return std::move(steps.front());
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

void add_to_spec(const nlohmann::json& json, PreTokenizerSpec& spec,
                 std::vector<std::unique_ptr<PreTokenizer>>& steps) {
  const std::string type = json.value("type", "");
  if (type == "BertPreTokenizer") {
    steps.push_back(make_bert_pre_tokenizer());
  } else if (type == "WhitespaceSplit") {
    steps.push_back(std::make_unique<WhitespacePreTokenizer>(false));
  } else if (type == "Whitespace") {
    steps.push_back(std::make_unique<WordRunPreTokenizer>());
  } else if (type == "ByteLevel") {
    spec.byte_level = true;
    spec.add_prefix_space = json.value("add_prefix_space", true);
    if (json.value("use_regex", true)) steps.push_back(make_gpt2_pre_tokenizer());
  } else if (type == "Split") {
    steps.push_back(std::make_unique<SplitPreTokenizer>(
        pattern_from_json(json.at("pattern")), split_behavior_from_json(json.at("behavior")),
        json.value("invert", false)));
  } else if (type == "Digits") {
    if (json.value("individual_digits", false)) {
      steps.push_back(make_char_split(is_numeric, SplitBehavior::Isolated));
    } else {
      steps.push_back(make_char_split(is_numeric, SplitBehavior::Contiguous));
    }
  } else if (type == "Punctuation") {
    steps.push_back(make_char_split(is_punctuation, split_behavior_from_json(json.value(
                                                        "behavior", nlohmann::json("Isolated")))));
  } else if (type == "Metaspace") {
    if (spec.byte_level || spec.metaspace)
      throw Error("pre_tokenizer Metaspace after ByteLevel or Metaspace is not known to attnviz");
    spec.before_metaspace = combine_steps(std::move(steps));
    steps.clear();
    MetaspaceSpec metaspace;
    const std::string replacement = json.value("replacement", std::string("\u2581"));
    std::size_t pos = 0;
    metaspace.replacement = decode_utf8(replacement, pos);
    const std::string scheme =
        json.value("prepend_scheme", json.value("add_prefix_space", true) ? "always" : "never");
    if (scheme == "always") {
      metaspace.prepend = MetaspaceSpec::Prepend::always;
    } else if (scheme == "first") {
      metaspace.prepend = MetaspaceSpec::Prepend::first;
    } else if (scheme == "never") {
      metaspace.prepend = MetaspaceSpec::Prepend::never;
    } else {
      throw Error("pre_tokenizer Metaspace: prepend_scheme '" + scheme +
                  "' is not known to attnviz (known: always, first, never)");
    }
    if (json.value("split", true)) {
      const char32_t r = metaspace.replacement;
      steps.push_back(
          make_char_split([r](char32_t c) { return c == r; }, SplitBehavior::MergedWithNext));
    }
    spec.metaspace = metaspace;
  } else if (type == "Sequence") {
    for (const auto& step : json.at("pretokenizers")) add_to_spec(step, spec, steps);
  } else {
    throw Error("pre_tokenizer type '" + type +
                "' is not known to attnviz (known: BertPreTokenizer, ByteLevel, WhitespaceSplit, "
                "Whitespace, Split, Digits, Punctuation, Metaspace, Sequence)");
  }
}

}  // namespace

void MetaspaceSpec::apply(NormalizedText& text) const {
  for (char32_t& c : text.chars) {
    if (c == U' ') c = replacement;
  }
  if (text.chars.empty() || text.chars.front() == replacement) return;
  if (prepend == Prepend::always || (prepend == Prepend::first && text.begin.front() == 0)) {
    text.chars.insert(text.chars.begin(), replacement);
    text.begin.insert(text.begin.begin(), text.begin.front());
    text.end.insert(text.end.begin(), text.end.front());
  }
}

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
  spec.splitter = combine_steps(std::move(steps));
  return spec;
}

}  // namespace attnviz::tokenize
