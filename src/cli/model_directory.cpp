#include "model_directory.hpp"

#include <iostream>

#include "attnviz/hub.hpp"

namespace attnviz::cli {

std::filesystem::path resolve_model_directory(const std::string& model) {
  HubOptions hub = HubOptions::from_environment();
  hub.progress = [](const DownloadProgress& progress) {
    std::cerr << '\r' << format_progress(progress) << (progress.done == progress.total ? "\n" : "")
              << std::flush;
  };
  return resolve_model(model, hub);
}

}  // namespace attnviz::cli
