#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "families.hpp"
#include "gguf_checkpoint.hpp"
#include "json_fields.hpp"
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

const model::Family& family_of(const model::JsonFields& config, const std::string& file) {
  const std::string type = config.has("model_type") ? config.text("model_type") : "";
  for (const auto& family : model::families())
    if (family.model_type == type) return family;
  std::string names;
  for (const auto& name : native_model_types()) names += (names.empty() ? "" : ", ") + name;
  throw Error(file + ": model_type '" + type + "' has no native implementation (attnviz runs " +
              names +
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

}  // namespace

std::unique_ptr<Model> load_model(const std::filesystem::path& dir, const RuntimeOptions& options) {
  const auto gguf = model::gguf_model_file(dir);
  if (!gguf && !std::filesystem::is_directory(dir))
    throw Error("model directory " + dir.string() + " does not exist");
  if (options.threads < 0) throw Error("--threads must be 0 (libtorch's default) or more");
  const at::Device device = parse_device(options.device);
  const at::ScalarType matrices = parse_dtype(options.dtype);
  if (options.threads > 0) at::set_num_threads(options.threads);

  ModelInfo info;
  info.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (info.name.empty())
    info.name = std::filesystem::absolute(dir).lexically_normal().parent_path().filename();
  try {
    if (gguf) {
      info.name = gguf->stem().string();
      return model::load_gguf_checkpoint(*gguf, std::move(info), device, matrices);
    }
    return load_checkpoint(dir, std::move(info), device, matrices);
  } catch (const c10::Error& e) {
    throw Error("loading " + dir.string() + " failed: " + e.what_without_backtrace());
  }
}

}  // namespace attnviz
