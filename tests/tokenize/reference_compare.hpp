// Shared by the tokenizer tests: reading the JSONL fixtures and comparing an Encoding with a
// reference encoding written by scripts/tokenizer_reference/*.py.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <zlib.h>
#include <nlohmann/json.hpp>

#include "attnviz/encoding.hpp"
#include "attnviz/tokenizer.hpp"

namespace attnviz::testing {

inline const std::filesystem::path kSharedTokenizers =
    std::filesystem::path(ATTNVIZ_SHARED_DIR) / "tokenizers";
inline const std::filesystem::path kTokenizeData =
    std::filesystem::path(ATTNVIZ_TEST_DATA) / "tokenize";

// One parameter of a parametrized tokenizer test: which folder, which of its files, a name for the
// test.
struct TokenizerCase {
  const char* folder;
  TokenizerFiles files;
  const char* label;
};

// A file's bytes; a path ending in .gz is read through zlib.
inline std::string read_text(const std::filesystem::path& path) {
  std::string text;
  if (path.extension() == ".gz") {
    gzFile file = gzopen(path.c_str(), "rb");
    EXPECT_NE(file, nullptr) << "cannot open " << path;
    if (file == nullptr) return {};
    char buffer[1 << 16];
    for (int n; (n = gzread(file, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
    gzclose(file);
  } else {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot open " << path;
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return text;
}

// One JSON value per line (read_text).
inline std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::vector<nlohmann::json> rows;
  std::istringstream lines(read_text(path));
  std::string line;
  while (std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// A tokenizer of tests/data/tokenize/hf_made (make_hf_made_fixtures.py), its tokenizer.json
// unpacked into a temporary folder where it is gzipped.
inline std::unique_ptr<Tokenizer> load_hf_made(const std::string& name) {
  const std::filesystem::path folder = kTokenizeData / "hf_made" / name;
  if (!std::filesystem::exists(folder / "tokenizer.json.gz")) return load_tokenizer(folder);
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("attnviz_hf_made_" + name);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.json", std::ios::binary)
      << read_text(folder / "tokenizer.json.gz");
  auto tokenizer = load_tokenizer(dir);
  std::filesystem::remove_all(dir);
  return tokenizer;
}

// The real tokenizer files must be there: CI always has them, and a parity test that skips proves
// nothing.
inline void require_shared(const std::filesystem::path& path) {
  ASSERT_TRUE(std::filesystem::exists(path))
      << "real tokenizer files not found at " << path
      << ": put the shared test files there or configure with -DATTNVIZ_SHARED_DIR=<folder>";
}

template <typename T>
std::string list(const std::vector<T>& v) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
  return out.str() + "]";
}

// Empty when enc agrees with the reference, else what differs. Offsets are compared where the
// reference has them; a template's special token must have an empty span (HF says (0, 0); attnviz
// puts it where it sits).
inline std::string compare(const Encoding& enc, const nlohmann::json& ref) {
  const auto ids = ref["ids"].get<std::vector<std::int64_t>>();
  if (enc.ids != ids) return "ids " + list(enc.ids) + " != reference " + list(ids);
  if (enc.tokens != ref["tokens"].get<std::vector<std::string>>()) {
    return "tokens " + nlohmann::json(enc.tokens).dump() + " != reference " + ref["tokens"].dump();
  }
  const auto type_ids = ref.value("type_ids", std::vector<std::int64_t>(ids.size(), 0));
  const auto special = ref.value("special", std::vector<int>(ids.size(), 0));
  const auto offsets = ref.value("offsets", std::vector<std::size_t>());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (enc.type_ids[i] != type_ids[i]) return "type id of token " + std::to_string(i);
    if (ref.contains("special") || ref.contains("offsets")) {
      if (enc.special[i] != (special[i] != 0)) return "special flag of token " + std::to_string(i);
    }
    if (enc.display[i].empty()) return "empty display string for token " + std::to_string(i);
    if (enc.spans[i].begin > enc.spans[i].end) return "reversed span of token " + std::to_string(i);
    if (enc.special[i]) {
      if (enc.spans[i].begin != enc.spans[i].end)
        return "special token " + std::to_string(i) + " has a span";
    } else if (!offsets.empty() &&
               (enc.spans[i].begin != offsets[2 * i] || enc.spans[i].end != offsets[2 * i + 1])) {
      return "span of token " + std::to_string(i) + " (" + enc.tokens[i] + "): [" +
             std::to_string(enc.spans[i].begin) + ", " + std::to_string(enc.spans[i].end) +
             ") != reference [" + std::to_string(offsets[2 * i]) + ", " +
             std::to_string(offsets[2 * i + 1]) + ")";
    }
  }
  return "";
}

// Encodes corpus rows [0, count) ({"a": ..., "b": ...}) and compares each with reference[i];
// reports the first few differences and returns how many rows differ.
template <typename Tokenizer>
std::size_t count_differences(const Tokenizer& tokenizer, const std::vector<nlohmann::json>& corpus,
                              const std::vector<nlohmann::json>& reference, std::size_t count) {
  std::size_t failures = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (reference[i].contains("skip")) continue;  // the generator says why the reference has none
    const std::string a = corpus[i]["a"];
    const bool pair = corpus[i].contains("b");
    const std::string b = pair ? corpus[i]["b"].get<std::string>() : std::string();
    const Encoding enc = pair ? tokenizer.encode_pair(a, b) : tokenizer.encode(a);
    nlohmann::json ref = reference[i];
    if (!ref.contains("tokens")) {  // compact references: every token is its id's vocabulary string
      for (const auto& id : ref["ids"])
        ref["tokens"].push_back(tokenizer.id_to_token(id.get<std::int64_t>()));
      if (ref["ids"].empty()) ref["tokens"] = nlohmann::json::array();
    }
    const std::string diff = compare(enc, ref);
    if (!diff.empty() && ++failures <= 15) {
      ADD_FAILURE() << "corpus line " << i + 1 << " " << nlohmann::json(a).dump()
                    << (pair ? " + " + nlohmann::json(b).dump() : std::string()) << ": " << diff;
    }
  }
  return failures;
}

}  // namespace attnviz::testing
