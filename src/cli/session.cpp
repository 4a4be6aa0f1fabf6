#include "session.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "attnviz/error.hpp"
#include "attnviz/hub.hpp"
#include "model_directory.hpp"

namespace attnviz::cli {
namespace {

// "name" of a Hub id "org/name"; empty for anything else (a local path, "").
std::string hub_name(const std::string& id) {
  static const std::regex hub_id(R"(^[A-Za-z0-9][A-Za-z0-9_.-]*/([A-Za-z0-9_.-]+)$)");
  std::smatch match;
  if (!std::regex_match(id, match, hub_id) || std::filesystem::exists(id)) return "";
  return match[1];
}

// A model directory's own name: config.json's _name_or_path where it is a Hub id, the repository of
// a Hugging Face cache snapshot (models--org--name/snapshots/COMMIT), else the folder's name
// ("model" only as a last resort).
std::string directory_name(const std::filesystem::path& dir) {
  std::ifstream config(dir / "config.json");
  const nlohmann::json json = nlohmann::json::parse(config, nullptr, false, true);
  if (json.is_object() && json.contains("_name_or_path") && json["_name_or_path"].is_string()) {
    const std::string name = hub_name(json["_name_or_path"].get<std::string>());
    if (!name.empty()) return name;
  }
  const auto normal = std::filesystem::absolute(dir).lexically_normal();
  const auto folder = normal.has_filename() ? normal : normal.parent_path();
  const std::string repo = folder.parent_path().parent_path().filename().string();
  if (folder.parent_path().filename() == "snapshots" && repo.rfind("models--", 0) == 0)
    return repo.substr(repo.rfind("--") + 2);
  return folder.filename().string();
}

// The name a person knows the model by: the Hub id an alias stands for, else what they typed (a
// directory by its own name).
std::string display_name(const std::string& requested, const HubOptions& options) {
  const std::filesystem::path as_path(requested);
  if (std::filesystem::is_directory(as_path)) return directory_name(as_path);
  const auto targets = alias_targets(requested, options);
  const std::string id = targets.empty() ? requested : targets.front();
  const auto slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(slash + 1);
}

}  // namespace

void add_model_flags(CLI::App& command, ModelFlags& flags) {
  command
      .add_option(
          "-m,--model", flags.model,
          "Model: bert (bert-base-uncased), gpt2, a Hugging Face id (org/name), a folder under "
          "models/, or a model directory; e.g. --model gpt2 or --model ./my-bert")
      ->capture_default_str();
  command.add_option("--device", flags.device, "cpu, cuda or cuda:N; e.g. --device cuda")
      ->capture_default_str();
  command
      .add_option(
          "--threads", flags.threads,
          "CPU threads for the model, and for writing batch figures (0: libtorch's default for "
          "the model, one per core for figures); e.g. --threads 4")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  command
      .add_option("--dtype", flags.dtype,
                  "Weights in memory: f32 (exact), or bf16 / f16 for half the memory (the math "
                  "stays float32; a bf16 checkpoint is then still exact); e.g. --dtype bf16")
      ->check(CLI::IsMember({"f32", "bf16", "f16"}))
      ->capture_default_str();
  command.add_option("--max-memory", flags.max_memory_gb,
                     "Memory in GB a run may use beyond the model's weights (default: what is "
                     "free); a run predicted to need more is refused before it starts; e.g. "
                     "--max-memory 2");
}

void warn(const std::string& message) {
  std::cerr << "attnviz: warning: " << message << '\n';
}

namespace {

RuntimeOptions runtime_options(const ModelFlags& flags) {
  RuntimeOptions runtime;
  runtime.device = flags.device;
  runtime.threads = flags.threads;
  runtime.dtype = flags.dtype;
  return runtime;
}

}  // namespace

Session open_session(const ModelFlags& flags) {
  Session session;
  session.dir = resolve_model_directory(flags.model);
  session.name = display_name(flags.model, HubOptions::from_environment());
  session.model = load_model(session.dir, runtime_options(flags));
  session.tokenizer = load_tokenizer(session.dir);
  session.memory_limit = static_cast<std::size_t>(flags.max_memory_gb * 1e9);
  return session;
}

bool names_seq2seq_model(const ModelFlags& flags) {
  return is_seq2seq_model(resolve_model_directory(flags.model));
}

Seq2SeqSession open_seq2seq_session(const ModelFlags& flags) {
  Seq2SeqSession session;
  session.dir = resolve_model_directory(flags.model);
  session.name = display_name(flags.model, HubOptions::from_environment());
  session.model = load_seq2seq_model(session.dir, runtime_options(flags));
  session.tokenizer = load_tokenizer(session.dir);
  return session;
}

Encoding encoding_of_ids(const std::string& text, const Tokenizer& tokenizer,
                         const std::string& flag) {
  Encoding encoding;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    try {
      std::size_t used = 0;
      encoding.ids.push_back(std::stoll(item, &used));
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(flag + " takes comma-separated token ids (e.g. 101,7592,102); '" + item +
                  "' is not one");
    }
    encoding.tokens.push_back(tokenizer.id_to_token(encoding.ids.back()));
  }
  encoding.type_ids.assign(encoding.ids.size(), 0);
  encoding.display = encoding.tokens;
  encoding.spans.assign(encoding.ids.size(), ByteSpan{});
  encoding.special.assign(encoding.ids.size(), false);
  return encoding;
}

std::vector<Attention> Session::attend(const std::vector<Encoding>& inputs,
                                       AttendOptions options) const {
  options.memory_limit = memory_limit;
  return model->attend(inputs, options);
}

Encoding Session::encode(const std::string& text, const std::optional<std::string>& second) const {
  const auto blank = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
  };
  if (blank(text)) throw Error("the sentence is empty: give some text to look at");
  if (second && blank(*second)) throw Error("the second sentence (--pair) is empty");
  const Encoding encoding =
      second ? tokenizer->encode_pair(text, *second) : tokenizer->encode(text);
  if (encoding.ids.empty()) throw Error("the sentence has no tokens for " + name);
  if (const auto unknown = tokenizer->unknown_id()) {
    unknown_tokens +=
        static_cast<std::size_t>(std::count(encoding.ids.begin(), encoding.ids.end(), *unknown));
  }
  const auto max_positions = static_cast<std::size_t>(model->info().max_positions);
  FittedEncoding fitted = fit_to_model(encoding, max_positions);
  if (fitted.dropped > 0) {
    warn("the input has " + std::to_string(encoding.size()) + " tokens but " + name +
         " takes at most " + std::to_string(max_positions) + ": " + std::to_string(fitted.dropped) +
         " tokens were dropped");
  }
  return std::move(fitted.encoding);
}

void Session::warn_unknown_tokens() const {
  if (unknown_tokens == 0) return;
  warn(std::to_string(unknown_tokens) + " token(s) of the input are unknown to " + name +
       "'s vocabulary (shown as " + tokenizer->id_to_token(*tokenizer->unknown_id()) + ")");
}

}  // namespace attnviz::cli
