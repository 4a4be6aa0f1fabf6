// `attnviz serve --model NAME`: loads a model once and answers requests on stdin until it closes.
// The Python package's attnviz.Model keeps one of these running, so a notebook's second sentence
// costs a forward pass, not a model load, and attnviz's libtorch never meets the notebook's torch.
//
// The framing (protocol 1), documented for any client in README.md ("A model kept loaded"):
//   - After the model loaded: one line, {"ok": true, "protocol": 1, "model": ..., "layers": ...}.
//     A model that cannot be loaded: one line {"ok": false, "error": MESSAGE}, the message on
//     stderr as every command prints it, and exit status 1.
//   - Each request: one line of JSON, an object with "op" ("info", "tokenize" or "attention") and
//     optionally "id" (any JSON value, echoed in the response). Blank lines are skipped.
//   - Each response: one line of JSON; when it lists "arrays" ({"name", "dtype": "float32",
//     "shape", "bytes"}), their raw little-endian float32 bytes (C order) follow the line's '\n',
//     back to back, in that order. An error is {"ok": false, "error": MESSAGE} with no bytes after
//     it, and the server goes on with the next line.
//   - Layers and heads are numbered from 1, as everywhere a person sees them.
//   - stdin closed: the server exits with status 0.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "attnviz/error.hpp"
#include "commands.hpp"
#include "selection.hpp"
#include "session.hpp"

namespace attnviz::cli {
namespace {

using nlohmann::json;

constexpr int kProtocol = 1;
// The longest request line read; a longer one is answered with an error and skipped.
constexpr std::size_t kMaxRequestBytes = std::size_t{64} << 20;

// One request line at a time from a file descriptor, at most kMaxRequestBytes long.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}

  // The next line without its '\n' (a last line may lack it); false at the end of input.
  // `too_long` is set for a line over the limit, which is skipped.
  bool next(std::string& line, bool& too_long) {
    line.clear();
    too_long = false;
    for (;;) {
      const std::size_t newline = buffer_.find('\n', scanned_);
      if (newline != std::string::npos) {
        take(line, too_long, newline);
        buffer_.erase(0, newline + 1);
        scanned_ = 0;
        return true;
      }
      scanned_ = buffer_.size();
      if (buffer_.size() > kMaxRequestBytes) {  // keep nothing more of this line
        too_long = true;
        buffer_.clear();
        scanned_ = 0;
      }
      char chunk[1 << 16];
      const ssize_t got = read(fd_, chunk, sizeof chunk);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) {  // the end of input (or a read error, which ends it too)
        if (buffer_.empty() && !too_long) return false;
        take(line, too_long, buffer_.size());
        buffer_.clear();
        scanned_ = 0;
        return true;
      }
      buffer_.append(chunk, static_cast<std::size_t>(got));
    }
  }

 private:
  void take(std::string& line, bool& too_long, std::size_t end) {
    too_long = too_long || end > kMaxRequestBytes;
    if (!too_long) line.assign(buffer_, 0, end);
  }

  int fd_;
  std::string buffer_;
  std::size_t scanned_ = 0;  // bytes of buffer_ known to hold no '\n'
};

// One response: the header line and the arrays whose bytes follow it.
struct Response {
  json header = json::object();
  std::vector<const std::vector<float>*> arrays;

  void add_array(const std::string& name, const std::vector<std::int64_t>& shape,
                 const std::vector<float>& values) {
    header["arrays"].push_back({{"name", name},
                                {"dtype", "float32"},
                                {"shape", shape},
                                {"bytes", values.size() * sizeof(float)}});
    arrays.push_back(&values);
  }
};

void write_all(std::FILE* out, const void* data, std::size_t size) {
  if (size > 0 && std::fwrite(data, 1, size, out) != size)
    throw Error(std::string("cannot write a response (") + std::strerror(errno) +
                "): the client closed its end");
}

void send(std::FILE* out, const Response& response) {
  const std::string line =
      response.header.dump(-1, ' ', false, json::error_handler_t::replace) + '\n';
  write_all(out, line.data(), line.size());
  for (const auto* values : response.arrays)
    write_all(out, values->data(), values->size() * sizeof(float));
  if (std::fflush(out) != 0) throw Error("cannot write a response: the client closed its end");
}

// Field `name` of the request, checked to be of the kind `is` tests; `kind` names it in the error.
const json* field(const json& request, const char* name, bool (json::*is)() const,
                  const char* kind) {
  const auto it = request.find(name);
  if (it == request.end()) return nullptr;
  if (!((*it).*is)()) throw Error(std::string("\"") + name + "\" must be " + kind);
  return &*it;
}

std::string text_field(const json& request, const char* name) {
  const json* value = field(request, name, &json::is_string, "a string");
  if (value == nullptr) throw Error(std::string("the request has no \"") + name + "\" (a string)");
  return value->get<std::string>();
}

std::optional<std::string> pair_field(const json& request) {
  const json* value = field(request, "pair", &json::is_string, "a string (the second sentence)");
  if (value == nullptr) return std::nullopt;
  return value->get<std::string>();
}

// "layers" or "heads": 1-based numbers of the model's, as 0-based indices in ascending order;
// empty (all of them) when the field is absent or null.
std::vector<int> numbers_field(const json& request, const char* name, int count,
                               const std::string& what, const std::string& model) {
  const auto it = request.find(name);
  if (it == request.end() || it->is_null()) return {};
  if (!it->is_array() || it->empty())
    throw Error(std::string("\"") + name + "\" must be a list of " + what +
                " numbers (from 1), e.g. [1, 12], or null for all of them");
  std::set<int> indices;
  for (const json& number : *it) {
    if (!number.is_number_integer())
      throw Error(std::string("\"") + name + "\" holds " + number.dump() + ", not a " + what +
                  " number (from 1)");
    const auto value = number.get<std::int64_t>();
    indices.insert(checked_index(value, count, what, model));
  }
  return {indices.begin(), indices.end()};
}

void check_fields(const json& request, const std::set<std::string>& allowed) {
  for (const auto& item : request.items()) {
    if (allowed.count(item.key()) == 0) {
      std::string names;
      for (const auto& name : allowed) names += (names.empty() ? "" : ", ") + name;
      throw Error("\"" + item.key() + "\" is not a field of a \"" +
                  request["op"].get<std::string>() + "\" request (its fields: " + names + ")");
    }
  }
}

json info_json(const Session& session) {
  const ModelInfo& info = session.model->info();
  return {{"model", session.name},
          {"architecture", info.architecture},
          {"directory", std::filesystem::absolute(session.dir).string()},
          {"layers", info.layers},
          {"heads", info.heads},
          {"kv_heads", info.kv_heads},
          {"hidden", info.hidden},
          {"max_positions", info.max_positions},
          {"causal", info.causal},
          {"windows", info.windows},
          {"queries_keys", info.queries_keys}};
}

void add_encoding(json& header, const Encoding& encoding) {
  json spans = json::array();
  for (const ByteSpan& span : encoding.spans) spans.push_back({span.begin, span.end});
  header["ids"] = encoding.ids;
  header["type_ids"] = encoding.type_ids;
  header["tokens"] = encoding.tokens;
  header["display"] = encoding.display;
  header["spans"] = spans;  // byte ranges into the text (sentence B's tokens: into the pair)
  header["special"] = encoding.special;
}

// Holds what a response's arrays point to until it is sent.
struct Answer {
  Response response;
  Attention attention;
};

void answer_tokenize(const Session& session, const json& request, Answer& answer) {
  check_fields(request, {"id", "op", "text", "pair"});
  add_encoding(answer.response.header,
               session.encode(text_field(request, "text"), pair_field(request)));
}

void answer_attention(const Session& session, const json& request, Answer& answer) {
  check_fields(request, {"id", "op", "text", "pair", "layers", "heads", "queries_keys"});
  const ModelInfo& info = session.model->info();
  const Encoding encoding = session.encode(text_field(request, "text"), pair_field(request));
  AttendOptions attend;
  attend.keep.layers = numbers_field(request, "layers", info.layers, "layer", session.name);
  attend.keep.heads = numbers_field(request, "heads", info.heads, "head", session.name);
  if (const json* qk = field(request, "queries_keys", &json::is_boolean, "true or false"))
    attend.with_queries_keys = qk->get<bool>();
  if (attend.with_queries_keys && !info.queries_keys)
    throw Error(session.name +
                " cannot return queries and keys (a TorchScript export returns attention "
                "probabilities only): ask without \"queries_keys\"");
  answer.attention = session.attend({encoding}, attend).at(0);

  const Attention& a = answer.attention;
  json& header = answer.response.header;
  add_encoding(header, encoding);
  std::vector<int> layer_numbers, head_numbers;
  for (int l = 0; l < a.layers; ++l) layer_numbers.push_back(one_based(a.model_layer(l)));
  for (int h = 0; h < a.heads; ++h) head_numbers.push_back(one_based(a.model_head(h)));
  header["layer_numbers"] = layer_numbers;
  header["head_numbers"] = head_numbers;
  header["causal"] = a.causal;
  header["windows"] = a.windows;
  header["heads_per_kv"] = a.heads_per_kv;
  answer.response.add_array("attention", {a.layers, a.heads, a.n, a.n}, a.weights);
  if (attend.with_queries_keys) {
    header["head_dim"] = a.head_dim;
    answer.response.add_array("queries", {a.layers, a.heads, a.n, a.head_dim}, a.queries);
    answer.response.add_array("keys", {a.layers, a.heads, a.n, a.head_dim}, a.keys);
  }
}

// The answer to one request line. Warnings the stages print while answering (a cut input, unknown
// tokens) go into its "warnings".
void answer_line(const Session& session, const std::string& line, Answer& answer) {
  const json request = json::parse(line, nullptr, false);
  if (request.is_discarded())
    throw Error("the request is not JSON: send one JSON object per line, e.g. {\"op\": \"info\"}");
  if (!request.is_object())
    throw Error("the request is " + std::string(request.type_name()) +
                ", not a JSON object such as {\"op\": \"info\"}");
  if (request.contains("id")) answer.response.header["id"] = request["id"];
  const json* op = field(request, "op", &json::is_string, "a string");
  if (op == nullptr)
    throw Error("the request has no \"op\": give \"info\", \"tokenize\" or \"attention\"");
  const std::string name = op->get<std::string>();
  session.unknown_tokens = 0;  // each response warns about its own input
  std::ostringstream warnings;
  struct Capture {  // std::cerr into `warnings` while answering, restored however it ends
    std::streambuf* saved;
    ~Capture() { std::cerr.rdbuf(saved); }
  } capture{std::cerr.rdbuf(warnings.rdbuf())};
  if (name == "info") {
    check_fields(request, {"id", "op"});
    answer.response.header.update(info_json(session));
  } else if (name == "tokenize") {
    answer_tokenize(session, request, answer);
  } else if (name == "attention") {
    answer_attention(session, request, answer);
  } else {
    throw Error("unknown \"op\" '" + name + "': give \"info\", \"tokenize\" or \"attention\"");
  }
  session.warn_unknown_tokens();
  std::istringstream lines(warnings.str());
  for (std::string warning; std::getline(lines, warning);) {
    const std::string prefix = "attnviz: warning: ";
    if (warning.rfind(prefix, 0) == 0) warning.erase(0, prefix.size());
    answer.response.header["warnings"].push_back(warning);
  }
  answer.response.header["ok"] = true;
}

void serve(const Session& session, std::FILE* out) {
  LineReader reader(STDIN_FILENO);
  std::string line;
  bool too_long = false;
  while (reader.next(line, too_long)) {
    if (!too_long && line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Answer answer;
    try {
      if (too_long)
        throw Error("the request is longer than " + std::to_string(kMaxRequestBytes >> 20) +
                    " MB: send a shorter text");
      answer_line(session, line, answer);
    } catch (const Error& e) {
      json error = {{"ok", false}, {"error", e.what()}};
      if (answer.response.header.contains("id")) error["id"] = answer.response.header["id"];
      answer = Answer{};
      answer.response.header = std::move(error);
    } catch (const std::bad_alloc&) {
      answer = Answer{};
      answer.response.header = {{"ok", false},
                                {"error",
                                 "out of memory while answering: send a shorter text, or "
                                 "ask for fewer layers and heads"}};
    } catch (const std::exception& e) {  // a bug, reported as the CLI reports one; serving goes on
      answer = Answer{};
      answer.response.header = {{"ok", false},
                                {"error", std::string("internal error: ") + e.what()}};
    }
    send(out, answer.response);
  }
}

// --threads 0 for a server: the cores the machine leaves idle (at least 1), not libtorch's one per
// core. On a shared machine a thread that waits for a busy core holds up every operation of the
// forward pass at its barrier: BERT-base on 2 cores at load 11 took 1,266 ms a sentence with 2
// threads and 394 ms with 1 (bench/model_server); an idle machine still gets all its cores.
int serve_threads(int threads) {
  if (threads > 0) return threads;
  double load = 0;
  const int cores = static_cast<int>(std::thread::hardware_concurrency());
  if (cores <= 0 || getloadavg(&load, 1) != 1) return 0;
  return std::max(1, cores - static_cast<int>(std::lround(load)));
}

void run_serve(ModelFlags flags) {
  flags.threads = serve_threads(flags.threads);
  Session session;
  try {
    session = open_session(flags);
  } catch (const Error& e) {
    const std::string line = json{{"ok", false}, {"error", e.what()}}.dump() + '\n';
    std::fwrite(line.data(), 1, line.size(), stdout);
    throw;  // main prints it on stderr and exits 1
  }
  // stdout is the protocol's alone: anything else a library prints goes to stderr instead.
  std::cout.flush();
  std::fflush(stdout);
  const int protocol_fd = dup(STDOUT_FILENO);
  if (protocol_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
    throw Error(std::string("cannot set up stdout for serving: ") + std::strerror(errno));
  std::FILE* out = fdopen(protocol_fd, "wb");
  if (out == nullptr) throw Error(std::string("cannot open stdout: ") + std::strerror(errno));
  Response ready;
  ready.header = {{"ok", true}, {"protocol", kProtocol}};
  ready.header.update(info_json(session));
  ready.header["threads"] = flags.threads;  // 0: libtorch's default
  send(out, ready);
  serve(session, out);
  std::fclose(out);
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ModelFlags>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Load a model once and answer requests on stdin, one JSON line each, until stdin closes "
      "(what attnviz.Model in Python runs; the framing is in README.md)\n"
      "  e.g. echo '{\"op\": \"attention\", \"text\": \"The cat sat.\"}' | attnviz serve --model "
      "bert");
  add_model_flags(*command, *flags);
  command->callback([flags] { run_serve(*flags); });
}

}  // namespace attnviz::cli
