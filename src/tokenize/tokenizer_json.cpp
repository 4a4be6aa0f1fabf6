#include "tokenizer_json.hpp"

#include <cctype>
#include <cstdint>
#include <set>

#include "json_id.hpp"

namespace attnviz::tokenize {
namespace {

using nlohmann::json;

// Deeper values are left to nlohmann (this reader recurses; nlohmann does not).
constexpr int kMaxDepth = 256;

// The length of the UTF-8 sequence at p (RFC 3629, as nlohmann checks it), 0 if it is not one.
int utf8_length(const unsigned char* p, const unsigned char* end) {
  const auto in = [&](int i, unsigned char lo, unsigned char hi) {
    return end - p > i && p[i] >= lo && p[i] <= hi;
  };
  const unsigned char c = p[0];
  if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
  if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
  if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3)
    return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
  return 0;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The four hex digits at p as a number, -1 if they are not.
long hex4(std::string_view s, std::size_t p) {
  if (s.size() < p + 4) return -1;
  long value = 0;
  for (std::size_t i = p; i < p + 4; ++i) {
    const int d = hex_digit(s[i]);
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

void append_utf8(std::string& out, long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// A string's raw text (between its quotes) with its escapes decoded; false for an escape JSON does
// not have or a surrogate without its pair, which nlohmann rejects.
bool decode(std::string_view raw, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out += raw[i];
      continue;
    }
    if (++i == raw.size()) return false;
    switch (raw[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        long cp = hex4(raw, i + 1);
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (i + 2 >= raw.size() || raw[i + 1] != '\\' || raw[i + 2] != 'u') return false;
          const long low = hex4(raw, i + 3);
          if (low < 0xDC00 || low > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

// Reads JSON text front to back. Each method returns false when the text is not what it expects.
class Reader {
 public:
  explicit Reader(std::string_view text)
      : p_(reinterpret_cast<const unsigned char*>(text.data())), end_(p_ + text.size()) {}

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  // Takes `c` after any space.
  bool take(char c) {
    skip_space();
    if (p_ == end_ || *p_ != static_cast<unsigned char>(c)) return false;
    ++p_;
    return true;
  }
  bool next_is(char c) {
    skip_space();
    return p_ < end_ && *p_ == static_cast<unsigned char>(c);
  }
  bool at_end() {
    skip_space();
    return p_ == end_;
  }

  // A string: its raw text between the quotes (valid UTF-8, no control characters) and whether it
  // holds escapes.
  bool raw_string(std::string_view& raw, bool& escaped) {
    if (!take('"')) return false;
    const unsigned char* start = p_;
    escaped = false;
    while (p_ < end_) {
      const unsigned char c = *p_;
      if (c == '"') {
        raw = std::string_view(reinterpret_cast<const char*>(start),
                               static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (end_ - p_ < 2) return false;
        escaped = true;
        p_ += 2;  // decode() checks what follows the backslash
      } else if (c < 0x20) {
        return false;
      } else if (c < 0x80) {
        ++p_;
      } else {
        const int n = utf8_length(p_, end_);
        if (n == 0) return false;
        p_ += n;
      }
    }
    return false;
  }

  // A string, decoded into `buffer` where it holds escapes.
  bool string(std::string_view& value, std::string& buffer) {
    bool escaped = false;
    if (!raw_string(value, escaped)) return false;
    if (!escaped) return true;
    if (!decode(value, buffer)) return false;
    value = buffer;
    return true;
  }

  // Any value, as its text; only its structure is checked here (nlohmann parses the text).
  bool skip_value(std::string_view& text, int depth = 0) {
    skip_space();
    if (p_ == end_ || depth > kMaxDepth) return false;
    const unsigned char* start = p_;
    std::string_view ignored;
    bool escaped = false;
    if (*p_ == '"') {
      if (!raw_string(ignored, escaped)) return false;
    } else if (*p_ == '{' || *p_ == '[') {
      const bool object = *p_++ == '{';
      if (!take(object ? '}' : ']')) {
        do {
          if (object && !(raw_string(ignored, escaped) && take(':'))) return false;
          if (!skip_value(ignored, depth + 1)) return false;
        } while (take(','));
        if (!take(object ? '}' : ']')) return false;
      }
    } else {  // a number, true, false or null
      while (p_ < end_ && (std::isalnum(*p_) || *p_ == '-' || *p_ == '+' || *p_ == '.')) ++p_;
      if (p_ == start) return false;
    }
    text = std::string_view(reinterpret_cast<const char*>(start),
                            static_cast<std::size_t>(p_ - start));
    return true;
  }

  // A token id as is_id() accepts it: a whole number from 0 to kIdLimit - 1, written as JSON
  // writes an integer (no sign, fraction or exponent).
  bool id(std::int32_t& value) {
    skip_space();
    if (p_ == end_) return false;
    const unsigned char* start = p_;
    std::int64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9' && p_ - start < 9) v = v * 10 + (*p_++ - '0');
    const bool leading_zero = *start == '0' && p_ - start > 1;
    const bool more = p_ < end_ && (std::isalnum(*p_) || *p_ == '.' || *p_ == '-' || *p_ == '+');
    if (p_ == start || leading_zero || more || v >= kIdLimit) return false;
    value = static_cast<std::int32_t>(v);
    return true;
  }

  // The members of an object: `member(key)` reads each one's value.
  template <typename Member>
  bool members(Member member) {
    if (!take('{')) return false;
    if (take('}')) return true;
    std::string buffer;
    do {
      std::string_view key;
      if (!string(key, buffer) || !take(':') || !member(std::string(key))) return false;
    } while (take(','));
    return take('}');
  }

 private:
  const unsigned char* p_;
  const unsigned char* end_;
};

// A value's text parsed by nlohmann into `out`; false where nlohmann rejects it.
bool parse_into(std::string_view text, json& out) {
  try {
    out = json::parse(text);
    return true;
  } catch (const json::exception&) {
    return false;
  }
}

bool read_vocab(Reader& reader, Vocab& vocab) {
  std::string buffer;
  if (!reader.take('{')) return false;
  if (reader.take('}')) return true;
  do {
    std::string_view token;
    std::int32_t id = 0;
    // A token or an id seen twice: nlohmann's object keeps one of the tokens, which the slow
    // path then reads the same way.
    if (!reader.string(token, buffer) || !reader.take(':') || !reader.id(id) ||
        !vocab.insert(token, id))
      return false;
  } while (reader.take(','));
  return reader.take('}');
}

// One merge string, kept in `decoded` where it held escapes.
bool merge_string(Reader& reader, std::deque<std::string>& decoded, std::string_view& value) {
  std::string buffer;
  if (!reader.string(value, buffer)) return false;
  if (value.data() == buffer.data()) value = decoded.emplace_back(std::move(buffer));
  return true;
}

bool read_merges(Reader& reader, ModelArrays& arrays) {
  MergeList& merges = arrays.merges.emplace();
  if (!reader.take('[')) return false;
  if (reader.take(']')) return true;
  do {
    std::string_view a, b;
    if (reader.take('[')) {  // ["a", "b"]
      if (!merge_string(reader, arrays.decoded, a) || !reader.take(',') ||
          !merge_string(reader, arrays.decoded, b) || !reader.take(']'))
        return false;
    } else {  // "a b": split at the first space
      std::string_view line;
      if (!merge_string(reader, arrays.decoded, line)) return false;
      const auto space = line.find(' ');
      if (space == std::string_view::npos) return false;
      a = line.substr(0, space);
      b = line.substr(space + 1);
    }
    merges.emplace_back(a, b);
  } while (reader.take(','));
  return reader.take(']');
}

bool read_model(Reader& reader, TokenizerJson& out) {
  json& model = out.document["model"];
  model = json::object();
  ModelArrays& arrays = out.arrays;
  std::set<std::string> seen;  // a key given twice: nlohmann keeps the last, the slow path reads it
  return reader.members([&](const std::string& key) {
    if (!seen.insert(key).second) return false;
    if (key == "vocab" && reader.next_is('{')) return read_vocab(reader, arrays.vocab.emplace());
    if (key == "merges" && reader.next_is('[')) return read_merges(reader, arrays);
    std::string_view text;
    return reader.skip_value(text) && parse_into(text, model[key]);
  });
}

}  // namespace

std::optional<TokenizerJson> read_tokenizer_json(std::string_view text) {
  Reader reader(text);
  TokenizerJson out;
  out.document = json::object();
  bool model_seen = false;
  const bool read = reader.members([&](const std::string& key) {
    if (key == "model") {
      if (model_seen || !reader.next_is('{')) return false;
      model_seen = true;
      return read_model(reader, out);
    }
    std::string_view value;
    return reader.skip_value(value) && parse_into(value, out.document[key]);
  });
  if (!read || !reader.at_end()) return std::nullopt;
  // A Unigram model's vocabulary is a list of [piece, score]; one that is an object is an error,
  // which the slow path words.
  if (out.arrays.vocab && out.document["model"].value("type", "") == "Unigram") return std::nullopt;
  return out;
}

std::optional<Vocab> read_vocab_json(std::string_view text) {
  Reader reader(text);
  Vocab vocab;
  if (!read_vocab(reader, vocab) || !reader.at_end()) return std::nullopt;
  return vocab;
}

}  // namespace attnviz::tokenize
