// Saved attentions (.npy, .npz, .safetensors) and their tokens, for `attnviz render`.
#include "attnviz/attention_file.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "array_file.hpp"
#include "attnviz/error.hpp"
#include "safetensors_file.hpp"

namespace attnviz {
namespace array_file {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string() + ": no such file, or not readable");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace array_file
namespace {
using array_file::Array;
using array_file::read_bytes;
using array_file::shape_text;

float half_to_float(std::uint16_t h) {
  const int exponent = (h >> 10) & 0x1F;
  const int mantissa = h & 0x3FF;
  float value;
  if (exponent == 0) {
    value = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    value = mantissa ? std::nanf("") : INFINITY;
  } else {
    value = std::ldexp(static_cast<float>(mantissa | 0x400), exponent - 25);
  }
  return (h & 0x8000) ? -value : value;
}

float bfloat16_to_float(std::uint16_t b) {
  const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

enum class Element { f16, bf16, f32, f64 };

// `count` elements of `type` starting at `data`, in the given byte order, as float32.
std::vector<float> decode(const unsigned char* data, std::size_t count, Element type,
                          bool big_endian) {
  const std::size_t size = type == Element::f64 ? 8 : type == Element::f32 ? 4 : 2;
  std::vector<float> out(count);
  unsigned char bytes[8];
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t b = 0; b < size; ++b)
      bytes[b] = data[i * size + (big_endian ? size - 1 - b : b)];
    std::uint64_t bits = 0;
    for (std::size_t b = size; b-- > 0;) bits = bits << 8 | bytes[b];
    switch (type) {
      case Element::f16:
        out[i] = half_to_float(static_cast<std::uint16_t>(bits));
        break;
      case Element::bf16:
        out[i] = bfloat16_to_float(static_cast<std::uint16_t>(bits));
        break;
      case Element::f32: {
        const auto word = static_cast<std::uint32_t>(bits);
        float value;
        std::memcpy(&value, &word, sizeof value);
        out[i] = value;
        break;
      }
      case Element::f64: {
        double value;
        std::memcpy(&value, &bits, sizeof value);
        out[i] = static_cast<float>(value);
        break;
      }
    }
  }
  return out;
}

// Row-major from column-major (NumPy's fortran_order): the first index varies fastest in `values`.
std::vector<float> from_fortran_order(const std::vector<float>& values,
                                      const std::vector<std::int64_t>& shape) {
  std::vector<std::size_t> stride(shape.size(), 1);  // row-major strides
  for (std::size_t d = shape.size(); d-- > 1;) stride[d - 1] = stride[d] * shape[d];
  std::vector<float> out(values.size());
  std::vector<std::int64_t> index(shape.size(), 0);
  for (const float value : values) {
    std::size_t offset = 0;
    for (std::size_t d = 0; d < shape.size(); ++d) offset += index[d] * stride[d];
    out[offset] = value;
    for (std::size_t d = 0; d < shape.size() && ++index[d] == shape[d]; ++d) index[d] = 0;
  }
  return out;
}

// The value of `key` in the header's Python dict literal, up to the next top-level comma.
std::string header_value(const std::string& header, const std::string& key,
                         const std::string& where) {
  const auto at = header.find("'" + key + "'");
  const auto colon = at == std::string::npos ? at : header.find(':', at);
  if (colon == std::string::npos) throw Error(where + ": the .npy header has no '" + key + "'");
  const auto begin = header.find_first_not_of(' ', colon + 1);
  const auto end = begin == std::string::npos ? begin
                   : header[begin] == '('     ? header.find(')', begin) + 1
                                              : header.find(',', begin);
  if (begin == std::string::npos || end == std::string::npos || end <= begin)
    throw Error(where + ": the .npy header's '" + key + "' cannot be read");
  return header.substr(begin, end - begin);
}

std::vector<std::int64_t> parse_shape(const std::string& text, const std::string& where) {
  std::vector<std::int64_t> shape;
  std::string digits;
  for (const char c : text.substr(1)) {
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == ',' || c == ')') {
      if (!digits.empty()) {
        if (digits.size() > 9) throw Error(where + ": the .npy shape " + text + " is too large");
        shape.push_back(std::stoll(digits));
      }
      digits.clear();
    } else if (c != ' ') {
      throw Error(where + ": the .npy shape " + text + " cannot be read");
    }
  }
  return shape;
}

// The number of elements of shape, or SIZE_MAX when that many 8-byte values would not fit in
// memory (so neither the product nor count * element size overflows).
std::size_t element_count(const std::vector<std::int64_t>& shape) {
  constexpr std::size_t limit = SIZE_MAX / 8;
  std::size_t count = 1;
  for (const auto extent : shape) {
    const auto e = static_cast<std::size_t>(extent);
    if (e != 0 && count > limit / e) return SIZE_MAX;
    count *= e;
  }
  return count;
}

std::uint64_t little_endian(const std::string& bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int b = width; b-- > 0;) value = value << 8 | static_cast<unsigned char>(bytes[at + b]);
  return value;
}

}  // namespace
namespace array_file {

// NumPy's .npy format, versions 1 to 3.
Array parse_npy(const std::string& bytes, const std::string& where) {
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw Error(where + " is not a NumPy .npy file (it does not start with \\x93NUMPY)");
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  const int version = byte(6);
  if (version < 1 || version > 3)
    throw Error(where + ": .npy format version " + std::to_string(version) + " is not known");
  const std::size_t length_bytes = version == 1 ? 2 : 4;
  std::size_t header_length = 0;
  for (std::size_t b = length_bytes; b-- > 0;) header_length = header_length << 8 | byte(8 + b);
  const std::size_t data_start = 8 + length_bytes + header_length;
  if (data_start > bytes.size()) throw Error(where + " is truncated: its header is cut short");
  const std::string header = bytes.substr(8 + length_bytes, header_length);

  const std::string descr = header_value(header, "descr", where);
  const std::string order = header_value(header, "fortran_order", where);
  Array array;
  array.shape = parse_shape(header_value(header, "shape", where), where);
  const char endian = descr.size() == 5 ? descr[1] : '?';
  const std::string kind = descr.size() == 5 ? descr.substr(2, 2) : "";
  Element type;
  if (kind == "f2") {
    type = Element::f16;
    array.sum_tolerance = 5e-3f;
  } else if (kind == "f4") {
    type = Element::f32;
  } else if (kind == "f8") {
    type = Element::f64;
  } else {
    throw Error(where + " holds " + descr +
                " values; attnviz reads float16, float32 or float64 (e.g. a.astype('float32'))");
  }
  if (endian != '<' && endian != '>' && endian != '=' && endian != '|')
    throw Error(where + ": the .npy dtype " + descr + " has no byte order attnviz knows");
  const std::size_t size = type == Element::f64 ? 8 : type == Element::f32 ? 4 : 2;
  const std::size_t available = bytes.size() - data_start;
  const std::size_t count = element_count(array.shape);  // SIZE_MAX: beyond any file
  if (count == SIZE_MAX || available < count * size) {
    throw Error(where + " is truncated: shape " + shape_text(array.shape) + " needs " +
                (count == SIZE_MAX ? "more" : std::to_string(count * size)) +
                " bytes of data, the file has " + std::to_string(available));
  }
  if (available > count * size) {
    throw Error(where + " has " + std::to_string(available - count * size) +
                " bytes after the data of its shape " + shape_text(array.shape) +
                ": not a file np.save wrote");
  }
  array.values = decode(reinterpret_cast<const unsigned char*>(bytes.data() + data_start), count,
                        type, endian == '>');
  if (order == "True") array.values = from_fortran_order(array.values, array.shape);
  return array;
}

// Every member of a .npz (a zip archive, stored or deflated, as np.savez and np.savez_compressed
// write it), in the archive's order.
std::vector<NpzMember> npz_members(const std::string& zip, const std::string& where) {
  const auto corrupt = [&](const std::string& what) {
    return Error(where + " is not a readable .npz (" + what + ")");
  };
  if (zip.size() < 22) throw corrupt("too short for a zip archive; truncated?");
  std::size_t end = zip.size() - 22;  // the end-of-central-directory record, after any comment
  while (zip.compare(end, 4, "PK\x05\x06") != 0) {
    if (end == 0 || zip.size() - end > 22 + 65535) throw corrupt("no zip directory; truncated?");
    --end;
  }
  const auto entries = little_endian(zip, end + 10, 2);
  std::size_t at = little_endian(zip, end + 16, 4);
  std::vector<NpzMember> members;
  for (std::uint64_t e = 0; e < entries; ++e) {
    std::uint64_t method = 0, compressed = 0, size = 0, local = 0;
    if (at + 46 > zip.size() || zip.compare(at, 4, "PK\x01\x02") != 0)
      throw corrupt("a broken zip directory");
    method = little_endian(zip, at + 10, 2);
    compressed = little_endian(zip, at + 20, 4);
    size = little_endian(zip, at + 24, 4);
    local = little_endian(zip, at + 42, 4);
    const auto name_length = little_endian(zip, at + 28, 2);
    const auto extra_length = little_endian(zip, at + 30, 2);
    const auto comment_length = little_endian(zip, at + 32, 2);
    if (at + 46 + name_length + extra_length > zip.size()) throw corrupt("a broken zip directory");
    const std::string name = zip.substr(at + 46, name_length);
    // A ZIP64 extra field holds the sizes and offset that did not fit 32 bits, in this order.
    const std::size_t extra_end = at + 46 + name_length + extra_length;
    for (std::size_t x = at + 46 + name_length; x + 4 <= extra_end;) {
      const auto id = little_endian(zip, x, 2), length = little_endian(zip, x + 2, 2);
      const std::size_t field_end = std::min<std::size_t>(x + 4 + length, extra_end);
      std::size_t field = x + 4;
      if (id == 1) {
        for (std::uint64_t* value : {&size, &compressed, &local}) {
          if (*value == 0xFFFFFFFF && field + 8 <= field_end) {
            *value = little_endian(zip, field, 8);
            field += 8;
          }
        }
      }
      x += 4 + length;
    }
    at += 46 + name_length + extra_length + comment_length;
    if (local + 30 > zip.size() || zip.compare(local, 4, "PK\x03\x04") != 0)
      throw corrupt("a broken local header");
    const std::size_t data =
        local + 30 + little_endian(zip, local + 26, 2) + little_endian(zip, local + 28, 2);
    if (data + compressed > zip.size())
      throw Error(where + " is truncated: " + name + " is cut short");
    if (method == 0) {
      members.push_back({name, zip.substr(data, size)});
      continue;
    }
    if (method != 8) throw corrupt("compression method " + std::to_string(method));
    // Deflate expands at most ~1032:1; a larger declared size is a corrupt file, not an allocation.
    if (size > compressed * 1032 + 1024) throw corrupt(name + " declares an impossible size");
    std::string out(size, '\0');
    z_stream stream{};
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) throw corrupt("zlib failed to start");
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zip.data() + data));
    stream.avail_in = static_cast<uInt>(compressed);
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(size);
    const int status = inflate(&stream, Z_FINISH);
    inflateEnd(&stream);
    if (status != Z_STREAM_END || stream.total_out != size)
      throw corrupt(name + " does not inflate");
    members.push_back({name, std::move(out)});
  }
  return members;
}

bool check_rows(const Attention& a, float sum_tolerance, const std::string& where,
                const AttentionFileOptions& options) {
  bool negative = false;
  for (int l = 0; l < a.layers; ++l) {
    for (int h = 0; h < a.heads; ++h) {
      for (int q = 0; q < a.n; ++q) {
        const float* row = a.head(l, h) + static_cast<std::size_t>(q) * a.columns();
        // Built only for an error: long inputs have hundreds of thousands of rows.
        const auto place = [&] {
          return where + ": layer " + std::to_string(l + 1) + ", head " + std::to_string(h + 1) +
                 ", row " + std::to_string(q + 1);
        };
        double sum = 0;
        for (int k = 0; k < a.columns(); ++k) {
          if (!std::isfinite(row[k]))
            throw Error(place() + ", column " + std::to_string(k + 1) + " holds " +
                        (std::isnan(row[k]) ? "NaN" : "an infinity"));
          if (row[k] < 0) {
            negative = true;
            if (options.check)
              throw Error(place() + ", column " + std::to_string(k + 1) + " is negative (" +
                          std::to_string(row[k]) + "): not attention probabilities; " +
                          options.unchecked + " draws it anyway");
          }
          sum += row[k];
        }
        // A row of pooled blocks is not a distribution (the largest of each block, or means).
        if (options.check && a.block == 1 && std::fabs(sum - 1) > sum_tolerance) {
          throw Error(place() + " sums to " + std::to_string(sum) +
                      ", not 1: not attention probabilities (softmax missing?); " +
                      options.unchecked + " draws it anyway");
        }
      }
    }
  }
  return negative;
}

}  // namespace array_file
namespace {
using array_file::parse_npy;

Array read_safetensors(const std::filesystem::path& path) {
  const model::SafetensorsFile file(path);
  const std::string where = path.string();
  if (file.entries().size() != 1) {
    std::string list;
    for (const auto& [name, entry] : file.entries()) list += (list.empty() ? "" : ", ") + name;
    throw Error(where + " holds " + std::to_string(file.entries().size()) + " tensors (" + list +
                "); attnviz renders a safetensors file of one tensor");
  }
  const auto& [name, entry] = *file.entries().begin();
  Array array;
  array.shape = entry.shape;
  Element type;
  switch (entry.dtype) {
    case model::DType::F16:
      type = Element::f16;
      array.sum_tolerance = 5e-3f;
      break;
    case model::DType::BF16:
      type = Element::bf16;
      array.sum_tolerance = 2e-2f;
      break;
    case model::DType::F32:
      type = Element::f32;
      break;
    case model::DType::F64:
      type = Element::f64;
      break;
    default:
      throw Error(where + ": tensor " + name + " is " + model::dtype_name(entry.dtype) +
                  "; attnviz reads F16, BF16, F32 or F64");
  }
  array.values = decode(reinterpret_cast<const unsigned char*>(entry.data),
                        element_count(entry.shape), type, false);
  return array;
}

Array read_array(const std::filesystem::path& path) {
  const std::string where = path.string();
  const std::string extension = path.extension().string();
  if (extension == ".npy") return parse_npy(read_bytes(path), where);
  if (extension == ".npz") {
    const auto members = array_file::npz_members(read_bytes(path), where);
    if (members.size() != 1) {
      std::string list;
      for (const auto& m : members) list += (list.empty() ? "" : ", ") + m.name;
      throw Error(where + " holds " + std::to_string(members.size()) + " arrays (" + list +
                  "); attnviz renders a .npz of one array: np.savez(path, attention=a), or of an "
                  "encoder-decoder's encoder, decoder and cross (attnviz dump writes them)");
    }
    return parse_npy(members[0].bytes, where + " (" + members[0].name + ")");
  }
  if (extension == ".safetensors") return read_safetensors(path);
  throw Error(where + ": attnviz renders .npy, .npz or .safetensors files, not '" + extension +
              "'");
}

// The tokens' JSON: a list of strings, or an object as `attnviz dump` writes it.
nlohmann::json read_tokens(const std::filesystem::path& path, bool given) {
  if (!std::filesystem::exists(path)) {
    throw Error(given ? "the tokens file " + path.string() + " does not exist"
                      : "no tokens: " + path.string() +
                            " (the sidecar attnviz dump writes) is missing; give --tokens "
                            "FILE.json (a JSON list of the n token strings)");
  }
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(read_bytes(path));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + " is not valid JSON: " + e.what());
  }
  if (json.is_array()) json = nlohmann::json{{"display", json}};
  if (!json.is_object() || !(json.contains("display") || json.contains("tokens")))
    throw Error(path.string() +
                " has no tokens: give a JSON list of strings, or an object with "
                "\"tokens\"");
  return json;
}

// The array as [layers][heads][n][n], its tokens and flags from the JSON; every value checked.
AttentionFile assemble(const Array& array, const nlohmann::json& meta,
                       const std::filesystem::path& path, const std::filesystem::path& tokens_path,
                       const AttentionFileOptions& options) {
  const std::string where = path.string();
  const auto& shape = array.shape;
  if (shape.size() < 2 || shape.size() > 4) {
    throw Error(where + " has shape " + shape_text(shape) +
                "; attnviz renders [layers, heads, n, n], [heads, n, n] or [n, n] (for a batch, "
                "save one sentence's slice: a[i])");
  }
  const auto n = shape[shape.size() - 1];
  if (shape[shape.size() - 2] != n || n == 0) {
    throw Error(where + " has shape " + shape_text(shape) +
                ": the last two axes (query, key) must be equal and non-zero");
  }
  AttentionFile file;
  Attention& a = file.attention;
  a.n = static_cast<int>(n);
  a.heads = shape.size() >= 3 ? static_cast<int>(shape[shape.size() - 3]) : 1;
  a.layers = shape.size() == 4 ? static_cast<int>(shape[0]) : 1;
  if (a.layers == 0 || a.heads == 0)
    throw Error(where + " has shape " + shape_text(shape) + ": no matrices");
  a.weights = array.values;

  const auto strings = [&](const char* key) {
    try {
      return meta.at(key).get<std::vector<std::string>>();
    } catch (const nlohmann::json::exception&) {
      throw Error(tokens_path.string() + ": \"" + key + "\" must be a list of strings");
    }
  };
  a.tokens = strings(meta.contains("display") ? "display" : "tokens");
  if (a.tokens.size() != static_cast<std::size_t>(n)) {
    throw Error(tokens_path.string() + " has " + std::to_string(a.tokens.size()) + " tokens but " +
                where + " has n = " + std::to_string(n) + " (shape " + shape_text(shape) +
                "): they must match");
  }
  const auto field = [&](const char* key, auto& out) {
    if (!meta.contains(key)) return false;
    try {
      meta.at(key).get_to(out);
    } catch (const nlohmann::json::exception&) {
      throw Error(tokens_path.string() + ": \"" + key + "\" has the wrong type");
    }
    return true;
  };
  std::vector<bool> special;
  a.special = field("special", special) && special.size() == a.tokens.size()
                  ? special
                  : std::vector<bool>(a.tokens.size(), false);
  // A long input's dump holds a window of its positions, maybe pooled (attnviz dump --blocks).
  field("first", a.first);
  field("block", a.block);
  field("positions", a.positions);
  std::string pooling;
  if (field("pooling", pooling)) a.pooling = pooling == "mean" ? Pooling::mean : Pooling::max;
  if (a.first < 0 || a.block < 1 || a.positions < 0 ||
      (a.positions > 0 && a.first + a.n > a.positions))
    throw Error(tokens_path.string() +
                ": \"first\", \"block\" and \"positions\" do not fit n = " + std::to_string(n));
  file.model = path.stem().string();
  field("model", file.model);
  field("text", file.text);
  field("pair", file.pair);

  file.negative = array_file::check_rows(a, array.sum_tolerance, where, options);
  // Causal: as the JSON says, else where every matrix is zero above the diagonal (GPT-2's saved
  // attentions).
  if (!field("causal", a.causal) && a.n > 1) {
    a.causal = true;
    for (int m = 0; m < a.layers * a.heads && a.causal; ++m) {
      const float* matrix = a.weights.data() + static_cast<std::size_t>(m) * a.n * a.n;
      for (int q = 0; q < a.n && a.causal; ++q)
        for (int k = q + 1; k < a.n && a.causal; ++k) a.causal = matrix[q * a.n + k] == 0;
    }
  }

  // The encoding, where the JSON has what attnviz dump writes: --focus then finds words as the
  // direct command does.
  Encoding& e = file.encoding;
  std::vector<std::vector<std::size_t>> spans;
  if (field("ids", e.ids) && field("spans", spans) && field("type_ids", e.type_ids) &&
      e.ids.size() == a.tokens.size() && spans.size() == e.ids.size() &&
      e.type_ids.size() == e.ids.size() && a.special.size() == e.ids.size()) {
    e.tokens = strings(meta.contains("tokens") ? "tokens" : "display");
    e.display = a.tokens;
    e.special = a.special;
    for (const auto& span : spans) {
      if (span.size() != 2) throw Error(tokens_path.string() + ": each span is [begin, end]");
      e.spans.push_back({span[0], span[1]});
    }
  } else {
    e = Encoding{};
  }
  return file;
}

}  // namespace

AttentionFile read_attention_file(const std::filesystem::path& path,
                                  const AttentionFileOptions& options) {
  const Array array = read_array(path);
  const bool given = !options.tokens.empty();
  const std::filesystem::path tokens_path =
      given ? options.tokens : std::filesystem::path(path).replace_extension(".json");
  return assemble(array, read_tokens(tokens_path, given), path, tokens_path, options);
}

AttentionFile attention_from_values(std::vector<std::int64_t> shape, std::vector<float> values,
                                    const std::string& dtype, const std::string& tokens_json,
                                    const std::string& where, const AttentionFileOptions& options) {
  Array array{std::move(shape), std::move(values)};
  std::size_t count = array.shape.empty() ? 0 : 1;
  for (const auto d : array.shape) count *= d < 0 ? 0 : static_cast<std::size_t>(d);
  if (count != array.values.size())
    throw Error(where + ": shape " + shape_text(array.shape) + " does not hold " +
                std::to_string(array.values.size()) + " values");
  if (dtype == "float16") array.sum_tolerance = 5e-3f;
  if (dtype == "bfloat16") array.sum_tolerance = 2e-2f;
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(tokens_json);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": the tokens are not valid JSON: " + e.what());
  }
  if (meta.is_array()) meta = nlohmann::json{{"display", meta}};
  if (!meta.is_object() || !(meta.contains("display") || meta.contains("tokens")))
    throw Error(where + ": no tokens: give a list of the n token strings");
  return assemble(array, meta, where, where, options);
}

const Encoding& words_encoding(const AttentionFile& file, const std::filesystem::path& path) {
  if (file.encoding.ids.empty())
    throw Error(path.string() +
                " has no token details to find the words by (--words needs the ids, spans, "
                "type_ids and special that attnviz dump writes in the JSON): save it with attnviz "
                "dump");
  return file.encoding;
}

}  // namespace attnviz
