#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace attnviz::model {

// Every dtype the safetensors format defines, so that a file is checked whole; attnviz computes
// with the floating-point ones and only refuses the others where a tensor it needs has one.
enum class DType {
  F64,
  F32,
  F16,
  BF16,
  I64,
  I32,
  I16,
  I8,
  U64,
  U32,
  U16,
  U8,
  BOOL,
  F8_E4M3,
  F8_E5M2
};

std::size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);

// A read-only memory map of a whole file, kept alive by every tensor that points into it.
class MappedFile {
 public:
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::byte* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

struct SafetensorsEntry {
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
  const std::byte* data = nullptr;  // into the mapping
  std::size_t bytes = 0;
};

// A .safetensors file, memory-mapped, its header checked against the file before anything is read:
// the header length, every dtype, shape and offset, no overlaps and no uncovered bytes.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::map<std::string, SafetensorsEntry>& entries() const { return entries_; }
  const std::shared_ptr<MappedFile>& mapping() const { return mapping_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::shared_ptr<MappedFile> mapping_;
  std::map<std::string, SafetensorsEntry> entries_;
};

}  // namespace attnviz::model
