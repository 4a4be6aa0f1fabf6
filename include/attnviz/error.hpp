#pragma once

#include <stdexcept>
#include <string>

namespace attnviz {

// The one exception type of the project. Its message is written for the user: what was wrong,
// where, and what to do. Library code throws it; only the CLI prints it.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace attnviz
