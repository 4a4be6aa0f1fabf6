// `attnviz serve`, the model kept loaded for Python's attnviz.Model: its framing (a JSON line, then
// the arrays' float32 bytes), values against transformers' own attentions, and that every
// malformed request is an error response after which the server still answers.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace attnviz {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const fs::path kData = fs::path(ATTNVIZ_TEST_DATA);
const std::string kBert = (kData / "models" / "bert-tiny").string();
const std::string kGpt2 = (kData / "models" / "gpt2-tiny").string();
// The texts scripts/make_test_checkpoints.py ran through transformers for the references.
const std::string kTired = "The animal didn't cross the street because it was too tired.";
const std::string kWide = "The animal didn't cross the street because it was too wide.";
// A request that gets no answer in this long is a hang.
constexpr int kTimeoutMs = 60'000;

struct Response {
  json header;
  std::vector<std::vector<float>> arrays;  // in the order of header["arrays"]
};

// `attnviz serve ARGS` with pipes to its stdin and stdout (stderr to a file), as Python runs it.
class Server {
 public:
  Server(const std::vector<std::string>& args, const fs::path& dir) : err_path_(dir / "stderr") {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      const int err = open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in[0], 0);
      dup2(out[1], 1);
      dup2(err, 2);
      close(in[1]);
      close(out[0]);
      std::vector<char*> argv{const_cast<char*>(ATTNVIZ_BINARY), const_cast<char*>("serve")};
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(ATTNVIZ_BINARY, argv.data());
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    to_ = in[1];
    from_ = out[0];
    signal(SIGPIPE, SIG_IGN);
  }
  ~Server() {
    close_input();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (from_ >= 0) close(from_);
  }

  void send(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = write(to_, bytes.data() + done, bytes.size() - done);
      ASSERT_GT(n, 0) << "the server stopped reading: " << std::strerror(errno);
      done += static_cast<std::size_t>(n);
    }
  }
  void send_json(const json& request) { send(request.dump() + "\n"); }

  // The next response; an empty header where the output ended or nothing came in time.
  Response receive() {
    Response response;
    std::string line;
    for (;;) {
      const auto newline = buffer_.find('\n');
      if (newline != std::string::npos) {
        line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        break;
      }
      if (!fill()) return response;
    }
    response.header = json::parse(line, nullptr, false);
    if (!response.header.is_object()) {
      ADD_FAILURE() << "not a JSON object: " << line;
      return response;
    }
    for (const json& spec : response.header.value("arrays", json::array())) {
      const std::size_t bytes = spec["bytes"].get<std::size_t>();
      std::size_t count = 1;
      for (const json& d : spec["shape"]) count *= d.get<std::size_t>();
      EXPECT_EQ(bytes, count * sizeof(float)) << spec.dump();
      while (buffer_.size() < bytes) {
        if (!fill()) {
          ADD_FAILURE() << "the output ended inside array " << spec.dump();
          return response;
        }
      }
      std::vector<float> values(bytes / sizeof(float));
      std::memcpy(values.data(), buffer_.data(), bytes);
      buffer_.erase(0, bytes);
      response.arrays.push_back(std::move(values));
    }
    return response;
  }

  Response ask(const json& request) {
    send_json(request);
    return receive();
  }

  void close_input() {
    if (to_ >= 0) close(to_);
    to_ = -1;
  }

  // The exit status once the input is closed (-1: it did not exit in time).
  int exit_status() {
    close_input();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kTimeoutMs);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      usleep(10'000);
    }
    return -1;
  }
  std::string stderr_text() const { return test::read_all(err_path_); }
  // Whatever the server wrote after its last response (nothing, where the framing holds).
  std::string rest() {
    while (fill()) {
    }
    return buffer_;
  }

 private:
  bool fill() {
    pollfd p{from_, POLLIN, 0};
    if (poll(&p, 1, kTimeoutMs) <= 0) {
      ADD_FAILURE() << "no answer within " << kTimeoutMs / 1000 << " s (a hang)";
      return false;
    }
    char chunk[1 << 16];
    const ssize_t n = read(from_, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  fs::path err_path_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

// transformers' attentions of one input of a reference case (scripts/make_test_checkpoints.py).
struct ReferenceItem {
  std::vector<std::int64_t> ids, type_ids;
  std::vector<float> attentions;  // [layers][heads][n][n]
};

ReferenceItem reference_item(const std::string& file, const std::string& case_name) {
  const json reference = json::parse(test::read_all(kData / "reference" / file));
  for (const json& item : reference["cases"]) {
    if (item["name"] == case_name) {
      const json& first = item["items"][0];
      return {first["ids"], first["type_ids"], first["attentions"]};
    }
  }
  ADD_FAILURE() << "no case " << case_name << " in " << file;
  return {};
}

float largest_difference(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  float largest = a.size() == b.size() ? 0.0f : INFINITY;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
    largest = std::max(largest, std::fabs(a[i] - b[i]));
  return largest;
}

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::fresh_dir(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A server of `model` that said it is ready.
  std::unique_ptr<Server> start(const std::string& model) {
    auto server = std::make_unique<Server>(std::vector<std::string>{"--model", model}, dir_);
    const Response ready = server->receive();
    EXPECT_EQ(ready.header.value("ok", false), true) << ready.header << server->stderr_text();
    return server;
  }
  fs::path dir_;
};

TEST_F(Serve, ReadyLineDescribesTheModel) {
  auto server = start(kBert);
  const Response info = server->ask({{"op", "info"}, {"id", 7}});
  EXPECT_EQ(info.header["ok"], true);
  EXPECT_EQ(info.header["id"], 7);
  EXPECT_EQ(info.header["model"], "bert-tiny");
  EXPECT_EQ(info.header["architecture"], "bert");
  EXPECT_EQ(info.header["layers"], 3);
  EXPECT_EQ(info.header["heads"], 4);
  EXPECT_EQ(info.header["max_positions"], 96);
  EXPECT_EQ(info.header["causal"], false);
  EXPECT_FALSE(info.header.contains("arrays"));
  EXPECT_EQ(server->exit_status(), 0);
  EXPECT_EQ(server->rest(), "");
}

TEST_F(Serve, AttentionEqualsTransformers) {
  auto server = start(kBert);
  const ReferenceItem single = reference_item("bert-tiny.json", "single");
  const Response a = server->ask({{"op", "attention"}, {"text", kTired}});
  ASSERT_EQ(a.header["ok"], true) << a.header;
  EXPECT_EQ(a.header["ids"].get<std::vector<std::int64_t>>(), single.ids);
  const auto n = static_cast<int>(single.ids.size());
  EXPECT_EQ(a.header["arrays"][0]["shape"], json({3, 4, n, n}));
  EXPECT_EQ(a.header["layer_numbers"], json({1, 2, 3}));
  EXPECT_EQ(a.header["head_numbers"], json({1, 2, 3, 4}));
  ASSERT_EQ(a.arrays.size(), 1u);
  EXPECT_LT(largest_difference(a.arrays[0], single.attentions), 1e-5f);

  // The same process answers the next input (a sentence pair) as a fresh one would.
  const ReferenceItem pair = reference_item("bert-tiny.json", "pair");
  const Response b = server->ask({{"op", "attention"},
                                  {"text", "The animal didn't cross the street"},
                                  {"pair", "because it was too wide."}});
  ASSERT_EQ(b.header["ok"], true) << b.header;
  EXPECT_EQ(b.header["ids"].get<std::vector<std::int64_t>>(), pair.ids);
  EXPECT_EQ(b.header["type_ids"].get<std::vector<std::int64_t>>(), pair.type_ids);
  EXPECT_LT(largest_difference(b.arrays.at(0), pair.attentions), 1e-5f);
  EXPECT_EQ(server->exit_status(), 0);
}

TEST_F(Serve, CausalModelEqualsTransformers) {
  auto server = start(kGpt2);
  const ReferenceItem single = reference_item("gpt2-tiny.json", "single");
  const Response a = server->ask({{"op", "attention"}, {"text", kWide}});
  ASSERT_EQ(a.header["ok"], true) << a.header;
  EXPECT_EQ(a.header["causal"], true);
  EXPECT_EQ(a.header["ids"].get<std::vector<std::int64_t>>(), single.ids);
  EXPECT_LT(largest_difference(a.arrays.at(0), single.attentions), 1e-5f);
}

TEST_F(Serve, SelectedLayersAndHeadsAreThoseOfTheWholeRun) {
  auto server = start(kBert);
  const Response all = server->ask({{"op", "attention"}, {"text", kTired}});
  const Response some = server->ask(
      {{"op", "attention"}, {"text", kTired}, {"layers", {3, 1}}, {"heads", {2, 4, 2}}});
  ASSERT_EQ(some.header["ok"], true) << some.header;
  EXPECT_EQ(some.header["layer_numbers"], json({1, 3}));  // ascending, each once
  EXPECT_EQ(some.header["head_numbers"], json({2, 4}));
  const int n = all.header["ids"].size();
  const std::size_t cells = static_cast<std::size_t>(n) * n;
  ASSERT_EQ(some.arrays.at(0).size(), 2 * 2 * cells);
  const auto& full = all.arrays.at(0);
  int slot = 0;
  for (const int layer : {0, 2}) {
    for (const int head : {1, 3}) {
      const auto from = full.begin() + static_cast<std::ptrdiff_t>((layer * 4 + head) * cells);
      const std::vector<float> expected(from, from + static_cast<std::ptrdiff_t>(cells));
      const auto got_from = some.arrays[0].begin() + static_cast<std::ptrdiff_t>(slot++ * cells);
      EXPECT_EQ(std::vector<float>(got_from, got_from + static_cast<std::ptrdiff_t>(cells)),
                expected)
          << "layer " << layer + 1 << " head " << head + 1;
    }
  }
}

TEST_F(Serve, QueriesAndKeysFollowTheAttention) {
  auto server = start(kBert);
  const Response r =
      server->ask({{"op", "attention"}, {"text", kTired}, {"heads", {1}}, {"queries_keys", true}});
  ASSERT_EQ(r.header["ok"], true) << r.header;
  const int n = r.header["ids"].size();
  ASSERT_EQ(r.arrays.size(), 3u);
  EXPECT_EQ(r.header["arrays"][1]["name"], "queries");
  EXPECT_EQ(r.header["arrays"][2]["name"], "keys");
  EXPECT_EQ(r.header["head_dim"], 8);
  EXPECT_EQ(r.header["arrays"][1]["shape"], json({3, 1, n, 8}));
  // softmax(q·k / sqrt(d)) of layer 1, head 1, query 0 is the attention row (no mask: one input).
  const auto& q = r.arrays[1];
  const auto& k = r.arrays[2];
  std::vector<double> row(static_cast<std::size_t>(n));
  double total = 0;
  for (int j = 0; j < n; ++j) {
    double dot = 0;
    for (int d = 0; d < 8; ++d) dot += q[static_cast<std::size_t>(d)] * k[j * 8 + d];
    row[j] = std::exp(dot / std::sqrt(8.0));
    total += row[j];
  }
  for (int j = 0; j < n; ++j) EXPECT_NEAR(row[j] / total, r.arrays[0][j], 1e-5) << "key " << j;
}

TEST_F(Serve, TokenizeGivesWhatTheTokenizeCommandGives) {
  auto server = start(kBert);
  const Response r =
      server->ask({{"op", "tokenize"}, {"text", kTired}, {"pair", "It was."}, {"id", "t"}});
  ASSERT_EQ(r.header["ok"], true) << r.header;
  EXPECT_EQ(r.header["id"], "t");
  const auto command =
      test::run_cli({"tokenize", "--model", kBert, kTired, "--pair", "It was.", "--json"}, dir_);
  ASSERT_EQ(command.exit_code, 0) << command.err;
  const json expected = json::parse(command.out);
  for (const char* key : {"ids", "type_ids", "tokens", "display", "spans", "special"})
    EXPECT_EQ(r.header[key], expected[key]) << key;
}

TEST_F(Serve, MalformedRequestsAreErrorsAndTheServerGoesOn) {
  auto server = start(kBert);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not JSON"},
      {"[1, 2]", "not a JSON object"},
      {"{\"op\": \"info\"", "not JSON"},
      {"{}", "no \"op\""},
      {"{\"op\": 5}", "\"op\" must be a string"},
      {"{\"op\": \"fly\"}", "unknown \"op\" 'fly'"},
      {"{\"op\": \"attention\"}", "no \"text\""},
      {"{\"op\": \"attention\", \"text\": 12}", "\"text\" must be a string"},
      {"{\"op\": \"attention\", \"text\": \"  \"}", "the sentence is empty"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"pair\": \"\"}", "second sentence"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layers\": [4]}",
       "layer 4 of 3 does not exist: bert-tiny has layers 1-3"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"heads\": [0]}",
       "head 0 of 4 does not exist: bert-tiny has heads 1-4"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layers\": [99999999999999999999]}",
       "not a layer number"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layers\": \"1\"}", "a list of layer numbers"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layers\": []}", "a list of layer numbers"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layers\": [1.5]}", "not a layer number"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"queries_keys\": 1}", "true or false"},
      {"{\"op\": \"attention\", \"text\": \"x\", \"layer\": 1}",
       "\"layer\" is not a field of a \"attention\" request"},
      {"{\"op\": \"info\", \"text\": \"x\"}", "\"text\" is not a field"},
      {std::string("{\"op\": \"tokenize\", \"text\": \"\xff\xfe\"}"), "not JSON"},
      {std::string("{\"op\": \"tokenize\", \"text\": \"a") + '\0' + "b\"}", "not JSON"},
      {std::string(100000, '['), "not JSON"},
  };
  for (const auto& [line, message] : cases) {
    server->send(line + "\n");
    const Response r = server->receive();
    ASSERT_TRUE(r.header.is_object()) << line.substr(0, 80);
    EXPECT_EQ(r.header["ok"], false) << line.substr(0, 80);
    EXPECT_NE(r.header.value("error", "").find(message), std::string::npos)
        << line.substr(0, 80) << " -> " << r.header;
    EXPECT_FALSE(r.header.contains("arrays"));
  }
  // An error echoes the request's id, and the server still answers.
  const Response bad = server->ask({{"op", "attention"}, {"id", {1, "a"}}, {"layers", {0}}});
  EXPECT_EQ(bad.header["id"], json({1, "a"}));
  EXPECT_EQ(bad.header["ok"], false);
  server->send("\n  \n");  // blank lines get no answer
  const Response good = server->ask({{"op", "attention"}, {"text", kTired}});
  EXPECT_EQ(good.header["ok"], true) << good.header;
  EXPECT_EQ(server->exit_status(), 0);
  EXPECT_EQ(server->rest(), "");
  EXPECT_EQ(server->stderr_text(), "");  // errors are answers, not messages on stderr
}

TEST_F(Serve, TooLongRequestIsAnErrorAndTheNextIsAnswered) {
  auto server = start(kBert);
  // Written while the server reads it: it keeps nothing of the line beyond its limit.
  server->send("{\"op\": \"tokenize\", \"text\": \"" + std::string((65u << 20), 'a') + "\"}\n");
  const Response r = server->receive();
  EXPECT_EQ(r.header["ok"], false);
  EXPECT_NE(r.header.value("error", "").find("longer than 64 MB"), std::string::npos) << r.header;
  EXPECT_EQ(server->ask({{"op", "info"}}).header["ok"], true);
}

TEST_F(Serve, WarningsComeWithTheirResponse) {
  auto server = start(kBert);
  std::string text;
  for (int i = 0; i < 12; ++i) text += kTired + " ";
  const Response r = server->ask({{"op", "attention"}, {"text", text}, {"layers", {1}}});
  ASSERT_EQ(r.header["ok"], true) << r.header;
  EXPECT_EQ(r.header["ids"].size(), 96u);  // bert-tiny's max positions
  ASSERT_EQ(r.header["warnings"].size(), 1u) << r.header["warnings"];
  EXPECT_NE(r.header["warnings"][0].get<std::string>().find("tokens were dropped"),
            std::string::npos);
  // The next response has none of them.
  EXPECT_FALSE(server->ask({{"op", "attention"}, {"text", kTired}}).header.contains("warnings"));
}

TEST_F(Serve, LastRequestWithoutLineEndIsAnswered) {
  auto server = start(kBert);
  server->send("{\"op\": \"info\", \"id\": 1}");
  server->close_input();
  EXPECT_EQ(server->receive().header["id"], 1);
  EXPECT_EQ(server->exit_status(), 0);
}

TEST_F(Serve, ModelThatCannotLoadIsOneErrorLineAndExitStatusOne) {
  Server server({"--model", (dir_ / "no-such-model").string()}, dir_);
  const Response r = server.receive();
  EXPECT_EQ(r.header["ok"], false);
  const std::string error = r.header.value("error", "");
  EXPECT_NE(error.find("no-such-model"), std::string::npos) << error;
  EXPECT_EQ(server.exit_status(), 1);
  EXPECT_EQ(server.stderr_text(), "attnviz: error: " + error + "\n");
}

}  // namespace
}  // namespace attnviz
