#include "sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include <optional>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "post_processor.hpp"
#include "unicode.hpp"

namespace attnviz::tokenize {
namespace {

constexpr std::string_view kWordStart =
    "\xE2\x96\x81";  // U+2581, SentencePiece's word-start marker

class SentencePieceTokenizer : public Tokenizer {
 public:
  SentencePieceTokenizer(const std::filesystem::path& path, const nlohmann::json& config) {
    const auto status = processor_.Load(path.string());
    if (!status.ok()) {
      throw Error("cannot load SentencePiece model " + path.string() + ": " + status.ToString() +
                  "; the file is missing or damaged: download it again");
    }
    lowercase_ = config.value("do_lower_case", false);
    auto token = [&](const char* key) -> std::optional<std::pair<std::int32_t, std::string>> {
      const auto it = config.find(key);
      if (it == config.end() || it->is_null()) return std::nullopt;
      const std::string content =
          it->is_string() ? it->get<std::string>() : it->at("content").get<std::string>();
      const int id = processor_.PieceToId(content);
      if (id == processor_.unk_id() && content != processor_.IdToPiece(id)) return std::nullopt;
      return std::pair{static_cast<std::int32_t>(id), content};
    };
    const auto cls = token("cls_token");
    const auto sep = token("sep_token");
    const auto eos = token("eos_token");
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
  std::size_t vocab_size() const override {
    return static_cast<std::size_t>(processor_.GetPieceSize());
  }

 private:
  std::vector<SequenceToken> encode_sequence(std::string_view text) const {
    validate_utf8(text);
    // Lowercasing may change byte lengths; keep where each byte of the lowercased text came from.
    std::string input;
    std::vector<std::uint32_t> origin;
    if (lowercase_) {
      std::u32string lowered;
      for (std::size_t pos = 0; pos < text.size();) {
        const std::size_t start = pos;
        lowered.clear();
        append_lowercase(decode_utf8(text, pos), lowered);
        for (const char32_t c : lowered) append_utf8(c, input);
        origin.resize(input.size(), static_cast<std::uint32_t>(start));
      }
    } else {
      input.assign(text);
      for (std::uint32_t i = 0; i < text.size(); ++i) origin.push_back(i);
    }
    origin.push_back(static_cast<std::uint32_t>(text.size()));
    const auto proto = processor_.EncodeAsImmutableProto(input);
    std::vector<SequenceToken> out;
    for (const auto& piece : proto.pieces()) {
      const bool word_start = piece.piece().compare(0, kWordStart.size(), kWordStart) == 0;
      out.push_back({static_cast<std::int32_t>(piece.id()), origin[piece.begin()],
                     origin[piece.end()], !out.empty() && !word_start});
    }
    return out;
  }

  std::function<std::string(std::int32_t)> token_fn() const {
    return [this](std::int32_t id) { return id_to_token(id); };
  }
  std::function<std::string(const std::string&, bool)> display_fn() const {
    return [](const std::string& token, bool continuation) {
      std::string text = token;
      if (text.compare(0, kWordStart.size(), kWordStart) == 0) text.erase(0, kWordStart.size());
      return (continuation ? "·" : "") + (text.empty() ? std::string("␣") : text);
    };
  }

  sentencepiece::SentencePieceProcessor processor_;
  bool lowercase_ = false;
  PostProcessorSpec post_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece(const std::filesystem::path& model_path,
                                              const nlohmann::json& config) {
  return std::make_unique<SentencePieceTokenizer>(model_path, config);
}

}  // namespace attnviz::tokenize
