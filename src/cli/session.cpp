#include "session.hpp"

#include <iostream>

#include "attnviz/error.hpp"
#include "attnviz/hub.hpp"

namespace attnviz::cli {
namespace {

// The name a person knows the model by: the Hub id an alias stands for, else what they typed (a
// directory is named by its last component).
std::string display_name(const std::string& requested, const HubOptions& options) {
  const std::filesystem::path as_path(requested);
  if (std::filesystem::is_directory(as_path)) {
    const auto normal = std::filesystem::absolute(as_path).lexically_normal();
    return (normal.has_filename() ? normal.filename() : normal.parent_path().filename()).string();
  }
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
          "models/, or a model directory")
      ->capture_default_str();
  command.add_option("--device", flags.device, "cpu, cuda or cuda:N")->capture_default_str();
  command.add_option("--threads", flags.threads, "CPU threads for libtorch (0: its default)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
}

void warn(const std::string& message) {
  std::cerr << "attnviz: warning: " << message << '\n';
}

Session open_session(const ModelFlags& flags) {
  HubOptions hub = HubOptions::from_environment();
  hub.progress = [](const DownloadProgress& progress) {
    std::cerr << '\r' << format_progress(progress) << (progress.done == progress.total ? "\n" : "")
              << std::flush;
  };
  Session session;
  session.dir = resolve_model(flags.model, hub);
  session.name = display_name(flags.model, hub);
  RuntimeOptions runtime;
  runtime.device = flags.device;
  runtime.threads = flags.threads;
  session.model = load_model(session.dir, runtime);
  session.tokenizer = load_tokenizer(session.dir);
  return session;
}

Encoding Session::encode(const std::string& text, const std::optional<std::string>& second) const {
  if (text.empty()) throw Error("the sentence is empty: give some text to look at");
  if (second && second->empty()) throw Error("the second sentence (--pair) is empty");
  const Encoding encoding =
      second ? tokenizer->encode_pair(text, *second) : tokenizer->encode(text);
  if (encoding.ids.empty()) throw Error("the sentence has no tokens for " + name);
  const auto max_positions = static_cast<std::size_t>(model->info().max_positions);
  FittedEncoding fitted = fit_to_model(encoding, max_positions);
  if (fitted.dropped > 0) {
    warn("the input has " + std::to_string(encoding.size()) + " tokens but " + name +
         " takes at most " + std::to_string(max_positions) + ": " + std::to_string(fitted.dropped) +
         " tokens were dropped");
  }
  return std::move(fitted.encoding);
}

}  // namespace attnviz::cli
