#include "gguf_file.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

#include "attnviz/error.hpp"

namespace attnviz::gguf {
namespace {

constexpr TypeLayout kLayouts[] = {
    {TensorType::F32, "F32", 1, 4},
    {TensorType::F16, "F16", 1, 2},
    {TensorType::Q4_0, "Q4_0", 32, 18},
    {TensorType::Q4_1, "Q4_1", 32, 20},
    {TensorType::Q5_0, "Q5_0", 32, 22},
    {TensorType::Q5_1, "Q5_1", 32, 24},
    {TensorType::Q8_0, "Q8_0", 32, 34},
    {TensorType::Q8_1, "Q8_1", 32, 40},
    {TensorType::Q2_K, "Q2_K", 256, 84},
    {TensorType::Q3_K, "Q3_K", 256, 110},
    {TensorType::Q4_K, "Q4_K", 256, 144},
    {TensorType::Q5_K, "Q5_K", 256, 176},
    {TensorType::Q6_K, "Q6_K", 256, 210},
    {TensorType::Q8_K, "Q8_K", 256, 292},
    {TensorType::IQ2_XXS, "IQ2_XXS", 256, 66},
    {TensorType::IQ2_XS, "IQ2_XS", 256, 74},
    {TensorType::IQ3_XXS, "IQ3_XXS", 256, 98},
    {TensorType::IQ1_S, "IQ1_S", 256, 50},
    {TensorType::IQ4_NL, "IQ4_NL", 32, 18},
    {TensorType::IQ3_S, "IQ3_S", 256, 110},
    {TensorType::IQ2_S, "IQ2_S", 256, 82},
    {TensorType::IQ4_XS, "IQ4_XS", 256, 136},
    {TensorType::I8, "I8", 1, 1},
    {TensorType::I16, "I16", 1, 2},
    {TensorType::I32, "I32", 1, 4},
    {TensorType::I64, "I64", 1, 8},
    {TensorType::F64, "F64", 1, 8},
    {TensorType::IQ1_M, "IQ1_M", 256, 56},
    {TensorType::BF16, "BF16", 1, 2},
    {TensorType::TQ1_0, "TQ1_0", 256, 54},
    {TensorType::TQ2_0, "TQ2_0", 256, 66},
    {TensorType::MXFP4, "MXFP4", 32, 17},
};

// ggml's GGML_MAX_DIMS; arrays nested deeper than kMaxDepth are refused rather than followed.
constexpr std::size_t kMaxDims = 4;
constexpr int kMaxDepth = 8;

// Reads the header front to back; every read checks the bytes left first, so that a count or a
// length from the file never becomes an allocation or a read the file cannot back.
class Cursor {
 public:
  Cursor(const std::byte* data, std::size_t size, std::string file)
      : data_(data), size_(size), file_(std::move(file)) {}

  std::size_t position() const { return position_; }
  std::size_t left() const { return size_ - position_; }

  template <typename T>
  T scalar(const std::string& what) {
    need(sizeof(T), what);
    T value;
    std::memcpy(&value, data_ + position_, sizeof(T));
    position_ += sizeof(T);
    return value;
  }

  std::string string(const std::string& what) {
    const auto length = scalar<std::uint64_t>(what + " (its length)");
    if (length > left()) {
      fail(what + " declares " + std::to_string(length) + " bytes but only " +
           std::to_string(left()) + " are left in the file");
    }
    std::string text(reinterpret_cast<const char*>(data_ + position_), length);
    position_ += length;
    return text;
  }

  // A count of items that take at least `least_bytes` each: more than the file could hold is an
  // error before anything is reserved for them.
  std::uint64_t count(const std::string& what, std::size_t least_bytes) {
    const auto n = scalar<std::uint64_t>(what);
    if (least_bytes > 0 && n > left() / least_bytes) {
      fail(what + " is " + std::to_string(n) + ", more than the " + std::to_string(left()) +
           " bytes left in the file can hold");
    }
    return n;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(file_ + ": " + what + " (at byte " + std::to_string(position_) +
                "); the file is damaged or not a GGUF file: download it again");
  }

 private:
  void need(std::size_t bytes, const std::string& what) const {
    if (bytes > left()) {
      fail("the file ends inside " + what + ", " + std::to_string(left()) +
           " bytes before its end");
    }
  }

  const std::byte* data_;
  std::size_t size_;
  std::size_t position_ = 0;
  std::string file_;
};

// The fewest bytes one value of `type` takes in the file (an array: its type and count).
std::size_t least_bytes(ValueType type) {
  switch (type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL:
      return 1;
    case ValueType::UINT16:
    case ValueType::INT16:
      return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32:
      return 4;
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64:
    case ValueType::STRING:
      return 8;
    case ValueType::ARRAY:
      return 12;
  }
  return 1;
}

ValueType read_type(Cursor& cursor, const std::string& what) {
  const auto type = cursor.scalar<std::uint32_t>(what);
  if (type > static_cast<std::uint32_t>(ValueType::FLOAT64)) {
    cursor.fail(what + " is " + std::to_string(type) + ", which is no GGUF value type (0 to 12)");
  }
  return static_cast<ValueType>(type);
}

Value read_value(Cursor& cursor, ValueType type, const std::string& key, int depth) {
  Value value;
  value.type = type;
  const std::string what = "the value of '" + key + "'";
  switch (type) {
    case ValueType::UINT8:
      value.integer = cursor.scalar<std::uint8_t>(what);
      break;
    case ValueType::INT8:
      value.integer = cursor.scalar<std::int8_t>(what);
      break;
    case ValueType::UINT16:
      value.integer = cursor.scalar<std::uint16_t>(what);
      break;
    case ValueType::INT16:
      value.integer = cursor.scalar<std::int16_t>(what);
      break;
    case ValueType::UINT32:
      value.integer = cursor.scalar<std::uint32_t>(what);
      break;
    case ValueType::INT32:
      value.integer = cursor.scalar<std::int32_t>(what);
      break;
    case ValueType::UINT64:
      value.unsigned_integer = cursor.scalar<std::uint64_t>(what);
      value.integer = static_cast<std::int64_t>(std::min<std::uint64_t>(
          value.unsigned_integer, std::numeric_limits<std::int64_t>::max()));
      break;
    case ValueType::INT64:
      value.integer = cursor.scalar<std::int64_t>(what);
      break;
    case ValueType::FLOAT32:
      value.number = cursor.scalar<float>(what);
      break;
    case ValueType::FLOAT64:
      value.number = cursor.scalar<double>(what);
      break;
    case ValueType::BOOL: {
      const auto byte = cursor.scalar<std::uint8_t>(what);
      if (byte > 1) cursor.fail(what + " is a bool of value " + std::to_string(byte));
      value.boolean = byte == 1;
      value.integer = byte;
      break;
    }
    case ValueType::STRING:
      value.text = cursor.string(what);
      break;
    case ValueType::ARRAY: {
      if (depth >= kMaxDepth) cursor.fail(what + " nests arrays more than 8 deep");
      value.element_type = read_type(cursor, "the element type of '" + key + "'");
      const auto n = cursor.count("the length of '" + key + "'", least_bytes(value.element_type));
      const ValueType element = value.element_type;
      if (element == ValueType::STRING) {
        value.texts.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i) value.texts.push_back(cursor.string(what));
      } else if (element == ValueType::FLOAT32 || element == ValueType::FLOAT64) {
        value.numbers.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i)
          value.numbers.push_back(read_value(cursor, element, key, depth + 1).number);
      } else if (element == ValueType::ARRAY) {
        value.items.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i)
          value.items.push_back(read_value(cursor, element, key, depth + 1));
      } else {
        value.integers.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i)
          value.integers.push_back(read_value(cursor, element, key, depth + 1).integer);
      }
      break;
    }
  }
  return value;
}

std::string dims_text(const std::vector<std::uint64_t>& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

}  // namespace

const char* value_type_name(ValueType type) {
  static const char* const names[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                      "int32",  "float32", "bool",   "string", "array",
                                      "uint64", "int64",   "float64"};
  const auto index = static_cast<std::uint32_t>(type);
  return index < 13 ? names[index] : "unknown";
}

bool Value::is_integer() const {
  switch (type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::UINT16:
    case ValueType::INT16:
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::UINT64:
    case ValueType::INT64:
      return true;
    default:
      return false;
  }
}

const TypeLayout* type_layout(std::uint32_t type) {
  for (const auto& layout : kLayouts)
    if (static_cast<std::uint32_t>(layout.type) == type) return &layout;
  return nullptr;
}

std::string type_name(std::uint32_t type) {
  const TypeLayout* layout = type_layout(type);
  return layout != nullptr ? layout->name : "type " + std::to_string(type);
}

std::vector<std::int64_t> TensorInfo::shape() const {
  return {dims.rbegin(), dims.rend()};
}

GgufFile::GgufFile(const std::filesystem::path& path)
    : path_(path), mapping_(std::make_shared<model::MappedFile>(path)) {
  const std::string file = path.string();
  Cursor cursor(mapping_->data(), mapping_->size(), file);
  if (mapping_->size() < 4 || std::memcmp(mapping_->data(), "GGUF", 4) != 0) {
    throw Error(file + " does not start with \"GGUF\": it is not a GGUF file (or a damaged one)");
  }
  cursor.scalar<std::uint32_t>("the magic");
  version_ = cursor.scalar<std::uint32_t>("the version");
  if (version_ != 2 && version_ != 3) {
    if ((version_ & 0xFFFF) == 0 && version_ != 0) {
      throw Error(file +
                  " is a big-endian GGUF file; attnviz reads little-endian ones (convert it "
                  "with llama.cpp's gguf tools)");
    }
    throw Error(file + " is GGUF version " + std::to_string(version_) +
                "; attnviz reads versions 2 and 3 (convert it with a recent llama.cpp)");
  }
  // a tensor info takes at least 24 bytes (name length, dims, type, offset), a key-value 13
  const auto tensor_count = cursor.count("the tensor count", 24);
  const auto kv_count = cursor.count("the metadata count", 13);

  for (std::uint64_t i = 0; i < kv_count; ++i) {
    std::string key = cursor.string("metadata key " + std::to_string(i));
    const ValueType type = read_type(cursor, "the type of '" + key + "'");
    Value value = read_value(cursor, type, key, 0);
    if (!metadata_.emplace(key, std::move(value)).second) {
      cursor.fail("the metadata key '" + key + "' appears twice");
    }
  }
  if (const Value* alignment = find("general.alignment")) {
    if (alignment->type != ValueType::UINT32 || alignment->integer == 0 ||
        (alignment->integer & (alignment->integer - 1)) != 0) {
      throw Error(file + ": general.alignment must be a uint32 power of two, not " +
                  value_type_name(alignment->type) + " " + std::to_string(alignment->integer));
    }
    alignment_ = static_cast<std::size_t>(alignment->integer);
  }

  tensors_.reserve(tensor_count);
  for (std::uint64_t i = 0; i < tensor_count; ++i) {
    TensorInfo info;
    info.name = cursor.string("the name of tensor " + std::to_string(i));
    const std::string where = "tensor '" + info.name + "'";
    const auto n_dims = cursor.scalar<std::uint32_t>("the dimension count of " + where);
    if (n_dims == 0 || n_dims > kMaxDims) {
      cursor.fail(where + " has " + std::to_string(n_dims) + " dimensions; ggml has 1 to 4");
    }
    info.elements = 1;
    for (std::uint32_t d = 0; d < n_dims; ++d) {
      const auto dim = cursor.scalar<std::uint64_t>("a dimension of " + where);
      if (dim > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
          (dim != 0 && info.elements > std::numeric_limits<std::uint64_t>::max() / dim)) {
        cursor.fail(where + " declares a shape too large to exist");
      }
      info.elements *= dim;
      info.dims.push_back(dim);
    }
    const auto type = cursor.scalar<std::uint32_t>("the type of " + where);
    const TypeLayout* layout = type_layout(type);
    if (layout == nullptr) {
      cursor.fail(where + " has ggml type " + std::to_string(type) +
                  ", which attnviz does not know");
    }
    info.type = layout->type;
    if (info.dims[0] % layout->block_elements != 0) {
      cursor.fail(where + " has rows of " + std::to_string(info.dims[0]) +
                  " values, not a multiple of " + layout->name + "'s block of " +
                  std::to_string(layout->block_elements));
    }
    const std::uint64_t blocks = info.elements / layout->block_elements;
    if (blocks > std::numeric_limits<std::uint64_t>::max() / layout->block_bytes) {
      cursor.fail(where + " declares a shape too large to exist");
    }
    info.bytes = static_cast<std::size_t>(blocks * layout->block_bytes);
    info.offset = cursor.scalar<std::uint64_t>("the offset of " + where);
    if (info.offset % alignment_ != 0) {
      cursor.fail(where + " starts at offset " + std::to_string(info.offset) +
                  ", not a multiple of the alignment " + std::to_string(alignment_));
    }
    if (!tensor_index_.emplace(info.name, tensors_.size()).second) {
      cursor.fail("the tensor name '" + info.name + "' appears twice");
    }
    tensors_.push_back(std::move(info));
  }

  // The data section starts at the next multiple of the alignment after the header.
  const std::size_t header_end = cursor.position();
  const std::size_t padding = (alignment_ - header_end % alignment_) % alignment_;
  const std::size_t file_size = mapping_->size();
  const std::size_t data_start = header_end + padding;
  const std::size_t data_bytes = data_start <= file_size ? file_size - data_start : 0;
  std::vector<std::pair<std::uint64_t, std::size_t>> ranges;  // (offset, tensor)
  for (std::size_t i = 0; i < tensors_.size(); ++i) {
    TensorInfo& info = tensors_[i];
    if (info.offset > data_bytes || info.bytes > data_bytes - info.offset) {
      throw Error(file + ": tensor '" + info.name + "' (" +
                  type_name(static_cast<std::uint32_t>(info.type)) + " " + dims_text(info.dims) +
                  ", " + std::to_string(info.bytes) + " bytes at offset " +
                  std::to_string(info.offset) + ") lies outside the data section of " +
                  std::to_string(data_bytes) + " bytes; the file is truncated: download it again");
    }
    info.data = mapping_->data() + data_start + info.offset;
    ranges.emplace_back(info.offset, i);
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    const TensorInfo& before = tensors_[ranges[i - 1].second];
    const TensorInfo& after = tensors_[ranges[i].second];
    if (before.offset + before.bytes > after.offset) {
      throw Error(file + ": tensors '" + before.name + "' and '" + after.name +
                  "' overlap in the data section; the file is damaged");
    }
  }
}

const TensorInfo* GgufFile::tensor(const std::string& name) const {
  const auto found = tensor_index_.find(name);
  return found == tensor_index_.end() ? nullptr : &tensors_[found->second];
}

const Value* GgufFile::find(const std::string& key) const {
  const auto found = metadata_.find(key);
  return found == metadata_.end() ? nullptr : &found->second;
}

namespace {
[[noreturn]] void wrong_type(const std::filesystem::path& path, const std::string& key,
                             const Value& value, const char* wanted) {
  throw Error(path.string() + ": metadata '" + key + "' is " + value_type_name(value.type) +
              ", not " + wanted + "; the file was written by an unusual converter");
}
}  // namespace

std::optional<std::string> GgufFile::text(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->type != ValueType::STRING) wrong_type(path_, key, *value, "a string");
  return value->text;
}

std::optional<std::int64_t> GgufFile::integer(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_integer()) wrong_type(path_, key, *value, "an integer");
  return value->integer;
}

std::optional<double> GgufFile::number(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) wrong_type(path_, key, *value, "a number");
  return value->as_number();
}

std::optional<bool> GgufFile::flag(const std::string& key) const {
  const Value* value = find(key);
  if (value == nullptr) return std::nullopt;
  if (value->type != ValueType::BOOL) wrong_type(path_, key, *value, "a bool");
  return value->boolean;
}

}  // namespace attnviz::gguf
