#pragma once

#include <ATen/ATen.h>

#include <filesystem>
#include <memory>

#include "attnviz/model.hpp"

namespace attnviz::model {

// What scripts/export_torchscript.py writes next to model.pt, and the contract version it follows:
// forward(input_ids, attention_mask[, token_type_ids]) -> attentions [layers, batch, heads, n, n].
inline constexpr const char* kTorchScriptManifest = "attnviz_manifest.json";
inline constexpr int kTorchScriptContractVersion = 1;

// Whether dir holds a TorchScript export (its manifest, or a model.pt that lacks one).
bool is_torchscript_export(const std::filesystem::path& dir);

// Loads an export: reads and checks the manifest, loads model.pt onto the device.
std::unique_ptr<Model> load_torchscript_model(const std::filesystem::path& dir, ModelInfo info,
                                              at::Device device);

}  // namespace attnviz::model
