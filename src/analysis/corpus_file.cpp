#include "attnviz/corpus_file.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <variant>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "line_reader.hpp"
#include "text.hpp"

namespace attnviz {

namespace {

using analysis_detail::trim;

std::string utf8_message(std::size_t offset) {
  return "not valid UTF-8 (byte " + std::to_string(offset) + "); save the file as UTF-8";
}

// A JSONL line's item, or the message of a bad line.
std::variant<CorpusItem, std::string> json_item(const std::string& line) {
  const auto bad = analysis_detail::invalid_utf8_offset(line);
  if (bad != line.size()) return utf8_message(bad);
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error&) {
    return std::string("not valid JSON; write one object {\"text\": \"...\"} a line");
  }
  if (!doc.is_object()) return std::string("each line must be one JSON object {\"text\": ...}");
  const auto text = doc.find("text");
  if (text == doc.end() || !text->is_string()) {
    return std::string("the field text is missing or not a string");
  }
  CorpusItem item;
  item.text = text->get<std::string>();
  if (const auto pair = doc.find("pair"); pair != doc.end()) {
    if (!pair->is_string()) return std::string("the field pair must be a string");
    item.pair = pair->get<std::string>();
  }
  return item;
}

// The message of a bad item, or empty.
std::string check(const CorpusItem& item) {
  for (const std::string* s : {&item.text, item.pair ? &*item.pair : nullptr}) {
    if (s == nullptr) continue;
    const auto bad = analysis_detail::invalid_utf8_offset(*s);
    if (bad != s->size()) return utf8_message(bad);
    if (trim(*s).empty()) return "the text is empty";
  }
  return "";
}

}  // namespace

CorpusFile parse_corpus(std::istream& in) {
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("reading the corpus failed");
  std::istringstream stream(all);
  analysis_detail::LineReader reader{stream};
  CorpusFile out;
  std::optional<bool> jsonl;
  while (const auto line = reader.next()) {
    if (!jsonl) jsonl = trim(*line).front() == '{';
    std::variant<CorpusItem, std::string> result = CorpusItem{0, std::string(trim(*line)), {}};
    if (*jsonl) result = json_item(*line);
    if (auto* item = std::get_if<CorpusItem>(&result)) {
      item->line = reader.line_number;
      const auto message = check(*item);
      if (message.empty()) {
        out.items.push_back(std::move(*item));
        continue;
      }
      result = message;
    }
    out.bad_lines.push_back({reader.line_number, std::get<std::string>(result)});
  }
  return out;
}

CorpusFile read_corpus_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw Error("corpus file " + path.string() +
                " does not exist or is not a file; check the path");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("corpus file " + path.string() + " cannot be opened; check its permissions");
  try {
    return parse_corpus(in);
  } catch (const Error& e) {
    throw Error("corpus file " + path.string() + ": " + e.what());
  }
}

}  // namespace attnviz
