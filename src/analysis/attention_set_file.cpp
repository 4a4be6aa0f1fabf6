// An encoder-decoder's three attentions in one .npz (encoder, decoder, cross) with a JSON sidecar
// naming the source's and the decoder input's tokens.
#include "attnviz/attention_set_file.hpp"

#include <zlib.h>

#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "array_file.hpp"
#include "attnviz/error.hpp"
#include "attnviz/output_file.hpp"

namespace attnviz {
namespace {

using array_file::shape_text;

constexpr std::array<const char*, 3> kParts = {"encoder", "decoder", "cross"};

std::vector<std::int64_t> shape_of(const Attention& a) {
  return {a.layers, a.heads, a.n, a.columns()};
}

// Little-endian bytes of an unsigned value, `width` of them.
std::string le(std::uint64_t value, int width) {
  std::string out;
  for (int b = 0; b < width; ++b) out += static_cast<char>((value >> (8 * b)) & 0xFF);
  return out;
}

// NumPy format 1.0 of float32 values in C order: the dict literal padded so the data starts
// 64-aligned, as np.save writes it.
std::string npy_bytes(const Attention& a) {
  std::string shape;
  for (const auto extent : shape_of(a))
    shape += (shape.empty() ? "" : ", ") + std::to_string(extent);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + shape + "), }";
  header += std::string((64 - (10 + header.size() + 1) % 64) % 64, ' ') + '\n';
  return "\x93NUMPY\x01" + std::string(1, '\0') + le(header.size(), 2) + header +
         std::string(reinterpret_cast<const char*>(a.weights.data()),
                     a.weights.size() * sizeof(float));
}

// A zip archive of stored (uncompressed) members, as np.savez writes one.
std::string zip_bytes(const std::vector<array_file::NpzMember>& members, const std::string& where) {
  std::string local, directory;
  for (const auto& [name, bytes] : members) {
    if (bytes.size() >= 0xFFFFFFFFu || local.size() >= 0xFFFFFFFFu)
      throw Error("cannot write " + where + ": " + name +
                  " is over 4 GiB, more than a .npz without ZIP64 holds; dump fewer layers "
                  "(--layers) or a shorter input");
    const auto crc =
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
    // version, flags, method (stored), time, date, crc, sizes, name length, extra length
    const std::string fields = le(20, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0x21, 2) +
                               le(crc, 4) + le(bytes.size(), 4) + le(bytes.size(), 4) +
                               le(name.size(), 2) + le(0, 2);
    directory += "PK\x01\x02" + le(20, 2) + fields + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(local.size(), 4) + name;
    local += "PK\x03\x04" + fields + name + bytes;
  }
  return local + directory + "PK\x05\x06" + le(0, 2) + le(0, 2) + le(members.size(), 2) +
         le(members.size(), 2) + le(directory.size(), 4) + le(local.size(), 4) + le(0, 2);
}

// The sidecar's description of one side's tokens.
nlohmann::json side_json(const Encoding& encoding, const Attention& a, const std::string& text) {
  nlohmann::json side;
  side["display"] = a.tokens;
  side["special"] = a.special;
  if (!encoding.ids.empty()) {
    side["tokens"] = encoding.tokens;
    side["ids"] = encoding.ids;
    side["type_ids"] = encoding.type_ids;
    nlohmann::json spans = nlohmann::json::array();
    for (const ByteSpan& span : encoding.spans) spans.push_back({span.begin, span.end});
    side["spans"] = spans;
  }
  if (!text.empty()) side["text"] = text;
  return side;
}

// The part named `name`, holding the values of its shape.
const Attention& checked_part(const AttentionSet& set, const char* name, const std::string& where) {
  const Attention& a = attention_part(set, name);
  const auto shape = shape_of(a);
  std::size_t size = 1;
  for (const auto extent : shape) size *= static_cast<std::size_t>(extent < 0 ? 0 : extent);
  if (size == 0 || a.weights.size() != size)
    throw Error(where + ": the " + std::string(name) + " attention of shape " + shape_text(shape) +
                " holds " + std::to_string(a.weights.size()) + " values");
  return a;
}

// Throws where the parts' shapes disagree: cross is [decoder layers, decoder heads, m, n] for
// the encoder's n and the decoder's m.
void check_shapes(const Attention& encoder, const Attention& decoder, const Attention& cross,
                  const std::string& where) {
  const auto text = [](const char* name, const Attention& a) {
    return std::string(name) + " " + shape_text(shape_of(a));
  };
  const std::string shapes = " (" + text("encoder", encoder) + ", " + text("decoder", decoder) +
                             ", " + text("cross", cross) + ")";
  if (encoder.columns() != encoder.n || decoder.columns() != decoder.n)
    throw Error(where + ": the encoder's and the decoder's attention must be square" + shapes);
  if (cross.layers != decoder.layers || cross.heads != decoder.heads)
    throw Error(where + ": cross attention has the decoder's layers and heads" + shapes);
  if (cross.n != decoder.n || cross.columns() != encoder.n)
    throw Error(where + ": cross attention is [layers, heads, m, n] for the decoder's m and the " +
                "encoder's n tokens" + shapes);
}

void check_tokens(const Attention& a, const char* name, const std::string& where) {
  const auto n = static_cast<std::size_t>(a.n);
  const auto keys = static_cast<std::size_t>(a.columns());
  if (a.tokens.size() != n || a.special.size() != n ||
      (a.cross() && (a.key_tokens.size() != keys || a.key_special.size() != keys)))
    throw Error(where + ": the " + std::string(name) + " attention's token lists do not have " +
                std::to_string(n) + " queries and " + std::to_string(keys) + " keys");
}

void check_encoding(const Encoding& e, const Attention& a, const char* side,
                    const std::string& where) {
  const auto n = static_cast<std::size_t>(a.n);
  if (!e.ids.empty() &&
      (e.ids.size() != n || e.tokens.size() != n || e.type_ids.size() != n || e.spans.size() != n))
    throw Error(where + ": the " + std::string(side) + " encoding does not have " +
                std::to_string(n) + " tokens (ids, tokens, type_ids, spans)");
}

// One side's tokens from the sidecar: display and special for `count` tokens, and the encoding
// where the sidecar holds it.
struct Side {
  std::vector<std::string> display;
  std::vector<bool> special;
  Encoding encoding;
  std::string text;
};

Side read_side(const nlohmann::json& meta, const char* name, std::size_t count,
               const std::string& sidecar, const std::string& where) {
  if (!meta.contains(name) || !meta.at(name).is_object())
    throw Error(sidecar + " has no \"" + name +
                "\" tokens: not the sidecar attnviz dump writes for an encoder-decoder model");
  const nlohmann::json& json = meta.at(name);
  Side side;
  try {
    json.at("display").get_to(side.display);
    if (json.contains("special")) json.at("special").get_to(side.special);
    if (json.contains("text")) json.at("text").get_to(side.text);
    if (json.contains("ids")) {
      Encoding& e = side.encoding;
      json.at("ids").get_to(e.ids);
      json.at("tokens").get_to(e.tokens);
      json.at("type_ids").get_to(e.type_ids);
      for (const auto& span : json.at("spans")) e.spans.push_back({span.at(0), span.at(1)});
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(sidecar + ": \"" + name +
                "\" does not hold its tokens as attnviz dump writes them (" + e.what() + ")");
  }
  if (side.display.size() != count)
    throw Error(sidecar + " has " + std::to_string(side.display.size()) + " " + name +
                " tokens but " + where + " has " + std::to_string(count) + ": they must match");
  if (side.special.size() != count) side.special.assign(count, false);
  Encoding& e = side.encoding;
  if (!e.ids.empty()) {
    if (e.ids.size() != count || e.tokens.size() != count || e.type_ids.size() != count ||
        e.spans.size() != count)
      throw Error(sidecar + ": the " + std::string(name) + " ids, tokens, type_ids and spans " +
                  "must each have " + std::to_string(count) + " entries");
    e.display = side.display;
    e.special = side.special;
  }
  return side;
}

// The array of one part, [layers, heads, queries, keys].
array_file::Array read_part(const std::vector<array_file::NpzMember>& members, const char* name,
                            const std::string& where) {
  std::string list;
  for (const auto& member : members) {
    if (member.name == std::string(name) + ".npy") {
      array_file::Array array =
          array_file::parse_npy(member.bytes, where + " (" + member.name + ")");
      if (array.shape.size() != 4)
        throw Error(where + ": " + name + " has shape " + shape_text(array.shape) +
                    "; an encoder-decoder's attentions are [layers, heads, queries, keys]");
      for (const auto extent : array.shape)
        if (extent == 0)
          throw Error(where + ": " + name + " has shape " + shape_text(array.shape) +
                      ": no matrices");
      return array;
    }
    list += (list.empty() ? "" : ", ") + member.name;
  }
  throw Error(where + " has no array '" + name + "' (it holds " + (list.empty() ? "none" : list) +
              "); an encoder-decoder's file holds encoder, decoder and cross, as attnviz dump " +
              "writes it");
}

Attention attention_of(const array_file::Array& array) {
  Attention a;
  a.layers = static_cast<int>(array.shape[0]);
  a.heads = static_cast<int>(array.shape[1]);
  a.n = static_cast<int>(array.shape[2]);
  a.weights = array.values;
  return a;
}

}  // namespace

const Attention& attention_part(const AttentionSet& set, const std::string& name) {
  std::string names;
  for (const NamedAttention& part : set) {
    if (part.name == name) return part.attention;
    names += (names.empty() ? "" : ", ") + part.name;
  }
  throw Error("no " + name + " attention here (this holds " + (names.empty() ? "none" : names) +
              "); --attention chooses one of those");
}

void write_attention_set_file(const std::filesystem::path& npz, const AttentionSetFile& file) {
  const std::string where = npz.string();
  const Attention& encoder = checked_part(file.attentions, "encoder", where);
  const Attention& decoder = checked_part(file.attentions, "decoder", where);
  const Attention& cross = checked_part(file.attentions, "cross", where);
  check_shapes(encoder, decoder, cross, where);
  check_tokens(encoder, "encoder", where);
  check_tokens(decoder, "decoder", where);
  check_tokens(cross, "cross", where);
  check_encoding(file.source, encoder, "source", where);
  check_encoding(file.target, decoder, "target", where);

  std::vector<array_file::NpzMember> members;
  for (const Attention* a : {&encoder, &decoder, &cross})
    members.push_back({std::string(kParts[members.size()]) + ".npy", npy_bytes(*a)});
  const std::string zip = zip_bytes(members, where);

  nlohmann::json meta;
  meta["model"] = file.model;
  meta["architecture"] = file.architecture;
  meta["kind"] = "encoder-decoder";
  meta["axes"] = {"layer", "head", "query", "key"};
  for (const Attention* a : {&encoder, &decoder, &cross}) {
    const char* name = kParts[meta["arrays"].size()];
    meta["arrays"][name] = {{"shape", shape_of(*a)},
                            {"queries", a == &encoder ? "source" : "target"},
                            {"keys", a == &decoder ? "target" : "source"},
                            {"causal", a->causal}};
  }
  meta["source"] = side_json(file.source, encoder, file.source_text);
  meta["target"] = side_json(file.target, decoder, file.target_text);
  meta["target"]["generated"] = file.generated;
  meta["npz"] = npz.filename().string();
  write_output_file(where, "attentions (.npz)", {zip});
  write_output_file(std::filesystem::path(npz).replace_extension(".json").string(),
                    "token sidecar (.json)", {meta.dump(2) + '\n'});
}

AttentionSetFile read_attention_set_file(const std::filesystem::path& npz,
                                         const AttentionFileOptions& options) {
  const std::string where = npz.string();
  const auto members = array_file::npz_members(array_file::read_bytes(npz), where);
  const array_file::Array arrays[] = {read_part(members, "encoder", where),
                                      read_part(members, "decoder", where),
                                      read_part(members, "cross", where)};
  Attention encoder = attention_of(arrays[0]), decoder = attention_of(arrays[1]),
            cross = attention_of(arrays[2]);
  cross.key_count = static_cast<int>(arrays[2].shape[3]);
  if (arrays[0].shape[3] != encoder.n || arrays[1].shape[3] != decoder.n)
    throw Error(where + ": the encoder's and the decoder's attention must be square (encoder " +
                shape_text(arrays[0].shape) + ", decoder " + shape_text(arrays[1].shape) + ")");
  check_shapes(encoder, decoder, cross, where);

  const std::filesystem::path sidecar = options.tokens.empty()
                                            ? std::filesystem::path(npz).replace_extension(".json")
                                            : options.tokens;
  if (!std::filesystem::exists(sidecar))
    throw Error("no tokens: " + sidecar.string() +
                " (the sidecar attnviz dump writes next to the .npz) is missing; give --tokens "
                "FILE.json");
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(array_file::read_bytes(sidecar));
  } catch (const nlohmann::json::exception& e) {
    throw Error(sidecar.string() + " is not valid JSON: " + e.what());
  }
  if (!meta.is_object())
    throw Error(sidecar.string() + " is not the sidecar attnviz dump writes (a JSON object)");
  const Side source = read_side(meta, "source", encoder.n, sidecar.string(), where);
  const Side target = read_side(meta, "target", decoder.n, sidecar.string(), where);

  encoder.tokens = source.display;
  encoder.special = source.special;
  decoder.tokens = cross.tokens = target.display;
  decoder.special = cross.special = target.special;
  cross.key_tokens = source.display;
  cross.key_special = source.special;
  decoder.causal = meta.value("/arrays/decoder/causal"_json_pointer, true);

  AttentionSetFile file;
  for (std::size_t i = 0; i < kParts.size(); ++i) {
    Attention& a = i == 0 ? encoder : i == 1 ? decoder : cross;
    array_file::check_rows(a, arrays[i].sum_tolerance, where + ": " + kParts[i], options);
    file.attentions.push_back({kParts[i], std::move(a)});
  }
  file.model = meta.value("model", std::string());
  if (file.model.empty()) file.model = npz.stem().string();
  file.architecture = meta.value("architecture", std::string());
  file.source_text = source.text;
  file.target_text = target.text;
  file.generated = meta.value("/target/generated"_json_pointer, false);
  file.source = source.encoding;
  file.target = target.encoding;
  return file;
}

bool holds_attention_set(const std::filesystem::path& path) {
  if (path.extension() != ".npz") return false;
  try {
    const auto members = array_file::npz_members(array_file::read_bytes(path), path.string());
    // Some of the names, in more than one array: the set's reader names what is missing.
    bool named = false;
    for (const auto& member : members)
      for (const char* name : kParts) named = named || member.name == std::string(name) + ".npy";
    return named && members.size() > 1;
  } catch (const Error&) {
    return false;  // the reader of one attention then says what is wrong with the file
  }
}

}  // namespace attnviz
