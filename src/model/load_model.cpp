#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "families.hpp"
#include "gguf_checkpoint.hpp"
#include "json_fields.hpp"
#include "seq2seq_families.hpp"
#include "seq2seq_model.hpp"
#include "torchscript_model.hpp"
#include "weight_store.hpp"

namespace attnviz {
namespace {

at::Device parse_device(const std::string& name) {
  at::Device device(at::kCPU);
  try {
    device = at::Device(name);
  } catch (const c10::Error&) {
    throw Error("unknown device '" + name + "': use cpu, cuda or cuda:N");
  }
  if (device.is_cuda() && !at::hasCUDA()) {
    throw Error(
        "--device " + name +
        ": this libtorch has no CUDA support or sees no GPU; use --device cpu, or build attnviz "
        "against a CUDA libtorch");
  }
  if (!device.is_cpu() && !device.is_cuda())
    throw Error("device '" + name + "' is not supported: use cpu or cuda");
  return device;
}

nlohmann::json read_config(const std::filesystem::path& dir) {
  const auto path = dir / "config.json";
  std::ifstream stream(path);
  if (!stream)
    throw Error(dir.string() + " has no config.json; is it a Hugging Face model directory?");
  nlohmann::json json = nlohmann::json::parse(stream, nullptr, false);
  if (json.is_discarded() || !json.is_object())
    throw Error(path.string() + " is not a JSON object");
  return json;
}

std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

const model::Family& family_of(const model::JsonFields& config, const std::string& file) {
  const std::string type = config.has("model_type") ? config.text("model_type") : "";
  for (const auto& family : model::families())
    if (family.model_type == type) return family;
  for (const auto& family : model::seq2seq_families()) {
    if (family.model_type == type) {
      throw Error(file + ": '" + type +
                  "' is an encoder-decoder, which this command does not run; give it a source "
                  "(and --target) as in attnviz --model M \"source\" --target \"target\"");
    }
  }
  throw Error(file + ": model_type '" + type + "' has no native implementation (attnviz runs " +
              listed(native_model_types()) + "; encoder-decoders " +
              listed(native_seq2seq_model_types()) +
              "); export it with scripts/export_torchscript.py to run it through "
              "TorchScript");
}

// A TorchScript export carries its own manifest and may have no config.json at all, so it is
// recognised before config.json is read.
// --dtype: the dtype of the weight matrices in memory; the arithmetic stays float32.
at::ScalarType parse_dtype(const std::string& name) {
  if (name == "f32") return at::kFloat;
  if (name == "bf16") return at::kBFloat16;
  if (name == "f16") return at::kHalf;
  throw Error("unknown dtype '" + name + "': use f32, bf16 or f16");
}

std::unique_ptr<Model> load_checkpoint(const std::filesystem::path& dir, ModelInfo info,
                                       at::Device device, at::ScalarType matrices) {
  if (model::is_torchscript_export(dir)) {
    if (matrices != at::kFloat)
      throw Error(dir.string() +
                  " is a TorchScript export, whose weights keep the dtype it was "
                  "exported with: leave out --dtype");
    return model::load_torchscript_model(dir, std::move(info), device);
  }
  const nlohmann::json json = read_config(dir);
  const model::JsonFields config(json, (dir / "config.json").string());
  const model::Family& family = family_of(config, (dir / "config.json").string());
  info.architecture = family.model_type;
  const model::WeightStore weights(dir, family.probe, family.prefixes, device, matrices);
  return family.build(config, weights, std::move(info), device);
}

// What every loader does first: the device and dtype checked, the threads set, the model named.
struct Runtime {
  at::Device device;
  at::ScalarType matrices;
  std::string name;
};

Runtime prepare_runtime(const std::filesystem::path& dir, const RuntimeOptions& options) {
  if (options.threads < 0) throw Error("--threads must be 0 (libtorch's default) or more");
  Runtime runtime{parse_device(options.device), parse_dtype(options.dtype), {}};
  if (options.threads > 0) at::set_num_threads(options.threads);
  runtime.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (runtime.name.empty())
    runtime.name = std::filesystem::absolute(dir).lexically_normal().parent_path().filename();
  return runtime;
}

}  // namespace

std::unique_ptr<Model> load_model(const std::filesystem::path& dir, const RuntimeOptions& options) {
  const auto gguf = model::gguf_model_file(dir);
  if (!gguf && !std::filesystem::is_directory(dir))
    throw Error("model directory " + dir.string() + " does not exist");
  const Runtime runtime = prepare_runtime(dir, options);
  ModelInfo info;
  info.name = runtime.name;
  try {
    if (gguf) {
      info.name = gguf->stem().string();
      return model::load_gguf_checkpoint(*gguf, std::move(info), runtime.device, runtime.matrices);
    }
    return load_checkpoint(dir, std::move(info), runtime.device, runtime.matrices);
  } catch (const c10::Error& e) {
    throw Error("loading " + dir.string() + " failed: " + e.what_without_backtrace());
  }
}

std::unique_ptr<Seq2SeqModel> load_seq2seq_model(const std::filesystem::path& dir,
                                                 const RuntimeOptions& options) {
  if (!std::filesystem::is_directory(dir))
    throw Error("model directory " + dir.string() + " does not exist");
  const Runtime runtime = prepare_runtime(dir, options);
  const nlohmann::json json = read_config(dir);
  const std::string file = (dir / "config.json").string();
  const model::JsonFields config(json, file);
  const std::string type = config.has("model_type") ? config.text("model_type") : "";
  for (const auto& family : model::seq2seq_families()) {
    if (family.model_type != type) continue;
    Seq2SeqInfo info;
    info.name = runtime.name;
    info.architecture = type;
    model::read_special_ids(config, info);
    try {
      const model::WeightStore weights(dir, family.probe, family.prefixes, runtime.device,
                                       runtime.matrices);
      return family.build(config, weights, std::move(info), runtime.device);
    } catch (const c10::Error& e) {
      throw Error("loading " + dir.string() + " failed: " + e.what_without_backtrace());
    }
  }
  throw Error(file + ": model_type '" + type +
              "' is an encoder-decoder attnviz does not run natively (it runs " +
              listed(native_seq2seq_model_types()) + ")");
}

}  // namespace attnviz
