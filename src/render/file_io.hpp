#pragma once

#include <cstddef>
#include <string>

namespace attnviz::render_detail {

// Writes bytes to path, replacing it; throws attnviz::Error naming the path and the reason.
void write_file(const std::string& path, const void* data, std::size_t size, const char* what);

}  // namespace attnviz::render_detail
