#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace attnviz::cli {

// --pair, the second sentence of a sentence pair, declared the same on every command that takes
// one.
void add_pair_option(CLI::App& command, std::optional<std::string>& pair);

}  // namespace attnviz::cli
