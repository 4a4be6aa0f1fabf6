#include "sentencepiece_tokenizer.hpp"

#include "sentencepiece_library.hpp"

#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "added_vocabulary.hpp"
#include "attnviz/error.hpp"
#include "normalizer.hpp"
#include "post_processor.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

constexpr std::string_view kWordStart =
    "\xE2\x96\x81";  // U+2581, SentencePiece's word-start marker

bool starts_with_word_start(std::string_view piece) {
  return piece.substr(0, kWordStart.size()) == kWordStart;
}

// What a file that libsentencepiece refused looks like, for the error message.
std::string what_the_file_is(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  char head[256];
  in.read(head, sizeof head);
  const std::string_view start(head, static_cast<std::size_t>(in.gcount()));
  if (start.empty()) return "the file is empty";
  if (start.substr(0, 4) == "GGUF") return "it is a GGUF file, not a SentencePiece model";
  const auto first = start.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && (start[first] == '{' || start[first] == '['))
    return "it is JSON, not a SentencePiece model (a binary protobuf ModelProto)";
  bool text = true;
  for (const char c : start) {
    const auto u = static_cast<unsigned char>(c);
    text = text && (u >= 0x20 || c == '\n' || c == '\r' || c == '\t');
  }
  if (text) return "it is a text file, not a SentencePiece model (a binary protobuf ModelProto)";
  return "it is not a SentencePiece model (a binary protobuf ModelProto), or it is damaged";
}

// The other tokenizer files next to a SentencePiece model, for the error message.
std::string other_tokenizer_files(const std::filesystem::path& model_path) {
  std::string found;
  for (const char* name :
       {"tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "merges.txt",
        "special_tokens_map.json", "tokenizer.model", "spiece.model", "spm.model"}) {
    const auto path = model_path.parent_path() / name;
    if (path.filename() != model_path.filename() && std::filesystem::exists(path))
      found += (found.empty() ? "" : ", ") + std::string(name);
  }
  return found.empty()
             ? "no other tokenizer files are in " + model_path.parent_path().string() +
                   ": download the model's tokenizer again"
             : "other tokenizer files in " + model_path.parent_path().string() + ": " + found;
}

// transformers' AlbertTokenizer and XLNetTokenizer preprocess the text and split "9," pieces; the
// keys of tokenizer_config.json override their defaults. Other SentencePiece tokenizers pass the
// text through.
struct SentencePieceConfig {
  SentencePiecePreprocessOptions preprocess{false, true, false, false};
  bool split_digit_comma = false;
  bool mask_lstrip = false;
};

SentencePieceConfig read_config(const nlohmann::json& config) {
  SentencePieceConfig out;
  const std::string cls = config.value("tokenizer_class", "");
  const bool albert = cls.rfind("Albert", 0) == 0;
  const bool xlnet = cls.rfind("XLNet", 0) == 0;
  if (albert || xlnet) {
    out.preprocess = {true, false, albert, true};
    out.split_digit_comma = true;
    out.mask_lstrip = true;
  }
  out.preprocess.remove_space = config.value("remove_space", out.preprocess.remove_space);
  out.preprocess.keep_accents = config.value("keep_accents", out.preprocess.keep_accents);
  out.preprocess.do_lower_case = config.value("do_lower_case", out.preprocess.do_lower_case);
  // DebertaV2Tokenizer's split_by_punct cuts the text at punctuation before SentencePiece sees it;
  // attnviz does not, so it is refused rather than ignored.
  if (config.value("split_by_punct", false)) {
    throw Error(
        "tokenizer_config.json sets split_by_punct, which attnviz's SentencePiece tokenizer does "
        "not do; save the tokenizer as tokenizer.json (tokenizer.save_pretrained with a fast "
        "tokenizer) and run that");
  }
  return out;
}

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(const std::filesystem::path& path, const nlohmann::json& config)
      : config_(read_config(config)),
        preprocess_(make_sentencepiece_preprocessor(config_.preprocess)) {
    const auto status = processor_.Load(path.string());
    if (!status.ok()) {
      throw Error("cannot load SentencePiece model " + path.string() + ": " +
                  what_the_file_is(path) + " (" + status.ToString() + "); " +
                  other_tokenizer_files(path));
    }
    std::vector<AddedToken> added;
    auto special = [&](const char* key) -> std::optional<std::pair<std::int32_t, std::string>> {
      const auto it = config.find(key);
      if (it == config.end() || it->is_null()) return std::nullopt;
      AddedToken t;
      t.content = it->is_string() ? it->get<std::string>() : it->at("content").get<std::string>();
      const int id = processor_.PieceToId(t.content);
      if (processor_.IdToPiece(id) != t.content) return std::nullopt;  // not in the model
      t.id = id;
      t.special = true;
      t.lstrip = it->is_object() ? it->value("lstrip", false)
                                 : (config_.mask_lstrip && std::string(key) == "mask_token");
      t.rstrip = it->is_object() && it->value("rstrip", false);
      added.push_back(t);
      return std::pair{t.id, t.content};
    };
    for (const char* key : {"unk_token", "pad_token", "mask_token", "bos_token"}) special(key);
    const auto cls = special("cls_token");
    const auto sep = special("sep_token");
    const auto eos = special("eos_token");
    added_ = AddedVocabulary(added, nullptr);
    if (cls && sep) {
      post_ = bert_template(cls->first, cls->second, sep->first, sep->second);
    } else if (eos) {
      const TemplateItem e0{-1, {eos->first}, {eos->second}, 0};
      const TemplateItem e1{-1, {eos->first}, {eos->second}, 1};
      post_.single = {TemplateItem{0, {}, {}, 0}, e0};
      post_.pair = {TemplateItem{0, {}, {}, 0}, e0, TemplateItem{1, {}, {}, 1}, e1};
    }
  }

  Encoding encode(std::string_view text) const override {
    const auto a = encode_sequence(text);
    const std::vector<SequenceToken>* sequences[2] = {&a, nullptr};
    const std::size_t sizes[2] = {text.size(), 0};
    return apply_template(post_.single, sequences, sizes, token_fn(), display_fn());
  }

  Encoding encode_pair(std::string_view first, std::string_view second) const override {
    const auto a = encode_sequence(first);
    const auto b = encode_sequence(second);
    const std::vector<SequenceToken>* sequences[2] = {&a, &b};
    const std::size_t sizes[2] = {first.size(), second.size()};
    return apply_template(post_.pair, sequences, sizes, token_fn(), display_fn());
  }

  std::string id_to_token(std::int64_t id) const override {
    return id >= 0 && id < processor_.GetPieceSize() ? processor_.IdToPiece(static_cast<int>(id))
                                                     : std::string();
  }
  std::optional<std::int64_t> unknown_id() const override {
    // SentencePiece answers its unknown id for a piece it does not have.
    return processor_.PieceToId("\x01attnviz: no such piece\x01");
  }
  std::size_t vocab_size() const override {
    return static_cast<std::size_t>(processor_.GetPieceSize());
  }

 private:
  std::vector<SequenceToken> encode_sequence(std::string_view text) const {
    validate_utf8(text);
    const NormalizedText original = NormalizedText::from_original(text, 0, text.size());
    std::vector<AddedMatch> matches;
    const CharRange all{0, static_cast<std::uint32_t>(original.size())};
    added_.find(original, all, false, matches);
    std::vector<SequenceToken> out;
    std::uint32_t pos = 0;
    for (const AddedMatch& m : matches) {
      encode_part(original, {pos, m.range.begin}, out);
      out.push_back({m.id, original.begin[m.range.begin], original.end[m.range.end - 1], false});
      pos = m.range.end;
    }
    encode_part(original, {pos, all.end}, out);
    return out;
  }

  void encode_part(const NormalizedText& original, CharRange range,
                   std::vector<SequenceToken>& out) const {
    if (range.begin >= range.end) return;
    NormalizedText part = original.slice(range);
    preprocess_->normalize(part);
    // The model sees UTF-8; remember which code point each byte belongs to, to map its offsets
    // back.
    std::string input;
    std::vector<std::uint32_t> char_of_byte;
    for (std::uint32_t i = 0; i < part.size(); ++i) {
      append_utf8(part.chars[i], input);
      char_of_byte.resize(input.size(), i);
    }
    if (input.empty()) return;
    auto span_of = [&](std::size_t begin, std::size_t end) {
      if (begin >= end) {  // an empty surface (e.g. a lone "▁"): an empty span where it sits
        const std::uint32_t at =
            begin < input.size() ? part.begin[char_of_byte[begin]] : part.end.back();
        return std::pair{at, at};
      }
      return std::pair{part.begin[char_of_byte[begin]], part.end[char_of_byte[end - 1]]};
    };
    const auto pieces = processor_.EncodeAsImmutableProto(input);
    for (const auto& piece : pieces.pieces()) {
      const std::string& p = piece.piece();
      const bool continuation = !out.empty() && !starts_with_word_start(p);
      if (config_.split_digit_comma && ends_with_digit_comma(p)) {
        split_digit_comma(p, piece.end(), span_of, out);
        continue;
      }
      const auto [b, e] = span_of(piece.begin(), piece.end());
      out.push_back({static_cast<std::int32_t>(piece.id()), b, e, continuation});
    }
  }

  static bool ends_with_digit_comma(const std::string& piece) {
    std::u32string chars;
    for (std::size_t pos = 0; pos < piece.size();) chars.push_back(decode_utf8(piece, pos));
    return chars.size() > 1 && chars.back() == U',' && is_decimal_digit(chars[chars.size() - 2]);
  }

  // AlbertTokenizer._tokenize: "▁1990," is re-encoded as "1990" without markers, then "," on its
  // own.
  template <typename SpanOf>
  void split_digit_comma(const std::string& piece, std::size_t piece_end, SpanOf span_of,
                         std::vector<SequenceToken>& out) const {
    std::string digits = piece.substr(0, piece.size() - 1);
    for (std::size_t at; (at = digits.find(kWordStart)) != std::string::npos;)
      digits.erase(at, kWordStart.size());
    const std::size_t digits_begin =
        piece_end - 1 - digits.size();  // the digits end right before the comma
    const auto sub = processor_.EncodeAsImmutableProto(digits);
    bool first = true;
    for (const auto& s : sub.pieces()) {
      std::string text = s.piece();
      if (first && !starts_with_word_start(piece) && starts_with_word_start(text)) {
        first = false;
        if (text.size() == kWordStart.size()) continue;
        text.erase(0, kWordStart.size());
      }
      first = false;
      const auto [b, e] = span_of(digits_begin + s.begin(), digits_begin + s.end());
      out.push_back({static_cast<std::int32_t>(processor_.PieceToId(text)), b, e,
                     !out.empty() && !starts_with_word_start(text)});
    }
    const auto [b, e] = span_of(piece_end - 1, piece_end);
    out.push_back({static_cast<std::int32_t>(processor_.PieceToId(",")), b, e, true});
  }

  std::function<std::string(std::int32_t)> token_fn() const {
    return [this](std::int32_t id) { return id_to_token(id); };
  }
  std::function<std::string(const std::string&, bool)> display_fn() const {
    return [](const std::string& token, bool continuation) {
      std::string text = token;
      if (starts_with_word_start(text)) text.erase(0, kWordStart.size());
      return (continuation ? "·" : "") + (text.empty() ? std::string("␣") : text);
    };
  }

  SentencePieceConfig config_;
  std::unique_ptr<Normalizer> preprocess_;
  SentencePieceProcessor processor_;
  AddedVocabulary added_;
  PostProcessorSpec post_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece(const std::filesystem::path& model_path,
                                              const nlohmann::json& config) {
  return std::make_unique<SentencePieceTokenizer>(model_path, config);
}

}  // namespace attnviz::tokenize
