#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "attnviz/attention.hpp"
#include "attnviz/encoding.hpp"

namespace attnviz {

struct AttentionFileOptions {
  // The tokens: a JSON list of strings, or an object as `attnviz dump` writes it ("display" or
  // "tokens", and optionally "causal", "special", "model", "text", "pair", "spans", "type_ids").
  // Empty: the sidecar next to the file (attention.npy -> attention.json).
  std::filesystem::path tokens;
  // Every row must be a probability distribution (no negative value, sum 1). Off for files that
  // hold something else (scores, differences); values must still be finite.
  bool check = true;
  // How the errors of the check name the way to turn it off (the Python module: "check=False").
  std::string unchecked = "--no-check";
};

// Saved attentions, as `attnviz render` and `attnviz html --from` draw them.
struct AttentionFile {
  Attention attention;  // [layers][heads][n][n], tokens, special flags, causal
  std::string model;    // the sidecar's "model", else the file's stem
  // What the tokens were cut from, where the sidecar says (attnviz dump writes it): encoding has
  // tokens, display, spans, type_ids and special for the n tokens; text is sentence A, pair B.
  std::string text, pair;
  Encoding encoding;
  bool negative = false;  // some value is below 0 (only possible with check off)
};

// Reads a NumPy .npy (float16/32/64, either byte order, C or Fortran order), a .npz or a
// .safetensors holding one array of shape [layers, heads, n, n], [heads, n, n] or [n, n], with its
// tokens. Throws attnviz::Error with one line naming the file and what is wrong: an unsupported
// dtype or rank, a non-square matrix, a truncated file, a token count that is not n, NaN or an
// infinity, a row that is not a probability distribution (layer, head and row 1-based).
AttentionFile read_attention_file(const std::filesystem::path& path,
                                  const AttentionFileOptions& options = {});

// Attentions held in memory (the Python module's arrays), checked and assembled as
// read_attention_file checks a file's: values in C order of `shape`, tokens_json what the file's
// JSON sidecar would hold, `where` names them in errors. dtype is the values' stored precision
// ("float16", "bfloat16"; anything else counts as float32), which sets how far a row may sum
// from 1.
AttentionFile attention_from_values(std::vector<std::int64_t> shape, std::vector<float> values,
                                    const std::string& dtype, const std::string& tokens_json,
                                    const std::string& where,
                                    const AttentionFileOptions& options = {});

// The file's encoding, for what needs its words (--words merges word pieces by it). Throws
// attnviz::Error naming the file when its JSON does not hold one (ids, spans, type_ids, special, as
// attnviz dump writes them).
const Encoding& words_encoding(const AttentionFile& file, const std::filesystem::path& path);

}  // namespace attnviz
