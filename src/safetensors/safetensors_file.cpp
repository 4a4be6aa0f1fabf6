#include "safetensors_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "attnviz/error.hpp"

namespace attnviz::model {
namespace {

// The safetensors format itself refuses headers above 100 MB; a larger declared length is a corrupt
// file, and must not become a huge allocation.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

struct DTypeInfo {
  DType dtype;
  const char* name;
  std::size_t size;
};

constexpr DTypeInfo kDTypes[] = {
    {DType::F64, "F64", 8},   {DType::F32, "F32", 4},         {DType::F16, "F16", 2},
    {DType::BF16, "BF16", 2}, {DType::I64, "I64", 8},         {DType::I32, "I32", 4},
    {DType::I16, "I16", 2},   {DType::I8, "I8", 1},           {DType::U64, "U64", 8},
    {DType::U32, "U32", 4},   {DType::U16, "U16", 2},         {DType::U8, "U8", 1},
    {DType::BOOL, "BOOL", 1}, {DType::F8_E4M3, "F8_E4M3", 1}, {DType::F8_E5M2, "F8_E5M2", 1},
};

const DTypeInfo& info_of(DType dtype) {
  for (const auto& info : kDTypes) {
    if (info.dtype == dtype) return info;
  }
  throw Error("internal: a dtype without a table entry");
}

DType parse_dtype(const std::string& name, const std::string& tensor, const std::string& file) {
  for (const auto& info : kDTypes) {
    if (name == info.name) return info.dtype;
  }
  throw Error(file + ": tensor '" + tensor + "' has dtype '" + name +
              "', which is not a safetensors dtype; the file is corrupt or from an unknown writer");
}

}  // namespace

std::size_t dtype_size(DType dtype) {
  return info_of(dtype).size;
}

const char* dtype_name(DType dtype) {
  return info_of(dtype).name;
}

MappedFile::MappedFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + path.string() + ": " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    ::close(fd);
    throw Error("cannot stat " + path.string() + ": " + std::strerror(errno));
  }
  size_ = static_cast<std::size_t>(info.st_size);
  if (size_ > 0) {
    void* address = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (address == MAP_FAILED) {
      ::close(fd);
      throw Error("cannot memory-map " + path.string() + ": " + std::strerror(errno));
    }
    data_ = static_cast<std::byte*>(address);
  }
  ::close(fd);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(data_, size_);
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : path_(path), mapping_(std::make_shared<MappedFile>(path)) {
  const std::string file = path.string();
  const std::size_t file_size = mapping_->size();
  if (file_size < 8) {
    throw Error(file + ": only " + std::to_string(file_size) +
                " bytes, too short for a safetensors file (truncated download?)");
  }
  std::uint64_t header_bytes = 0;
  for (int i = 7; i >= 0; --i) {
    header_bytes = (header_bytes << 8) | static_cast<std::uint8_t>(mapping_->data()[i]);
  }
  if (header_bytes > kMaxHeaderBytes || header_bytes > file_size - 8) {
    throw Error(file + ": declares a header of " + std::to_string(header_bytes) +
                " bytes but the file has " + std::to_string(file_size) +
                " bytes; the file is truncated or not a safetensors file");
  }
  const auto* header_begin = reinterpret_cast<const char*>(mapping_->data() + 8);
  nlohmann::json header =
      nlohmann::json::parse(header_begin, header_begin + header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    throw Error(file + ": the header is not a JSON object; the file is corrupt");
  }

  const std::byte* data_section = mapping_->data() + 8 + header_bytes;
  const std::size_t data_bytes = file_size - 8 - header_bytes;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& [name, description] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = file + ": tensor '" + name + "'";
    if (!description.is_object() || !description.contains("dtype") ||
        !description["dtype"].is_string() || !description.contains("shape") ||
        !description["shape"].is_array() || !description.contains("data_offsets") ||
        !description["data_offsets"].is_array() || description["data_offsets"].size() != 2) {
      throw Error(where + " needs a string dtype, a shape array and two data_offsets");
    }
    SafetensorsEntry entry;
    entry.dtype = parse_dtype(description["dtype"].get<std::string>(), name, file);
    std::size_t elements = 1;
    for (const auto& dim : description["shape"]) {
      if (!dim.is_number_unsigned())
        throw Error(where + " has a shape that is not a list of sizes");
      const auto size = dim.get<std::uint64_t>();
      if (size != 0 && elements > std::numeric_limits<std::size_t>::max() / size) {
        throw Error(where + " declares a shape too large to exist");
      }
      elements *= size;
      entry.shape.push_back(static_cast<std::int64_t>(size));
    }
    const auto& offsets = description["data_offsets"];
    if (!offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      throw Error(where + " has data_offsets that are not byte positions");
    }
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (begin > end || end > data_bytes) {
      throw Error(where + " lies at bytes [" + std::to_string(begin) + ", " + std::to_string(end) +
                  ") of a data section of " + std::to_string(data_bytes) +
                  " bytes; the file is truncated or its header is wrong");
    }
    if (elements > std::numeric_limits<std::size_t>::max() / dtype_size(entry.dtype) ||
        end - begin != elements * dtype_size(entry.dtype)) {
      throw Error(where + " has shape " + shape_text(entry.shape) + " of " +
                  dtype_name(entry.dtype) + " but " + std::to_string(end - begin) +
                  " bytes of data");
    }
    entry.data = data_section + begin;
    entry.bytes = end - begin;
    ranges.emplace_back(begin, end);
    entries_.emplace(name, std::move(entry));
  }

  std::sort(ranges.begin(), ranges.end());
  std::size_t covered = 0;
  for (const auto& [begin, end] : ranges) {
    if (begin < covered) {
      throw Error(file + ": two tensors overlap at byte " + std::to_string(begin) +
                  " of the data section; the header is corrupt");
    }
    if (begin > covered) {
      throw Error(file + ": bytes [" + std::to_string(covered) + ", " + std::to_string(begin) +
                  ") of the data section belong to no tensor; the header is corrupt");
    }
    covered = end;
  }
  if (covered != data_bytes) {
    throw Error(file + ": the header describes " + std::to_string(covered) +
                " bytes of data but the file has " + std::to_string(data_bytes) +
                "; the file is corrupt");
  }
}

}  // namespace attnviz::model
