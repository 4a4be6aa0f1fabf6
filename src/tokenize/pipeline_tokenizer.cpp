#include "pipeline_tokenizer.hpp"

#include <cstdio>

#include "attnviz/error.hpp"
#include "byte_level.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

// Calls on_gap for each part of range not covered by matches, and on_match for each match, in
// order.
template <typename Gap, typename Hit>
void walk_matches(CharRange range, const std::vector<AddedMatch>& matches, Gap on_gap,
                  Hit on_match) {
  std::uint32_t pos = range.begin;
  for (const AddedMatch& m : matches) {
    if (pos < m.range.begin) on_gap(CharRange{pos, m.range.begin});
    on_match(m);
    pos = m.range.end;
  }
  if (pos < range.end) on_gap(CharRange{pos, range.end});
}

bool is_space_like(char32_t c) {
  return c == U'Ġ' || is_white_space(c);
}

void append_visible(std::string_view text, bool whitespace_only, std::string& out) {
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    char32_t c;
    if (!try_decode_utf8(text, pos, c)) {  // a piece of a multi-byte character (byte-level BPE)
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(text[start]));
      out += hex;
      ++pos;
      continue;
    }
    if (c == U'\n') {
      out += "↵";
    } else if (c == U'\t') {
      out += "⇥";
    } else if (c == U'\r') {
      out += "␍";
    } else if (whitespace_only && is_white_space(c)) {
      out += "␣";
    } else if (c != U' ' && is_invisible(c)) {
      char code[16];
      std::snprintf(code, sizeof code, "<U+%04X>", static_cast<unsigned>(c));
      out += code;
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
}

}  // namespace

PipelineTokenizer::PipelineTokenizer(PipelineParts parts)
    : parts_(std::move(parts)), added_(parts_.added_tokens, parts_.normalizer.get()) {
  parts_.decoder.byte_level = parts_.decoder.byte_level || parts_.pre_tokenizer.byte_level;
  if (!parts_.model)
    throw Error(
        "tokenizer: no model (WordPiece, BPE, Unigram, WordLevel) was found in the tokenizer "
        "files");
  for (const AddedToken& t : parts_.added_tokens) added_vocab_.add(t.content, t.id);
}

void PipelineTokenizer::encode_words(const NormalizedText& text, CharRange range,
                                     std::vector<SequenceToken>& out) const {
  if (!parts_.pre_tokenizer.metaspace) {
    split_and_encode(text, range, out);
    return;
  }
  std::vector<CharRange> pieces;
  if (parts_.pre_tokenizer.before_metaspace) {
    parts_.pre_tokenizer.before_metaspace->split(text, range, pieces);
  } else {
    pieces.push_back(range);
  }
  for (const CharRange range_of_piece : pieces) {
    NormalizedText piece = text.slice(range_of_piece);
    parts_.pre_tokenizer.metaspace->apply(piece);
    split_and_encode(piece, {0, static_cast<std::uint32_t>(piece.size())}, out);
  }
}

void PipelineTokenizer::split_and_encode(const NormalizedText& text, CharRange range,
                                         std::vector<SequenceToken>& out) const {
  std::vector<CharRange> words;
  if (parts_.pre_tokenizer.splitter) {
    parts_.pre_tokenizer.splitter->split(text, range, words);
  } else if (range.begin < range.end) {
    words.push_back(range);
  }
  const bool byte_level = parts_.pre_tokenizer.byte_level;
  const std::string& marker = parts_.decoder.word_marker();
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  Word word;
  std::vector<std::uint32_t> source;  // word character -> code point index in text
  std::vector<Piece> pieces;
  std::string utf8;
  for (const CharRange w : words) {
    word.text.clear();
    word.char_starts.clear();
    source.clear();
    for (std::uint32_t i = w.begin; i < w.end; ++i) {
      if (byte_level) {
        utf8.clear();
        append_utf8(text.chars[i], utf8);
        for (const char b : utf8) {
          word.char_starts.push_back(static_cast<std::uint32_t>(word.text.size()));
          word.text.append(alphabet.encode(static_cast<std::uint8_t>(b)));
          source.push_back(i);
        }
      } else {
        word.char_starts.push_back(static_cast<std::uint32_t>(word.text.size()));
        append_utf8(text.chars[i], word.text);
        source.push_back(i);
      }
    }
    word.char_starts.push_back(static_cast<std::uint32_t>(word.text.size()));
    pieces.clear();
    parts_.model->tokenize(word, pieces);
    for (std::size_t k = 0; k < pieces.size(); ++k) {
      const Piece& p = pieces[k];
      // Where tokens mark a word's start (SentencePiece's ▁), a word is what such a token begins.
      const bool continuation =
          k > 0 && (marker.empty() ||
                    parts_.model->vocab().token(p.id).compare(0, marker.size(), marker) != 0);
      std::string surface;
      if (p.surface) {
        surface = word.text.substr(word.char_starts[p.char_begin],
                                   word.char_starts[p.char_end] - word.char_starts[p.char_begin]);
      }
      out.push_back({p.id, text.begin[source[p.char_begin]], text.end[source[p.char_end - 1]],
                     continuation, std::move(surface)});
    }
  }
}

std::vector<SequenceToken> PipelineTokenizer::encode_sequence(std::string_view text) const {
  validate_utf8(text);
  const NormalizedText original = NormalizedText::from_original(text, 0, text.size());
  std::vector<AddedMatch> raw_matches;
  added_.find(original, {0, static_cast<std::uint32_t>(original.size())}, false, raw_matches);
  std::vector<SequenceToken> out;
  std::vector<AddedMatch> matches;
  auto add_match = [&](const NormalizedText& t, const AddedMatch& m) {
    std::string matched;
    for (std::uint32_t i = m.range.begin; i < m.range.end; ++i) append_utf8(t.chars[i], matched);
    if (matched == token_of(m.id)) matched.clear();
    out.push_back(
        {m.id, t.begin[m.range.begin], t.end[m.range.end - 1], false, std::move(matched)});
  };
  walk_matches(
      {0, static_cast<std::uint32_t>(original.size())}, raw_matches,
      [&](CharRange gap) {
        NormalizedText part = original.slice(gap);
        if (parts_.normalizer) parts_.normalizer->normalize(part);
        if (parts_.pre_tokenizer.add_prefix_space && !part.chars.empty() &&
            part.chars.front() != U' ') {
          // HF prepends a space that shares the alignment of the first character.
          part.chars.insert(part.chars.begin(), U' ');
          part.begin.insert(part.begin.begin(), part.begin.front());
          part.end.insert(part.end.begin(), part.end.front());
        }
        const CharRange all{0, static_cast<std::uint32_t>(part.size())};
        matches.clear();
        added_.find(part, all, true, matches);
        walk_matches(
            all, matches, [&](CharRange words) { encode_words(part, words, out); },
            [&](const AddedMatch& m) { add_match(part, m); });
      },
      [&](const AddedMatch& m) { add_match(original, m); });
  if (parts_.post_processor.trim_offsets) trim_offsets(out, text);
  return out;
}

std::string_view PipelineTokenizer::token_of(std::int32_t id) const {
  const std::string_view added = added_vocab_.token(id);
  return added.empty() ? parts_.model->vocab().token(id) : added;
}

// HF's ByteLevel/Roberta post-processor (trim_offsets): a token's span leaves out its leading and
// trailing spaces. HF counts them in characters (its Python and JS APIs post-process character
// offsets), so the span moves by whole characters of the text, never into the middle of one.
void PipelineTokenizer::trim_offsets(std::vector<SequenceToken>& tokens,
                                     std::string_view text) const {
  auto is_continuation = [&](std::uint32_t pos) {
    return pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80;
  };
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    SequenceToken& t = tokens[i];
    std::u32string chars;
    const std::string_view token = t.text.empty() ? token_of(t.id) : std::string_view(t.text);
    for (std::size_t pos = 0; pos < token.size();) chars.push_back(decode_utf8(token, pos));
    std::uint32_t leading = 0;
    while (leading < chars.size() && is_space_like(chars[leading])) ++leading;
    std::uint32_t trailing = 0;
    while (trailing < chars.size() && is_space_like(chars[chars.size() - 1 - trailing])) ++trailing;
    if (leading > 0) {
      const bool is_first = i == 0 || t.begin == 0;
      if (is_first && parts_.post_processor.trim_keeps_prefix_space && leading == 1) leading = 0;
      for (; leading > 0 && t.begin < t.end; --leading) {
        do ++t.begin;
        while (is_continuation(t.begin));
      }
      t.begin = std::min(t.begin, t.end);
    }
    for (; trailing > 0 && t.end > t.begin; --trailing) {
      do --t.end;
      while (t.end > t.begin && is_continuation(t.end));
    }
  }
}

std::function<std::string(std::int32_t)> PipelineTokenizer::token_fn() const {
  return [this](std::int32_t id) { return std::string(token_of(id)); };
}

std::function<std::string(const std::string&, bool)> PipelineTokenizer::display_fn() const {
  return
      [this](const std::string& token, bool continuation) { return display(token, continuation); };
}

Encoding PipelineTokenizer::encode(std::string_view text) const {
  const auto a = encode_sequence(text);
  const std::vector<SequenceToken>* sequences[2] = {&a, nullptr};
  const std::size_t sizes[2] = {text.size(), 0};
  return apply_template(parts_.post_processor.single, sequences, sizes, token_fn(), display_fn());
}

Encoding PipelineTokenizer::encode_pair(std::string_view first, std::string_view second) const {
  const auto a = encode_sequence(first);
  const auto b = encode_sequence(second);
  const std::vector<SequenceToken>* sequences[2] = {&a, &b};
  const std::size_t sizes[2] = {first.size(), second.size()};
  return apply_template(parts_.post_processor.pair, sequences, sizes, token_fn(), display_fn());
}

std::string PipelineTokenizer::id_to_token(std::int64_t id) const {
  if (id < 0 || id > INT32_MAX) return {};
  return std::string(token_of(static_cast<std::int32_t>(id)));
}

std::optional<std::int64_t> PipelineTokenizer::unknown_id() const {
  const auto id = parts_.model->unknown_id();
  return id ? std::optional<std::int64_t>(*id) : std::nullopt;
}

std::size_t PipelineTokenizer::vocab_size() const {
  std::size_t size = parts_.model->vocab().size();
  for (const AddedToken& t : parts_.added_tokens) {
    if (parts_.model->vocab().token(t.id).empty()) ++size;
  }
  return size;
}

std::string PipelineTokenizer::display(const std::string& token, bool continuation) const {
  std::string text;
  const bool decoded = !added_vocab_.find(token) && parts_.decoder.decode(token, text);
  if (!decoded) text = token;
  const std::string& prefix = parts_.model->continuation_prefix();
  if (continuation && !prefix.empty() && text.compare(0, prefix.size(), prefix) == 0)
    text.erase(0, prefix.size());
  bool whitespace_only = true;
  for (std::size_t pos = 0; pos < text.size() && whitespace_only;) {
    char32_t c;
    whitespace_only = try_decode_utf8(text, pos, c) && is_white_space(c);
  }
  // GPT-2 ("Ġworld") and SentencePiece ("▁world") mark a word's leading space inside the token; a
  // reader sees the word.
  if (!whitespace_only && decoded && !text.empty() && text.front() == ' ') text.erase(0, 1);
  std::string out = continuation ? "·" : "";
  append_visible(text, whitespace_only, out);
  return out;
}

}  // namespace attnviz::tokenize
