#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace attnviz::cli {

// --pair, the second sentence of a sentence pair, declared the same on every command that takes
// one.
void add_pair_option(CLI::App& command, std::optional<std::string>& pair);

// A text argument as given, or the contents of FILE for "@FILE" (a long document); an empty file
// or one that cannot be read is an error.
std::string text_argument(const std::string& argument);

}  // namespace attnviz::cli
