#include "torchscript_model.hpp"

#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>
#include <torch/version.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "attnviz/error.hpp"
#include "batched_model.hpp"
#include "json_fields.hpp"

namespace attnviz::model {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModelFile = "model.pt";
constexpr const char* kReexport = "export the model again with scripts/export_torchscript.py";

struct Manifest {
  std::string architecture;
  int layers = 0;
  int heads = 0;
  int hidden = 0;
  int max_positions = 0;
  int vocab_size = 0;
  int type_vocab_size = 0;
  bool takes_token_type_ids = false;
  bool causal = false;
  std::string traced_on;
  std::string torch_version;
};

Manifest read_manifest(const fs::path& dir) {
  const fs::path file = dir / kTorchScriptManifest;
  if (!fs::exists(file)) {
    throw Error(dir.string() + " holds " + kModelFile + " but no " + kTorchScriptManifest +
                ", which says what the module takes and returns; " + kReexport);
  }
  std::ifstream stream(file);
  if (!stream) throw Error("cannot read " + file.string());
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(stream);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e999
    throw Error(file.string() + " is not valid JSON (" + e.what() + "); " + kReexport);
  }
  if (!json.is_object()) throw Error(file.string() + " is not a JSON object; " + kReexport);
  const JsonFields fields(json, file.string(), std::string("; ") + kReexport);
  const int version = fields.positive_int("attnviz_contract_version");
  if (version != kTorchScriptContractVersion) {
    throw Error(file.string() + " follows attnviz's TorchScript contract version " +
                std::to_string(version) + ", but this attnviz reads version " +
                std::to_string(kTorchScriptContractVersion) +
                "; export the model again with this attnviz's scripts/export_torchscript.py");
  }
  Manifest manifest;
  manifest.architecture = fields.text("architecture");
  manifest.layers = fields.positive_int("layers");
  manifest.heads = fields.positive_int("heads");
  manifest.hidden = fields.positive_int("hidden");
  manifest.max_positions = fields.positive_int("max_positions");
  manifest.vocab_size = fields.positive_int("vocab_size");
  manifest.takes_token_type_ids = fields.flag("takes_token_type_ids");
  // A model without token type inputs ignores the tokenizer's type ids, so any value passes.
  manifest.type_vocab_size = manifest.takes_token_type_ids ? fields.positive_int("type_vocab_size")
                                                           : std::numeric_limits<int>::max();
  manifest.causal = fields.flag("causal");
  manifest.traced_on = fields.text("traced_on");
  manifest.torch_version = fields.text("torch_version");
  return manifest;
}

// "2.15.0+cu132" -> {2, 15}; {0, 0} where the text does not start with two numbers.
std::pair<int, int> major_minor(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2) return {0, 0};
  return {major, minor};
}

// libtorch's load errors run over many lines (source excerpts, suggestions); the first non-empty
// one says what failed.
std::string first_line(const std::string& text) {
  std::size_t begin = text.find_first_not_of(" \n\r\t");
  if (begin == std::string::npos) return "no reason given";
  const std::size_t end = text.find('\n', begin);
  return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

Error load_failure(const fs::path& file, const Manifest& manifest, const std::string& message) {
  const std::string detail = first_line(message);
  const std::string linked = TORCH_VERSION;
  if (major_minor(manifest.torch_version) >
      std::make_pair(TORCH_VERSION_MAJOR, TORCH_VERSION_MINOR)) {
    return Error(
        file.string() + " was exported by torch " + manifest.torch_version +
        ", newer than the libtorch " + linked + " attnviz is built with, which cannot read it (" +
        detail + "). Export it again with torch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
        std::to_string(TORCH_VERSION_MINOR) +
        " (scripts/setup_reference_env.sh makes .venv-ref with it), or build attnviz against "
        "libtorch " +
        manifest.torch_version + " or newer");
  }
  return Error(file.string() + " (exported by torch " + manifest.torch_version +
               ") cannot be loaded by libtorch " + linked + ": " + detail + "; " + kReexport);
}

torch::jit::Module load_module(const fs::path& dir, const Manifest& manifest, at::Device device) {
  const fs::path file = dir / kModelFile;
  if (!fs::exists(file)) throw Error(dir.string() + " has no " + kModelFile + "; " + kReexport);
  try {
    torch::jit::Module module = torch::jit::load(file.string(), device);
    module.eval();
    return module;
  } catch (const c10::Error& e) {
    throw load_failure(file, manifest, e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw load_failure(file, manifest, e.what());
  }
}

std::string shape_of(at::IntArrayRef sizes) {
  std::string text = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) text += (i ? ", " : "") + std::to_string(sizes[i]);
  return text + "]";
}

// forward(input_ids, attention_mask[, token_type_ids]) -> attentions [layers, batch, heads, n, n].
class TorchScriptModel final : public BatchedModel {
 public:
  TorchScriptModel(ModelInfo info, at::Device device, const Manifest& manifest,
                   torch::jit::Module module, fs::path file)
      : BatchedModel(std::move(info), device, manifest.vocab_size, manifest.type_vocab_size),
        takes_token_type_ids_(manifest.takes_token_type_ids),
        traced_on_(manifest.traced_on),
        module_(std::move(module)),
        file_(std::move(file)) {}

 protected:
  void forward(const BatchInput& input, AttentionPass& pass) const override {
    if (pass.with_queries_keys) {
      throw Error(
          info().name +
          " is a TorchScript export, which returns attention probabilities only; query and "
          "key vectors need a native BERT or GPT-2 checkpoint (config.json and weights); leave "
          "them out (attnviz html --no-vectors)");
    }
    std::vector<c10::IValue> inputs{input.ids, input.mask.to(at::kLong)};
    if (takes_token_type_ids_) inputs.emplace_back(input.type_ids);
    const c10::IValue output = run(std::move(inputs));
    if (!output.isTensor()) {
      throw Error(file_.string() + " returned " + output.tagKind() +
                  " where attnviz expects one attentions tensor; " + kReexport);
    }
    const at::Tensor attentions = output.toTensor();
    check_shape(attentions, input);
    for (std::int64_t l = 0; l < pass.layers_needed(); ++l)
      pass.keep(static_cast<std::size_t>(l), 0, 0, attentions.select(0, l));
  }

 private:
  void check_shape(const at::Tensor& attentions, const BatchInput& input) const {
    const std::vector<std::int64_t> expected{info().layers, input.ids.size(0), info().heads,
                                             input.ids.size(1), input.ids.size(1)};
    if (!attentions.sizes().equals(expected) || !at::isFloatingType(attentions.scalar_type())) {
      throw Error(file_.string() + " returned " + std::string(attentions.dtype().name()) + " " +
                  shape_of(attentions.sizes()) +
                  " where attnviz expects float attentions [layers, batch, heads, n, n] = " +
                  shape_of(expected) + " (layers and heads from " + kTorchScriptManifest + "); " +
                  kReexport);
    }
  }

  c10::IValue run(std::vector<c10::IValue> inputs) const {
    try {
      return module_.forward(std::move(inputs));
    } catch (const c10::Error& e) {
      const std::string device_type = c10::DeviceTypeName(device().type(), true);
      if (device_type == traced_on_) throw;
      throw Error("running " + file_.string() + " on " + device_type + " failed (" +
                  first_line(e.what_without_backtrace()) + "): it was traced on " + traced_on_ +
                  ", and a traced module keeps that device in some of its operations; export it "
                  "again with scripts/export_torchscript.py --device " +
                  device_type);
    }
  }

  bool takes_token_type_ids_;
  std::string traced_on_;
  // torch::jit::Module::forward is not const; running it changes no state attnviz can see.
  mutable torch::jit::Module module_;
  fs::path file_;
};

}  // namespace

bool is_torchscript_export(const fs::path& dir) {
  return fs::exists(dir / kTorchScriptManifest) ||
         (fs::exists(dir / kModelFile) && !fs::exists(dir / "config.json"));
}

std::unique_ptr<Model> load_torchscript_model(const fs::path& dir, ModelInfo info,
                                              at::Device device) {
  const Manifest manifest = read_manifest(dir);
  info.architecture = manifest.architecture;
  info.layers = manifest.layers;
  info.heads = manifest.heads;
  info.hidden = manifest.hidden;
  info.max_positions = manifest.max_positions;
  info.causal = manifest.causal;
  info.queries_keys = false;  // the exported module returns attention probabilities only
  torch::jit::Module module = load_module(dir, manifest, device);
  return std::make_unique<TorchScriptModel>(std::move(info), device, manifest, std::move(module),
                                            dir / kModelFile);
}

}  // namespace attnviz::model
