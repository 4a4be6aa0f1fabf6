#include "attnviz/batch_file.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "line_reader.hpp"
#include "text.hpp"

namespace attnviz {

namespace {

constexpr std::array<const char*, 7> kRequired = {
    "sentence_a", "sentence_b", "pronoun", "candidate_1", "candidate_2", "correct_a", "correct_b"};
constexpr const char* kId = "id";

using analysis_detail::in_quotes;
using analysis_detail::trim;

std::string required_list(const char* separator) {
  std::string out;
  for (const char* name : kRequired) out += (out.empty() ? "" : separator) + std::string(name);
  return out;
}

// A line's fields by name, as the format gave them; checked and turned into an item by ItemBuilder.
using Fields = std::map<std::string, std::string>;

// A line holds one pair of sentences; longer ones are reported before anything tokenizes them (a
// 10 MB line used to take a gigabyte and twenty seconds, then fail on the model's length).
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 16;

std::optional<std::string> too_long(const std::string& line) {
  if (line.size() <= kMaxLineBytes) return std::nullopt;
  return "the line is " + std::to_string(line.size()) + " bytes long; a line holds one pair of " +
         "sentences, at most " + std::to_string(kMaxLineBytes) + " bytes";
}

using Reader = analysis_detail::LineReader;

// "1", "2", or a candidate's own text (ignoring case) -> 1 or 2.
std::optional<int> parse_correct(const std::string& value, const std::string& candidate_1,
                                 const std::string& candidate_2) {
  if (value == "1") return 1;
  if (value == "2") return 2;
  const auto lower = analysis_detail::lower_case(value);
  if (lower == analysis_detail::lower_case(candidate_1)) return 1;
  if (lower == analysis_detail::lower_case(candidate_2)) return 2;
  return std::nullopt;
}

bool is_file_name_safe(const std::string& id) {
  if (id.empty() || id.size() > 64 || id.front() == '.') return false;
  for (unsigned char c : id) {
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

class ItemBuilder {
 public:
  // The item, or the message of a bad line.
  std::variant<WinogradItem, std::string> build(const Fields& fields, std::size_t line) {
    WinogradItem item;
    item.line = line;
    for (const auto& [name, value] : fields) {
      const auto bad = analysis_detail::invalid_utf8_offset(value);
      if (bad != value.size()) {
        return "the field " + name + " is not valid UTF-8 (byte " + std::to_string(bad) +
               "); save the file as UTF-8";
      }
    }
    const std::array<std::string*, 5> texts = {&item.sentence_a, &item.sentence_b, &item.pronoun,
                                               &item.candidate_1, &item.candidate_2};
    for (std::size_t i = 0; i < texts.size(); ++i) {
      *texts[i] = std::string(trim(fields.at(kRequired[i])));
      if (texts[i]->empty()) return std::string("the field ") + kRequired[i] + " is empty";
    }
    if (item.sentence_a == item.sentence_b) {
      return "sentence_a and sentence_b are the same; the two sentences of a pair differ in the "
             "word that changes what the pronoun refers to";
    }
    if (analysis_detail::lower_case(item.candidate_1) ==
        analysis_detail::lower_case(item.candidate_2)) {
      return "candidate_1 and candidate_2 are both " + in_quotes(item.candidate_1) +
             "; give the two different words the pronoun could refer to";
    }
    for (const auto& [name, target] :
         {std::pair{"correct_a", &item.correct_a}, std::pair{"correct_b", &item.correct_b}}) {
      const std::string value(trim(fields.at(name)));
      const auto correct = parse_correct(value, item.candidate_1, item.candidate_2);
      if (!correct) {
        return std::string(name) + " is " + in_quotes(value) + ", which is neither candidate_1 " +
               in_quotes(item.candidate_1) + " nor candidate_2 " + in_quotes(item.candidate_2) +
               "; write one of them, or 1 or 2";
      }
      *target = *correct;
    }
    const auto id = fields.find(kId);
    item.id = id == fields.end() ? "" : std::string(trim(id->second));
    if (item.id.empty()) {
      item.id = "line-" + std::to_string(line);
    } else if (!is_file_name_safe(item.id)) {
      return "the id " + in_quotes(item.id) +
             " is not usable in a file name; use up to 64 letters, digits, '-', '_' or '.'";
    }
    const auto [seen, fresh] = ids_.emplace(item.id, line);
    if (!fresh) {
      return "the id " + in_quotes(item.id) + " is already used on line " +
             std::to_string(seen->second) + "; give each pair its own id";
    }
    return item;
  }

 private:
  std::map<std::string, std::size_t> ids_;
};

void add(BatchFile& out, std::variant<WinogradItem, std::string> result, std::size_t line) {
  if (auto* item = std::get_if<WinogradItem>(&result)) {
    out.items.push_back(std::move(*item));
  } else {
    out.bad_lines.push_back({line, std::get<std::string>(result)});
  }
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

BatchFile parse_tsv_lines(Reader& reader) {
  BatchFile out;
  const auto header_line = reader.next();
  if (!header_line) return out;
  const std::size_t header_number = reader.line_number;
  std::vector<std::string> columns;
  for (const auto& field : split_tabs(*header_line)) columns.emplace_back(trim(field));
  std::string missing;
  for (const char* name : kRequired) {
    if (std::find(columns.begin(), columns.end(), name) == columns.end()) {
      missing += (missing.empty() ? "" : ", ") + std::string(name);
    }
  }
  if (!missing.empty()) {
    throw Error("line " + std::to_string(header_number) + ": the TSV header lacks the column(s) " +
                missing + "; a TSV batch file starts with a tab-separated header naming " +
                required_list(", ") + " (and optionally id)");
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (std::find(columns.begin() + i + 1, columns.end(), columns[i]) != columns.end()) {
      throw Error("line " + std::to_string(header_number) + ": the TSV header names the column " +
                  columns[i] + " twice");
    }
  }

  ItemBuilder builder;
  while (const auto line = reader.next()) {
    if (auto message = too_long(*line)) {
      out.bad_lines.push_back({reader.line_number, std::move(*message)});
      continue;
    }
    const auto values = split_tabs(*line);
    if (values.size() != columns.size()) {
      out.bad_lines.push_back(
          {reader.line_number, "expected " + std::to_string(columns.size()) +
                                   " tab-separated fields, as in the header on line " +
                                   std::to_string(header_number) + ", but found " +
                                   std::to_string(values.size())});
      continue;
    }
    Fields fields;
    for (std::size_t i = 0; i < columns.size(); ++i) fields[columns[i]] = values[i];
    add(out, builder.build(fields, reader.line_number), reader.line_number);
  }
  return out;
}

// One JSONL line's fields, or the message of a bad line.
std::variant<Fields, std::string> json_fields(const std::string& line) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    std::string what = e.what();
    const auto bracket = what.find("] ");  // drop nlohmann's "[json.exception.parse_error.101] "
    if (bracket != std::string::npos) what.erase(0, bracket + 2);
    return "not valid JSON: " + what;
  }
  if (!doc.is_object()) return std::string("each line must be one JSON object {...}");
  Fields fields;
  for (const char* name : kRequired) {
    const auto it = doc.find(name);
    if (it == doc.end()) return std::string("the field ") + name + " is missing";
    const bool is_correct = std::string_view(name).rfind("correct_", 0) == 0;
    if (it->is_string()) {
      fields[name] = it->get<std::string>();
    } else if (is_correct && it->is_number_integer()) {
      fields[name] = std::to_string(it->get<long long>());
    } else {
      return std::string("the field ") + name + " must be a string" +
             (is_correct ? " (a candidate) or the number 1 or 2" : "");
    }
  }
  if (const auto id = doc.find(kId); id != doc.end()) {
    if (!id->is_string()) return std::string("the field id must be a string");
    fields[kId] = id->get<std::string>();
  }
  return fields;
}

BatchFile parse_jsonl_lines(Reader& reader) {
  BatchFile out;
  ItemBuilder builder;
  while (const auto line = reader.next()) {
    auto fields =
        too_long(*line) ? std::variant<Fields, std::string>(*too_long(*line)) : json_fields(*line);
    if (auto* message = std::get_if<std::string>(&fields)) {
      out.bad_lines.push_back({reader.line_number, std::move(*message)});
    } else {
      add(out, builder.build(std::get<Fields>(fields), reader.line_number), reader.line_number);
    }
  }
  return out;
}

}  // namespace

BatchFile parse_batch_tsv(std::istream& in) {
  Reader reader{in};
  return parse_tsv_lines(reader);
}

BatchFile parse_batch_jsonl(std::istream& in) {
  Reader reader{in};
  return parse_jsonl_lines(reader);
}

BatchFile parse_batch(std::istream& in) {
  // Peek at the first meaningful line, then hand the whole stream to the chosen parser.
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error("reading the batch file failed");
  std::istringstream peek(text);
  Reader probe{peek};
  const auto first = probe.next();
  std::istringstream whole(text);
  if (first && trim(*first).front() == '[') {
    throw Error("line " + std::to_string(probe.line_number) +
                ": this looks like a JSON array; write one JSON object per line (JSONL) instead");
  }
  if (first && trim(*first).front() == '{') return parse_batch_jsonl(whole);
  return parse_batch_tsv(whole);
}

BatchFile read_batch_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw Error("batch file " + path.string() + " does not exist; check the path");
  }
  if (std::filesystem::is_directory(path, ec)) {
    throw Error("batch file " + path.string() + " is a directory; give a .tsv or .jsonl file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error("batch file " + path.string() +
                " cannot be opened for reading; check its permissions");
  }
  try {
    return parse_batch(in);
  } catch (const Error& e) {
    throw Error("batch file " + path.string() + ": " + e.what());
  }
}

}  // namespace attnviz
