#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "safetensors_file.hpp"  // MappedFile

namespace attnviz::gguf {

// The value types of GGUF metadata (gguf.md), with their numbers in the file.
enum class ValueType : std::uint32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};

const char* value_type_name(ValueType type);

// One metadata value. A scalar integer of every width is held in `integer` (a uint64 above
// INT64_MAX is kept in `unsigned_integer` too), a float in `number`. An array keeps its elements by
// kind, compactly (a vocabulary is 100,000s of them): integers and bools in `integers`, floats in
// `numbers`, strings in `texts`, arrays of arrays in `items`; size() is its length.
struct Value {
  ValueType type = ValueType::UINT8;
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double number = 0;
  bool boolean = false;
  std::string text;
  ValueType element_type = ValueType::UINT8;
  std::vector<std::int64_t> integers;
  std::vector<double> numbers;
  std::vector<std::string> texts;
  std::vector<Value> items;

  bool is_integer() const;
  bool is_number() const {
    return is_integer() || type == ValueType::FLOAT32 || type == ValueType::FLOAT64;
  }
  double as_number() const { return is_integer() ? static_cast<double>(integer) : number; }
  std::size_t size() const {
    return integers.size() + numbers.size() + texts.size() + items.size();
  }
};

// The ggml tensor types; only those with a known block layout can be read from a file.
enum class TensorType : std::uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
  MXFP4 = 39,
};

// A type's block: `block_elements` values stored in `block_bytes` bytes.
struct TypeLayout {
  TensorType type;
  const char* name;
  std::size_t block_elements;
  std::size_t block_bytes;
};

// nullptr where the number is no ggml type attnviz knows.
const TypeLayout* type_layout(std::uint32_t type);
std::string type_name(std::uint32_t type);

struct TensorInfo {
  std::string name;
  // ggml's order: dims[0] is the length of a row (the innermost, contiguous dimension), as the file
  // stores it; shape() gives the row-major (PyTorch) order.
  std::vector<std::uint64_t> dims;
  TensorType type = TensorType::F32;
  std::uint64_t offset = 0;  // from the start of the data section
  std::uint64_t elements = 0;
  const std::byte* data = nullptr;  // into the mapping
  std::size_t bytes = 0;

  std::vector<std::int64_t> shape() const;
};

// A GGUF file (version 2 or 3), memory-mapped. Everything in its header is checked against the file
// before it is used: each string, array and count against the bytes left, every tensor's type,
// shape, byte size and offset against the data section (aligned to general.alignment, inside the
// file, no two tensors overlapping). A damaged file is one attnviz::Error naming what is wrong and
// where.
class GgufFile {
 public:
  explicit GgufFile(const std::filesystem::path& path);

  std::uint32_t version() const { return version_; }
  std::size_t alignment() const { return alignment_; }
  const std::map<std::string, Value>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* tensor(const std::string& name) const;
  const std::shared_ptr<model::MappedFile>& mapping() const { return mapping_; }
  const std::filesystem::path& path() const { return path_; }

  // Metadata lookups; nullptr / nullopt where the key is absent. The typed ones throw an Error
  // naming the key where the value has another type.
  const Value* find(const std::string& key) const;
  std::optional<std::string> text(const std::string& key) const;
  std::optional<std::int64_t> integer(const std::string& key) const;
  std::optional<double> number(const std::string& key) const;
  std::optional<bool> flag(const std::string& key) const;

 private:
  std::filesystem::path path_;
  std::shared_ptr<model::MappedFile> mapping_;
  std::uint32_t version_ = 0;
  std::size_t alignment_ = 32;
  std::map<std::string, Value> metadata_;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::size_t> tensor_index_;
};

}  // namespace attnviz::gguf
