#include "gguf_tokenizer.hpp"

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

using nlohmann::json;

// The Split regexes of the Hub's tokenizer.json for each family llama.cpp's tokenizer.ggml.pre
// names (llama.cpp's llama-vocab.cpp lists the same expressions under these names).
const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

json split_then_byte_level(const char* regex, bool trim_offsets) {
  return {{"type", "Sequence"},
          {"pretokenizers", json::array({{{"type", "Split"},
                                          {"pattern", {{"Regex", regex}}},
                                          {"behavior", "Isolated"},
                                          {"invert", false}},
                                         {{"type", "ByteLevel"},
                                          {"add_prefix_space", false},
                                          {"trim_offsets", trim_offsets},
                                          {"use_regex", false}}})}};
}

// pre-tokenizer, normalizer and ignore_merges for a tokenizer.ggml.pre name
struct PreTokenizer {
  json pre_tokenizer;
  json normalizer;
  bool ignore_merges = false;
};

PreTokenizer pre_tokenizer_for(const std::string& pre, const std::string& file) {
  // GPT-2's own regex, which ByteLevel applies itself (use_regex)
  const json gpt2 = {{"type", "ByteLevel"},
                     {"add_prefix_space", false},
                     {"trim_offsets", true},
                     {"use_regex", true}};
  if (pre == "default" || pre == "gpt2" || pre == "smollm" || pre == "starcoder" ||
      pre == "gpt-2" || pre == "refact" || pre == "olmo")
    return {gpt2, nullptr, false};
  if (pre == "llama-bpe" || pre == "llama3" || pre == "smaug-bpe")
    return {split_then_byte_level(kLlama3Regex, true), nullptr, true};
  if (pre == "qwen2" || pre == "deepseek-r1-qwen")
    return {split_then_byte_level(kQwen2Regex, false), {{"type", "NFC"}}, false};
  throw Error(
      file + ": tokenizer.ggml.pre '" + pre +
      "' is a pre-tokenizer attnviz does not know from GGUF (it knows default, gpt2, smollm, "
      "starcoder, olmo, llama-bpe, smaug-bpe, qwen2, deepseek-r1-qwen); put the model's "
      "tokenizer.json beside the file");
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

// BOS / EOS around a sequence (and a pair), as add_bos_token / add_eos_token say.
json post_processor(const GgufFile& file, const std::vector<std::string>& tokens) {
  std::vector<std::pair<std::string, std::int64_t>> before, after;
  const auto special = [&](const char* id_key, const char* flag_key, bool fallback, auto& list) {
    const auto id = file.integer(id_key);
    if (!file.flag(flag_key).value_or(fallback) || !id) return;
    if (*id < 0 || static_cast<std::size_t>(*id) >= tokens.size()) {
      throw Error(file.path().string() + ": " + id_key + " " + std::to_string(*id) +
                  " is not a token of the vocabulary");
    }
    list.emplace_back(tokens[static_cast<std::size_t>(*id)], *id);
  };
  special("tokenizer.ggml.bos_token_id", "tokenizer.ggml.add_bos_token", false, before);
  special("tokenizer.ggml.eos_token_id", "tokenizer.ggml.add_eos_token", false, after);
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
  add(pair, before, 1);
  pair.push_back({{"Sequence", {{"id", "B"}, {"type_id", 1}}}});
  add(pair, after, 1);
  return {{"type", "TemplateProcessing"},
          {"single", single},
          {"pair", pair},
          {"special_tokens", specials}};
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
  if (*model != "gpt2") {
    throw Error(path + ": tokenizer.ggml.model '" + *model +
                "' is not read from GGUF by attnviz yet (it reads gpt2, byte-level BPE); put the "
                "model's tokenizer.json beside the file");
  }
  const Value& tokens = required_array(file, "tokenizer.ggml.tokens", 0);
  if (tokens.element_type != ValueType::STRING)
    throw Error(path + ": tokenizer.ggml.tokens is not an array of strings");
  const std::size_t n = tokens.texts.size();
  const Value* types = file.find("tokenizer.ggml.token_type");
  if (types != nullptr && (types->type != ValueType::ARRAY || types->integers.size() != n))
    throw Error(path + ": tokenizer.ggml.token_type does not give one type per token");
  const Value& merges = required_array(file, "tokenizer.ggml.merges", 0);
  if (merges.element_type != ValueType::STRING)
    throw Error(path + ": tokenizer.ggml.merges is not an array of strings");

  const PreTokenizer pre =
      pre_tokenizer_for(file.text("tokenizer.ggml.pre").value_or("default"), path);
  json vocab = json::object();
  json added = json::array();
  for (std::size_t id = 0; id < n; ++id) {
    vocab[tokens.texts[id]] = id;
    const std::int64_t type = types != nullptr ? types->integers[id] : 1;
    if (type == 3 || type == 4) {  // control: special; user-defined: added, not special
      added.push_back({{"id", id},
                       {"content", tokens.texts[id]},
                       {"single_word", false},
                       {"lstrip", false},
                       {"rstrip", false},
                       {"normalized", type == 4},
                       {"special", type == 3}});
    }
  }
  json doc;
  doc["version"] = "1.0";
  doc["added_tokens"] = added;
  doc["normalizer"] = pre.normalizer;
  doc["pre_tokenizer"] = pre.pre_tokenizer;
  doc["post_processor"] = post_processor(file, tokens.texts);
  doc["decoder"] = {{"type", "ByteLevel"},
                    {"add_prefix_space", true},
                    {"trim_offsets", true},
                    {"use_regex", true}};
  json unk = nullptr;
  if (const auto id = file.integer("tokenizer.ggml.unknown_token_id");
      id && *id >= 0 && static_cast<std::size_t>(*id) < n)
    unk = tokens.texts[static_cast<std::size_t>(*id)];
  doc["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", unk},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", pre.ignore_merges},
                  {"vocab", vocab},
                  {"merges", merges.texts}};
  return doc;
}

}  // namespace attnviz::gguf
