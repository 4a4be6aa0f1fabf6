#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/tokenizer.hpp"
#include "gguf_file.hpp"
#include "gguf_tokenizer.hpp"
#include "json_id.hpp"
#include "pipeline_tokenizer.hpp"
#include "sentencepiece_tokenizer.hpp"
#include "tokenizer_json.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tokenize::AddedToken;
using tokenize::MergeList;
using tokenize::ModelArrays;
using tokenize::PipelineParts;
using tokenize::Vocab;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw Error("cannot open tokenizer file " + path.string() +
                ": check that it exists and is readable");
  // One read into a string of the file's size: a 33 MB tokenizer.json is not copied twice.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0);
  if (size < 0) {  // not a regular file
    in.clear();
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), size);
  text.resize(static_cast<std::size_t>(in.gcount()));
  return text;
}

json parse_json(const std::string& text, const fs::path& path) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number like 1e999
    throw Error("tokenizer file " + path.string() + " is not valid JSON (" + e.what() +
                "); the file is damaged: download it again");
  }
}

json read_json(const fs::path& path) {
  return parse_json(read_file(path), path);
}

// Reading a field of the wrong type gives nlohmann's exception, and a part attnviz does not know
// gives an Error without the file's name; say which file it was.
template <typename Fn>
auto with_file_context(const fs::path& path, Fn fn) {
  try {
    return fn();
  } catch (const json::exception& e) {
    throw Error("tokenizer file " + path.string() + " does not have the expected structure (" +
                e.what() + "); it may be damaged or from an unsupported tokenizer");
  } catch (const Error& e) {
    throw Error("tokenizer file " + path.string() + ": " + e.what());
  }
}

json read_config(const fs::path& dir) {
  const fs::path path = dir / "tokenizer_config.json";
  return fs::exists(path) ? read_json(path) : json::object();
}

// A special token in tokenizer_config.json: "[CLS]" or {"content": "[CLS]", ...}.
std::optional<std::string> config_token(const json& config, const char* key) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  return it->at("content").get<std::string>();
}

AddedToken added_token_from_json(const json& j, std::int32_t id) {
  AddedToken t;
  t.content = j.at("content").get<std::string>();
  t.id = id;
  t.special = j.value("special", false);
  t.normalized = j.value("normalized", !t.special);
  t.lstrip = j.value("lstrip", false);
  t.rstrip = j.value("rstrip", false);
  t.single_word = j.value("single_word", false);
  return t;
}

// tokenizer_config.json's added_tokens_decoder, then its named special tokens (as transformers adds
// them).
std::vector<AddedToken> config_added_tokens(const json& config, const Vocab& vocab,
                                            const std::vector<const char*>& special_keys) {
  std::vector<AddedToken> tokens;
  if (const auto it = config.find("added_tokens_decoder"); it != config.end()) {
    for (const auto& [id, token] : it->items())
      tokens.push_back(added_token_from_json(token, std::stoi(id)));
  }
  for (const char* key : special_keys) {
    const auto content = config_token(config, key);
    if (!content) continue;
    bool known = false;
    for (const auto& t : tokens) known = known || t.content == *content;
    const auto id = vocab.find(*content);
    if (known || !id) continue;
    AddedToken t;
    t.content = *content;
    t.id = *id;
    t.special = true;
    tokens.push_back(t);
  }
  return tokens;
}

// transformers' BertTokenizerFast re-creates a BertNormalizer whose options differ from
// tokenizer_config.json.
void apply_bert_config(const json& config, json& normalizer) {
  if (config.empty() || normalizer.is_null() || normalizer.value("type", "") != "BertNormalizer")
    return;
  normalizer["lowercase"] = config.value("do_lower_case", true);
  normalizer["strip_accents"] =
      config.contains("strip_accents") ? config["strip_accents"] : json(nullptr);
  normalizer["handle_chinese_chars"] = config.value("tokenize_chinese_chars", true);
}

// transformers' GPT-2-style fast tokenizers take add_prefix_space from tokenizer_config.json.
void apply_byte_level_config(const json& config, json& pre_tokenizer) {
  const auto it = config.find("add_prefix_space");
  if (it == config.end() || !it->is_boolean() || pre_tokenizer.is_null()) return;
  if (pre_tokenizer.value("type", "") == "ByteLevel") {
    pre_tokenizer["add_prefix_space"] = *it;
  } else if (pre_tokenizer.value("type", "") == "Sequence") {
    for (auto& step : pre_tokenizer["pretokenizers"]) apply_byte_level_config(config, step);
  }
}

Vocab vocab_from_json_object(const json& object) {
  Vocab vocab;
  // A vocabulary that is not an object is nlohmann's type error, which with_file_context names.
  for (const auto& [token, id] : object.get_ref<const json::object_t&>()) {
    if (!tokenize::is_id(id))
      throw Error("the vocabulary gives the token \"" + token + "\" the id " + id.dump() +
                  "; ids are whole numbers from 0 to " + std::to_string(tokenize::kIdLimit - 1));
    vocab.add(token, static_cast<std::int32_t>(id.get<std::int64_t>()));
  }
  return vocab;
}

// A vocab.json: read straight from its text where it can be, else through nlohmann.
Vocab vocab_from_file(const fs::path& path) {
  const std::string text = read_file(path);
  if (auto vocab = tokenize::read_vocab_json(text)) return std::move(*vocab);
  const json object = parse_json(text, path);
  return with_file_context(path, [&] { return vocab_from_json_object(object); });
}

// The merges of a merges.txt, as views into its text.
MergeList merges_from_lines(std::string_view text, const fs::path& path) {
  MergeList merges;
  std::size_t number = 0;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t newline = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, newline - start);
    start = newline + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || (number == 1 && line.substr(0, 8) == "#version")) continue;
    const auto space = line.find(' ');
    if (space == std::string_view::npos || line.find(' ', space + 1) != std::string_view::npos) {
      throw Error("merges file " + path.string() + ", line " + std::to_string(number) +
                  ": expected two tokens separated by one space, got '" + std::string(line) + "'");
    }
    merges.emplace_back(line.substr(0, space), line.substr(space + 1));
  }
  return merges;
}

// HF reads tokenizer.json with serde_json, whose float parsing (without its float_roundtrip
// feature) is not correctly rounded: the digits as an integer made a double, then multiplied or
// divided by a power of ten. A Unigram score decides between segmentations of equal sum, so
// attnviz reads scores as HF does. The digits are recovered from the correctly rounded value as the
// shortest that give it back, as serde_json (ryu) and Python write them.
double serde_json_double(double value) {
  if (value == 0.0 || !std::isfinite(value)) return value;
  static const std::vector<double> powers = [] {
    std::vector<double> p;
    for (int n = 0; n <= 308; ++n)
      p.push_back(std::strtod(("1e" + std::to_string(n)).c_str(), nullptr));
    return p;
  }();
  char buffer[64];
  const auto written = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value),
                                     std::chars_format::scientific);
  std::uint64_t significand = 0;
  int exponent = 0;
  const char* p = buffer;
  for (bool fraction = false; p < written.ptr && *p != 'e'; ++p) {
    if (*p == '.') {
      fraction = true;
      continue;
    }
    significand = significand * 10 + static_cast<std::uint64_t>(*p - '0');
    exponent -= fraction ? 1 : 0;
  }
  const char* digits = p + 1 + (p + 1 < written.ptr && (p[1] == '+' || p[1] == '-'));
  int written_exponent = 0;
  std::from_chars(digits, written.ptr, written_exponent);
  exponent += p + 1 < written.ptr && p[1] == '-' ? -written_exponent : written_exponent;
  double f = static_cast<double>(significand);
  while (exponent < -308 && f != 0.0) {
    f /= 1e308;
    exponent += 308;
  }
  if (std::abs(exponent) <= 308) {
    const double power = powers[static_cast<std::size_t>(std::abs(exponent))];
    f = exponent >= 0 ? f * power : f / power;
  }
  return value < 0 ? -f : f;
}

// model.vocab as a Vocab: the one read with the text (tokenizer_json.hpp), else the document's.
Vocab model_vocab(const json& model, ModelArrays& arrays) {
  if (arrays.vocab) return std::move(*arrays.vocab);
  return vocab_from_json_object(model.at("vocab"));
}

// `model` is the document's; `arrays` holds the parts of it that were read with the text.
std::unique_ptr<tokenize::Model> model_from_json(const json& model, ModelArrays& arrays) {
  std::string type = model.value("type", "");
  if (type.empty()) {  // older tokenizer.json files leave the type out
    type = arrays.merges || model.contains("merges")    ? "BPE"
           : model.contains("max_input_chars_per_word") ? "WordPiece"
                                                        : "";
  }
  if (type == "WordPiece") {
    tokenize::WordPieceOptions options;
    options.unk_token = model.value("unk_token", options.unk_token);
    options.continuing_subword_prefix =
        model.value("continuing_subword_prefix", options.continuing_subword_prefix);
    options.max_input_chars_per_word =
        model.value("max_input_chars_per_word", options.max_input_chars_per_word);
    return std::make_unique<tokenize::WordPiece>(model_vocab(model, arrays), options);
  }
  if (type == "BPE") {
    if (model.contains("dropout") && !model["dropout"].is_null() &&
        model["dropout"].get<double>() > 0.0) {
      throw Error("BPE dropout is random and not supported by attnviz; set it to null");
    }
    tokenize::BpeOptions options;
    if (model.contains("unk_token") && !model["unk_token"].is_null())
      options.unk_token = model["unk_token"];
    auto optional_string = [&](const char* key) {
      return model.contains(key) && !model[key].is_null() ? model[key].get<std::string>()
                                                          : std::string();
    };
    options.continuing_subword_prefix = optional_string("continuing_subword_prefix");
    options.end_of_word_suffix = optional_string("end_of_word_suffix");
    options.fuse_unk = model.value("fuse_unk", false);
    options.ignore_merges = model.value("ignore_merges", false);
    options.byte_fallback = model.value("byte_fallback", false);
    if (!arrays.merges) {
      MergeList& merges = arrays.merges.emplace();
      for (const auto& merge : model.at("merges")) {
        const auto text = [&](const json& value) -> std::string_view {
          if (!value.is_string())
            throw Error("BPE merge " + merge.dump() + " is not \"a b\" or [\"a\", \"b\"]");
          return value.get_ref<const std::string&>();
        };
        if (merge.is_array()) {
          merges.emplace_back(text(merge.at(0)), text(merge.at(1)));
          continue;
        }
        const std::string_view line = text(merge);
        const auto space = line.find(' ');
        if (space == std::string::npos)
          throw Error("BPE merge '" + std::string(line) + "' has no space");
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
      }
    }
    return std::make_unique<tokenize::Bpe>(model_vocab(model, arrays), *arrays.merges, options);
  }
  if (type == "Unigram") {
    std::vector<std::pair<std::string, double>> pieces;
    for (const auto& piece : model.at("vocab")) {
      if (pieces.size() >= static_cast<std::size_t>(tokenize::kIdLimit))
        throw Error("Unigram model: more than " + std::to_string(tokenize::kIdLimit) + " pieces");
      pieces.emplace_back(piece.at(0).get<std::string>(),
                          serde_json_double(piece.at(1).get<double>()));
    }
    tokenize::UnigramOptions options;
    if (const auto unk = model.find("unk_id"); unk != model.end() && !unk->is_null()) {
      options.unk_id = tokenize::id_of(*unk, "Unigram model: unk_id");
    }
    options.byte_fallback = model.value("byte_fallback", false);
    return std::make_unique<tokenize::Unigram>(pieces, options);
  }
  if (type == "WordLevel") {
    return std::make_unique<tokenize::WordLevel>(model_vocab(model, arrays),
                                                 model.value("unk_token", std::string("<unk>")));
  }
  throw Error("model type '" + (type.empty() ? std::string("unknown") : type) +
              "' is not known to attnviz (known: WordPiece, BPE, Unigram, WordLevel)");
}

// A tokenizer.json document (read from `path`, or made from a GGUF file's metadata) and the parts
// of its model read with its text (`arrays`), with the model directory's tokenizer_config.json
// (`config`, empty where there is none).
std::unique_ptr<Tokenizer> load_tokenizer_document(json doc, ModelArrays arrays, const json& config,
                                                   const fs::path& path) {
  return with_file_context(path, [&] {
    apply_bert_config(config, doc["normalizer"]);
    apply_byte_level_config(config, doc["pre_tokenizer"]);
    PipelineParts parts;
    parts.normalizer = tokenize::normalizer_from_json(doc["normalizer"]);
    parts.pre_tokenizer = tokenize::pre_tokenizer_from_json(doc["pre_tokenizer"]);
    parts.model = model_from_json(doc.at("model"), arrays);
    parts.post_processor = tokenize::post_processor_from_json(doc["post_processor"]);
    parts.decoder = tokenize::decoder_from_json(doc["decoder"]);
    for (const auto& token : doc.value("added_tokens", json::array())) {
      parts.added_tokens.push_back(
          added_token_from_json(token, tokenize::id_of(token.at("id"), "an added token's id")));
    }
    return std::unique_ptr<Tokenizer>(
        std::make_unique<tokenize::PipelineTokenizer>(std::move(parts)));
  });
}

// The big parts of the model are read straight from the text where they can be (a 9 MB file in
// tens of milliseconds rather than hundreds); anything unusual is read by nlohmann alone.
std::unique_ptr<Tokenizer> load_tokenizer_json(const fs::path& dir) {
  const fs::path path = dir / "tokenizer.json";
  const std::string text = read_file(path);
  if (auto read = tokenize::read_tokenizer_json(text))
    return load_tokenizer_document(std::move(read->document), std::move(read->arrays),
                                   read_config(dir), path);
  return load_tokenizer_document(parse_json(text, path), ModelArrays{}, read_config(dir), path);
}

// A GGUF file's own tokenizer (its tokenizer.ggml.* metadata as a tokenizer.json document).
std::unique_ptr<Tokenizer> load_gguf_tokenizer(const fs::path& file) {
  const gguf::GgufFile gguf_file(file);
  return load_tokenizer_document(gguf::tokenizer_json(gguf_file), ModelArrays{}, json::object(),
                                 file);
}

// The GGUF file whose tokenizer a model path stands for: a .gguf file, or the one .gguf file of a
// directory that has no tokenizer.json.
std::optional<fs::path> gguf_tokenizer_file(const fs::path& path) {
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    char magic[4] = {};
    std::ifstream(path, std::ios::binary).read(magic, 4);  // an Ollama blob is named sha256-...
    if (path.extension() == ".gguf" || std::string(magic, 4) == "GGUF") return path;
  }
  if (!fs::is_directory(path, error) || fs::exists(path / "tokenizer.json")) return std::nullopt;
  std::optional<fs::path> found;
  for (const auto& entry : fs::directory_iterator(path, error)) {
    if (entry.path().extension() != ".gguf") continue;
    if (found) return std::nullopt;  // two: the model stage names them
    found = entry.path();
  }
  return found;
}

std::unique_ptr<Tokenizer> load_wordpiece_files(const fs::path& dir) {
  const fs::path path = dir / "vocab.txt";
  const json config = read_config(dir);
  const std::string text = read_file(path);
  Vocab vocab;
  std::istringstream in(text);
  std::string line;
  for (std::int32_t id = 0; std::getline(in, line); ++id) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    vocab.add(line, id);
  }
  if (vocab.size() == 0)
    throw Error("vocabulary file " + path.string() + " is empty: download it again");
  return with_file_context(dir / "tokenizer_config.json", [&] {
    PipelineParts parts;
    tokenize::BertNormalizerOptions normalizer;
    normalizer.lowercase = config.value("do_lower_case", true);
    const auto strip = config.find("strip_accents");
    normalizer.strip_accents =
        strip == config.end() || strip->is_null() ? normalizer.lowercase : strip->get<bool>();
    normalizer.handle_chinese_chars = config.value("tokenize_chinese_chars", true);
    parts.normalizer = tokenize::make_bert_normalizer(normalizer);
    parts.pre_tokenizer.splitter = tokenize::make_bert_pre_tokenizer();
    const std::string cls = config_token(config, "cls_token").value_or("[CLS]");
    const std::string sep = config_token(config, "sep_token").value_or("[SEP]");
    tokenize::WordPieceOptions options;
    options.unk_token = config_token(config, "unk_token").value_or("[UNK]");
    json defaults = config;  // BertTokenizer's default special tokens, where the config names none
    for (const auto& [key, value] : {std::pair{"unk_token", options.unk_token},
                                     {"sep_token", sep},
                                     {"pad_token", std::string("[PAD]")},
                                     {"cls_token", cls},
                                     {"mask_token", std::string("[MASK]")}}) {
      if (!defaults.contains(key)) defaults[key] = value;
    }
    parts.added_tokens = config_added_tokens(
        defaults, vocab, {"unk_token", "sep_token", "pad_token", "cls_token", "mask_token"});
    const auto cls_id = vocab.find(cls);
    const auto sep_id = vocab.find(sep);
    if (!cls_id || !sep_id) {
      throw Error("vocabulary file " + path.string() + " has no '" + cls + "' or '" + sep +
                  "' token, which the BERT template needs");
    }
    parts.post_processor = tokenize::bert_template(*cls_id, cls, *sep_id, sep);
    parts.model = std::make_unique<tokenize::WordPiece>(std::move(vocab), options);
    return std::unique_ptr<Tokenizer>(
        std::make_unique<tokenize::PipelineTokenizer>(std::move(parts)));
  });
}

std::unique_ptr<Tokenizer> load_bpe_files(const fs::path& dir, const fs::path& vocab_path,
                                          const fs::path& merges_path) {
  const json config = read_config(dir);
  Vocab vocab = vocab_from_file(vocab_path);
  const std::string merges_text = read_file(merges_path);
  const MergeList merges = merges_from_lines(merges_text, merges_path);
  return with_file_context(dir / "tokenizer_config.json", [&] {
    PipelineParts parts;
    parts.pre_tokenizer.splitter = tokenize::make_gpt2_pre_tokenizer();
    parts.pre_tokenizer.byte_level = true;
    parts.pre_tokenizer.add_prefix_space = config.value("add_prefix_space", false);
    parts.added_tokens =
        config_added_tokens(config, vocab, {"bos_token", "eos_token", "unk_token", "pad_token"});
    parts.model = std::make_unique<tokenize::Bpe>(std::move(vocab), merges, tokenize::BpeOptions{});
    return std::unique_ptr<Tokenizer>(
        std::make_unique<tokenize::PipelineTokenizer>(std::move(parts)));
  });
}

std::unique_ptr<Tokenizer> load_vocab_files(const fs::path& dir) {
  if (fs::exists(dir / "vocab.txt")) return load_wordpiece_files(dir);
  for (const auto& [vocab, merges] :
       {std::pair{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}}) {
    if (fs::exists(dir / vocab) && fs::exists(dir / merges))
      return load_bpe_files(dir, dir / vocab, dir / merges);
  }
  throw Error("no vocabulary files in " + dir.string() +
              " (looked for vocab.txt, vocab.json + merges.txt, encoder.json + vocab.bpe)");
}

std::optional<fs::path> sentencepiece_model(const fs::path& dir) {
  // spm.model: DeBERTa-v2/v3's name for it.
  for (const char* name : {"tokenizer.model", "spiece.model", "spm.model"}) {
    if (fs::exists(dir / name)) return dir / name;
  }
  return std::nullopt;
}

}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& model_dir, TokenizerFiles files) {
  if (files == TokenizerFiles::automatic) {
    if (const auto gguf_file = gguf_tokenizer_file(model_dir))
      return load_gguf_tokenizer(*gguf_file);
  }
  if (!fs::is_directory(model_dir)) {
    throw Error("model directory " + model_dir.string() + " does not exist or is not a directory");
  }
  switch (files) {
    case TokenizerFiles::tokenizer_json:
      return load_tokenizer_json(model_dir);
    case TokenizerFiles::vocab_files:
      return load_vocab_files(model_dir);
    case TokenizerFiles::sentencepiece:
      if (const auto path = sentencepiece_model(model_dir))
        return tokenize::load_sentencepiece(*path, read_config(model_dir));
      throw Error("no SentencePiece model (tokenizer.model, spiece.model or spm.model) in " +
                  model_dir.string());
    case TokenizerFiles::automatic:
      break;
  }
  // A tokenizer.json attnviz cannot read is an error, never a reason to read another file.
  if (fs::exists(model_dir / "tokenizer.json")) return load_tokenizer_json(model_dir);
  if (fs::exists(model_dir / "vocab.txt") || fs::exists(model_dir / "vocab.json") ||
      fs::exists(model_dir / "encoder.json")) {
    return load_vocab_files(model_dir);
  }
  if (const auto path = sentencepiece_model(model_dir))
    return tokenize::load_sentencepiece(*path, read_config(model_dir));
  throw Error(
      "no tokenizer files in " + model_dir.string() +
      " (looked for tokenizer.json, vocab.txt, vocab.json + merges.txt, encoder.json + vocab.bpe, "
      "tokenizer.model, spiece.model, spm.model): is this a model directory?");
}

std::unique_ptr<Tokenizer> load_tokenizer(const fs::path& model_dir) {
  return load_tokenizer(model_dir, TokenizerFiles::automatic);
}

}  // namespace attnviz
