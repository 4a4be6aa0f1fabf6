#include "gguf_tokenizer.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

using nlohmann::json;

// The Split regexes of the Hub's tokenizer.json for each family llama.cpp's tokenizer.ggml.pre
// names (llama.cpp's llama-vocab.cpp lists the same expressions under these names).
// The Split regexes of the Hub's tokenizer.json for each family llama.cpp's tokenizer.ggml.pre
// names (llama.cpp's llama-vocab.cpp quotes the same expressions under these names).
const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kGpt4oRegex =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kTekkenRegex =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// DeepSeek-V3: three Splits, digits in threes, then CJK runs, then the rest
const char* const kDeepseekV3Regexes[] = {
    R"(\p{N}{1,3})", R"([一-龥぀-ゟ゠-ヿ]+)",
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};

const char* const kSpace = "\u2581";  // SentencePiece's ▁

json split(const char* regex) {
  return {{"type", "Split"},
          {"pattern", {{"Regex", regex}}},
          {"behavior", "Isolated"},
          {"invert", false}};
}

json byte_level(bool trim_offsets, bool use_regex) {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", trim_offsets},
          {"use_regex", use_regex}};
}

json sequence(json pretokenizers) {
  return {{"type", "Sequence"}, {"pretokenizers", std::move(pretokenizers)}};
}

// pre-tokenizer, normalizer and ignore_merges for a tokenizer.ggml.pre name
struct PreTokenizer {
  json pre_tokenizer;
  json normalizer;
  bool ignore_merges = false;
};

PreTokenizer pre_tokenizer_for(const std::string& pre, const std::string& file) {
  // GPT-2's own regex, which ByteLevel applies itself (use_regex)
  if (pre == "default" || pre == "gpt2" || pre == "gpt-2" || pre == "mpt" || pre == "olmo" ||
      pre == "jais")
    return {byte_level(true, true), nullptr, false};
  // each digit on its own, then GPT-2's regex (llama.cpp: \p{N} before it)
  if (pre == "smollm" || pre == "starcoder" || pre == "refact" || pre == "command-r" ||
      pre == "codeshell" || pre == "exaone" || pre == "minerva")
    return {sequence({{{"type", "Digits"}, {"individual_digits", true}}, byte_level(true, true)}),
            nullptr, false};
  if (pre == "llama-bpe" || pre == "llama3" || pre == "smaug-bpe" || pre == "dbrx" ||
      pre == "chatglm-bpe")
    return {sequence({split(kLlama3Regex), byte_level(true, false)}), nullptr, true};
  if (pre == "qwen2" || pre == "deepseek-r1-qwen")
    return {sequence({split(kQwen2Regex), byte_level(false, false)}), {{"type", "NFC"}}, false};
  if (pre == "gpt-4o")
    return {sequence({split(kGpt4oRegex), byte_level(false, false)}), nullptr, false};
  if (pre == "tekken")
    return {sequence({split(kTekkenRegex), byte_level(false, false)}), nullptr, false};
  if (pre == "deepseek-v3") {
    json steps = json::array();
    for (const char* regex : kDeepseekV3Regexes) steps.push_back(split(regex));
    steps.push_back(byte_level(false, false));
    return {sequence(std::move(steps)), nullptr, false};
  }
  throw Error(file + ": tokenizer.ggml.pre '" + pre +
              "' is a pre-tokenizer attnviz does not know from GGUF (it knows default, gpt2, mpt, "
              "olmo, jais, smollm, starcoder, refact, command-r, codeshell, exaone, minerva, "
              "llama-bpe, smaug-bpe, dbrx, chatglm-bpe, qwen2, deepseek-r1-qwen, gpt-4o, tekken, "
              "deepseek-v3); put the model's tokenizer.json beside the file");
}

const Value& required_array(const GgufFile& file, const char* key, std::size_t size) {
  const Value* value = file.find(key);
  if (value == nullptr || value->type != ValueType::ARRAY || (size != 0 && value->size() != size)) {
    throw Error(file.path().string() + ": " + key +
                (value == nullptr ? " is missing" : " is not an array of one entry per token") +
                "; the file carries no usable tokenizer");
  }
  return *value;
}

// llama.cpp's token types (tokenizer.ggml.token_type)
enum TokenType : std::int64_t {
  kNormal = 1,
  kUnknown = 2,
  kControl = 3,
  kUserDefined = 4,
  kByte = 6
};

// The vocabulary every tokenizer model of a GGUF file has: the tokens, their types (normal where
// the file gives none) and, where the model needs them, their scores.
struct Vocabulary {
  const std::vector<std::string>& tokens;
  std::vector<std::int64_t> types;
  std::vector<double> scores;
};

Vocabulary read_vocabulary(const GgufFile& file, bool with_scores) {
  const std::string path = file.path().string();
  const Value& tokens = required_array(file, "tokenizer.ggml.tokens", 0);
  if (tokens.element_type != ValueType::STRING)
    throw Error(path + ": tokenizer.ggml.tokens is not an array of strings");
  const std::size_t n = tokens.texts.size();
  Vocabulary vocabulary{tokens.texts, std::vector<std::int64_t>(n, kNormal), {}};
  if (const Value* types = file.find("tokenizer.ggml.token_type")) {
    if (types->type != ValueType::ARRAY || types->integers.size() != n)
      throw Error(path + ": tokenizer.ggml.token_type does not give one type per token");
    vocabulary.types = types->integers;
  }
  if (with_scores) {
    const Value& scores = required_array(file, "tokenizer.ggml.scores", n);
    if (scores.numbers.size() != n)
      throw Error(path + ": tokenizer.ggml.scores is not an array of numbers");
    vocabulary.scores = scores.numbers;
  }
  return vocabulary;
}

// Control and unknown tokens become special added tokens, user-defined ones added tokens
// (`normalized` as the Hub's files have them for the model).
json added_tokens(const Vocabulary& vocabulary, bool user_defined_normalized) {
  json added = json::array();
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    const std::int64_t type = vocabulary.types[id];
    if (type != kControl && type != kUnknown && type != kUserDefined) continue;
    added.push_back({{"id", id},
                     {"content", vocabulary.tokens[id]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", type == kUserDefined && user_defined_normalized},
                     {"special", type != kUserDefined}});
  }
  return added;
}

// The token `id_key` names, or nullptr where the file names none.
json token_named(const GgufFile& file, const Vocabulary& vocabulary, const char* id_key) {
  const auto id = file.integer(id_key);
  if (!id) return nullptr;
  if (*id < 0 || static_cast<std::size_t>(*id) >= vocabulary.tokens.size()) {
    throw Error(file.path().string() + ": " + id_key + " " + std::to_string(*id) +
                " is not a token of the vocabulary");
  }
  return vocabulary.tokens[static_cast<std::size_t>(*id)];
}

// What goes around a sequence: the BOS (or CLS) token before it where add_bos_token says so, the
// EOS (or SEP) after it where add_eos_token does; each model type has llama.cpp's defaults for
// what the file leaves out (BERT's [CLS] and [SEP] by name). A pair repeats the prefix before its
// second sequence unless `one_prefix` (BERT: [CLS] A [SEP] B [SEP]).
struct Template {
  std::vector<const char*> before_keys = {"tokenizer.ggml.bos_token_id"};
  std::vector<const char*> after_keys = {"tokenizer.ggml.eos_token_id"};
  const char* before_name = nullptr;
  const char* after_name = nullptr;
  bool add_before = false, add_after = false;
  bool one_prefix = false;
};

// The first of `keys` the file has, else the token spelled `name`; empty where neither is there.
std::vector<std::pair<std::string, std::int64_t>> special_token(
    const GgufFile& file, const Vocabulary& vocabulary, const std::vector<const char*>& keys,
    const char* name) {
  for (const char* key : keys) {
    const json token = token_named(file, vocabulary, key);
    if (!token.is_null()) return {{token.get<std::string>(), *file.integer(key)}};
  }
  if (name != nullptr) {
    const auto found = std::find(vocabulary.tokens.begin(), vocabulary.tokens.end(), name);
    if (found != vocabulary.tokens.end()) return {{name, found - vocabulary.tokens.begin()}};
  }
  return {};
}

json post_processor(const GgufFile& file, const Vocabulary& vocabulary, const Template& rule) {
  std::vector<std::pair<std::string, std::int64_t>> before, after;
  if (file.flag("tokenizer.ggml.add_bos_token").value_or(rule.add_before))
    before = special_token(file, vocabulary, rule.before_keys, rule.before_name);
  if (file.flag("tokenizer.ggml.add_eos_token").value_or(rule.add_after))
    after = special_token(file, vocabulary, rule.after_keys, rule.after_name);
  if (before.empty() && after.empty()) return nullptr;
  json single = json::array(), pair = json::array(), specials = json::object();
  const auto add = [&](json& to, const auto& list, int type_id) {
    for (const auto& [token, id] : list) {
      to.push_back({{"SpecialToken", {{"id", token}, {"type_id", type_id}}}});
      specials[token] = {{"id", token}, {"ids", {id}}, {"tokens", {token}}};
    }
  };
  add(single, before, 0);
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  add(single, after, 0);
  add(pair, before, 0);
  pair.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  add(pair, after, 0);
  if (!rule.one_prefix) add(pair, before, 1);
  pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
  add(pair, after, 1);
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", pair},
          {"special_tokens", specials}};
}

json vocab_object(const std::vector<std::string>& tokens) {
  json vocab = json::object();
  for (std::size_t id = 0; id < tokens.size(); ++id) vocab[tokens[id]] = id;
  return vocab;
}

// tokenizer.ggml.model gpt2: byte-level BPE with the file's merges and the pre-tokenizer
// tokenizer.ggml.pre names.
json byte_level_bpe(const GgufFile& file) {
  const std::string path = file.path().string();
  const Vocabulary vocabulary = read_vocabulary(file, false);
  const Value& merges = required_array(file, "tokenizer.ggml.merges", 0);
  if (merges.element_type != ValueType::STRING)
    throw Error(path + ": tokenizer.ggml.merges is not an array of strings");
  const PreTokenizer pre =
      pre_tokenizer_for(file.text("tokenizer.ggml.pre").value_or("default"), path);
  json doc;
  doc["added_tokens"] = added_tokens(vocabulary, true);
  doc["normalizer"] = pre.normalizer;
  doc["pre_tokenizer"] = pre.pre_tokenizer;
  doc["post_processor"] = post_processor(file, vocabulary, {});
  doc["decoder"] = {{"type", "ByteLevel"},
                    {"add_prefix_space", true},
                    {"trim_offsets", true},
                    {"use_regex", true}};
  doc["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", token_named(file, vocabulary, "tokenizer.ggml.unknown_token_id")},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", pre.ignore_merges},
                  {"vocab", vocab_object(vocabulary.tokens)},
                  {"merges", merges.texts}};
  return doc;
}

// SentencePiece's BPE keeps no merges, only each piece's score; transformers'
// SentencePieceExtractor (how the Hub's tokenizer.json files of these models were made) turns them
// into merges: every way to split a normal piece into two pieces of the vocabulary, ranked by the
// piece's score (highest first), then by the ids of the two halves.
json merges_from_scores(const Vocabulary& vocabulary) {
  std::unordered_map<std::string_view, std::int64_t> ids;
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id)
    ids.emplace(vocabulary.tokens[id], static_cast<std::int64_t>(id));
  struct Merge {
    double score;
    std::int64_t left, right;
  };
  std::vector<Merge> merges;
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    if (vocabulary.types[id] != kNormal) continue;
    const std::string_view piece = vocabulary.tokens[id];
    for (std::size_t cut = 1; cut < piece.size(); ++cut) {
      if ((static_cast<unsigned char>(piece[cut]) & 0xC0) == 0x80) continue;  // inside a character
      const auto left = ids.find(piece.substr(0, cut));
      const auto right = ids.find(piece.substr(cut));
      if (left != ids.end() && right != ids.end())
        merges.push_back({vocabulary.scores[id], left->second, right->second});
    }
  }
  std::stable_sort(merges.begin(), merges.end(), [](const Merge& a, const Merge& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.left != b.left ? a.left < b.left : a.right < b.right;
  });
  json out = json::array();
  for (const Merge& merge : merges)
    out.push_back({vocabulary.tokens[merge.left], vocabulary.tokens[merge.right]});
  return out;
}

json replace(const char* from, const char* to) {
  return {{"type", "Replace"}, {"pattern", {{"String", from}}}, {"content", to}};
}

// tokenizer.ggml.model llama: SentencePiece's BPE as the Hub's tokenizer.json spells it (Llama 2,
// Mistral, Gemma): spaces as ▁ and one ▁ before the text where add_space_prefix (default true),
// byte fallback for characters outside the vocabulary, BOS before the text by default.
json sentencepiece_bpe(const GgufFile& file) {
  const Vocabulary read = read_vocabulary(file, true);
  // SentencePiece matches its user-defined pieces (Gemma's runs of ▁, \n, HTML tags) whole in the
  // normalized text before BPE: added tokens matched after normalization, spelled with ▁ where
  // llama.cpp's converter wrote spaces.
  std::vector<std::string> tokens = read.tokens;
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    if (read.types[id] != kUserDefined) continue;
    for (std::size_t at = tokens[id].find(' '); at != std::string::npos;
         at = tokens[id].find(' ', at))
      tokens[id].replace(at, 1, kSpace);
  }
  const Vocabulary vocabulary{tokens, read.types, read.scores};
  const bool space_prefix = file.flag("tokenizer.ggml.add_space_prefix").value_or(true);
  json doc;
  doc["added_tokens"] = added_tokens(vocabulary, true);
  doc["normalizer"] =
      space_prefix ? json{{"type", "Sequence"},
                          {"normalizers",
                           {{{"type", "Prepend"}, {"prepend", kSpace}}, replace(" ", kSpace)}}}
                   : replace(" ", kSpace);
  doc["pre_tokenizer"] = nullptr;
  Template rule;
  rule.add_before = true;
  doc["post_processor"] = post_processor(file, vocabulary, rule);
  json decoders = {replace(kSpace, " "), {{"type", "ByteFallback"}}, {{"type", "Fuse"}}};
  if (space_prefix)
    decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
  doc["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
  doc["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", token_named(file, vocabulary, "tokenizer.ggml.unknown_token_id")},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", true},
                  {"byte_fallback", true},
                  {"ignore_merges", false},
                  {"vocab", vocab_object(vocabulary.tokens)},
                  {"merges", merges_from_scores(vocabulary)}};
  return doc;
}

// tokenizer.ggml.model bert: WordPiece. llama.cpp's converter spelled each token its own way
// ("phantom space": a word-initial piece gains a leading ▁, a continuation loses its ##, control
// tokens stay); the Hub's spelling is put back. Lowercased, as llama.cpp's WordPiece always does.
json wordpiece(const GgufFile& file) {
  const Vocabulary vocabulary = read_vocabulary(file, false);
  const std::string space = kSpace;
  std::vector<std::string> tokens;
  tokens.reserve(vocabulary.tokens.size());
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    const std::string& token = vocabulary.tokens[id];
    if (vocabulary.types[id] == kControl) {
      tokens.push_back(token);
    } else if (token.compare(0, space.size(), space) == 0) {
      tokens.push_back(token.substr(space.size()));
    } else {
      tokens.push_back("##" + token);
    }
  }
  const Vocabulary hub{tokens, vocabulary.types, {}};
  json doc;
  doc["added_tokens"] = added_tokens(hub, false);
  doc["normalizer"] = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", true},
                       {"strip_accents", nullptr},
                       {"lowercase", true}};
  doc["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  Template rule;
  rule.before_keys = {"tokenizer.ggml.cls_token_id", "tokenizer.ggml.bos_token_id"};
  rule.after_keys = {"tokenizer.ggml.seperator_token_id", "tokenizer.ggml.eos_token_id"};
  rule.before_name = "[CLS]";
  rule.after_name = "[SEP]";
  rule.add_before = rule.add_after = rule.one_prefix = true;
  doc["post_processor"] = post_processor(file, hub, rule);
  doc["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  const auto unk = special_token(file, hub, {"tokenizer.ggml.unknown_token_id"}, "[UNK]");
  doc["model"] = {{"type", "WordPiece"},
                  {"unk_token", unk.empty() ? json("[UNK]") : json(unk.front().first)},
                  {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", 100},
                  {"vocab", vocab_object(tokens)}};
  return doc;
}

// RFC 4648 base64, as tokenizer.json stores a precompiled_charsmap.
std::string base64(const std::vector<std::int64_t>& bytes) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 3; ++j)
      group = (group << 8) | (j < n ? static_cast<std::uint8_t>(bytes[i + j]) : 0u);
    for (std::size_t j = 0; j < 4; ++j) out += j <= n ? digits[(group >> (18 - 6 * j)) & 63] : '=';
  }
  return out;
}

// tokenizer.ggml.model t5: SentencePiece's Unigram as the Hub's T5 tokenizer.json spells it: the
// model's own normalization rules (tokenizer.ggml.precompiled_charsmap), runs of spaces made one
// where remove_extra_whitespaces, ▁ for spaces and before each word, EOS after the text by
// default.
json unigram(const GgufFile& file) {
  const Vocabulary vocabulary = read_vocabulary(file, true);
  json normalizers = json::array();
  if (const Value* charsmap = file.find("tokenizer.ggml.precompiled_charsmap");
      charsmap != nullptr && !charsmap->integers.empty())
    normalizers.push_back(
        {{"type", "Precompiled"}, {"precompiled_charsmap", base64(charsmap->integers)}});
  if (file.flag("tokenizer.ggml.remove_extra_whitespaces").value_or(false)) {
    normalizers.push_back(
        {{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
  }
  const json metaspace = {
      {"type", "Metaspace"},
      {"replacement", kSpace},
      {"prepend_scheme",
       file.flag("tokenizer.ggml.add_space_prefix").value_or(true) ? "always" : "never"},
      {"split", true}};
  json doc;
  doc["added_tokens"] = added_tokens(vocabulary, false);
  doc["normalizer"] = normalizers.empty()
                          ? json(nullptr)
                          : json{{"type", "Sequence"}, {"normalizers", normalizers}};
  doc["pre_tokenizer"] = metaspace;
  Template rule;
  rule.add_after = true;
  doc["post_processor"] = post_processor(file, vocabulary, rule);
  doc["decoder"] = metaspace;
  json pieces = json::array();
  bool bytes = false;
  for (std::size_t id = 0; id < vocabulary.tokens.size(); ++id) {
    pieces.push_back({vocabulary.tokens[id], vocabulary.scores[id]});
    bytes = bytes || vocabulary.types[id] == kByte;
  }
  json unk_id = nullptr;
  if (const auto id = file.integer("tokenizer.ggml.unknown_token_id")) unk_id = *id;
  doc["model"] = {
      {"type", "Unigram"}, {"unk_id", unk_id}, {"vocab", pieces}, {"byte_fallback", bytes}};
  return doc;
}

}  // namespace

json tokenizer_json(const GgufFile& file) {
  const std::string path = file.path().string();
  const auto model = file.text("tokenizer.ggml.model");
  if (!model) {
    throw Error(path +
                " carries no tokenizer (no tokenizer.ggml.model); put the model's "
                "tokenizer.json in a directory beside it");
  }
  json doc;
  if (*model == "gpt2") {
    doc = byte_level_bpe(file);
  } else if (*model == "llama") {
    doc = sentencepiece_bpe(file);
  } else if (*model == "bert") {
    doc = wordpiece(file);
  } else if (*model == "t5") {
    doc = unigram(file);
  } else {
    throw Error(path + ": tokenizer.ggml.model '" + *model +
                "' is not read from GGUF by attnviz (it reads gpt2, llama, bert and t5); put the "
                "model's tokenizer.json beside the file");
  }
  doc["version"] = "1.0";
  return doc;
}

}  // namespace attnviz::gguf
