#include <ATen/Context.h>
#include <ATen/Parallel.h>

#include "attnviz/error.hpp"
#include "attnviz/model.hpp"
#include "model_config.hpp"
#include "native_models.hpp"
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

// A TorchScript export carries its own manifest and may have no config.json at all, so it is
// recognised before config.json is read.
std::unique_ptr<Model> load_checkpoint(const std::filesystem::path& dir, ModelInfo info,
                                       at::Device device) {
  if (model::is_torchscript_export(dir))
    return model::load_torchscript_model(dir, std::move(info), device);
  const model::ModelConfig config = model::read_model_config(dir);
  info.architecture = config.model_type;
  info.layers = config.layers;
  info.heads = config.heads;
  info.hidden = config.hidden;
  info.max_positions = config.max_positions;
  info.causal = config.model_type == "gpt2";
  if (config.model_type == "bert") {
    const model::WeightStore weights(dir, "embeddings.word_embeddings.weight", {"", "bert."},
                                     device);
    return model::make_bert_model(config, weights, std::move(info), device);
  }
  const model::WeightStore weights(dir, "wte.weight", {"", "transformer."}, device);
  return model::make_gpt2_model(config, weights, std::move(info), device);
}

}  // namespace

std::unique_ptr<Model> load_model(const std::filesystem::path& dir, const RuntimeOptions& options) {
  if (!std::filesystem::is_directory(dir))
    throw Error("model directory " + dir.string() + " does not exist");
  if (options.threads < 0) throw Error("--threads must be 0 (libtorch's default) or more");
  const at::Device device = parse_device(options.device);
  if (options.threads > 0) at::set_num_threads(options.threads);

  ModelInfo info;
  info.name = std::filesystem::absolute(dir).lexically_normal().filename().string();
  if (info.name.empty())
    info.name = std::filesystem::absolute(dir).lexically_normal().parent_path().filename();
  try {
    return load_checkpoint(dir, std::move(info), device);
  } catch (const c10::Error& e) {
    throw Error("loading " + dir.string() + " failed: " + e.what_without_backtrace());
  }
}

}  // namespace attnviz
