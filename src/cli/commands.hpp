#pragma once

#include <CLI/CLI.hpp>

namespace attnviz::cli {

// Each command lives in its own file and registers itself on the app here. The callbacks throw
// attnviz::Error; main turns that into one line on stderr and exit code 1.
void add_view_options(CLI::App& app);  // the top-level command: heatmaps
void add_dump_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_batch_command(CLI::App& app);
void add_html_command(CLI::App& app);
void add_heads_command(CLI::App& app);   // heads_command.cpp
void add_render_command(CLI::App& app);  // saved attentions, no model
void add_serve_command(CLI::App& app);   // a model kept loaded, requests on stdin (attnviz.Model)

}  // namespace attnviz::cli
